"""Input checks shared by the survival metrics (STYLE 7.5: data are checked once, at the public boundary)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepstat.metrics._validation import as_array
from deepstat.metrics.survival_kaplan_meier import CensoringDistribution
from deepstat.utils.survival import check_time_event
from deepstat.utils.validation import format_values

__all__ = ["censoring_from", "check_eval_times", "check_grid", "check_risk", "check_survival_matrix"]


def check_risk(estimate: Any, n: int, caller: str, *, n_times: int | None = None, name: str = "risk") -> np.ndarray:
    """A risk score per row, shape (n,), or, when ``n_times`` is given, (n,) or (n, n_times)."""
    arr = as_array(estimate, name, caller)
    if arr.ndim == 2 and arr.shape[1] == 1 and n_times != 1:
        arr = arr[:, 0]
    allowed_2d = n_times is not None and arr.ndim == 2 and arr.shape[1] == n_times
    if not (arr.ndim == 1 or allowed_2d):
        shape = "(n_samples,)" if n_times is None else f"(n_samples,) or (n_samples, {n_times})"
        raise ValueError(f"`{name}` of {caller} must have shape {shape}. Got shape {arr.shape} instead.")
    if arr.shape[0] != n:
        raise ValueError(f"`{name}` of {caller} must have one row per observation ({n}). Got {arr.shape[0]} rows instead.")
    return arr


def check_survival_matrix(surv: Any, n: int, n_times: int, caller: str, name: str = "surv") -> np.ndarray:
    """Survival probabilities, shape (n, n_times), in [0, 1]."""
    arr = as_array(surv, name, caller)
    if arr.ndim == 1 and n_times == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape != (n, n_times):
        raise ValueError(
            f"`{name}` of {caller} must have shape (n_samples, n_times) = ({n}, {n_times}): one row per observation, "
            f"one column per time. Got shape {arr.shape} instead."
        )
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        raise ValueError(
            f"`{name}` of {caller} must hold survival probabilities in [0, 1]. Got {int(bad.sum())} value(s) "
            f"{format_values(arr[bad])} outside instead."
        )
    return arr


def check_grid(times: Any, caller: str, name: str = "times") -> np.ndarray:
    """A strictly increasing, finite, non-negative 1-d time grid."""
    grid = np.atleast_1d(as_array(times, name, caller))
    if grid.ndim != 1:
        raise ValueError(f"`{name}` of {caller} must be one-dimensional. Got shape {grid.shape} instead.")
    if (grid < 0).any():
        raise ValueError(f"`{name}` of {caller} must be non-negative. Got {format_values(grid[grid < 0])} instead.")
    steps = np.diff(grid)
    if (steps <= 0).any():
        raise ValueError(
            f"`{name}` of {caller} must be strictly increasing. Got {int((steps <= 0).sum())} non-increasing step(s) "
            f"at {format_values(grid[1:][steps <= 0])} instead."
        )
    return grid


def check_eval_times(times: Any, time: np.ndarray, caller: str) -> np.ndarray:
    """Evaluation times: a strictly increasing grid inside the follow-up of the evaluation data, [min t, max t)."""
    grid = check_grid(times, caller)
    lo, hi = float(time.min()), float(time.max())
    outside = (grid < lo) | (grid >= hi)
    if outside.any():
        raise ValueError(
            f"`times` of {caller} must lie within the follow-up of the evaluation data [{lo:g}, {hi:g}). Got "
            f"{int(outside.sum())} time(s) {format_values(grid[outside])} outside instead; choose e.g. quantiles of the "
            "observed times between the 10th and the 90th percentile."
        )
    return grid


def censoring_from(train_time: Any, train_event: Any, time: np.ndarray, event: np.ndarray, caller: str) -> CensoringDistribution:
    """The Kaplan-Meier censoring distribution of the training data (of the evaluation data when none is given)."""
    if (train_time is None) != (train_event is None):
        raise ValueError(f"`train_event` of {caller} must be given together with `train_time`. Got only one of them instead.")
    if train_time is None:
        return CensoringDistribution(time, event)
    t, e = check_time_event(train_time, train_event, caller, require_event=False, time_name="train_time", event_name="train_event")
    return CensoringDistribution(t, e)
