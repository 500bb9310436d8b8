r"""Scores and calibration of predicted survival curves: Brier score, binomial log-likelihood, D-calibration.

``surv`` holds predicted survival probabilities, shape (n_samples, n_times): for the Brier score and the
binomial log-likelihood the columns are the evaluation ``times`` themselves; for D-calibration they are the
grid of the curves. IPCW uses the Kaplan-Meier censoring distribution of the training data (see
:mod:`deepstat.metrics.survival`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats

from deepstat.metrics.survival_inputs import (
    censoring_from,
    check_eval_times,
    check_grid,
    check_survival_matrix,
)
from deepstat.metrics.survival_kaplan_meier import step_function
from deepstat.utils.survival import check_time_event
from deepstat.utils.validation import format_values

__all__ = [
    "DCalibrationResult",
    "binomial_log_likelihood",
    "d_calibration",
    "d_calibration_at_times",
    "integrated_binomial_log_likelihood",
    "integrated_brier_score",
    "survival_brier_score",
]


def _ipcw_terms(
    time: Any, event: Any, surv: Any, times: Any, train_time: Any, train_event: Any, caller: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated (surv, times, case weights, control weights): both (n, n_times), 0 where G is 0."""
    t, e = check_time_event(time, event, caller)
    grid = check_eval_times(times, t, caller)
    s = check_survival_matrix(surv, t.shape[0], grid.shape[0], caller)
    g = censoring_from(train_time, train_event, t, e, caller)
    g_own, g_grid = g(t), g(grid)
    # G = 0 gives weight 0, as scikit-survival (its 1 / inf)
    inv_own = np.divide(1.0, g_own, out=np.zeros_like(g_own), where=g_own > 0)
    inv_grid = np.divide(1.0, g_grid, out=np.zeros_like(g_grid), where=g_grid > 0)
    case = ((t[:, None] <= grid[None, :]) & e[:, None]) * inv_own[:, None]  # died by t: weight 1/G(t_i)
    control = (t[:, None] > grid[None, :]) * inv_grid[None, :]  # still alive at t: weight 1/G(t)
    return s, grid, case, control


def survival_brier_score(
    time: Any, event: Any, surv: Any, *, times: Any, train_time: Any = None, train_event: Any = None
) -> np.ndarray:
    r"""Time-dependent Brier score of predicted survival probabilities, with IPCW.

    Parameters
    ----------
    time, event : array-like of shape (n_samples,)
        The evaluation data: observed times and event flags (1/True = event, 0/False = censored).
    surv : array-like of shape (n_samples, n_times)
        Predicted :math:`\hat S_i(t)` at each of ``times``.
    times : array-like of shape (n_times,)
        Strictly increasing evaluation times within the follow-up of the evaluation data, [min t, max t).
    train_time, train_event : array-like of shape (n_train,), optional
        Training data for the Kaplan-Meier censoring distribution :math:`\hat G` (default: the evaluation data).

    Returns
    -------
    ndarray of shape (n_times,)
        :math:`\mathrm{BS}(t)` at each time; lower is better, 0.25 for :math:`\hat S \equiv 0.5`.

    Raises
    ------
    ValueError
        If ``times`` lies outside [min t, max t) or is not increasing, ``surv`` is not (n_samples, n_times) in
        [0, 1], or the times or events are invalid.

    Notes
    -----
    .. math:: \mathrm{BS}(t) = \frac1n \sum_i \Bigl[\frac{\hat S_i(t)^2\, \mathbb 1(t_i \le t, \delta_i = 1)}{\hat G(t_i)}
              + \frac{(1 - \hat S_i(t))^2\, \mathbb 1(t_i > t)}{\hat G(t)}\Bigr]

    (Graf et al. 1999). A term whose :math:`\hat G` is 0 gets weight 0, as in scikit-survival, whose
    ``sksurv.metrics.brier_score`` this equals; beyond the largest training time :math:`\hat G` keeps its last
    value instead of raising.

    References
    ----------
    Graf, E., Schmoor, C., Sauerbrei, W. and Schumacher, M. (1999). Assessment and comparison of prognostic
    classification schemes for survival data. Statistics in Medicine 18(17-18), 2529-2545.

    Examples
    --------
    >>> survival_brier_score([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [[0.2], [0.6], [0.7], [0.9]], times=[1.5]).round(4).tolist()
    [0.075]
    """
    s, _, case, control = _ipcw_terms(time, event, surv, times, train_time, train_event, "survival_brier_score")
    return np.mean(s**2 * case + (1.0 - s) ** 2 * control, axis=0)


