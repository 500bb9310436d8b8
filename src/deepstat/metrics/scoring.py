r"""The continuous ranked probability score (CRPS), a proper score for predictive distributions.

.. math:: \operatorname{CRPS}(F, y) = \int_{-\infty}^{\infty} \big(F(z) - \mathbf 1\{z \ge y\}\big)^2 \, dz
          = \operatorname{E}|X - y| - \tfrac12 \operatorname{E}|X - X'|, \quad X, X' \sim F \text{ i.i.d.}

Lower is better; it is in the units of ``y`` and reduces to the absolute error for a point forecast
(Gneiting & Raftery 2007, eqs. 20-21).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy import special
from torch import Tensor

from deepstat.metrics._validation import as_1d, as_array, broadcast_1d
from deepstat.utils import format_values

__all__ = ["crps_normal", "crps_from_cdf", "crps_discrete", "crps_from_samples"]

_SQRT_PI = np.sqrt(np.pi)


def crps_normal(loc: Any, scale: Any, y: Any) -> np.ndarray:
    r"""CRPS of normal predictive distributions, in closed form.

    Parameters
    ----------
    loc : array-like of shape (n,) or scalar
        Predictive means :math:`\mu_i`.
    scale : array-like of shape (n,) or scalar
        Predictive standard deviations :math:`\sigma_i > 0`.
    y : array-like of shape (n,) or scalar
        Observations. The three inputs broadcast to a common length ``n``.

    Returns
    -------
    ndarray of shape (n,)
        :math:`\sigma \{ z (2\Phi(z) - 1) + 2 \varphi(z) - 1/\sqrt\pi \}` with :math:`z = (y - \mu)/\sigma`.

    Raises
    ------
    ValueError
        If ``scale`` is not positive, a value is NaN or inf, or the lengths do not broadcast.

    See Also
    --------
    crps_from_cdf : The same score for any continuous predictive CDF.

    References
    ----------
    Gneiting, T. and Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and estimation.
    JASA 102(477), 359-378, eq. (5).

    Examples
    --------
    >>> crps_normal(0.0, 1.0, [0.0, 1.0]).round(6)
    array([0.233695, 0.602441])
    """
    caller = "crps_normal"
    mu, sigma, obs = broadcast_1d(
        caller, loc=as_1d(loc, "loc", caller), scale=as_1d(scale, "scale", caller), y=as_1d(y, "y", caller)
    )
    if (sigma <= 0).any():
        raise ValueError(f"`scale` of {caller} must be positive. Got {format_values(sigma[sigma <= 0])} instead.")
    z = (obs - mu) / sigma
    pdf = np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi)
    cdf = special.ndtr(z)
    return sigma * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / _SQRT_PI)


def _call_cdf(cdf: Callable[[Tensor], Tensor], z: np.ndarray, caller: str) -> np.ndarray:
    """Evaluate the user's vectorised ``cdf`` on the grid ``z`` (m, n) and check its answer."""
    with torch.no_grad():
        out = cdf(torch.from_numpy(z))
    if not isinstance(out, Tensor):
        raise TypeError(f"`cdf` of {caller} must return a torch.Tensor. Got {type(out).__name__} instead.")
    values = out.detach().cpu().to(torch.float64).numpy()
    if values.shape != z.shape:
        raise ValueError(
            f"`cdf` of {caller} must return the shape of its input {z.shape} (row i of the data in column i). "
            f"Got shape {tuple(values.shape)} instead."
        )
    bad = ~((values >= 0.0) & (values <= 1.0))  # also catches NaN
    if bad.any():
        raise ValueError(f"`cdf` of {caller} must return probabilities in [0, 1]. Got {format_values(values[bad])} instead.")
    return values


