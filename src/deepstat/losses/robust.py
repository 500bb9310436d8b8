r"""Robust regression losses: Huber, Tukey's biweight and Barron's general (and adaptive) loss.

The formulas are the course's (seed, "Outliers-Loss Functions"), with the residual
:math:`r = y - f(x)`. Each loss is a pure function plus a small ``nn.Module`` that follows the
estimators' loss protocol ``loss(eta, y, *, weight=None, reduction="sum")`` with
``n_outputs = 1`` (the prediction is ``eta[:, 0]``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from numbers import Real

import numpy as np
import torch
from torch import Tensor, nn

from deepstat.losses._common import Reduction, as_float_tensor, check_same_shape, reduce_loss

__all__ = [
    "huber_loss",
    "tukey_biweight_loss",
    "barron_loss",
    "barron_log_partition",
    "HuberLoss",
    "TukeyBiweightLoss",
    "BarronLoss",
    "BarronAdaptiveLoss",
]


def _check_positive(value: float, name: str, caller: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` of {caller} must be a finite float > 0. Got {value!r} instead.")
    return float(value)


def huber_loss(
    input: Tensor, target: Tensor, *, delta: float = 1.0, weight: Tensor | None = None, reduction: Reduction = "mean"
) -> Tensor:
    r"""Huber's loss: quadratic for small residuals, linear for large ones.

    .. math::

        \ell_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
        \delta |r| - \tfrac12 \delta^2 & |r| > \delta \end{cases}, \qquad r = y - f(x).

    Parameters
    ----------
    input : Tensor
        Predictions :math:`f(x)`.
    target : Tensor
        Observations :math:`y`, the same shape as ``input``.
    delta : float, default=1.0
        Threshold between the quadratic and the linear part (> 0, in the units of ``y``).
    weight : Tensor of shape (n,), optional
        Non-negative observation weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        "mean" is the weighted mean over observations.

    Returns
    -------
    Tensor
        A scalar, or the weighted per-observation losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``delta`` is not positive or the shapes differ.

    Notes
    -----
    ``torch.nn.functional.huber_loss`` is the same function; statsmodels' ``HuberT(t)`` is
    :math:`\ell_t(r / s)` for a residual scale :math:`s`, and :math:`\ell_{ts}(r) = s^2 \ell_t(r/s)`.

    References
    ----------
    Huber, P. J. (1964). Robust estimation of a location parameter. *Ann. Math. Statist.* 35, 73-101.

    Examples
    --------
    >>> import torch
    >>> huber_loss(torch.tensor([0.0, 0.0]), torch.tensor([0.5, 3.0]), delta=1.0, reduction="none")
    tensor([0.1250, 2.5000])
    """
    delta = _check_positive(delta, "delta", "huber_loss")
    check_same_shape(input, target, "huber_loss")
    a = (target - input).abs()
    per_obs = torch.where(a <= delta, 0.5 * a.square(), delta * a - 0.5 * delta**2)
    return reduce_loss(per_obs, weight, reduction, "huber_loss")


def tukey_biweight_loss(
    input: Tensor, target: Tensor, *, delta: float = 4.685, weight: Tensor | None = None, reduction: Reduction = "mean"
) -> Tensor:
    r"""Tukey's biweight loss: bounded, so that gross outliers have no influence at all.

    .. math::

        \ell_\delta(r) = \begin{cases} \frac{\delta^2}{6}\left(1 - \left(1 - \frac{r^2}{\delta^2}\right)^3\right) & |r| \le \delta \\
        \frac{\delta^2}{6} & |r| > \delta \end{cases}, \qquad r = y - f(x).

    Parameters
    ----------
    input, target : Tensor
        Predictions and observations of the same shape.
    delta : float, default=4.685
        Rejection point (> 0); 4.685 gives 95% efficiency at the normal for unit-scale residuals.
    weight : Tensor of shape (n,), optional
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        If ``delta`` is not positive or the shapes differ.

    Notes
    -----
    Not convex: a fit should start near a good solution (the estimators start at the median).
    statsmodels' ``TukeyBiweight(c)`` is :math:`\ell_c(r/s)`, and :math:`\ell_{cs}(r) = s^2 \ell_c(r/s)`.

    References
    ----------
    Beaton, A. E. & Tukey, J. W. (1974). The fitting of power series ... *Technometrics* 16, 147-185.

    Examples
    --------
    >>> import torch
    >>> tukey_biweight_loss(torch.zeros(2), torch.tensor([1.0, 10.0]), delta=2.0, reduction="none")
    tensor([0.3854, 0.6667])
    """
    delta = _check_positive(delta, "delta", "tukey_biweight_loss")
    check_same_shape(input, target, "tukey_biweight_loss")
    u = ((target - input) / delta).square().clamp(max=1.0)  # r^2 / delta^2, capped at the rejection point
    per_obs = delta**2 / 6.0 * (1.0 - (1.0 - u) ** 3)
    return reduce_loss(per_obs, weight, reduction, "tukey_biweight_loss")


def _exprel(u: Tensor) -> Tensor:
    """``expm1(u) / u``, 1 at ``u = 0``; a series near 0 keeps value and gradient exact."""
    small = u.abs() < 1e-4
    u_safe = torch.where(small, torch.ones_like(u), u)
    return torch.where(small, 1.0 + u / 2.0 + u.square() / 6.0, torch.expm1(u_safe) / u_safe)


def _rho(x: Tensor, alpha: Tensor, scale: Tensor) -> Tensor:
    """Barron's rho without input checks (the adaptive loss calls it with valid parameters)."""
    z2 = (x / scale).square()
    finite = torch.isfinite(alpha)
    a = torch.where(finite, alpha, torch.zeros_like(alpha))  # placeholder where alpha = +-inf
    b = (a - 2.0).abs()
    b_safe = torch.where(b == 0, torch.ones_like(b), b)
    # |a-2|/a ((z2/|a-2| + 1)^(a/2) - 1) = |a-2| L/2 expm1(aL/2)/(aL/2), L = log1p(z2/|a-2|): no 1/a, no cancellation
    log_term = torch.log1p(z2 / b_safe)
    general = b_safe * log_term / 2.0 * _exprel(a * log_term / 2.0)
    rho = torch.where(b == 0, z2 / 2.0, general)  # alpha = 2: L2
    rho = torch.where(alpha == -math.inf, -torch.expm1(-z2 / 2.0), rho)  # Welsch
    plus_inf = alpha == math.inf
    z2_inf = torch.where(plus_inf, z2, torch.zeros_like(z2))  # no exp overflow (and NaN gradients) off this branch
    return torch.where(plus_inf, torch.expm1(z2_inf / 2.0), rho)