def _integrate(values: np.ndarray, grid: np.ndarray, caller: str) -> float:
    if grid.shape[0] < 2:
        raise ValueError(f"`times` of {caller} must hold at least 2 time points to integrate over. Got {grid.shape[0]} instead.")
    return float(np.trapezoid(values, grid) / (grid[-1] - grid[0]))


def integrated_brier_score(
    time: Any, event: Any, surv: Any, *, times: Any, train_time: Any = None, train_event: Any = None
) -> float:
    r"""Integrated Brier score: the Brier score averaged over [times[0], times[-1]] by the trapezoid rule.

    Parameters
    ----------
    time, event, surv, times, train_time, train_event
        As in :func:`survival_brier_score`; ``times`` needs at least 2 points.

    Returns
    -------
    float
        :math:`\mathrm{IBS} = \frac{1}{t_K - t_1} \int_{t_1}^{t_K} \mathrm{BS}(t)\, dt`, the integral taken by the
        trapezoid rule over the given times (scikit-survival's convention, whose ``integrated_brier_score`` this
        equals). pycox integrates over its own grid and divides by the same range; other conventions weight by
        the Kaplan-Meier drops instead.

    Raises
    ------
    ValueError
        As :func:`survival_brier_score`, and for fewer than 2 times.

    Examples
    --------
    >>> surv = [[0.2, 0.1], [0.6, 0.3], [0.7, 0.6], [0.9, 0.8]]
    >>> round(integrated_brier_score([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], surv, times=[1.5, 2.5]), 4)
    0.075
    """
    caller = "integrated_brier_score"
    s, grid, case, control = _ipcw_terms(time, event, surv, times, train_time, train_event, caller)
    return _integrate(np.mean(s**2 * case + (1.0 - s) ** 2 * control, axis=0), grid, caller)


def _bll(time: Any, event: Any, surv: Any, times: Any, train_time: Any, train_event: Any, eps: float, caller: str):
    if not 0 < eps < 0.5:
        raise ValueError(f"`eps` of {caller} must be in (0, 0.5). Got {eps!r} instead.")
    s, grid, case, control = _ipcw_terms(time, event, surv, times, train_time, train_event, caller)
    s = np.clip(s, eps, 1.0 - eps)
    return np.mean(np.log1p(-s) * case + np.log(s) * control, axis=0), grid


def binomial_log_likelihood(
    time: Any, event: Any, surv: Any, *, times: Any, train_time: Any = None, train_event: Any = None, eps: float = 1e-7
) -> np.ndarray:
    r"""Time-dependent binomial log-likelihood of predicted survival probabilities, with IPCW.

    Parameters
    ----------
    time, event, surv, times, train_time, train_event
        As in :func:`survival_brier_score`.
    eps : float, default=1e-7
        Probabilities are clipped to [eps, 1 - eps] before the logarithm (pycox's choice).

    Returns
    -------
    ndarray of shape (n_times,)
        :math:`\mathrm{BLL}(t) \le 0`; higher is better. pycox's ``nbll`` is its negative.

    Raises
    ------
    ValueError
        As :func:`survival_brier_score`, or ``eps`` outside (0, 0.5).

    Notes
    -----
    .. math:: \mathrm{BLL}(t) = \frac1n \sum_i \Bigl[\frac{\log(1 - \hat S_i(t))\, \mathbb 1(t_i \le t, \delta_i = 1)}{\hat G(t_i)}
              + \frac{\log \hat S_i(t)\, \mathbb 1(t_i > t)}{\hat G(t)}\Bigr]

    The Brier score with the squared error replaced by the Bernoulli log-likelihood (Graf et al. 1999).

    References
    ----------
    Graf, E. et al. (1999), as in :func:`survival_brier_score`; Kvamme, H. and Borgan, O. (2019). The Brier
    score under administrative censoring: problems and solutions. arXiv:1912.08581.

    Examples
    --------
    >>> binomial_log_likelihood([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [[0.2], [0.6], [0.7], [0.9]], times=[1.5]).round(4).tolist()
    [-0.299]
    """
    return _bll(time, event, surv, times, train_time, train_event, eps, "binomial_log_likelihood")[0]


