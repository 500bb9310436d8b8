"""Validation of survival data (times, event flags, cause codes, weights) for the survival losses.

Every check raises ``ValueError`` naming the argument, the constraint and the offending count
(STYLE 7), so that an estimator can call :func:`check_survival_data` once in ``fit`` and the loss
functions can repeat the cheap checks at their own boundary.
"""

from __future__ import annotations

import torch
from torch import Tensor

from deepstat.utils.survival_target import SurvivalTarget
from deepstat.utils.validation import format_values

__all__ = ["check_survival_data"]


def survival_target(
    target: object,
    caller: str,
    example: str,
    *,
    start: bool = False,
    strata: bool = True,
    bins: bool = False,
) -> SurvivalTarget:
    """``target`` itself, after checking that it is a :class:`SurvivalTarget` with the fields ``caller`` reads.

    ``start``: counting-process rows are required (True) or refused (False); ``strata``: whether
    the loss models strata (refused otherwise, never ignored); ``bins``: the interval index is
    required. ``example`` is the constructor call shown in the TypeError.
    """
    if not isinstance(target, SurvivalTarget):
        raise TypeError(
            f"`target` of {caller} must be a SurvivalTarget, named fields rather than columns read by position. "
            f"Got {type(target).__name__} instead. Build one with deepstat.data.SurvivalTarget({example})."
        )
    if start and target.start is None:
        raise ValueError(
            f"`target` of {caller} must have `start` (counting-process (start, stop] rows). Got start=None instead; "
            "use CoxPHLoss for right-censored data."
        )
    if not start and target.start is not None:
        fix = "; use CoxTimeVaryingLoss for (start, stop] rows" if caller == "CoxPHLoss" else ""
        raise ValueError(
            f"`target` of {caller} must have start=None: the loss is for right-censored data. "
            f"Got a `start` field instead{fix}."
        )
    if not strata and target.strata is not None:
        raise ValueError(f"`target` of {caller} must have strata=None: the loss has no strata. Got a `strata` field instead.")
    if bins and target.bin is None:
        raise ValueError(
            f"`target` of {caller} must have `bin`, the interval index of each row (discretize_times(time, cuts)). "
            "Got bin=None instead."
        )
    return target


def as_vector(value: object, name: str, caller: str, n: int | None = None) -> Tensor:
    """``value`` as a 1-d tensor (length ``n`` when given); a ``(n, 1)`` column is flattened."""
    t = value if isinstance(value, Tensor) else torch.as_tensor(value)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1 or (n is not None and t.shape[0] != n):
        want = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"`{name}` of {caller} must have shape {want}. Got shape {tuple(t.shape)} instead.")
    return t


def check_times(time: Tensor, name: str, caller: str, *, positive: bool = False) -> Tensor:
    """Raise unless every time is finite and non-negative (positive with ``positive=True``)."""
    t = time.detach()
    if t.dtype == torch.bool or t.is_complex():
        raise ValueError(f"`{name}` of {caller} must be real numbers. Got dtype {t.dtype} instead.")
    t = t.to(torch.float64) if not t.is_floating_point() else t
    bad = ~torch.isfinite(t)
    if bool(bad.any()):
        raise ValueError(
            f"`{name}` of {caller} must be finite. Got {int(bad.sum())} NaN or infinite value(s): "
            f"{format_values(t[bad])} instead."
        )
    bad = t <= 0 if positive else t < 0
    if bool(bad.any()):
        what = "positive (> 0)" if positive else "non-negative (>= 0)"
        raise ValueError(
            f"`{name}` of {caller} must be {what}. Got {int(bad.sum())} value(s) {'<= 0' if positive else '< 0'}: "
            f"{format_values(t[bad])} instead."
        )
    return time


