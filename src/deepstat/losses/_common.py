"""Helpers shared by the loss functions: reductions and checks of weights and options."""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

__all__ = ["Reduction", "reduce_loss", "check_reduction"]

Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, caller: str) -> None:
    """Raise ``ValueError`` unless ``reduction`` is "mean", "sum" or "none"."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"`reduction` of {caller} must be one of 'mean', 'sum', 'none'. Got {reduction!r} instead.")


def reduce_loss(per_obs: Tensor, weight: Tensor | None, reduction: str, caller: str) -> Tensor:
    r"""Weight and reduce per-observation losses ``per_obs`` of shape (n,) or (n, m).

    "sum" gives :math:`\sum_i w_i \ell_i`, "mean" the weighted mean :math:`\sum_i w_i \ell_i / \sum_i w_i`
    (the engine's convention: a weight 2 counts as a duplicated row), "none" the weighted losses.
    For (n, m) losses (one column per quantile level) "sum" and "mean" also sum over the columns.
    """
    check_reduction(reduction, caller)
    n = per_obs.shape[0]
    if weight is not None:
        weight = torch.as_tensor(weight, dtype=per_obs.dtype, device=per_obs.device)
        if weight.shape != (n,):
            raise ValueError(f"`weight` of {caller} must have shape ({n},). Got shape {tuple(weight.shape)} instead.")
        per_obs = per_obs * weight.reshape((n,) + (1,) * (per_obs.ndim - 1))
    if reduction == "none":
        return per_obs
    total = per_obs.sum()
    if reduction == "sum":
        return total
    denominator = per_obs.new_tensor(float(n)) if weight is None else weight.sum()
    return total / denominator


def as_float_tensor(value: object, like: Tensor | None = None) -> Tensor:
    """``value`` as a floating tensor (the dtype and device of ``like`` when given)."""
    if like is not None:
        return torch.as_tensor(value, dtype=like.dtype, device=like.device)
    t = torch.as_tensor(value)
    return t if t.is_floating_point() else t.to(torch.get_default_dtype())


def check_same_shape(input: Tensor, target: Tensor, caller: str) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"`input` and `target` of {caller} must have the same shape. Got {tuple(input.shape)} and "
            f"{tuple(target.shape)} instead."
        )
