"""The survival target: named fields (time, event, start, strata, bin), never float columns read by position.

It lives in ``utils`` (the bottom layer) so that the survival losses can read it; users import it
from :mod:`deepstat.data` (or :mod:`deepstat.losses`), which re-export it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["SurvivalTarget"]


@dataclass(frozen=True, eq=False)
class SurvivalTarget:
    r"""Survival outcomes of ``n`` observations as named tensors.

    Parameters
    ----------
    time : Tensor of shape (n,)
        Event or censoring time of each row; for counting-process ``(start, stop]`` rows, the
        ``stop`` time. The Cox losses use only the order of the times, so any order-preserving
        transform (the estimators pass dense ranks, exact in float32) gives the same likelihood.
    event : Tensor of shape (n,)
        0/1 (or bool) event indicator; for competing risks (DeepHit) the cause code, 0 for a
        censored row and ``1..n_causes`` for the cause of the event.
    start : Tensor of shape (n,) or None, default=None
        Entry time of counting-process rows (time-varying covariates): the row is at risk on
        ``(start, time]``. None for right-censored data.
    strata : Tensor of shape (n,) or None, default=None
        Integer stratum code of each row (each stratum has its own risk sets and baseline).
    bin : Tensor of shape (n,) or None, default=None
        Integer index ``0..K-1`` of the interval holding ``time``, for the discrete-time models
        (:func:`deepstat.losses.discretize_times`); ``time`` keeps the time itself.

    Raises
    ------
    TypeError
        If a field is not a torch.Tensor, or ``strata`` or ``bin`` does not hold integers.
    ValueError
        If a field is not 1-D or its length differs from ``time``'s.

    Notes
    -----
    Only the shapes and dtypes are checked here (the engine rebuilds the target for every batch
    with :func:`deepstat.data.take`); the values (finite, non-negative times, 0/1 events, start <
    stop) are checked by the losses and the estimators at their boundaries.

    Examples
    --------
    >>> import torch
    >>> y = SurvivalTarget(time=torch.tensor([2.0, 5.0, 3.0]), event=torch.tensor([1, 0, 1]))
    >>> len(y), y.start is None
    (3, True)
    >>> from deepstat.data import take
    >>> take(y, torch.tensor([2, 0])).time
    tensor([3., 2.])
    >>> SurvivalTarget(time=torch.tensor([1.0, 2.0]), event=torch.tensor([1]))
    Traceback (most recent call last):
    ...
    ValueError: `event` of SurvivalTarget must have shape (2,), as `time` has. Got shape (1,) instead.
    """

    time: Tensor
    event: Tensor
    start: Tensor | None = None
    strata: Tensor | None = None
    bin: Tensor | None = None

    def __post_init__(self) -> None:
        n = None
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None and field.name not in ("time", "event"):
                continue
            if not isinstance(value, Tensor):
                hint = " (optional fields may be None)" if field.name not in ("time", "event") else ""
                raise TypeError(
                    f"`{field.name}` of SurvivalTarget must be a torch.Tensor of shape (n,){hint}. "
                    f"Got {type(value).__name__} instead."
                )
            if n is None:
                if value.ndim != 1:
                    raise ValueError(f"`time` of SurvivalTarget must be 1-D, of shape (n,). Got shape {tuple(value.shape)} instead.")
                n = value.shape[0]
            elif value.shape != (n,):
                raise ValueError(
                    f"`{field.name}` of SurvivalTarget must have shape ({n},), as `time` has. "
                    f"Got shape {tuple(value.shape)} instead."
                )
            if field.name in ("strata", "bin") and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
                raise TypeError(
                    f"`{field.name}` of SurvivalTarget must hold integer codes (e.g. torch.int64). "
                    f"Got dtype {value.dtype} instead."
                )

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> SurvivalTarget:
        """A copy with every field on ``device`` and the times (``time``, ``start``) in ``dtype``.

        ``event``, ``strata`` and ``bin`` keep their dtypes (they are codes, not measurements).

        Examples
        --------
        >>> y = SurvivalTarget(torch.tensor([1.0, 2.0]), torch.tensor([1, 0]))
        >>> y.to(dtype=torch.float64).time.dtype, y.to(dtype=torch.float64).event.dtype
        (torch.float64, torch.int64)
        """
        def move(value: Tensor | None, timelike: bool) -> Tensor | None:
            if value is None:
                return None
            return value.to(device=device, dtype=dtype if timelike else None)

        return SurvivalTarget(
            time=move(self.time, True),
            event=move(self.event, False),
            start=move(self.start, True),
            strata=move(self.strata, False),
            bin=move(self.bin, False),
        )

    def __repr__(self) -> str:
        given = [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is not None]
        return f"SurvivalTarget(n={len(self)}, fields={given})"
