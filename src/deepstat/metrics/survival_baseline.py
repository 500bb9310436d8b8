"""Breslow's estimator of the baseline hazard of a proportional hazards model: the one copy.

:class:`~deepstat.estimators.DeepCoxPH` (any network's log-risk) and
:class:`~deepstat.baselines.CoxPHBaseline` (the linear predictor) both call it, so that the deep and
the classical model's curves differ only by their risk scores.
"""

from __future__ import annotations

import numpy as np

__all__ = ["breslow_cumulative_hazard", "breslow_hazard"]


def breslow_cumulative_hazard(
    time: np.ndarray,
    event: np.ndarray,
    log_risk: np.ndarray,
    weight: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Breslow's estimate of the baseline cumulative hazard, at the distinct event times.

    .. math:: \hat H_0(t) = \sum_{t_j \le t} \frac{d_j}{\sum_{i \in R(t_j)} w_i \exp(\eta_i)}

    with :math:`d_j` the (weighted) number of events at :math:`t_j` and :math:`R(t_j)` the rows at
    risk: :math:`t_i \ge t_j`, and, for counting-process rows ``(start, stop]``, also
    :math:`\mathrm{start}_i < t_j` [Breslow 1972]. lifelines uses the same estimator whatever the ties
    method of the coefficients.

    Parameters
    ----------
    time : ndarray of shape (n,)
        Event or censoring times (``stop`` of counting-process rows).
    event : ndarray of shape (n,), bool
    log_risk : ndarray of shape (n,)
        Log partial hazards :math:`\eta_i`.
    weight : ndarray of shape (n,), optional
    start : ndarray of shape (n,), optional
        Entry times of counting-process rows.

    Returns
    -------
    event_times : ndarray of shape (m,)
        Distinct event times, increasing.
    cumulative_hazard : ndarray of shape (m,)
        :math:`\hat H_0` at each event time.

    Examples
    --------
    >>> import numpy as np
    >>> t, H = breslow_cumulative_hazard(np.array([1.0, 2.0, 3.0]), np.array([True, False, True]), np.zeros(3))
    >>> t.tolist(), H.tolist()  # Nelson-Aalen without covariates: 1/3, then 1/3 + 1/1
    ([1.0, 3.0], [0.3333333333333333, 1.3333333333333333])
    """
    w = np.ones(time.shape[0]) if weight is None else np.asarray(weight, dtype=np.float64)
    r = w * np.exp(log_risk)
    event_times = np.unique(time[event])
    d = np.bincount(np.searchsorted(event_times, time[event]), weights=w[event], minlength=event_times.shape[0])

    def mass_at_or_after(values: np.ndarray, at: np.ndarray) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        suffix = np.concatenate([np.cumsum(r[order][::-1])[::-1], [0.0]])  # suffix[k] = sum of r over sorted[k:]
        return suffix[np.searchsorted(values[order], at, side="left")]

    at_risk = mass_at_or_after(time, event_times)
    if start is not None:  # rows that enter at or after t_j are not yet at risk at t_j
        at_risk = at_risk - mass_at_or_after(start, event_times)
    return event_times, np.cumsum(d / at_risk)


def breslow_hazard(
    time: np.ndarray, event: np.ndarray, log_risk: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Breslow's estimator on every distinct time (censoring times too, with a zero increment).

    The same estimator as :func:`breslow_cumulative_hazard`, laid out as lifelines' and R's
    ``basehaz`` tables: one row per distinct observed time.

    Returns
    -------
    times : ndarray of shape (m,)
        Distinct observed times, increasing.
    hazard : ndarray of shape (m,)
        Hazard increments :math:`d_j / \sum_{i \in R(t_j)} w_i e^{\eta_i}` (0 where no event).
    cumulative_hazard : ndarray of shape (m,)

    Examples
    --------
    >>> import numpy as np
    >>> t, h, H = breslow_hazard(np.array([1.0, 2.0, 3.0]), np.array([True, False, True]), np.zeros(3))
    >>> t.tolist(), h.tolist(), H.tolist()
    ([1.0, 2.0, 3.0], [0.3333333333333333, 0.0, 1.0], [0.3333333333333333, 0.3333333333333333, 1.3333333333333333])
    """
    event = np.asarray(event, dtype=bool)
    times = np.unique(time)
    event_times, cumulative = breslow_cumulative_hazard(time, event, log_risk, weight)
    hazard = np.zeros(times.shape[0])
    hazard[np.searchsorted(times, event_times)] = np.diff(np.concatenate([[0.0], cumulative]))
    return times, hazard, np.cumsum(hazard)
