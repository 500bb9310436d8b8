"""The likelihood recipe: families map raw network outputs ``eta`` to torch distributions through links."""

from deepstat.families.base import Family
from deepstat.families.bernoulli import Bernoulli
from deepstat.families.binomial import Binomial
from deepstat.families.beta import Beta
from deepstat.families.categorical import Categorical
from deepstat.families.exponential import Exponential
from deepstat.families.gamma import Gamma, log_gammaincc
from deepstat.families.gaussian_mixture import GaussianMixture
from deepstat.families.inverse_gaussian import InverseGaussian, InverseGaussianDistribution
from deepstat.families.laplace import Laplace
from deepstat.families.links import (
    LINKS,
    CauchitLink,
    CholeskyLink,
    CLogLogLink,
    IdentityLink,
    InverseLink,
    InverseSquaredLink,
    Link,
    LogitLink,
    LogLink,
    ProbitLink,
    SoftplusLink,
    SqrtLink,
)
from deepstat.families.log_logistic import LogLogistic, LogLogisticDistribution
from deepstat.families.log_normal import LogNormal
from deepstat.families.multivariate_normal import MultivariateNormal
from deepstat.families.negative_binomial import NegativeBinomial
from deepstat.families.normal import Normal
from deepstat.families.plackett_luce import PlackettLuce, PlackettLuceDistribution
from deepstat.families.poisson import Poisson
from deepstat.families.registry import FAMILIES, family_from_config, get_family
from deepstat.families.student_t import StudentT
from deepstat.families.von_mises import VonMises
from deepstat.families.weibull import Weibull

__all__ = [
    "Family",
    "Link",
    "IdentityLink",
    "LogLink",
    "SoftplusLink",
    "LogitLink",
    "CholeskyLink",
    "InverseLink",
    "InverseSquaredLink",
    "SqrtLink",
    "ProbitLink",
    "CLogLogLink",
    "CauchitLink",
    "LINKS",
    "Normal",
    "Laplace",
    "StudentT",
    "GaussianMixture",
    "Exponential",
    "Gamma",
    "InverseGaussian",
    "InverseGaussianDistribution",
    "Beta",
    "MultivariateNormal",
    "VonMises",
    "Bernoulli",
    "Binomial",
    "Categorical",
    "Poisson",
    "NegativeBinomial",
    "Weibull",
    "LogNormal",
    "LogLogistic",
    "LogLogisticDistribution",
    "log_gammaincc",
    "PlackettLuce",
    "PlackettLuceDistribution",
    "FAMILIES",
    "get_family",
    "family_from_config",
]
