"""``baseline_for``: the classical model to compare a deep family with."""

from __future__ import annotations

from typing import Any

from deepstat.baselines.glm import GLMBaseline
from deepstat.baselines.multinomial import MultinomialLogitBaseline
from deepstat.baselines.quantile import QuantRegBaseline
from deepstat.families import FAMILIES, Family

__all__ = ["BASELINE_FAMILIES", "baseline_for"]

#: deep family -> the GLM family of its classical counterpart ("categorical": multinomial logit)
BASELINE_FAMILIES: dict[str, str] = {
    "normal": "normal",
    "laplace": "normal",
    "student_t": "normal",
    "poisson": "poisson",
    "negative_binomial": "negative_binomial",
    "gamma": "gamma",
    "inverse_gaussian": "inverse_gaussian",
    "exponential": "gamma",
    "bernoulli": "bernoulli",
    "binomial": "binomial",
    "categorical": "categorical",
}


def baseline_for(family_name: Any) -> GLMBaseline | MultinomialLogitBaseline | QuantRegBaseline:
    """An unfitted classical baseline for a deep model's family (or for a quantile model).

    Parameters
    ----------
    family_name : str, Family or a quantile model
        A family name (a key of ``deepstat.families.FAMILIES``) or a fitted model's ``family_``;
        ``"quantile"``, or a model with ``quantiles`` (a ``DeepQuantileRegressor``), for linear
        quantile regression at the default or that model's levels. A family instance with a link
        other than its default (``Gamma(link="inverse")``) gets a baseline with the same link
        (``GLMBaseline(family="gamma", link="inverse")``).

    Returns
    -------
    GLMBaseline or MultinomialLogitBaseline
        normal, laplace, student_t -> ``GLMBaseline("normal")`` (the linear model);
        poisson -> ``GLMBaseline("poisson")``; negative_binomial -> ``GLMBaseline("negative_binomial")``;
        gamma, exponential -> ``GLMBaseline("gamma")`` (the exponential is the gamma with shape 1);
        inverse_gaussian -> ``GLMBaseline("inverse_gaussian")``;
        bernoulli -> ``GLMBaseline("bernoulli")``; binomial -> ``GLMBaseline("binomial")`` (set its ``trials=``
        to the deep model's); categorical -> ``MultinomialLogitBaseline()``;
        "quantile" -> ``QuantRegBaseline()``; a quantile model -> ``QuantRegBaseline(quantiles=model.quantiles)``.

    Raises
    ------
    TypeError
        If ``family_name`` is neither a string nor a Family.
    ValueError
        If the family is unknown, or has no classical counterpart here: beta (beta regression),
        von_mises (circular regression), multivariate_normal (multivariate regression),
        gaussian_mixture (mixture regression) and plackett_luce (rank-ordered logit).

    Examples
    --------
    >>> baseline_for("student_t")
    GLMBaseline()
    >>> baseline_for("exponential")
    GLMBaseline(family='gamma')
    >>> baseline_for("categorical")
    MultinomialLogitBaseline()
    >>> from deepstat.estimators import DeepQuantileRegressor
    >>> baseline_for(DeepQuantileRegressor(quantiles=(0.25, 0.75)))
    QuantRegBaseline(quantiles=(0.25, 0.75))
    >>> from deepstat.families import Bernoulli
    >>> baseline_for(Bernoulli(link="probit"))
    GLMBaseline(family='bernoulli', link='probit')
    """
    if not isinstance(family_name, (str, Family, type)) and hasattr(family_name, "quantiles"):
        return QuantRegBaseline(quantiles=tuple(family_name.quantiles))
    if family_name == "quantile":
        return QuantRegBaseline()
    link = None
    if isinstance(family_name, Family):
        choices = type(family_name).link_choices
        if choices and getattr(family_name, "link", choices[0]) != choices[0]:
            link = family_name.link  # the family's own link, paired in the baseline
        family_name = family_name.name
    if not isinstance(family_name, str):
        raise TypeError(f"`family_name` of baseline_for must be a string or a Family. Got {type(family_name).__name__} instead.")
    if family_name not in BASELINE_FAMILIES:
        if family_name in FAMILIES:
            raise ValueError(
                f"`family_name` of baseline_for must be a family with a classical counterpart {sorted(BASELINE_FAMILIES)}. "
                f"Got {family_name!r} instead, which has none in deepstat.baselines: "
                + _MISSING.get(family_name, "no classical model is implemented for it.")
            )
        raise ValueError(f"`family_name` of baseline_for must be one of {sorted(FAMILIES)}. Got {family_name!r} instead.")
    target = BASELINE_FAMILIES[family_name]
    if target == "categorical":
        return MultinomialLogitBaseline()
    return GLMBaseline(family=target) if link is None else GLMBaseline(family=target, link=link)


# why a family has no baseline (yet): the classical model it would need
_MISSING = {
    "beta": "beta regression (statsmodels' BetaModel) is not wrapped.",
    "von_mises": "circular regression has no statsmodels implementation.",
    "multivariate_normal": "multivariate linear regression is not wrapped.",
    "gaussian_mixture": "finite mixture regression has no statsmodels implementation.",
    "plackett_luce": "the rank-ordered logit has no statsmodels implementation.",
}
