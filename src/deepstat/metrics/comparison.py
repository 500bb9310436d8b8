"""Paired comparison of two models' losses on the same rows: the Diebold-Mariano test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.stats

from deepstat.metrics._validation import as_1d, check_same_length

__all__ = ["PairedTestResult", "diebold_mariano"]

_ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class PairedTestResult:
    """Result of a paired test of two models' losses.

    Attributes
    ----------
    statistic : float
        The test statistic, approximately N(0, 1) under the null of equal expected loss.
    pvalue : float
        The p-value for the chosen alternative, in [0, 1].
    mean_difference : float
        Mean of ``loss_a - loss_b``: negative when model a has the smaller average loss.
    n : int
        Number of paired rows.
    lag : int
        Number of autocovariance lags in the variance (0 for independent rows).
    """

    statistic: float
    pvalue: float
    mean_difference: float
    n: int
    lag: int


def _hac_variance(d: np.ndarray, lag: int) -> float:
    r"""Newey-West long-run variance of ``d``: :math:`\hat\gamma_0 + 2 \sum_{k=1}^{L} (1 - \frac{k}{L+1}) \hat\gamma_k`."""
    e = d - d.mean()
    n = e.shape[0]
    variance = np.dot(e, e) / n
    for k in range(1, lag + 1):
        variance += 2.0 * (1.0 - k / (lag + 1.0)) * np.dot(e[k:], e[:-k]) / n  # Bartlett weight * gamma_k
    return float(variance)


def diebold_mariano(
    loss_a: Any,
    loss_b: Any,
    *,
    lag: int = 0,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> PairedTestResult:
    r"""Diebold-Mariano test of equal expected loss of two models scored on the same rows.

    Parameters
    ----------
    loss_a, loss_b : array-like of shape (n,)
        Per-row losses of models a and b (e.g. squared errors, NLL or CRPS per row), paired by row;
        ``n >= 2``.
    lag : int, default=0
        Autocovariance lags :math:`L` in the Newey-West variance, ``0 <= lag < n``. Use 0 for
        independent rows (cross-sectional data) and about ``h - 1`` for ``h``-step forecasts.
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        The alternative hypothesis: ``"less"`` means model a has the smaller expected loss,
        ``"greater"`` the larger (scipy's vocabulary, for ``d = loss_a - loss_b``).

    Returns
    -------
    PairedTestResult
        ``statistic`` :math:`= \bar d / \sqrt{\hat\sigma^2_{HAC} / n}` with its normal p-value, the mean
        difference :math:`\bar d`, ``n`` and ``lag``.

    Raises
    ------
    ValueError
        If the lengths differ, there are fewer than 2 rows, a loss is NaN or inf, ``lag`` is not in
        ``0..n-1``, or ``alternative`` is not one of the three options.

    Notes
    -----
    With :math:`d_t = \text{loss\_a}_t - \text{loss\_b}_t` and
    :math:`\hat\gamma_k = \frac1n \sum_{t=k+1}^n (d_t - \bar d)(d_{t-k} - \bar d)`, the variance is
    :math:`\hat\sigma^2_{HAC} = \hat\gamma_0 + 2 \sum_{k=1}^{L} (1 - \frac{k}{L+1}) \hat\gamma_k`
    (Newey & West 1987, Bartlett weights, never negative). The statistic is referred to N(0, 1)
    (Diebold & Mariano 1995, JBES 13(3), 253-263). For ``lag=0`` it is the paired t statistic with the
    variance divided by :math:`n` instead of :math:`n - 1`: :math:`t \sqrt{n / (n - 1)}`.

    When every :math:`d_t` is equal the variance is 0: the statistic is then 0 (p-value 1) if the
    models tie exactly and :math:`\pm\infty` (p-value 0 or 1 by the alternative) otherwise.

    Examples
    --------
    >>> result = diebold_mariano([1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 1.8, 3.6, 4.7, 5.2], alternative="less")
    >>> round(result.statistic, 4), round(result.pvalue, 4), round(result.mean_difference, 2)
    (-2.4678, 0.0068, -0.36)
    """
    caller = "diebold_mariano"
    a = as_1d(loss_a, "loss_a", caller)
    b = as_1d(loss_b, "loss_b", caller)
    n = check_same_length(caller, loss_a=a, loss_b=b)
    if n < 2:
        raise ValueError(f"`loss_a` of {caller} must have at least 2 rows. Got {n} row instead.")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or not 0 <= lag < n:
        raise ValueError(f"`lag` of {caller} must be an integer in 0..{n - 1} (n - 1). Got {lag!r} instead.")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"`alternative` of {caller} must be one of {_ALTERNATIVES}. Got {alternative!r} instead.")
    d = a - b
    mean_difference = float(d.mean())
    variance = _hac_variance(d, int(lag))
    if variance > 0.0:
        statistic = mean_difference / np.sqrt(variance / n)
    else:  # constant differences: an exact tie, or a difference with no sampling noise
        statistic = 0.0 if mean_difference == 0.0 else float(np.copysign(np.inf, mean_difference))
    if alternative == "two-sided":
        pvalue = 2.0 * scipy.stats.norm.sf(abs(statistic))
    elif alternative == "less":
        pvalue = scipy.stats.norm.cdf(statistic)
    else:
        pvalue = scipy.stats.norm.sf(statistic)
    return PairedTestResult(
        statistic=float(statistic), pvalue=float(min(pvalue, 1.0)), mean_difference=mean_difference, n=n, lag=int(lag)
    )
