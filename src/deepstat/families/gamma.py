"""Gamma family: positive, right-skewed magnitudes with constant coefficient of variation (GLM style)."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import LogLink, SoftplusLink

__all__ = ["Gamma"]


class Gamma(Family):
    r"""Gamma family, mean parametrisation: :math:`\mu = \exp(\eta_1)`, shape :math:`k = \mathrm{softplus}(\eta_2)`,
    rate :math:`k / \mu`, so :math:`E[y] = \mu` and :math:`\mathrm{Var}[y] = \mu^2 / k` (the GLM Gamma with log link).

    .. math:: \log p(y) = k \log\frac{k}{\mu} + (k - 1)\log y - \frac{k y}{\mu} - \log\Gamma(k), \quad y > 0

    scipy: ``scipy.stats.gamma(a=concentration, scale=mean / concentration)``.

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

    def _make_distribution(self, mean: Tensor, concentration: Tensor) -> Distribution:
        return torch.distributions.Gamma(concentration, concentration / mean, validate_args=False)

    def mean(self, eta: Tensor) -> Tensor:
        return self.split(eta)["mean"]

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Moments: log mean and shape mean^2 / var (a constant target falls back to shape 1e3).
        mean = weighted_mean(y, w)
        shape = positive_or(mean**2 / weighted_var(y, w), 1e3)
        return torch.stack([torch.log(mean), self.links["concentration"].forward(shape)])