def barron_loss(x: Tensor, alpha: float | Tensor, scale: float | Tensor) -> Tensor:
    r"""Barron's general robust loss :math:`\rho(x, \alpha, c)`, elementwise, for every :math:`\alpha`.

    .. math::

        \rho(x, \alpha, c) = \begin{cases}
        \tfrac12 (x/c)^2 & \alpha = 2 \\
        \log\left(\tfrac12 (x/c)^2 + 1\right) & \alpha = 0 \\
        1 - \exp\left(-\tfrac12 (x/c)^2\right) & \alpha = -\infty \\
        \frac{|\alpha - 2|}{\alpha}\left(\left(\frac{(x/c)^2}{|\alpha - 2|} + 1\right)^{\alpha/2} - 1\right) & \text{otherwise}
        \end{cases}

    Parameters
    ----------
    x : Tensor
        Residuals.
    alpha : float or Tensor
        Shape, in :math:`[-\infty, \infty]`: 2 is L2, 1 Charbonnier (pseudo-Huber), 0 Cauchy,
        -2 Geman-McClure, :math:`-\infty` Welsch. Broadcast against ``x``.
    scale : float or Tensor
        :math:`c > 0`, the width of the quadratic bowl near 0. Broadcast against ``x``.

    Returns
    -------
    Tensor
        :math:`\rho` with the broadcast shape, >= 0 and 0 at ``x = 0``.

    Raises
    ------
    ValueError
        If ``alpha`` is NaN or ``scale`` is not positive and finite.

    Notes
    -----
    The general case is evaluated as :math:`|\alpha-2| \frac{L}{2} \frac{e^{u} - 1}{u}` with
    :math:`L = \log(1 + z^2/|\alpha-2|)`, :math:`u = \alpha L / 2`, using ``log1p`` and a series of
    :math:`(e^u - 1)/u` near :math:`u = 0`. This is exact at :math:`\alpha = 0` (value and
    gradient in :math:`\alpha`), has no cancellation as :math:`\alpha \to 2`, and needs none of
    the :math:`\epsilon` shifts of Barron's reference code. At :math:`\alpha = 2` exactly the L2
    branch is used; there :math:`\partial\rho/\partial\alpha` is infinite (the loss has a
    :math:`b \log b` term in :math:`b = |\alpha - 2|`), and autograd reports 0.

    References
    ----------
    Barron, J. T. (2019). A general and adaptive robust loss function. *CVPR*, 4331-4339.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([0.0, 1.0, 3.0], dtype=torch.float64)
    >>> barron_loss(x, 2.0, 1.0)
    tensor([0.0000, 0.5000, 4.5000], dtype=torch.float64)
    >>> barron_loss(x, 1.0, 1.0)  # sqrt(x^2 + 1) - 1
    tensor([0.0000, 0.4142, 2.1623], dtype=torch.float64)
    """
    x = as_float_tensor(x)
    alpha_t = as_float_tensor(alpha, x)
    scale_t = as_float_tensor(scale, x)
    if torch.isnan(alpha_t).any():
        raise ValueError(f"`alpha` of barron_loss must be a number in [-inf, inf]. Got {alpha!r} instead.")
    if not (torch.isfinite(scale_t).all() and (scale_t > 0).all()):
        raise ValueError(f"`scale` of barron_loss must be finite and > 0. Got {scale!r} instead.")
    return _rho(x, alpha_t, scale_t)


