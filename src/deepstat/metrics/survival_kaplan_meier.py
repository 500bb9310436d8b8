"""The Kaplan-Meier estimator (vectorised, O(n log n)) and the censoring weights of the IPCW survival metrics."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deepstat.utils.survival import check_time_event

__all__ = ["KaplanMeierResult", "kaplan_meier"]


class KaplanMeierResult(NamedTuple):
    """The Kaplan-Meier curve at the distinct observed times.

    Attributes
    ----------
    time : ndarray of shape (n_times,)
        Distinct observed times (events and censorings), increasing.
    survival : ndarray of shape (n_times,)
        :math:`\\hat S(t)` just after each time (the curve is right-continuous).
    n_at_risk : ndarray of shape (n_times,)
        Number at risk just before each time.
    n_events : ndarray of shape (n_times,)
        Number of events at each time (censorings when ``reverse=True``).
    """

    time: np.ndarray
    survival: np.ndarray
    n_at_risk: np.ndarray
    n_events: np.ndarray


def kaplan_meier(time: Any, event: Any, *, reverse: bool = False) -> KaplanMeierResult:
    r"""Kaplan-Meier estimate of the survival function (or, with ``reverse``, of the censoring distribution).

    Parameters
    ----------
    time : array-like of shape (n_samples,)
        Observed times, finite and non-negative.
    event : array-like of shape (n_samples,)
        1/True for an event, 0/False for a right-censored time.
    reverse : bool, default=False
        Estimate the censoring survival function :math:`G(t) = P(C > t)` instead, treating censorings as
        the events; at tied times events are taken to happen before censorings (as scikit-survival does).

    Returns
    -------
    KaplanMeierResult
        ``(time, survival, n_at_risk, n_events)`` at the distinct observed times.

    Raises
    ------
    ValueError
        If the times are negative, NaN or infinite, or the event flags are not 0/1.

    Notes
    -----
    .. math:: \hat S(t) = \prod_{t_k \le t} \Bigl(1 - \frac{d_k}{n_k}\Bigr),

    with :math:`d_k` events among the :math:`n_k` subjects at risk at the distinct time :math:`t_k`
    (Kaplan & Meier 1958). One sort and cumulative sums: :math:`O(n \log n)`. For ``reverse=True``,
    :math:`d_k` is the number censored at :math:`t_k` and :math:`n_k` excludes the events at :math:`t_k`.
    Equals ``sksurv.nonparametric.kaplan_meier_estimator`` and lifelines' ``KaplanMeierFitter``.

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete observations.
    Journal of the American Statistical Association 53(282), 457-481.

    Examples
    --------
    >>> km = kaplan_meier([1.0, 2.0, 2.0, 3.0, 4.0], [1, 1, 0, 1, 0])
    >>> km.time.tolist(), km.survival.round(4).tolist()
    ([1.0, 2.0, 3.0, 4.0], [0.8, 0.6, 0.3, 0.3])
    """
    t, e = check_time_event(time, event, "kaplan_meier", require_event=False)
    return _kaplan_meier(t, e, reverse=reverse)


def _kaplan_meier(t: np.ndarray, e: np.ndarray, *, reverse: bool = False) -> KaplanMeierResult:
    """:func:`kaplan_meier` on validated arrays."""
    order = np.argsort(t, kind="stable")
    t_sorted = t[order]
    unique, first, counts = np.unique(t_sorted, return_index=True, return_counts=True)
    n_events = np.add.reduceat(e[order].astype(np.int64), first)  # events at each distinct time
    n_at_risk = t.shape[0] - first  # sorted: everyone from the first index on is still at risk
    if reverse:
        n_at_risk = n_at_risk - n_events
        n_events = counts - n_events
    ratio = np.divide(n_events, n_at_risk, out=np.zeros(unique.shape[0]), where=n_events != 0)
    return KaplanMeierResult(unique, np.cumprod(1.0 - ratio), n_at_risk, n_events)


def step_function(grid: np.ndarray, values: np.ndarray, at: np.ndarray, *, before: float = 1.0) -> np.ndarray:
    """Evaluate the right-continuous step function ``values`` (jumps at ``grid``) at ``at``.

    Before ``grid[0]`` the value is ``before``; after ``grid[-1]`` the last value is carried forward.
    ``values`` may be 1-d (n_grid,) or 2-d (n_rows, n_grid) with ``at`` of shape (n_rows,) (one time per row).
    """
    idx = np.searchsorted(grid, at, side="right") - 1  # last grid point <= at
    if values.ndim == 1:
        out = values[np.clip(idx, 0, None)]
    else:
        out = values[np.arange(values.shape[0]), np.clip(idx, 0, None)]
    return np.where(idx < 0, before, out)


class CensoringDistribution:
    """The Kaplan-Meier censoring survival function :math:`\\hat G` of the training data, for IPCW.

    ``G(t)`` is 1 before the first training time; beyond the largest training time it is clipped to its
    last value (the estimate at the largest training time), so test times beyond the training range are
    weighted, not refused (scikit-survival raises there unless the last value is 0). Without any censoring
    in the training data :math:`\\hat G \\equiv 1`.
    """

    def __init__(self, train_time: np.ndarray, train_event: np.ndarray) -> None:
        if train_event.all():
            self.time, self.survival = np.unique(train_time), np.ones(np.unique(train_time).shape[0])
        else:
            km = _kaplan_meier(train_time, train_event, reverse=True)
            self.time, self.survival = km.time, km.survival

    def __call__(self, at: np.ndarray) -> np.ndarray:
        return step_function(self.time, self.survival, np.asarray(at, dtype=np.float64))

    def event_weights(self, time: np.ndarray, event: np.ndarray, caller: str) -> np.ndarray:
        """``1 / G(t_i)`` for events, 0 for censored rows; ValueError where G is 0 at an event time."""
        g = self(time[event])
        if (g == 0).any():
            raise ValueError(
                f"`train_time` of {caller} must leave a positive censoring survival G(t) at every test event time. "
                f"Got G(t) = 0 at {int((g == 0).sum())} test event time(s) instead (the last training time is censored "
                "and test events lie at or beyond it); pass `tau` (or times) below the largest training time."
            )
        weights = np.zeros(time.shape[0])
        weights[event] = 1.0 / g
        return weights