def integrated_binomial_log_likelihood(
    time: Any, event: Any, surv: Any, *, times: Any, train_time: Any = None, train_event: Any = None, eps: float = 1e-7
) -> float:
    r"""Integrated binomial log-likelihood: :func:`binomial_log_likelihood` averaged over [times[0], times[-1]].

    Parameters
    ----------
    time, event, surv, times, train_time, train_event, eps
        As in :func:`binomial_log_likelihood`; ``times`` needs at least 2 points.

    Returns
    -------
    float
        :math:`\frac{1}{t_K - t_1}\int_{t_1}^{t_K} \mathrm{BLL}(t)\,dt` by the trapezoid rule over the given times
        (the convention of :func:`integrated_brier_score`); higher is better, pycox's ``integrated_nbll`` is
        its negative.

    Raises
    ------
    ValueError
        As :func:`binomial_log_likelihood`, and for fewer than 2 times.

    Examples
    --------
    >>> surv = [[0.2, 0.1], [0.6, 0.3], [0.7, 0.6], [0.9, 0.8]]
    >>> round(integrated_binomial_log_likelihood([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], surv, times=[1.5, 2.5]), 4)
    -0.299
    """
    caller = "integrated_binomial_log_likelihood"
    values, grid = _bll(time, event, surv, times, train_time, train_event, eps, caller)
    return _integrate(values, grid, caller)


@dataclass(frozen=True)
class DCalibrationResult:
    """Result of the D-calibration test.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square statistic of the bin counts against n / n_bins each.
    pvalue : float
        Upper tail of the chi-square distribution with ``n_bins - 1`` degrees of freedom.
    counts : ndarray of shape (n_bins,)
        (Fractional) number of observations per bin of :math:`S_i(t_i)`, bins [0, 1/B), ..., [1 - 1/B, 1].
    n_bins : int
        Number of bins B.
    """

    statistic: float
    pvalue: float
    counts: np.ndarray
    n_bins: int