# ------------------------------------------------------------- log partition
ALPHA_RANGE = (0.0, 4.0)


def _knots() -> np.ndarray:
    """Every 0.025 on [0, 4], refined geometrically towards 0 and towards 2 (from both sides)."""
    near = np.geomspace(1e-6, 0.025, 30)
    return np.unique(np.concatenate([np.linspace(*ALPHA_RANGE, 161), near, 2.0 - near, 2.0 + near]))


def _singular_part(alpha: np.ndarray | Tensor) -> np.ndarray | Tensor:
    """``s log|s| / 4`` with ``s = alpha - 2``: the non-smooth term of log Z at alpha = 2 (0 there)."""
    s = alpha - 2.0
    if isinstance(s, Tensor):
        s_safe = torch.where(s == 0, torch.ones_like(s), s)
        return torch.where(s == 0, torch.zeros_like(s), s_safe * s_safe.abs().log() / 4.0)
    return np.where(s == 0, 0.0, s * np.log(np.where(s == 0, 1.0, np.abs(s))) / 4.0)


def _rho_numpy(x: np.ndarray | float, alpha: float) -> np.ndarray | float:
    """Barron's rho with c = 1 in numpy (the integrand of the partition function)."""
    z2 = np.square(x)
    if alpha == 2.0:
        return z2 / 2.0
    b = abs(alpha - 2.0)
    log_term = np.log1p(z2 / b)
    if alpha == 0.0:
        return log_term
    return b / alpha * np.expm1(alpha * log_term / 2.0)


def _log_partition_quad(alpha: float) -> float:
    """log Z(alpha) = log of the integral of exp(-rho(x, alpha, 1)) over the line, by scipy's quad."""
    from scipy.integrate import quad

    half, _ = quad(lambda x: math.exp(-_rho_numpy(x, alpha)), 0.0, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)
    return math.log(2.0 * half)


@lru_cache(maxsize=1)
def _log_partition_spline() -> tuple[np.ndarray, np.ndarray]:
    """Knots and the (4, n_knots - 1) coefficients of a cubic spline through log Z - s log|s| / 4."""
    from scipy.interpolate import CubicSpline

    knots = _knots()
    values = np.array([_log_partition_quad(float(a)) for a in knots]) - _singular_part(knots)
    return knots, CubicSpline(knots, values, bc_type="not-a-knot").c


