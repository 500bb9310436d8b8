r"""Robust estimates of a residual scale: the weighted median, the normalised MAD and Huber's proposal 2.

A robust loss such as Huber's or Tukey's is tuned in units of the residual scale :math:`s`
(``HuberT(t=1.345)`` and ``TukeyBiweight(c=4.685)`` in statsmodels, ``psi.huber(k=1.345)`` in
R's MASS): it minimises :math:`\sum_i \rho(r_i / s)`. These functions estimate :math:`s` from
residuals as statsmodels' ``robust.scale`` does, with observation weights that count as
duplicated rows (a weight of 2 gives what a repeated row gives).
"""

from __future__ import annotations

import math
from numbers import Real
from statistics import NormalDist
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["weighted_median", "mad_scale", "huber_scale", "GAUSSIAN_3_4"]

#: The normal 3/4-quantile, :math:`\Phi^{-1}(3/4) \approx 0.6745`: MAD / 0.6745 estimates the SD of normal data.
GAUSSIAN_3_4 = NormalDist().inv_cdf(0.75)


def _float64(value: Any) -> Tensor:
    """A flat float64 CPU tensor; lists and arrays are read in float64 (not torch's default float32)."""
    t = value.detach() if isinstance(value, Tensor) else torch.as_tensor(np.asarray(value, dtype=np.float64))
    return t.to(device="cpu", dtype=torch.float64).flatten()


def _as_data(value: Any, name: str, caller: str) -> Tensor:
    """``value`` as a finite 1-D float64 tensor with at least one element."""
    t = _float64(value)
    if t.numel() == 0:
        raise ValueError(f"`{name}` of {caller} must hold at least one value. Got an empty array instead.")
    if not torch.isfinite(t).all():
        bad = t[~torch.isfinite(t)][:5].tolist()
        raise ValueError(f"`{name}` of {caller} must be finite. Got non-finite values {bad} instead.")
    return t