def d_calibration(time: Any, event: Any, surv: Any, *, times: Any, n_bins: int = 10) -> DCalibrationResult:
    r"""D-calibration test: are the predicted survival probabilities at the observed times uniform?

    Parameters
    ----------
    time, event : array-like of shape (n_samples,)
        The evaluation data.
    surv : array-like of shape (n_samples, n_times)
        Predicted survival curves on the grid ``times``, read as right-continuous step functions (1 before the
        first grid time, the last value after the last one).
    times : array-like of shape (n_times,)
        Strictly increasing grid of the curves.
    n_bins : int, default=10
        Number of equal-width bins of [0, 1] (deciles by default).

    Returns
    -------
    DCalibrationResult
        The chi-square statistic, its p-value (``n_bins - 1`` degrees of freedom) and the bin counts.

    Raises
    ------
    ValueError
        If ``n_bins < 2``, or the inputs fail the checks of :func:`concordance_index_antolini`.

    Notes
    -----
    If the curves are the true ones, :math:`S_i(T_i) \sim U(0, 1)`. An event at :math:`t_i` adds 1 to the bin of
    :math:`c_i = S_i(t_i)`. A censored time only says :math:`S_i(T_i) < c_i`, uniform on :math:`[0, c_i]`: it adds
    :math:`(c_i - l_b)/c_i` to the bin :math:`[l_b, u_b)` holding :math:`c_i` and :math:`(u_b - l_b)/c_i` to every bin
    below (Haider et al. 2020, section 4.2; a censored :math:`c_i = 0` adds 1 to the lowest bin). The statistic is
    :math:`\sum_b (N_b - n/B)^2 / (n/B)`; a small p-value means the curves are not D-calibrated.

    References
    ----------
    Haider, H., Hoehn, B., Davis, S. and Greiner, R. (2020). Effective ways to build and evaluate individual
    survival distributions. Journal of Machine Learning Research 21(85), 1-63.

    Examples
    --------
    >>> grid = [1.0, 2.0, 3.0]
    >>> surv = [[0.95, 0.5, 0.05]] * 4
    >>> result = d_calibration([1.0, 2.0, 3.0, 2.5], [1, 1, 1, 0], surv, times=grid, n_bins=2)
    >>> result.counts.tolist(), round(result.pvalue, 4)
    ([2.0, 2.0], 1.0)
    """
    caller = "d_calibration"
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"`n_bins` of {caller} must be an integer >= 2. Got {n_bins!r} instead.")
    t, e = check_time_event(time, event, caller, require_event=False)
    grid = check_grid(times, caller)
    s = check_survival_matrix(surv, t.shape[0], grid.shape[0], caller)
    return d_calibration_at_times(step_function(grid, s, t), e, n_bins=n_bins)  # S_i(t_i)


def d_calibration_at_times(survival_at_time: Any, event: Any, *, n_bins: int = 10) -> DCalibrationResult:
    r"""D-calibration from each row's predicted survival probability at its own observed time, :math:`S_i(t_i)`.

    The same test as :func:`d_calibration` (which reads :math:`S_i(t_i)` off curves on a grid), for callers
    that evaluate each curve at its own time only: :math:`O(n)` memory instead of :math:`O(n \times` grid).

    Parameters
    ----------
    survival_at_time : array-like of shape (n_samples,)
        :math:`S_i(t_i)`, in [0, 1].
    event : array-like of shape (n_samples,)
        Event indicators (0/1 or bool).
    n_bins : int, default=10

    Returns
    -------
    DCalibrationResult

    Raises
    ------
    ValueError
        If ``n_bins < 2``, the lengths differ, or a probability is outside [0, 1] or NaN.

    Examples
    --------
    >>> d_calibration_at_times([0.95, 0.5, 0.05, 0.3], [1, 1, 1, 0], n_bins=2).counts.tolist()
    [2.0, 2.0]
    """
    caller = "d_calibration_at_times"
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"`n_bins` of {caller} must be an integer >= 2. Got {n_bins!r} instead.")
    c = np.asarray(survival_at_time, dtype=np.float64).reshape(-1)
    _, e = check_time_event(np.zeros(c.shape[0]), event, caller, require_event=False)
    bad = ~((c >= 0) & (c <= 1))
    if bad.any():
        raise ValueError(
            f"`survival_at_time` of {caller} must hold probabilities in [0, 1]. Got {int(bad.sum())} other value(s) "
            f"{format_values(c[bad])} instead."
        )
    t = c  # only its length is used below
    lower = np.arange(n_bins) / n_bins
    upper = np.arange(1, n_bins + 1) / n_bins
    counts = np.bincount(np.minimum((c[e] * n_bins).astype(np.int64), n_bins - 1), minlength=n_bins).astype(np.float64)
    cc = c[~e][:, None]
    overlap = np.clip(np.minimum(cc, upper[None, :]) - lower[None, :], 0.0, None)  # |[0, c] ∩ bin|
    share = np.divide(overlap, cc, out=np.zeros_like(overlap), where=cc > 0)
    share[cc[:, 0] == 0, 0] = 1.0
    counts += share.sum(axis=0)
    expected = t.shape[0] / n_bins
    statistic = float(((counts - expected) ** 2).sum() / expected)
    return DCalibrationResult(statistic, float(scipy.stats.chi2.sf(statistic, n_bins - 1)), counts, int(n_bins))
