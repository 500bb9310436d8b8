"""Registry of families by name: ``FAMILIES``, ``get_family`` and ``family_from_config``."""

from __future__ import annotations

from typing import Any

from deepstat.families.base import Family
from deepstat.families.bernoulli import Bernoulli
from deepstat.families.binomial import Binomial
from deepstat.families.beta import Beta
from deepstat.families.categorical import Categorical
from deepstat.families.exponential import Exponential
from deepstat.families.gamma import Gamma
from deepstat.families.inverse_gaussian import InverseGaussian
from deepstat.families.gaussian_mixture import GaussianMixture
from deepstat.families.laplace import Laplace
from deepstat.families.log_logistic import LogLogistic
from deepstat.families.log_normal import LogNormal
from deepstat.families.multivariate_normal import MultivariateNormal
from deepstat.families.negative_binomial import NegativeBinomial
from deepstat.families.normal import Normal
from deepstat.families.plackett_luce import PlackettLuce
from deepstat.families.poisson import Poisson
from deepstat.families.student_t import StudentT
from deepstat.families.von_mises import VonMises
from deepstat.families.weibull import Weibull

__all__ = ["FAMILIES", "get_family", "family_from_config"]

#: Family classes by registry name, in the order of the course's table.
FAMILIES: dict[str, type[Family]] = {
    cls.name: cls
    for cls in (
        Normal,
        Laplace,
        StudentT,
        GaussianMixture,
        Exponential,
        Gamma,
        InverseGaussian,
        Beta,
        MultivariateNormal,
        VonMises,
        Bernoulli,
        Binomial,
        Categorical,
        Poisson,
        PlackettLuce,
        NegativeBinomial,
        Weibull,
        LogNormal,
        LogLogistic,
    )
}


def get_family(family: str | Family, **kwargs: Any) -> Family:
    """Resolve a family given by name (with constructor arguments) or as an instance.

    Parameters
    ----------
    family : str or Family
        A key of ``FAMILIES`` or a ``Family`` instance (returned as is).
    **kwargs
        Constructor arguments, e.g. ``n_components=3`` for ``"gaussian_mixture"``.

    Returns
    -------
    Family

    Raises
    ------
    ValueError
        If the name is unknown (the message lists the valid names), or ``kwargs`` are given
        with an instance.
    TypeError
        If ``family`` is neither a string nor a ``Family``, or ``kwargs`` do not fit the family.

    Examples
    --------
    >>> get_family("gaussian_mixture", n_components=3)
    GaussianMixture(n_components=3)
    >>> get_family("poisson").n_params
    1
    """
    if isinstance(family, Family):
        if kwargs:
            raise ValueError(
                f"`kwargs` of get_family must be empty when `family` is an instance. Got {sorted(kwargs)} instead."
            )
        return family
    if not isinstance(family, str):
        raise TypeError(
            f"`family` of get_family must be a string or a Family instance. Got {type(family).__name__} instead."
        )
    if family not in FAMILIES:
        raise ValueError(f"`family` of get_family must be one of {sorted(FAMILIES)}. Got {family!r} instead.")
    return FAMILIES[family](**kwargs)


def family_from_config(config: dict[str, Any]) -> Family:
    """Recreate a family from ``Family.to_config()`` output.

    Raises
    ------
    TypeError
        If ``config`` is not a dict.
    ValueError
        If it has no known ``"name"`` or holds keys the family does not take.

    Examples
    --------
    >>> family_from_config({"name": "categorical", "n_classes": 4})
    Categorical(n_classes=4)
    """
    if not isinstance(config, dict):
        raise TypeError(f"`config` of family_from_config must be a dict. Got {type(config).__name__} instead.")
    name = config.get("name")
    if name not in FAMILIES:
        raise ValueError(f"`config['name']` of family_from_config must be one of {sorted(FAMILIES)}. Got {name!r} instead.")
    return FAMILIES[name].from_config(config)