def barron_log_partition(alpha: Tensor) -> Tensor:
    r"""The log normaliser :math:`\log Z(\alpha)` of Barron's distribution, for :math:`\alpha \in [0, 4]`.

    .. math:: Z(\alpha) = \int_{-\infty}^{\infty} \exp(-\rho(x, \alpha, 1)) \, dx,
              \qquad p(x \mid \mu, \alpha, c) = \frac{\exp(-\rho(x - \mu, \alpha, c))}{c \, Z(\alpha)}.

    Parameters
    ----------
    alpha : Tensor
        Shapes in :math:`[0, 4]`.

    Returns
    -------
    Tensor
        :math:`\log Z(\alpha)`, differentiable in ``alpha``.

    Raises
    ------
    ValueError
        If an ``alpha`` lies outside [0, 4] (for :math:`\alpha < 0` the distribution does not normalise).

    Notes
    -----
    :math:`\log Z` has a non-smooth term :math:`s \log|s| / 4`, :math:`s = \alpha - 2` (from the
    :math:`b \log b` term of :math:`\rho`, see :func:`barron_loss`; its slope is infinite at 2).
    That term is added in closed form to a cubic spline (scipy's ``CubicSpline``, not-a-knot)
    through :math:`\log Z(\alpha) - s\log|s|/4` at 228 knots (every 0.025 on [0, 4], refined
    geometrically towards 0 and 2), each computed by ``scipy.integrate.quad`` once per process
    and evaluated in torch: differentiable in :math:`\alpha`, accurate to about 1e-8.
    :math:`Z(2) = \sqrt{2\pi}`, :math:`Z(0) = \pi\sqrt{2}`, :math:`Z(1) = 2e K_1(1)`.

    Examples
    --------
    >>> import math, torch
    >>> round(float(barron_log_partition(torch.tensor(2.0, dtype=torch.float64))), 6) == round(0.5 * math.log(2 * math.pi), 6)
    True
    """
    alpha = as_float_tensor(alpha)
    lo, hi = ALPHA_RANGE
    if not ((alpha >= lo) & (alpha <= hi)).all():
        raise ValueError(f"`alpha` of barron_log_partition must lie in [0, 4]. Got {alpha.detach().flatten()[:5].tolist()} instead.")
    knots_np, coef = _log_partition_spline()
    knots = torch.as_tensor(knots_np, dtype=alpha.dtype, device=alpha.device)
    idx = torch.clamp(torch.searchsorted(knots, alpha.detach(), right=True) - 1, 0, len(knots_np) - 2)
    c = torch.as_tensor(coef, dtype=alpha.dtype, device=alpha.device)[:, idx]  # (4, *alpha.shape)
    t = alpha - knots[idx]
    return ((c[0] * t + c[1]) * t + c[2]) * t + c[3] + _singular_part(alpha)


# ------------------------------------------------------------------ modules
class _RegressionLoss(nn.Module):
    """Base of the regression loss modules: ``__call__(eta, y, *, weight, reduction)`` on ``eta[:, 0]``."""

    n_outputs = 1

    def _prediction(self, eta: Tensor, y: Tensor) -> Tensor:
        return eta[:, 0] if eta.ndim == 2 else eta

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())

    def config(self) -> dict[str, float]:  # pragma: no cover - overridden
        return {}


class HuberLoss(_RegressionLoss):
    """:func:`huber_loss` as a module: ``HuberLoss(delta)(eta, y, weight=None, reduction="sum")``.

    Examples
    --------
    >>> import torch
    >>> HuberLoss(delta=1.0)(torch.zeros(2, 1), torch.tensor([0.5, 3.0]))
    tensor(2.6250)
    """

    def __init__(self, delta: float = 1.0) -> None:
        super().__init__()
        self.delta = _check_positive(delta, "delta", "HuberLoss")

    def config(self) -> dict[str, float]:
        return {"delta": self.delta}

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return huber_loss(self._prediction(eta, y), y, delta=self.delta, weight=weight, reduction=reduction)


class TukeyBiweightLoss(_RegressionLoss):
    """:func:`tukey_biweight_loss` as a module.

    Examples
    --------
    >>> import torch
    >>> TukeyBiweightLoss(delta=2.0)(torch.zeros(2, 1), torch.tensor([1.0, 10.0]))
    tensor(1.0521)
    """

    def __init__(self, delta: float = 4.685) -> None:
        super().__init__()
        self.delta = _check_positive(delta, "delta", "TukeyBiweightLoss")

    def config(self) -> dict[str, float]:
        return {"delta": self.delta}

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return tukey_biweight_loss(self._prediction(eta, y), y, delta=self.delta, weight=weight, reduction=reduction)


class BarronLoss(_RegressionLoss):
    """:func:`barron_loss` of the residual ``y - eta[:, 0]`` with fixed ``alpha`` and ``scale``.

    Examples
    --------
    >>> import torch
    >>> BarronLoss(alpha=2.0, scale=1.0)(torch.zeros(2, 1), torch.tensor([1.0, 3.0]))
    tensor(5.)
    """

    def __init__(self, alpha: float = 1.0, scale: float = 1.0) -> None:
        super().__init__()
        if isinstance(alpha, bool) or not isinstance(alpha, Real) or math.isnan(alpha):
            raise ValueError(f"`alpha` of BarronLoss must be a float in [-inf, inf]. Got {alpha!r} instead.")
        self.alpha = float(alpha)
        self.scale = _check_positive(scale, "scale", "BarronLoss")

    def config(self) -> dict[str, float]:
        return {"alpha": self.alpha, "scale": self.scale}

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        x = y - self._prediction(eta, y)
        rho = _rho(x, x.new_tensor(self.alpha), x.new_tensor(self.scale))
        return reduce_loss(rho, weight, reduction, "BarronLoss")


