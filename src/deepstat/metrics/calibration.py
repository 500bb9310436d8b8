"""Calibration of predictive distributions and intervals: PIT values, coverage, width, interval score."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.stats

from deepstat.metrics._validation import as_1d, check_same_length
from deepstat.utils import format_values, resolve_seed

__all__ = [
    "pit_values",
    "pit_ks_test",
    "interval_coverage",
    "mean_interval_width",
    "interval_score",
    "coverage_by_group",
]


def _probabilities(values: Any, name: str, caller: str) -> np.ndarray:
    p = as_1d(values, name, caller)
    outside = (p < 0) | (p > 1)
    if outside.any():
        raise ValueError(f"`{name}` of {caller} must lie in [0, 1]. Got {format_values(p[outside])} instead.")
    return p


def _interval(y: Any, lower: Any, upper: Any, caller: str) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    obs = None if y is None else as_1d(y, "y", caller)
    lo = as_1d(lower, "lower", caller)
    hi = as_1d(upper, "upper", caller)
    if obs is None:
        check_same_length(caller, lower=lo, upper=hi)
    else:
        check_same_length(caller, y=obs, lower=lo, upper=hi)
    crossed = lo > hi
    if crossed.any():
        raise ValueError(
            f"`lower` of {caller} must not exceed `upper`. Got {int(crossed.sum())} crossed interval(s), "
            f"lower={format_values(lo[crossed])} instead."
        )
    return obs, lo, hi


def pit_values(cdf_upper: Any, cdf_lower: Any = None, *, random_state: Any = None) -> np.ndarray:
    r"""Probability integral transform of observations under their predictive distributions.

    Parameters
    ----------
    cdf_upper : array-like of shape (n,)
        :math:`F_i(y_i)`, each row's predictive CDF at its observation.
    cdf_lower : array-like of shape (n,), default=None
        For discrete data, :math:`F_i(y_i - 1)` (the CDF just below the observation). ``None`` means
        continuous data: the PIT is then :math:`F_i(y_i)` itself.
    random_state : None, int or numpy random generator, default=None
        Seeds the uniform draws of the randomised PIT (unused for continuous data).

    Returns
    -------
    ndarray of shape (n,)
        PIT values in [0, 1]; i.i.d. U(0, 1) when the predictive distributions are the true ones.

    Raises
    ------
    ValueError
        If a value lies outside [0, 1], the lengths differ, or ``cdf_lower > cdf_upper`` somewhere.

    See Also
    --------
    pit_ks_test : Test the PIT values for uniformity.

    Notes
    -----
    For discrete data :math:`F(y)` alone is not uniform. The randomised PIT draws
    :math:`U_i \sim \mathrm{U}(F_i(y_i - 1), F_i(y_i))`, which is exactly U(0, 1) under the true model
    (Czado, Gneiting & Held 2009, Biometrics 65(4), 1254-1261, section 2.1).

    Examples
    --------
    >>> pit_values([0.1, 0.5, 0.9])
    array([0.1, 0.5, 0.9])
    >>> u = pit_values([0.5, 1.0], [0.25, 0.75], random_state=0)
    >>> bool(((u >= [0.25, 0.75]) & (u <= [0.5, 1.0])).all())
    True
    """
    caller = "pit_values"
    upper = _probabilities(cdf_upper, "cdf_upper", caller)
    if cdf_lower is None:
        return upper.copy()
    lower = _probabilities(cdf_lower, "cdf_lower", caller)
    check_same_length(caller, cdf_upper=upper, cdf_lower=lower)
    crossed = lower > upper
    if crossed.any():
        raise ValueError(
            f"`cdf_lower` of {caller} must not exceed `cdf_upper` (F(y - 1) <= F(y)). "
            f"Got {format_values(lower[crossed])} instead."
        )
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(resolve_seed(random_state))
    return lower + rng.uniform(size=upper.shape[0]) * (upper - lower)


def pit_ks_test(pit: Any) -> tuple[float, float]:
    """Kolmogorov-Smirnov test of PIT values against U(0, 1).

    Parameters
    ----------
    pit : array-like of shape (n,)
        PIT values, e.g. from :func:`pit_values`.

    Returns
    -------
    statistic : float
        The KS distance between the empirical CDF of ``pit`` and the identity on [0, 1].
    pvalue : float
        Two-sided p-value (``scipy.stats.kstest(pit, "uniform")``); small values flag miscalibration.

    Raises
    ------
    ValueError
        If a value lies outside [0, 1] or is NaN.

    Examples
    --------
    >>> statistic, pvalue = pit_ks_test([0.1, 0.3, 0.5, 0.7, 0.9])
    >>> round(statistic, 3)
    0.1
    """
    u = _probabilities(pit, "pit", "pit_ks_test")
    result = scipy.stats.kstest(u, "uniform")
    return float(result.statistic), float(result.pvalue)


def interval_coverage(y: Any, lower: Any, upper: Any) -> float:
    """Fraction of observations inside their prediction interval, ends included.

    Parameters
    ----------
    y : array-like of shape (n,)
        Observations.
    lower, upper : array-like of shape (n,)
        Interval ends, ``lower <= upper``.

    Returns
    -------
    float
        Empirical coverage in [0, 1]; compare with the nominal level ``1 - alpha``.

    Raises
    ------
    ValueError
        If the lengths differ, ``lower > upper`` somewhere, or a value is NaN or inf.

    Examples
    --------
    >>> interval_coverage([0.0, 1.0, 5.0], [-1.0, 1.0, 0.0], [1.0, 2.0, 4.0])
    0.6666666666666666
    """
    obs, lo, hi = _interval(y, lower, upper, "interval_coverage")
    return float(np.mean((lo <= obs) & (obs <= hi)))


def mean_interval_width(lower: Any, upper: Any) -> float:
    """Mean width ``upper - lower`` of prediction intervals (sharpness; smaller is sharper).

    Parameters
    ----------
    lower, upper : array-like of shape (n,)
        Interval ends, ``lower <= upper``.

    Returns
    -------
    float
        The mean width, in the units of ``y``.

    Raises
    ------
    ValueError
        If the lengths differ, ``lower > upper`` somewhere, or a value is NaN or inf.

    Examples
    --------
    >>> mean_interval_width([0.0, 1.0], [1.0, 4.0])
    2.0
    """
    _, lo, hi = _interval(None, lower, upper, "mean_interval_width")
    return float(np.mean(hi - lo))


def interval_score(y: Any, lower: Any, upper: Any, alpha: float) -> float:
    r"""Mean interval (Winkler) score of central :math:`(1 - \alpha)` prediction intervals; lower is better.

    Parameters
    ----------
    y : array-like of shape (n,)
        Observations.
    lower, upper : array-like of shape (n,)
        Interval ends, ``lower <= upper``.
    alpha : float
        Nominal miscoverage in (0, 1): the intervals claim level ``1 - alpha``.

    Returns
    -------
    float
        :math:`\frac1n \sum_i (u_i - l_i) + \frac{2}{\alpha}(l_i - y_i)\mathbf 1\{y_i < l_i\}
        + \frac{2}{\alpha}(y_i - u_i)\mathbf 1\{y_i > u_i\}`.

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1), the lengths differ, or ``lower > upper`` somewhere.

    Notes
    -----
    A proper score for the pair of :math:`\alpha/2` and :math:`1 - \alpha/2` quantiles: it rewards
    narrow intervals and charges :math:`2/\alpha` per unit of miss (Gneiting & Raftery 2007, JASA,
    eq. 43).

    Examples
    --------
    >>> interval_score([0.0, 3.0], [-1.0, 0.0], [1.0, 2.0], alpha=0.1)
    12.0
    """
    caller = "interval_score"
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating, np.integer)) or not 0.0 < alpha < 1.0:
        raise ValueError(f"`alpha` of {caller} must be a float in (0, 1). Got {alpha!r} instead.")
    obs, lo, hi = _interval(y, lower, upper, caller)
    below = (2.0 / alpha) * np.maximum(lo - obs, 0.0)
    above = (2.0 / alpha) * np.maximum(obs - hi, 0.0)
    return float(np.mean(hi - lo + below + above))


def coverage_by_group(y: Any, lower: Any, upper: Any, groups: Any) -> pd.DataFrame:
    """Interval coverage and row count per group (conditional coverage).

    Parameters
    ----------
    y : array-like of shape (n,)
        Observations.
    lower, upper : array-like of shape (n,)
        Interval ends, ``lower <= upper``.
    groups : array-like of shape (n,)
        Group label of each row: a category, or bins such as ``pandas.qcut(prediction, 10)`` for
        coverage by decile of the prediction. Missing labels are not allowed.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted, index named ``"group"``) with columns ``"coverage"`` (float in
        [0, 1]) and ``"count"`` (int).

    Raises
    ------
    ValueError
        If ``groups`` has missing labels or another length, or for the reasons of :func:`interval_coverage`.

    Examples
    --------
    >>> y, lower, upper = [0.0, 2.0, 0.5, 9.0], [-1.0, -1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]
    >>> coverage_by_group(y, lower, upper, groups=["a", "a", "b", "b"])  # doctest: +NORMALIZE_WHITESPACE
           coverage  count
    group
    a           0.5      2
    b           0.5      2
    """
    caller = "coverage_by_group"
    obs, lo, hi = _interval(y, lower, upper, caller)
    if hasattr(groups, "detach"):  # torch tensor
        groups = groups.detach().cpu().numpy()
    labels = pd.Series(np.asarray(groups) if not isinstance(groups, (pd.Series, pd.Categorical)) else groups)
    labels = labels.reset_index(drop=True)
    if labels.ndim != 1 or len(labels) != obs.shape[0]:
        raise ValueError(f"`groups` of {caller} must have one label per row ({obs.shape[0]}). Got {len(labels)} labels instead.")
    missing = labels.isna()
    if missing.any():
        raise ValueError(
            f"`groups` of {caller} must not contain missing labels. Got {int(missing.sum())} missing label(s) "
            f"(first at row {int(np.flatnonzero(missing.to_numpy())[0])}) instead."
        )
    inside = pd.Series((lo <= obs) & (obs <= hi), dtype=np.float64)
    table = inside.groupby(labels, observed=True, sort=True).agg(["mean", "size"])
    table = table.rename(columns={"mean": "coverage", "size": "count"})
    table["count"] = table["count"].astype(np.int64)
    table.index.name = "group"
    return table
