"""Laplace family: robust regression (the MLE of the location is the median)."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_quantile
from deepstat.families.links import IdentityLink, SoftplusLink

__all__ = ["Laplace"]


class Laplace(Family):
    r"""Laplace family: :math:`y \sim \mathrm{Laplace}(\mu, b)`, :math:`\mu = \eta_1`, :math:`b = \mathrm{softplus}(\eta_2)`.

    .. math:: \log p(y) = -\log(2b) - \frac{|y - \mu|}{b}

    scipy: ``scipy.stats.laplace(loc=loc, scale=scale)``.

    Examples
    --------
    >>> import torch
    >>> Laplace().mean(torch.tensor([[2.0, 0.0]]))
    tensor([2.])
    """

    name: ClassVar[str] = "laplace"
    location_on_target_scale = True
    params = {"loc": constraints.real, "scale": constraints.positive}
    links = {"loc": IdentityLink(), "scale": SoftplusLink()}
    support = constraints.real
    support_text = "real numbers (-inf, inf)"
    has_icdf = True

    def _make_distribution(self, loc: Tensor, scale: Tensor) -> Distribution:
        return torch.distributions.Laplace(loc, scale, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # exp(z) / 2 below the location, written out: torch's form 0.5 - 0.5 sign(z) expm1(-|z|)
        # cancels in the lower tail.
        p = self.split(eta)
        z = (y - p["loc"]) / p["scale"]
        return torch.where(z < 0, 0.5 * torch.exp(z.clamp(max=0)), 1 - 0.5 * torch.exp(-z.clamp(min=0)))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: weighted median and weighted mean absolute deviation from it.
        loc = weighted_quantile(y, w, torch.tensor(0.5, dtype=y.dtype))
        scale = positive_or(weighted_mean((y - loc).abs(), w), 1e-3 * max(1.0, float(loc.abs())))
        return torch.stack([loc, self.links["scale"].forward(scale)])