def crps_from_cdf(
    cdf: Callable[[Tensor], Tensor],
    y: Any,
    *,
    lower: float | Any,
    upper: float | Any,
    n_grid: int = 2001,
) -> np.ndarray:
    r"""CRPS of continuous predictive distributions given by their CDFs, by numerical integration.

    Parameters
    ----------
    cdf : callable
        Vectorised predictive CDFs. It receives a float64 tensor ``z`` of shape ``(n_grid, n)`` and must
        return a tensor of the same shape whose entry ``[k, i]`` is :math:`F_i(z_{k i})`, the CDF of
        row ``i``'s predictive distribution at ``z[k, i]``: column ``i`` of ``z`` belongs to row ``i``.
        A ``torch.distributions.Distribution`` with batch shape ``(n,)`` already obeys this contract
        through broadcasting, so ``dist.cdf`` can be passed as it is.
    y : array-like of shape (n,)
        Observations.
    lower, upper : float or array-like of shape (n,)
        Integration range (per row or shared). It should hold nearly all of the predictive mass: the
        integrand is taken to vanish outside :math:`[\min(\text{lower}, y), \max(\text{upper}, y)]`.
    n_grid : int, default=2001
        Grid points per row, at least 3: ``n_grid - 1`` equally spaced points on [lower, upper] plus ``y``.

    Returns
    -------
    ndarray of shape (n,)
        The CRPS of each row.

    Raises
    ------
    ValueError
        If ``lower >= upper`` somewhere, ``n_grid < 3``, or ``cdf`` returns the wrong shape or
        values outside [0, 1].
    TypeError
        If ``cdf`` does not return a tensor.

    See Also
    --------
    crps_normal : The closed form for normal predictions.
    crps_discrete : The exact sum for count data.

    Notes
    -----
    The integrand jumps at ``y``, so the integral is split there,
    :math:`\int_{lo}^{y} F^2 + \int_{y}^{hi} (1 - F)^2`, and each smooth piece is integrated by the
    trapezoid rule; ``y`` is a grid point of its row. The error is :math:`O(h^2)` with the grid step
    :math:`h = (\text{upper} - \text{lower}) / (n_{grid} - 2)`. Memory is :math:`O(n_{grid} \cdot n)`.

    Examples
    --------
    >>> import torch
    >>> dist = torch.distributions.Normal(torch.zeros(2, dtype=torch.float64), 1.0)
    >>> crps_from_cdf(dist.cdf, [0.0, 1.0], lower=-10.0, upper=10.0).round(5)
    array([0.2337 , 0.60245])
    """
    caller = "crps_from_cdf"
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 3:
        raise ValueError(f"`n_grid` of {caller} must be an integer of at least 3. Got {n_grid!r} instead.")
    obs = as_1d(y, "y", caller)
    lo, hi, obs = broadcast_1d(caller, lower=as_1d(lower, "lower", caller), upper=as_1d(upper, "upper", caller), y=obs)
    if (lo >= hi).any():
        raise ValueError(f"`lower` of {caller} must be smaller than `upper`. Got {format_values(lo[lo >= hi])} instead.")
    steps = np.linspace(0.0, 1.0, n_grid - 1)[:, None]  # (n_grid - 1, 1)
    z = np.sort(np.vstack([lo + steps * (hi - lo), obs[None, :]]), axis=0)  # (n_grid, n), y is a grid point
    F = _call_cdf(cdf, z, caller)
    dz = np.diff(z, axis=0)  # (n_grid - 1, n)
    left = z[1:] <= obs  # interval [z_k, z_k+1] lies below y
    below = 0.5 * (F[:-1] ** 2 + F[1:] ** 2)
    above = 0.5 * ((1.0 - F[:-1]) ** 2 + (1.0 - F[1:]) ** 2)
    return np.sum(np.where(left, below, above) * dz, axis=0)


