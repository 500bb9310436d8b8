"""Inverse Gaussian family: positive, right-skewed magnitudes whose variance grows as the mean cubed (GLM style)."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean
from deepstat.families.links import LogLink, SoftplusLink

__all__ = ["InverseGaussian", "InverseGaussianDistribution"]


class InverseGaussianDistribution(Distribution):
    r"""The inverse Gaussian (Wald) distribution with mean :math:`\mu` and shape :math:`\lambda`; torch has none.

    .. math:: \log p(y) = \tfrac12 \log\frac{\lambda}{2\pi y^3} - \frac{\lambda (y - \mu)^2}{2 \mu^2 y}, \quad y > 0

    .. math:: F(y) = \Phi\Big(\sqrt{\lambda / y}\,(y/\mu - 1)\Big) + e^{2\lambda/\mu}\,\Phi\Big(-\sqrt{\lambda / y}\,(y/\mu + 1)\Big)

    :math:`E[y] = \mu`, :math:`\mathrm{Var}[y] = \mu^3 / \lambda`. scipy: ``scipy.stats.invgauss(mu=mean / shape, scale=shape)``.

    Parameters
    ----------
    mean, shape : Tensor
        Positive, broadcasting to the batch shape.

    Notes
    -----
    Both CDF terms are computed as ``exp(log_ndtr(...))``, the second as ``exp(2 lambda / mu + log_ndtr(...))``,
    which does not overflow where :math:`e^{2\lambda/\mu}` alone would (and ``torch.special.ndtr`` underflows
    to 0 below -8, where the lower tail is the sum of two such small terms). Samples use the transformation of Michael, Schucany and
    Haas (1976), with the root written as :math:`\mu / (1 + m + \sqrt{m (m + 2)})`, :math:`m = \mu \nu^2 / (2\lambda)`,
    to avoid cancellation.

    References
    ----------
    Michael, J. R., Schucany, W. R. and Haas, R. W. (1976). Generating random variates using
    transformations with multiple roots. The American Statistician 30(2), 88-90.
    """

    arg_constraints = {"loc": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = False

    def __init__(self, mean: Tensor, shape: Tensor, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = torch.broadcast_tensors(mean, shape)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self.loc**3 / self.concentration

    @property
    def mode(self) -> Tensor:
        ratio = 1.5 * self.loc / self.concentration
        return self.loc * (torch.sqrt(1 + ratio**2) - ratio)

    def log_prob(self, value: Tensor) -> Tensor:
        mu, lam = self.loc, self.concentration
        return 0.5 * (torch.log(lam) - math.log(2 * math.pi) - 3 * torch.log(value)) - lam * (value - mu) ** 2 / (2 * mu**2 * value)

    def cdf(self, value: Tensor) -> Tensor:
        mu, lam = self.loc, self.concentration
        y = value.clamp(min=torch.finfo(mu.dtype).tiny)
        root = torch.sqrt(lam / y)
        first = torch.exp(torch.special.log_ndtr(root * (y / mu - 1)))  # torch's ndtr underflows to 0 below -8
        second = torch.exp(2 * lam / mu + torch.special.log_ndtr(-root * (y / mu + 1)))
        return torch.where(value > 0, (first + second).clamp(max=1.0), torch.zeros_like(first))

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            mu, lam = self.loc.expand(shape), self.concentration.expand(shape)
            nu = torch.randn(shape, dtype=mu.dtype, device=mu.device)
            m = mu * nu**2 / (2 * lam)
            x = mu / (1 + m + torch.sqrt(m * (m + 2)))  # the smaller root
            u = torch.rand(shape, dtype=mu.dtype, device=mu.device)
            return torch.where(u <= mu / (mu + x), x, mu**2 / x)


class InverseGaussian(Family):
    r"""Inverse Gaussian family: mean :math:`g(\mu) = \eta_1` (by default :math:`\mu = \exp(\eta_1)`), shape
    :math:`\lambda = \mathrm{softplus}(\eta_2)`, :math:`\mathrm{Var}[y] = \mu^3 / \lambda` (the GLM inverse Gaussian,
    dispersion :math:`\phi = 1/\lambda`).

    .. math:: \log p(y) = \tfrac12 \log\frac{\lambda}{2\pi y^3} - \frac{\lambda (y - \mu)^2}{2 \mu^2 y}, \quad y > 0

    scipy: ``scipy.stats.invgauss(mu=mean / concentration, scale=concentration)``; the parameter
    ``concentration`` is :math:`\lambda = 1/\phi`, as for :class:`~deepstat.families.Gamma`.

    Parameters
    ----------
    link : {"log", "inverse_squared", "inverse", "identity"}, default="log"
        The link of the mean, as R's ``inverse.gaussian(link=)`` and statsmodels'
        ``InverseGaussian(link=)``. The canonical link (R's and statsmodels' default) is
        "inverse_squared", :math:`\eta = 1/\mu^2`; deepstat defaults to "log", whose range is the
        domain of the mean (as for the gamma). With the other links an ``eta`` outside the
        domain has log-likelihood -inf.

    Notes
    -----
    Quantiles invert the CDF by bisection; :math:`\log S` is ``log1p(-cdf)``.

    Examples
    --------
    >>> import torch
    >>> InverseGaussian().variance(torch.tensor([[0.0, 0.5413]]))  # mu = 1, lambda = 1
    tensor([1.0000])
    """

    name: ClassVar[str] = "inverse_gaussian"
    params = {"mean": constraints.positive, "concentration": constraints.positive}
    links = {"mean": LogLink(), "concentration": SoftplusLink()}
    support = constraints.positive
    support_text = "positive reals (0, inf)"
    support_bounds = (0.0, float("inf"))
    link_choices = ("log", "inverse_squared", "inverse", "identity")
    restricted_links = frozenset({"inverse_squared", "inverse", "identity"})

    def __init__(self, link: Literal["log", "inverse_squared", "inverse", "identity"] = "log") -> None:
        self._set_link(link)

    def _config(self) -> dict[str, Any]:
        return self._link_config()

    def _make_distribution(self, mean: Tensor, concentration: Tensor) -> Distribution:
        return InverseGaussianDistribution(mean, concentration, validate_args=False)

    def mean(self, eta: Tensor) -> Tensor:
        return self.split(eta)["mean"]

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE of the intercept-only model: mu = mean(y), 1 / lambda = mean(1 / y) - 1 / mu (> 0 by
        # Jensen's inequality; a constant target falls back to lambda = 1e3 * mu).
        mean = weighted_mean(y, w)
        shape = positive_or(1 / (weighted_mean(1 / y, w) - 1 / mean), 1e3 * float(mean))
        return torch.stack([self.links["mean"].forward(mean), self.links["concentration"].forward(shape)])
