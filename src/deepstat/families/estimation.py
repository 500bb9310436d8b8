"""Weighted sample summaries for the intercept-only starting values of ``Family.init_eta``.

Weights ``w`` are non-negative and sum to one (``init_eta`` normalises them), so the weighted
variance with divisor 1 is the maximum-likelihood (biased) variance.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["weighted_mean", "weighted_var", "weighted_quantile", "positive_or"]


def weighted_mean(y: Tensor, w: Tensor) -> Tensor:
    """Weighted mean along the first axis; ``w`` sums to one.

    Examples
    --------
    >>> weighted_mean(torch.tensor([1.0, 3.0]), torch.tensor([0.25, 0.75]))
    tensor(2.5000)
    """
    return torch.tensordot(w, y, dims=1)


def weighted_var(y: Tensor, w: Tensor) -> Tensor:
    """Weighted variance (divisor: total weight, i.e. the MLE) along the first axis."""
    return weighted_mean((y - weighted_mean(y, w)) ** 2, w)


def weighted_quantile(y: Tensor, w: Tensor, q: Tensor) -> Tensor:
    """Smallest ``y`` whose cumulative weight reaches ``q`` (the weighted median for 0.5).

    Examples
    --------
    >>> weighted_quantile(torch.tensor([3.0, 1.0, 2.0]), torch.tensor([0.2, 0.2, 0.6]), torch.tensor(0.5))
    tensor(2.)
    """
    order = torch.argsort(y)
    cum = torch.cumsum(w[order], 0)
    idx = torch.searchsorted(cum, q * cum[-1]).clamp(max=len(y) - 1)
    return y[order][idx]


def positive_or(value: Tensor, fallback: float | Tensor) -> Tensor:
    """``value`` where it is positive and finite, else ``fallback`` (keeps an init bias finite)."""
    fallback = torch.as_tensor(fallback, dtype=value.dtype)
    return torch.where(torch.isfinite(value) & (value > 0), value, fallback)