def crps_discrete(cdf: Callable[[Tensor], Tensor], y: Any, *, upper: int) -> np.ndarray:
    r"""CRPS of predictive distributions on the integers 0, 1, 2, ... (counts), as an exact sum.

    Parameters
    ----------
    cdf : callable
        Vectorised predictive CDFs, as in :func:`crps_from_cdf`: it receives a float64 tensor of
        integer values of shape ``(upper + 1, n)`` whose row ``k`` is all ``k``, and returns
        :math:`F_i(k)` at ``[k, i]``.
    y : array-like of shape (n,)
        Observed counts, non-negative integers not above ``upper``.
    upper : int
        Largest count in the sum; choose it so that :math:`F_i(\text{upper}) \approx 1` for every row.

    Returns
    -------
    ndarray of shape (n,)
        :math:`\sum_{k=0}^{\text{upper}} (F_i(k) - \mathbf 1\{k \ge y_i\})^2`.

    Raises
    ------
    ValueError
        If ``y`` holds a negative, non-integer or larger-than-``upper`` value, or ``cdf`` misbehaves.

    Notes
    -----
    Both :math:`F` and the step :math:`\mathbf 1\{z \ge y\}` are constant on :math:`[k, k + 1)`, so the
    CRPS integral is exactly the sum over integers; the only approximation is dropping the tail
    :math:`\sum_{k > \text{upper}} (1 - F(k))^2` (Czado, Gneiting & Held 2009, eq. 4).

    Examples
    --------
    >>> import torch
    >>> point_mass_at_2 = lambda k: (k >= 2).to(torch.float64)
    >>> crps_discrete(point_mass_at_2, [2, 0], upper=10)
    array([0., 2.])
    """
    caller = "crps_discrete"
    if isinstance(upper, bool) or not isinstance(upper, (int, np.integer)) or upper < 0:
        raise ValueError(f"`upper` of {caller} must be a non-negative integer. Got {upper!r} instead.")
    obs = as_1d(y, "y", caller)
    bad = (obs < 0) | (obs != np.round(obs)) | (obs > upper)
    if bad.any():
        raise ValueError(
            f"`y` of {caller} must hold integers in 0..upper={upper}. Got {format_values(obs[bad])} instead. "
            "Increase `upper` to cover the largest count."
        )
    k = np.broadcast_to(np.arange(upper + 1, dtype=np.float64)[:, None], (upper + 1, obs.shape[0])).copy()
    F = _call_cdf(cdf, k, caller)
    return np.sum((F - (k >= obs)) ** 2, axis=0)


def crps_from_samples(samples: Any, y: Any) -> np.ndarray:
    r"""CRPS of the empirical distribution of predictive draws, in :math:`O(m \log m)` per row.

    Parameters
    ----------
    samples : array-like of shape (m, n)
        ``m`` draws from each of the ``n`` predictive distributions (column ``i`` for row ``i``).
    y : array-like of shape (n,)
        Observations.

    Returns
    -------
    ndarray of shape (n,)
        :math:`\frac1m \sum_j |x_j - y| - \frac{1}{2 m^2} \sum_{j, l} |x_j - x_l|`.

    Raises
    ------
    ValueError
        If ``samples`` is not 2-d, its columns do not match ``y``, or a value is NaN or inf.

    Notes
    -----
    This is the exact CRPS of the empirical CDF of the draws (the energy form with both expectations
    under it), hence non-negative and 0 when every draw equals ``y``. With the draws sorted,
    :math:`x_{(1)} \le \dots \le x_{(m)}`, the double sum is
    :math:`\sum_{j, l} |x_j - x_l| = 2 \sum_{j=1}^m (2j - m - 1)\, x_{(j)}`, which replaces the
    :math:`O(m^2)` pair sum by a sort. The unbiased ("fair") variant divides by :math:`m(m-1)`
    instead and can be negative; it is not used here.

    Examples
    --------
    >>> crps_from_samples([[0.0], [1.0]], [0.0])
    array([0.25])
    """
    caller = "crps_from_samples"
    x = as_array(samples, "samples", caller)
    if x.ndim != 2:
        raise ValueError(f"`samples` of {caller} must have shape (n_draws, n). Got shape {x.shape} instead.")
    obs = as_1d(y, "y", caller)
    if x.shape[1] != obs.shape[0]:
        raise ValueError(
            f"`samples` of {caller} must have one column per observation in `y` ({obs.shape[0]}). "
            f"Got shape {x.shape} instead."
        )
    m = x.shape[0]
    x = np.sort(x, axis=0)
    abs_error = np.mean(np.abs(x - obs), axis=0)
    j = np.arange(1, m + 1, dtype=np.float64)[:, None]
    pair_sum = 2.0 * np.sum((2.0 * j - m - 1.0) * x, axis=0)  # sum over all ordered pairs of |x_j - x_l|
    # The difference is >= 0 exactly (an integral of squares); the floor only removes rounding below 0.
    return np.maximum(abs_error - pair_sum / (2.0 * m**2), 0.0)
