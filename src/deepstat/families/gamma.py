"""Gamma family: positive, right-skewed magnitudes with constant coefficient of variation (GLM style)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import LogLink, SoftplusLink

__all__ = ["Gamma", "log_gammaincc"]

_TAIL_ITERATIONS = 200  # continued-fraction terms for the far upper tail (converges for x > a + 1)


def _log_gammaincc_tail(a: Tensor, x: Tensor) -> Tensor:
    r"""log Q(a, x) by Legendre's continued fraction (modified Lentz), for ``x > a + 1``.

    .. math:: Q(a, x) = \frac{e^{-x} x^a}{\Gamma(a)}\cfrac{1}{x + 1 - a - \cfrac{1 (1 - a)}{x + 3 - a - \cdots}}

    [Numerical Recipes, 3rd ed., section 6.2, ``gcf``]; evaluated in log space so that it stays
    finite where ``Q`` itself underflows.
    """
    tiny = torch.finfo(x.dtype).tiny / torch.finfo(x.dtype).eps
    b = x + 1 - a
    c = torch.full_like(x, 1 / tiny)
    d = 1 / b
    log_h = torch.log(d)
    for i in range(1, _TAIL_ITERATIONS + 1):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = torch.where(d.abs() < tiny, torch.full_like(d, tiny), d)
        c = b + an / c
        c = torch.where(c.abs() < tiny, torch.full_like(c, tiny), c)
        d = 1 / d
        log_h = log_h + torch.log(d * c)
    return -x + a * torch.log(x) - torch.lgamma(a) + log_h


class _LogGammaincc(torch.autograd.Function):
    """log of the regularised upper incomplete gamma Q(a, x), differentiable in both arguments."""

    @staticmethod
    def forward(ctx, a: Tensor, x: Tensor) -> Tensor:
        out = _log_gammaincc_value(a, x)
        ctx.save_for_backward(a, x, out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, x, out = ctx.saved_tensors
        # d/dx log Q = -x^(a-1) e^(-x) / (Gamma(a) Q)  (exact)
        d_x = -torch.exp((a - 1) * torch.log(x) - x - torch.lgamma(a) - out)
        d_x = torch.where(x > 0, d_x, torch.zeros_like(d_x))
        # d/da has no closed form (torch implements none): a central difference in float64,
        # step ~ eps^(1/3) * a, accurate to ~1e-10 relative
        a64, x64 = a.detach().double(), x.detach().double()
        h = 1e-5 * a64.clamp(min=1e-3)
        d_a = (_log_gammaincc_value(a64 + h, x64) - _log_gammaincc_value(a64 - h, x64)) / (2 * h)
        return grad * d_a.to(a.dtype), grad * d_x


def _log_gammaincc_value(a: Tensor, x: Tensor) -> Tensor:
    a, x = torch.broadcast_tensors(a, x)
    q = torch.special.gammaincc(a, x)
    # log1p(-P) where P = 1 - Q is small (Q rounds to 1 there), log Q elsewhere
    out = torch.where(q > 0.5, torch.log1p(-torch.special.gammainc(a, x)), torch.log(q))
    tail = (q < 1e-200) & (x > a + 1)  # where Q is (close to) underflowing: the continued fraction
    if bool(tail.any()):
        out = out.masked_scatter(tail, _log_gammaincc_tail(a[tail], x[tail]))
    return out


def log_gammaincc(a: Tensor, x: Tensor) -> Tensor:
    r"""Log of the regularised upper incomplete gamma function, :math:`\log Q(a, x) = \log \Gamma(a, x) / \Gamma(a)`.

    ``torch.special.gammaincc`` underflows to 0 once :math:`Q < 10^{-308}` and has no derivative in
    ``a``; this function switches to Legendre's continued fraction in the far upper tail and
    supplies both derivatives (exact in ``x``, a float64 central difference in ``a``).

    Parameters
    ----------
    a : Tensor
        Positive shape parameters.
    x : Tensor
        Non-negative arguments, broadcasting with ``a``.

    Returns
    -------
    Tensor
        :math:`\log Q(a, x)` (0 at ``x = 0``).

    Examples
    --------
    >>> log_gammaincc(torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([800.0, 2000.0], dtype=torch.float64))
    tensor([ -800.0000, -1992.3986], dtype=torch.float64)
    """
    return _LogGammaincc.apply(a, x)


class Gamma(Family):
    r"""Gamma family, mean parametrisation: :math:`g(\mu) = \eta_1` (by default :math:`\mu = \exp(\eta_1)`), shape
    :math:`k = \mathrm{softplus}(\eta_2)`, rate :math:`k / \mu`, so :math:`E[y] = \mu` and :math:`\mathrm{Var}[y] = \mu^2 / k`
    (the GLM Gamma, dispersion :math:`\phi = 1/k`).

    .. math:: \log p(y) = k \log\frac{k}{\mu} + (k - 1)\log y - \frac{k y}{\mu} - \log\Gamma(k), \quad y > 0

    .. math:: \log S(y) = \log Q(k, k y / \mu)

    with :math:`Q` the regularised upper incomplete gamma function (:func:`log_gammaincc`).

    scipy: ``scipy.stats.gamma(a=concentration, scale=mean / concentration)``.

    Parameters
    ----------
    link : {"log", "inverse", "identity"}, default="log"
        The link of the mean, as R's ``Gamma(link=)`` and statsmodels' ``Gamma(link=)``. R's and
        statsmodels' default is the canonical "inverse"; deepstat keeps "log", whose range is the
        domain of the mean, so that any network output is a valid mean. With "inverse" or
        "identity" an ``eta`` that maps to a mean <= 0 has log-likelihood -inf.

    Notes
    -----
    The CDF is torch's (regularised incomplete gamma); quantiles invert it by bisection.

    Examples
    --------
    >>> import torch
    >>> Gamma().mean(torch.tensor([[0.0, 1.0]]))
    tensor([1.])
    """

    name: ClassVar[str] = "gamma"
    params = {"mean": constraints.positive, "concentration": constraints.positive}
    links = {"mean": LogLink(), "concentration": SoftplusLink()}
    support = constraints.positive
    support_text = "positive reals (0, inf)"
    support_bounds = (0.0, float("inf"))
    link_choices = ("log", "inverse", "identity")
    restricted_links = frozenset({"inverse", "identity"})

    def __init__(self, link: Literal["log", "inverse", "identity"] = "log") -> None:
        self._set_link(link)

    def _config(self) -> dict[str, Any]:
        return self._link_config()

    def _make_distribution(self, mean: Tensor, concentration: Tensor) -> Distribution:
        return torch.distributions.Gamma(concentration, concentration / mean, validate_args=False)

    def mean(self, eta: Tensor) -> Tensor:
        return self.split(eta)["mean"]

    def _log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        p = self.split(eta)
        k = p["concentration"]
        return log_gammaincc(k, (k / p["mean"] * y).clamp(min=0))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Moments: log mean and shape mean^2 / var (a constant target falls back to shape 1e3).
        mean = weighted_mean(y, w)
        shape = positive_or(mean**2 / weighted_var(y, w), 1e3)
        return torch.stack([self.links["mean"].forward(mean), self.links["concentration"].forward(shape)])