class BarronAdaptiveLoss(_RegressionLoss):
    r"""Barron's adaptive loss: the negative log-likelihood of his distribution, with learnable shape and scale.

    .. math:: -\log p(y \mid \mu, \alpha, c) = \rho(y - \mu, \alpha, c) + \log c + \log Z(\alpha),
              \quad \alpha = \alpha_{lo} + (\alpha_{hi} - \alpha_{lo})\,\sigma(a), \quad c = e^{s}

    with :math:`\mu` = ``eta[:, 0]`` and the unconstrained parameters :math:`a, s` of this module.
    Register the module inside the fitted network (``DeepRegressor(loss="barron_adaptive")`` does)
    so that the optimiser trains them with the network.

    Parameters
    ----------
    alpha : float, default=1.0
        Initial shape, strictly inside (``alpha_lo``, ``alpha_hi``).
    scale : float, default=1.0
        Initial scale :math:`c > 0`, in the units of ``y``.
    alpha_lo, alpha_hi : float, default=0.0, 4.0
        Range of :math:`\alpha`, within [0, 4] (the range of the tabulated :math:`\log Z`).

    Attributes
    ----------
    alpha_ : Tensor
        Current shape (0-d).
    scale_ : Tensor
        Current scale (0-d).

    References
    ----------
    Barron, J. T. (2019). A general and adaptive robust loss function. *CVPR*, Section 3.

    Examples
    --------
    >>> import torch
    >>> loss = BarronAdaptiveLoss(alpha=2.0 - 1e-9, scale=1.0).double()
    >>> y = torch.tensor([0.0, 1.0], dtype=torch.float64)
    >>> bool(torch.isclose(loss(torch.zeros(2, 1, dtype=torch.float64), y, reduction="mean"),
    ...                    -torch.distributions.Normal(0.0, 1.0).log_prob(y).mean()))
    True
    """

    def __init__(self, alpha: float = 1.0, scale: float = 1.0, alpha_lo: float = 0.0, alpha_hi: float = 4.0) -> None:
        super().__init__()
        for name, value in (("alpha_lo", alpha_lo), ("alpha_hi", alpha_hi)):
            if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= value <= 4.0:
                raise ValueError(f"`{name}` of BarronAdaptiveLoss must be a float in [0, 4]. Got {value!r} instead.")
        if not alpha_lo < alpha_hi:
            raise ValueError(f"`alpha_lo` of BarronAdaptiveLoss must be < alpha_hi ({alpha_hi!r}). Got {alpha_lo!r} instead.")
        if isinstance(alpha, bool) or not isinstance(alpha, Real) or not alpha_lo < alpha < alpha_hi:
            raise ValueError(
                f"`alpha` of BarronAdaptiveLoss must be a float in ({alpha_lo}, {alpha_hi}). Got {alpha!r} instead."
            )
        scale = _check_positive(scale, "scale", "BarronAdaptiveLoss")
        self.alpha_lo, self.alpha_hi = float(alpha_lo), float(alpha_hi)
        p = (alpha - alpha_lo) / (alpha_hi - alpha_lo)
        self.alpha_raw = nn.Parameter(torch.tensor(math.log(p / (1.0 - p))))  # logit
        self.log_scale = nn.Parameter(torch.tensor(math.log(scale)))

    def config(self) -> dict[str, float]:
        return {"alpha": float(self.alpha_), "scale": float(self.scale_), "alpha_lo": self.alpha_lo, "alpha_hi": self.alpha_hi}

    def _alpha(self) -> Tensor:
        return self.alpha_lo + (self.alpha_hi - self.alpha_lo) * torch.sigmoid(self.alpha_raw)

    @property
    def alpha_(self) -> Tensor:
        """The current shape (detached)."""
        return self._alpha().detach()

    @property
    def scale_(self) -> Tensor:
        """The current scale (detached)."""
        return self.log_scale.detach().exp()

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        x = y - self._prediction(eta, y)
        alpha, scale = self._alpha().to(x.dtype), self.log_scale.exp().to(x.dtype)
        nll = _rho(x, alpha, scale) + scale.log() + barron_log_partition(alpha)  # Barron (2019), eq. (16)-(17)
        return reduce_loss(nll, weight, reduction, "BarronAdaptiveLoss")
