"""Vectorised root searches that turn a CDF into quantiles, for families without a torch ``icdf``.

Both searches work on a whole ``(m, n)`` grid of levels x rows at once (no Python loop over rows):
the loop runs over bisection steps only, and stops as soon as every entry has converged.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["continuous_quantile", "discrete_quantile"]

CDF = Callable[[Tensor], Tensor]


def _expand(cdf: CDF, q: Tensor, start: Tensor, step: float, hit_when_above: bool) -> Tensor:
    """Walk from ``start`` by doubling steps until ``cdf >= q`` (upward) or ``cdf < q`` (downward)."""
    x = start.clone()
    width = torch.ones_like(x)
    for _ in range(1100):  # 2**1100 overflows float64: the walk cannot go further
        value = cdf(x)
        done = value >= q if hit_when_above else value < q
        if bool(done.all()):
            return x
        x = torch.where(done, x, x + step * width)
        width = width * 2
    raise ValueError("`q` of quantile must be reachable by the CDF. Got a CDF that never reaches it instead.")


def continuous_quantile(cdf: CDF, q: Tensor, lower: float, upper: float, max_iter: int = 2000) -> Tensor:
    """Solve ``cdf(x) = q`` by bisection in float64.

    Parameters
    ----------
    cdf : callable
        Maps ``x`` of shape ``(m, n)`` to the CDF values of shape ``(m, n)``; non-decreasing in ``x``.
    q : Tensor
        Levels in (0, 1) of shape ``(m, n)``, float64.
    lower, upper : float
        Ends of the support (may be infinite: the bracket is then found by doubling steps).
    max_iter : int, default=2000
        Bound on bisection steps; float64 bisection converges in at most ~1100.

    Returns
    -------
    Tensor
        Shape ``(m, n)``, float64: the point where the bracket has shrunk to adjacent floats.

    Examples
    --------
    >>> q = torch.tensor([[0.5]], dtype=torch.float64)
    >>> round(continuous_quantile(lambda x: 1 - torch.exp(-x), q, 0.0, math.inf).item(), 12)  # log(2)
    0.69314718056
    """
    zeros = torch.zeros_like(q)
    lo = zeros + lower if math.isfinite(lower) else _expand(cdf, q, zeros - 1, -1.0, hit_when_above=False)
    first = max(lower, 0.0) + 1 if math.isfinite(lower) else 1.0
    hi = zeros + upper if math.isfinite(upper) else _expand(cdf, q, zeros + first, 1.0, hit_when_above=True)
    for _ in range(max_iter):
        mid = lo + (hi - lo) / 2
        converged = (mid <= lo) | (mid >= hi)
        if bool(converged.all()):
            break
        above = cdf(mid) >= q
        hi = torch.where(above & ~converged, mid, hi)
        lo = torch.where(~above & ~converged, mid, lo)
    return lo + (hi - lo) / 2


def discrete_quantile(cdf: CDF, q: Tensor, lower: int = 0) -> Tensor:
    """Smallest integer ``y >= lower`` with ``cdf(y) >= q``, by doubling then integer bisection.

    Parameters
    ----------
    cdf : callable
        Maps integer-valued float64 ``y`` of shape ``(m, n)`` to ``P(Y <= y)``; it must reach 1
        exactly at the top of a bounded support.
    q : Tensor
        Levels in (0, 1) of shape ``(m, n)``, float64.
    lower : int, default=0
        Smallest value of the support.

    Returns
    -------
    Tensor
        Shape ``(m, n)``, float64, integer valued.

    Examples
    --------
    >>> q = torch.tensor([[0.3, 0.7]], dtype=torch.float64)
    >>> discrete_quantile(lambda y: torch.clamp((y + 1) / 4, 0, 1), q)  # uniform on {0, 1, 2, 3}
    tensor([[1., 2.]], dtype=torch.float64)
    """
    lo = torch.full_like(q, lower - 1.0)  # cdf(lower - 1) = 0 < q
    hi = _expand(cdf, q, torch.full_like(q, float(lower)), 1.0, hit_when_above=True)
    while bool(((hi - lo) > 1).any()):
        mid = torch.floor((lo + hi) / 2)
        above = cdf(mid) >= q
        hi = torch.where(above, mid, hi)
        lo = torch.where(above, lo, mid)
    return hi
