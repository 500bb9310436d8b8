r"""Discrimination of survival models: Harrell's, Uno's and Antolini's concordance, and the time-dependent AUC.

All metrics take the evaluation data as arrays ``time`` (observed times) and ``event`` (1/True = event,
0/False = censored), plus a risk score per row (higher = earlier event) or survival curves on a time
grid, shape (n_samples, n_times). Metrics with inverse probability of censoring weights (IPCW) estimate
the censoring distribution by Kaplan-Meier on the *training* data (``train_time``, ``train_event``), as
scikit-survival does; see :class:`~deepstat.metrics.survival_kaplan_meier.CensoringDistribution` for the
rule beyond the largest training time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepstat.metrics.survival_inputs import (
    censoring_from,
    check_eval_times,
    check_grid,
    check_risk,
    check_survival_matrix,
)
from deepstat.metrics.survival_kaplan_meier import _kaplan_meier, step_function
from deepstat.utils.survival import check_time_event

__all__ = ["concordance_index_antolini", "concordance_index_harrell", "concordance_index_uno", "cumulative_dynamic_auc"]


def _count_below_in_prefix(values: np.ndarray, prefix: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """For each query q: ``#{k < prefix[q] : values[k] < bound[q]}``, for integer ``values`` in 0..n-1.

    A merge-sort tree built level by level with numpy: at level ``l`` the array is sorted within aligned
    blocks of size 2**l, and a prefix [0, m) is the union of one block per set bit of m. O(n log^2 n).
    """
    n = values.shape[0]
    counts = np.zeros(prefix.shape[0], dtype=np.int64)
    level = 0
    while (1 << level) <= n:
        size = 1 << level
        has_block = (prefix >> level) & 1 == 1  # bit `level` of m is set: the block (m >> level) - 1 is in [0, m)
        if has_block.any():
            keys = np.sort((np.arange(n) >> level) * (n + 1) + values)  # sorted by block, then value
            block = (prefix[has_block] >> level) - 1
            counts[has_block] += np.searchsorted(keys, block * (n + 1) + bound[has_block], side="left") - block * size
        level += 1
    return counts


def _pair_counts(time: np.ndarray, event: np.ndarray, risk: np.ndarray, tied_tol: float) -> tuple[np.ndarray, ...]:
    """Per event: (index, n comparable, n concordant, n tied in risk) over the pairs of Harrell's C.

    Pair (i, j) is comparable when i has an event and t_j > t_i, or t_j = t_i and j is censored.
    Concordant: risk_j < risk_i - tied_tol; tied: |risk_j - risk_i| <= tied_tol.
    """
    n = time.shape[0]
    time_rank = np.unique(time, return_inverse=True)[1].reshape(-1)
    s = 2 * time_rank + (~event).astype(np.int64)  # censored at t rank after the events at t
    order = np.argsort(-s, kind="stable")  # descending s: {j : s_j > s_i} is a prefix
    s_sorted = np.sort(s)
    risk_sorted = np.sort(risk)
    position = np.empty(n, dtype=np.int64)
    position[np.argsort(risk, kind="stable")] = np.arange(n)  # rank of each risk in risk_sorted
    idx = np.flatnonzero(event)
    m = n - np.searchsorted(s_sorted, s[idx], side="right")  # comparable partners of each event
    lo = np.searchsorted(risk_sorted, risk[idx] - tied_tol, side="left")  # risk_j < risk_i - tol  <=>  position_j < lo
    hi = np.searchsorted(risk_sorted, risk[idx] + tied_tol, side="right")  # risk_j <= risk_i + tol  <=>  position_j < hi
    values = position[order]
    below = _count_below_in_prefix(values, m, lo)
    tied = _count_below_in_prefix(values, m, hi) - below
    return idx, m, below, tied


def _weighted_concordance(m: np.ndarray, below: np.ndarray, tied: np.ndarray, weight: np.ndarray, caller: str) -> float:
    denominator = float(np.dot(weight, m))
    if denominator <= 0:
        raise ValueError(
            f"`event` of {caller} must give at least one comparable pair (an event before another observed time). "
            f"Got {int((m > 0).sum())} event(s) with a partner, with total weight 0, instead."
        )
    return float(np.dot(weight, below + 0.5 * tied) / denominator)


def concordance_index_harrell(time: Any, event: Any, risk: Any, *, tied_tol: float = 1e-8) -> float:
    r"""Harrell's concordance index of a risk score.

    Parameters
    ----------
    time : array-like of shape (n_samples,)
        Observed times (event or censoring), finite and non-negative.
    event : array-like of shape (n_samples,)
        1/True for an event, 0/False for a censored time; at least one event.
    risk : array-like of shape (n_samples,)
        Predicted risk score: higher means an earlier event (e.g. a Cox linear predictor; pass
        ``-median_survival`` or ``-S(t)`` for survival-scale predictions).
    tied_tol : float, default=1e-8
        Risks closer than this are tied and count 1/2.

    Returns
    -------
    float
        :math:`C \in [0, 1]`; 0.5 for a random score, 1 for a perfect ranking.

    Raises
    ------
    ValueError
        If the times are negative, NaN or infinite, the events are not 0/1, every row is censored, the
        lengths differ, or no pair is comparable.

    Notes
    -----
    .. math:: C = \frac{\sum_{i,j} \delta_i\, \mathbb 1(t_i < t_j)\,[\mathbb 1(r_i > r_j) + \tfrac12 \mathbb 1(r_i = r_j)]}
                     {\sum_{i,j} \delta_i\, \mathbb 1(t_i < t_j)}

    Ties in time: an event at :math:`t` is compared with a censored time equal to :math:`t`, not with another
    event at :math:`t` (as ``sksurv.metrics.concordance_index_censored``, whose value it equals). The pairs are
    counted in :math:`O(n \log^2 n)` with a merge-sort tree, not over all :math:`n^2` pairs.

    References
    ----------
    Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. and Rosati, R. A. (1982). Evaluating the yield of
    medical tests. JAMA 247(18), 2543-2546.

    Examples
    --------
    >>> concordance_index_harrell([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [0.9, 0.4, 0.5, 0.1])
    0.8
    """
    caller = "concordance_index_harrell"
    t, e = check_time_event(time, event, caller)
    r = check_risk(risk, t.shape[0], caller)
    _, m, below, tied = _pair_counts(t, e, r, tied_tol)
    return _weighted_concordance(m, below, tied, np.ones(m.shape[0]), caller)


def concordance_index_uno(
    time: Any,
    event: Any,
    risk: Any,
    *,
    train_time: Any = None,
    train_event: Any = None,
    tau: float | None = None,
    tied_tol: float = 1e-8,
) -> float:
    r"""Uno's concordance index: Harrell's pairs weighted by the inverse squared censoring probability.

    Parameters
    ----------
    time, event, risk : array-like of shape (n_samples,)
        The evaluation data and the predicted risk, as in :func:`concordance_index_harrell`.
    train_time, train_event : array-like of shape (n_train,), optional
        The training data, for the Kaplan-Meier censoring distribution :math:`\hat G`. When omitted,
        :math:`\hat G` is estimated from the evaluation data.
    tau : float, optional
        Truncation time: only events before ``tau`` are counted (the C is then consistent for the
        concordance restricted to [0, tau]). Default: no truncation.
    tied_tol : float, default=1e-8
        Risks closer than this are tied and count 1/2.

    Returns
    -------
    float
        Uno's :math:`C_\tau \in [0, 1]`.

    Raises
    ------
    ValueError
        As :func:`concordance_index_harrell`, and when :math:`\hat G(t_i) = 0` at a test event before ``tau``.

    Notes
    -----
    .. math:: C_\tau = \frac{\sum_{i,j} \delta_i \hat G(t_i)^{-2}\, \mathbb 1(t_i < t_j, t_i < \tau)\,
                     [\mathbb 1(r_i > r_j) + \tfrac12 \mathbb 1(r_i = r_j)]}
                     {\sum_{i,j} \delta_i \hat G(t_i)^{-2}\, \mathbb 1(t_i < t_j, t_i < \tau)}

    :math:`\hat G` is the right-continuous Kaplan-Meier estimate of the censoring survival function, evaluated
    at :math:`t_i`; beyond the largest training time it keeps its last value (scikit-survival raises there).
    Equals ``sksurv.metrics.concordance_index_ipcw``.

    References
    ----------
    Uno, H., Cai, T., Pencina, M. J., D'Agostino, R. B. and Wei, L. J. (2011). On the C-statistics for
    evaluating overall adequacy of risk prediction procedures with censored survival data. Statistics in
    Medicine 30(10), 1105-1117.

    Examples
    --------
    >>> round(concordance_index_uno([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [0.9, 0.4, 0.5, 0.1]), 4)
    0.8
    """
    caller = "concordance_index_uno"
    t, e = check_time_event(time, event, caller)
    r = check_risk(risk, t.shape[0], caller)
    if tau is not None and not (np.isfinite(tau) and tau > 0):
        raise ValueError(f"`tau` of {caller} must be a positive finite time. Got {tau!r} instead.")
    counted = e if tau is None else e & (t < tau)
    weights = censoring_from(train_time, train_event, t, e, caller).event_weights(t, counted, caller)
    idx, m, below, tied = _pair_counts(t, e, r, tied_tol)
    return _weighted_concordance(m, below, tied, weights[idx] ** 2, caller)


def concordance_index_antolini(
    time: Any, event: Any, surv: Any, *, times: Any, tied_tol: float = 1e-8, chunk_size: int = 2**20
) -> float:
    r"""Antolini's time-dependent concordance of predicted survival curves.

    Parameters
    ----------
    time, event : array-like of shape (n_samples,)
        The evaluation data, as in :func:`concordance_index_harrell`.
    surv : array-like of shape (n_samples, n_times)
        Predicted survival curves :math:`S_j(u)` on the grid ``times``, one row per observation.
    times : array-like of shape (n_times,)
        The strictly increasing grid of the curves. Each curve is read as a right-continuous step function:
        :math:`S_j(t) = S_j(u_k)` for the last grid time :math:`u_k \le t`, 1 before the first one, and the
        last value after the last one.
    tied_tol : float, default=1e-8
        Survival probabilities closer than this are tied and count 1/2.
    chunk_size : int, default=2**20
        Pairs compared per block (memory; the result does not depend on it).

    Returns
    -------
    float
        :math:`C^{td} \in [0, 1]`.

    Raises
    ------
    ValueError
        As :func:`concordance_index_harrell`; if ``surv`` is not (n_samples, n_times) in [0, 1] or ``times``
        is not strictly increasing and non-negative.

    Notes
    -----
    .. math:: C^{td} = \frac{\sum_{i,j} \delta_i\, \mathbb 1(t_i < t_j)\,[\mathbb 1(S_i(t_i) < S_j(t_i))
                     + \tfrac12 \mathbb 1(S_i(t_i) = S_j(t_i))]}{\sum_{i,j} \delta_i\, \mathbb 1(t_i < t_j)}

    with Harrell's comparable pairs (ties in time as in :func:`concordance_index_harrell`). The curves are
    compared at the earlier time :math:`t_i`, so crossing curves are judged where it matters. For curves that
    do not cross (proportional hazards) it equals Harrell's C of the risk :math:`-S(t)`. pycox's
    ``concordance_td("antolini")`` counts ties as 0, not 1/2.

    References
    ----------
    Antolini, L., Boracchi, P. and Biganzoli, E. (2005). A time-dependent discrimination index for survival
    data. Statistics in Medicine 24(24), 3927-3944.

    Examples
    --------
    >>> surv = [[0.5, 0.2], [0.9, 0.7], [0.8, 0.6]]
    >>> concordance_index_antolini([1.0, 3.0, 2.0], [1, 0, 1], surv, times=[1.0, 2.0])
    1.0
    """
    caller = "concordance_index_antolini"
    t, e = check_time_event(time, event, caller)
    grid = check_grid(times, caller)
    s = check_survival_matrix(surv, t.shape[0], grid.shape[0], caller)
    n = t.shape[0]
    time_rank = np.unique(t, return_inverse=True)[1].reshape(-1)
    key = 2 * time_rank + (~e).astype(np.int64)
    events = np.flatnonzero(e)
    column = np.searchsorted(grid, t[events], side="right") - 1  # grid column of each event time
    numerator = denominator = 0.0
    step = max(1, chunk_size // n)
    for start in range(0, events.shape[0], step):
        rows = events[start : start + step]
        col = column[start : start + step]
        s_at = np.where(col < 0, 1.0, s[:, np.clip(col, 0, None)])  # (n, chunk): S_j(t_i)
        own = s_at[rows, np.arange(rows.shape[0])]  # S_i(t_i)
        comparable = key[:, None] > key[rows][None, :]
        diff = s_at - own[None, :]
        score = np.where(np.abs(diff) <= tied_tol, 0.5, (diff > 0).astype(np.float64))
        numerator += float((score * comparable).sum())
        denominator += float(comparable.sum())
    if denominator == 0:
        raise ValueError(
            f"`event` of {caller} must give at least one comparable pair (an event before another observed time). Got none instead."
        )
    return numerator / denominator


def cumulative_dynamic_auc(
    time: Any,
    event: Any,
    risk: Any,
    *,
    times: Any,
    train_time: Any = None,
    train_event: Any = None,
    tied_tol: float = 1e-8,
) -> tuple[np.ndarray, float]:
    r"""Cumulative/dynamic time-dependent AUC at given times, with IPCW, and its weighted mean.

    Parameters
    ----------
    time, event : array-like of shape (n_samples,)
        The evaluation data.
    risk : array-like of shape (n_samples,) or (n_samples, n_times)
        Risk score (higher = earlier event), fixed or one column per time in ``times``.
    times : array-like of shape (n_times,)
        Strictly increasing evaluation times within the follow-up of the evaluation data, [min t, max t).
    train_time, train_event : array-like, optional
        Training data for the Kaplan-Meier censoring distribution (default: the evaluation data).
    tied_tol : float, default=1e-8
        Risks closer than this are tied and count 1/2.

    Returns
    -------
    auc : ndarray of shape (n_times,)
        :math:`\mathrm{AUC}(t)` at each time.
    mean_auc : float
        :math:`\sum_k \mathrm{AUC}(t_k)\,[\hat S(t_{k-1}) - \hat S(t_k)] / [1 - \hat S(t_{last})]`, weighted by the
        Kaplan-Meier drops of the evaluation data (``auc[0]`` for a single time).

    Raises
    ------
    ValueError
        If ``times`` lies outside [min t, max t) or is not increasing, shapes mismatch, a time has no case or no
        control, or :math:`\hat G = 0` at a test event time.

    Notes
    -----
    Cases at :math:`t`: events with :math:`t_i \le t`, weighted :math:`w_i = 1 / \hat G(t_i)`; controls: all with
    :math:`t_j > t`.

    .. math:: \mathrm{AUC}(t) = \frac{\sum_i \sum_j w_i\, \mathbb 1(t_i \le t, \delta_i)\, \mathbb 1(t_j > t)\,
              [\mathbb 1(r_i > r_j) + \tfrac12 \mathbb 1(r_i = r_j)]}{\sum_i w_i\, \mathbb 1(t_i \le t, \delta_i)
              \sum_j \mathbb 1(t_j > t)}

    A weighted Mann-Whitney statistic per time, :math:`O(n \log n)`. Equals
    ``sksurv.metrics.cumulative_dynamic_auc``.

    References
    ----------
    Uno, H., Cai, T., Tian, L. and Wei, L. J. (2007). Evaluating prediction rules for t-year survivors with
    censored regression models. JASA 102, 527-537. Hung, H. and Chiang, C.-T. (2010). Estimation methods for
    time-dependent AUC models with survival data. Canadian Journal of Statistics 38(1), 8-26.

    Examples
    --------
    >>> auc, mean_auc = cumulative_dynamic_auc([1.0, 2.0, 3.0, 4.0, 5.0], [1, 1, 0, 1, 0],
    ...                                        [0.9, 0.4, 0.5, 0.1, 0.2], times=[1.5, 3.5])
    >>> auc.round(4).tolist(), round(mean_auc, 4)
    ([1.0, 1.0], 1.0)
    """
    caller = "cumulative_dynamic_auc"
    t, e = check_time_event(time, event, caller)
    grid = check_eval_times(times, t, caller)
    r = check_risk(risk, t.shape[0], caller, n_times=grid.shape[0])
    r = np.broadcast_to(r[:, None], (t.shape[0], grid.shape[0])) if r.ndim == 1 else r
    w = censoring_from(train_time, train_event, t, e, caller).event_weights(t, e, caller)
    auc = np.empty(grid.shape[0])
    for k, tk in enumerate(grid):
        case = e & (t <= tk)
        control_risk = np.sort(r[t > tk, k])
        if not case.any() or control_risk.shape[0] == 0:
            raise ValueError(
                f"`times` of {caller} must leave at least one case and one control at each time. Got "
                f"{int(case.sum())} case(s) and {control_risk.shape[0]} control(s) at t = {tk:g} instead."
            )
        rc = r[case, k]
        below = np.searchsorted(control_risk, rc - tied_tol, side="left")
        tied = np.searchsorted(control_risk, rc + tied_tol, side="right") - below
        auc[k] = np.dot(w[case], below + 0.5 * tied) / (w[case].sum() * control_risk.shape[0])
    if grid.shape[0] == 1:
        return auc, float(auc[0])
    km = _kaplan_meier(t, e)
    s_times = step_function(km.time, km.survival, grid)
    drops = -np.diff(np.r_[1.0, s_times])
    return auc, float(np.dot(auc, drops) / (1.0 - s_times[-1]))