def check_events(event: Tensor, caller: str, *, n_causes: int = 1, name: str = "event") -> Tensor:
    """Event flags (``n_causes=1``: 0/1 or True/False) or cause codes 0..n_causes, as a long tensor."""
    e = event.detach()
    if e.dtype == torch.bool:
        return e.long()
    valid = torch.isfinite(e) & (e == torch.round(e)) & (e >= 0) & (e <= n_causes) if e.is_floating_point() else (
        (e >= 0) & (e <= n_causes)
    )
    if not bool(valid.all()):
        allowed = "0/1 or True/False" if n_causes == 1 else f"cause codes 0 (censored) to {n_causes}"
        raise ValueError(
            f"`{name}` of {caller} must hold {allowed}. Got {int((~valid).sum())} other value(s): "
            f"{format_values(e[~valid])} instead."
        )
    return e.long()


def check_has_event(event: Tensor, caller: str, name: str = "event") -> None:
    """Raise when every observation is censored (no event to learn from)."""
    if not bool((event > 0).any()):
        raise ValueError(
            f"`{name}` of {caller} must contain at least one event. Got {event.shape[0]} observation(s), "
            f"all censored, instead."
        )


def check_weight(weight: Tensor | None, n: int, caller: str, like: Tensor) -> Tensor | None:
    """Non-negative finite weights of shape ``(n,)`` in ``like``'s dtype, or None."""
    if weight is None:
        return None
    w = torch.as_tensor(weight, dtype=like.dtype, device=like.device)
    if w.shape != (n,):
        raise ValueError(f"`weight` of {caller} must have shape ({n},). Got shape {tuple(w.shape)} instead.")
    bad = ~torch.isfinite(w.detach()) | (w.detach() < 0)
    if bool(bad.any()):
        raise ValueError(
            f"`weight` of {caller} must be finite and non-negative. Got {int(bad.sum())} other value(s): "
            f"{format_values(w[bad])} instead."
        )
    return w


def check_start_stop(start: Tensor, stop: Tensor, caller: str) -> None:
    """Raise unless ``start < stop`` in every row of counting-process data."""
    bad = start.detach() >= stop.detach()
    if bool(bad.any()):
        rows = torch.nonzero(bad)[:5, 0].tolist()
        raise ValueError(
            f"`start` of {caller} must be less than `stop` in every row. Got {int(bad.sum())} row(s) with "
            f"start >= stop (first at rows {rows}) instead."
        )


def check_survival_data(
    time: Tensor,
    event: Tensor,
    *,
    start: Tensor | None = None,
    n_causes: int = 1,
    positive_time: bool = False,
    require_event: bool = True,
    caller: str = "check_survival_data",
) -> None:
    """Check survival targets once, at the public boundary (an estimator's ``fit``).

    Parameters
    ----------
    time : Tensor of shape (n,)
        Event or censoring times (the ``stop`` times of counting-process data).
    event : Tensor of shape (n,)
        0/1 or True/False event flags, or cause codes 0 (censored) to ``n_causes``.
    start : Tensor of shape (n,) or None, default=None
        Entry times of counting-process (start, stop] rows.
    n_causes : int, default=1
        Number of competing causes.
    positive_time : bool, default=False
        Require times > 0 (parametric families on (0, inf)); otherwise >= 0.
    require_event : bool, default=True
        Require at least one uncensored observation.
    caller : str, default="check_survival_data"
        Name used in the error messages.

    Raises
    ------
    ValueError
        Naming the argument and the offending count: non-finite, negative (or zero) times;
        event flags other than 0/1/True/False, or cause codes outside 0..n_causes; every
        observation censored; ``start >= stop``; mismatched shapes.

    Examples
    --------
    >>> import torch
    >>> check_survival_data(torch.tensor([1.0, -2.0]), torch.tensor([1, 0]))
    Traceback (most recent call last):
    ...
    ValueError: `time` of check_survival_data must be non-negative (>= 0). Got 1 value(s) < 0: [-2.0] instead.
    """
    time = as_vector(time, "time", caller)
    n = time.shape[0]
    event = as_vector(event, "event", caller, n)
    check_times(time, "time", caller, positive=positive_time)
    event = check_events(event, caller, n_causes=n_causes)
    if start is not None:
        start = as_vector(start, "start", caller, n)
        check_times(start, "start", caller)
        check_start_stop(start, time, caller)
    if require_event:
        check_has_event(event, caller)
