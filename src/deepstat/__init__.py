"""deepstat: deep learning methods for advanced statistical problems.

The likelihood recipe as an API: a network for the input type, a family for the output,
fitted by negative log-likelihood, predicting whole distributions.

>>> from deepstat import DeepRegressor, DeepCoxPH, MLP, Linear, families
>>> DeepRegressor(family="gamma", network=MLP(hidden_sizes=(32,))).network.hidden_sizes
(32,)
"""

from deepstat import baselines, datasets, evaluation, families, metrics, nn
from deepstat._version import __version__
from deepstat._load import load
from deepstat.estimators import (
    DeepAFT,
    DeepClassifier,
    DeepCoxPH,
    DeepCoxTimeVarying,
    DeepHit,
    DeepQuantileRegressor,
    DeepRegressor,
    LogisticHazard,
)
from deepstat.evaluation import compare
from deepstat.nn import MLP, Linear
from deepstat.utils.config import config_context, get_config, set_config

__all__ = [
    "DeepRegressor",
    "DeepClassifier",
    "DeepQuantileRegressor",
    "DeepCoxPH",
    "DeepCoxTimeVarying",
    "DeepAFT",
    "LogisticHazard",
    "DeepHit",
    "MLP",
    "Linear",
    "families",
    "nn",
    "evaluation",
    "datasets",
    "baselines",
    "metrics",
    "compare",
    "load",
    "config_context",
    "get_config",
    "set_config",
    "__version__",
]