def _as_weight(weight: Any, n: int, caller: str) -> Tensor:
    """Non-negative finite weights of shape (n,) with a positive sum (ones when ``weight`` is None)."""
    if weight is None:
        return torch.ones(n, dtype=torch.float64)
    w = _float64(weight)
    if w.shape != (n,):
        raise ValueError(f"`weight` of {caller} must have shape ({n},). Got shape {tuple(w.shape)} instead.")
    if not (torch.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError(
            f"`weight` of {caller} must be finite, >= 0 and not all 0. Got {w[:5].tolist()} (first values) instead."
        )
    return w


def weighted_median(x: Any, weight: Any = None) -> float:
    r"""The weighted median of ``x``: with integer weights, ``np.median`` of the rows repeated.

    .. math:: m = \tfrac12 \left(x_{(k)} + x_{(k+1)}\right) \text{ if } W_k = W / 2, \quad
              m = x_{(k)} \text{ otherwise}, \qquad k = \min\{j : W_j \ge W / 2\}

    where :math:`x_{(j)}` are the values with positive weight in increasing order,
    :math:`W_j` the cumulative weight of the first :math:`j` and :math:`W` the total.

    Parameters
    ----------
    x : array-like or Tensor of shape (n,)
        Finite values.
    weight : array-like or Tensor of shape (n,), optional
        Non-negative weights, not all zero. ``None`` gives the ordinary median.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``x`` is empty or not finite, or the weights are negative, not finite, all zero or of another shape.

    Examples
    --------
    >>> weighted_median([1.0, 2.0, 3.0, 4.0])
    2.5
    >>> weighted_median([1.0, 2.0, 3.0], weight=[1.0, 1.0, 2.0])  # = median of 1, 2, 3, 3
    2.5
    """
    x = _as_data(x, "x", "weighted_median")
    w = _as_weight(weight, x.numel(), "weighted_median")
    keep = w > 0  # a zero weight is a row that is not there
    order = torch.argsort(x[keep])
    xs, ws = x[keep][order], w[keep][order]
    cumulative = torch.cumsum(ws, 0)
    half = float(cumulative[-1]) / 2.0
    k = int(torch.searchsorted(cumulative, torch.tensor([half], dtype=torch.float64)))
    k = min(k, xs.numel() - 1)
    # exactly half the weight at or below x_(k) (always so for an even count of unit weights): average the two
    if k + 1 < xs.numel() and abs(float(cumulative[k]) - half) <= 1e-12 * float(cumulative[-1]):
        return 0.5 * (float(xs[k]) + float(xs[k + 1]))
    return float(xs[k])


def mad_scale(residuals: Any, weight: Any = None, *, center: float | None = None, c: float = GAUSSIAN_3_4) -> float:
    r"""The normalised median absolute deviation, :math:`\operatorname{median}_i |r_i - m| / c`.

    Parameters
    ----------
    residuals : array-like or Tensor of shape (n,)
        Finite values :math:`r_i`.
    weight : array-like or Tensor of shape (n,), optional
        Non-negative weights for both medians (see :func:`weighted_median`).
    center : float or None, default=None
        :math:`m`; ``None`` is the (weighted) median of the residuals. statsmodels' RLM and
        R's ``MASS::rlm`` use ``center=0``.
    c : float, default=0.6745
        The normalising constant; :math:`\Phi^{-1}(3/4)` makes the MAD consistent for the
        standard deviation of normal data.

    Returns
    -------
    float
        The scale, >= 0.

    Raises
    ------
    ValueError
        If the residuals are empty or not finite, the weights invalid, ``center`` not finite or ``c`` not > 0.

    Notes
    -----
    Without weights this is ``statsmodels.robust.scale.mad(residuals, center=...)``; with
    integer weights it equals that of the rows repeated.

    References
    ----------
    Hampel, F. R. (1974). The influence curve and its role in robust estimation. *JASA* 69, 383-393.

    Examples
    --------
    >>> round(mad_scale([-2.0, -1.0, 0.0, 1.0, 10.0]), 4)  # median |r - 0| = 1
    1.4826
    """
    r = _as_data(residuals, "residuals", "mad_scale")
    if isinstance(c, bool) or not isinstance(c, Real) or not math.isfinite(c) or c <= 0:
        raise ValueError(f"`c` of mad_scale must be a finite float > 0. Got {c!r} instead.")
    if center is None:
        center = weighted_median(r, weight)
    elif isinstance(center, bool) or not isinstance(center, Real) or not math.isfinite(center):
        raise ValueError(f"`center` of mad_scale must be None or a finite float. Got {center!r} instead.")
    return weighted_median((r - float(center)).abs(), weight) / float(c)


def huber_scale(
    residuals: Any,
    weight: Any = None,
    *,
    df_resid: float | None = None,
    d: float = 2.5,
    tol: float = 1e-8,
    max_iter: int = 30,
) -> float:
    r"""Huber's proposal 2 scale, iterated from the MAD as statsmodels' ``HuberScale`` does.

    The scale solves :math:`\frac{1}{n h} \sum_i w_i \chi(r_i / s) = 1` by the fixed-point iteration

    .. math:: s_{k+1}^2 = \frac{1}{n h} \sum_i w_i \chi\!\left(\frac{r_i}{s_k}\right) s_k^2, \qquad
              \chi(u) = \tfrac12 \min(u^2, d^2), \qquad s_0 = \mathrm{MAD},

    with :math:`n = \sum_i w_i` and the consistency constant
    :math:`h = \frac{n - p}{n} \left(d^2 + (1 - d^2)\Phi(d) - \tfrac12 - d\,\varphi(d)\right)`
    (:math:`= \frac{n-p}{n} E\,\chi(Z)` for a standard normal :math:`Z`), where :math:`n - p` is ``df_resid``.

    Parameters
    ----------
    residuals : array-like or Tensor of shape (n,)
        Finite residuals.
    weight : array-like or Tensor of shape (n,), optional
        Non-negative weights; integer weights give the result of the rows repeated.
    df_resid : float or None, default=None
        Residual degrees of freedom :math:`n - p`, in (0, n]; ``None`` is :math:`n` (no correction).
    d : float, default=2.5
        Tuning constant of :math:`\chi` (statsmodels' default).
    tol : float, default=1e-8
        Stop when two successive scales differ by at most ``tol`` (absolute, as statsmodels).
    max_iter : int, default=30
        At most this many scales in the iteration (statsmodels' ``maxiter``).

    Returns
    -------
    float
        The scale, > 0 unless the residuals are (mostly) zero.

    Raises
    ------
    ValueError
        For invalid residuals or weights, ``df_resid`` outside (0, n], or ``d``, ``tol``, ``max_iter`` not positive.

    Notes
    -----
    ``statsmodels.robust.scale.HuberScale(d, tol, maxiter)(df_resid, nobs, residuals)``, which
    RLM calls with ``scale_est=HuberScale()``; it starts from ``mad(residuals)`` (centred at
    the median). A MAD of 0 gives 0.

    References
    ----------
    Huber, P. J. (1981). *Robust Statistics*. Wiley, Section 7.7 (proposal 2).

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0).normal(scale=3.0, size=2000)
    >>> round(huber_scale(r) / 3.0, 1)
    1.0
    """
    r = _as_data(residuals, "residuals", "huber_scale")
    w = _as_weight(weight, r.numel(), "huber_scale")
    n = float(w.sum())
    for name, value in (("d", d), ("tol", tol)):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"`{name}` of huber_scale must be a finite float > 0. Got {value!r} instead.")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"`max_iter` of huber_scale must be an int >= 1. Got {max_iter!r} instead.")
    df = n if df_resid is None else df_resid
    if isinstance(df, bool) or not isinstance(df, Real) or not 0 < df <= n:
        raise ValueError(f"`df_resid` of huber_scale must be None or a float in (0, {n}]. Got {df_resid!r} instead.")
    normal = NormalDist()
    h = df / n * (d**2 + (1 - d**2) * normal.cdf(d) - 0.5 - d * normal.pdf(d))
    scale = mad_scale(r, w)
    previous, n_scales = math.inf, 1
    while abs(previous - scale) > tol and n_scales < max_iter and scale > 0:
        u2 = (r / scale).square()
        chi = torch.where(u2 < d**2, u2 / 2.0, torch.full_like(u2, d**2 / 2.0))  # |r / s| < d strictly, as statsmodels
        previous, scale = scale, math.sqrt(float((w * chi).sum()) / (n * h) * scale**2)
        n_scales += 1
    return scale
