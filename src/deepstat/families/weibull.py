"""Weibull family: positive durations with a monotone hazard (the classical parametric survival model)."""

from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import LogLink, SoftplusLink

__all__ = ["Weibull"]

_EULER_GAMMA = 0.5772156649015329


class _WeibullDistribution(torch.distributions.Weibull):
    """torch's Weibull with the closed-form log density: torch's transformed-distribution
    ``log_prob`` computes ``(y / scale)^k`` through a power transform and returns ``-inf`` once
    it underflows (e.g. ``k = 39, y / scale = e^-19``), where the log density is finite."""

    def log_prob(self, value: Tensor) -> Tensor:
        k = self.concentration
        log_z = torch.log(value) - torch.log(self.scale)  # log(y / scale)
        return torch.log(k) - torch.log(self.scale) + (k - 1) * log_z - torch.exp(k * log_z)


class Weibull(Family):
    r"""Weibull family: scale :math:`\lambda = \exp(\eta_1)`, concentration (shape) :math:`k = \mathrm{softplus}(\eta_2)`.

    .. math::

        \log p(y) = \log k - \log\lambda + (k - 1)\log\frac{y}{\lambda} - \Big(\frac{y}{\lambda}\Big)^k,
        \qquad \log S(y) = -\Big(\frac{y}{\lambda}\Big)^k, \quad y > 0

    The hazard :math:`h(y) = (k / \lambda)(y / \lambda)^{k - 1}` rises for :math:`k > 1`, falls for
    :math:`k < 1` and is constant (exponential) for :math:`k = 1`. With a network predicting
    :math:`\eta_1` this is the Weibull accelerated-failure-time model. scipy:
    ``scipy.stats.weibull_min(c=concentration, scale=scale)``; lifelines' ``WeibullFitter`` uses
    ``lambda_ = scale`` and ``rho_ = concentration``.

    Notes
    -----
    For :math:`k \log(y / \lambda) > 709` the density and survival are below the float64 range and
    ``log_prob`` is ``-inf``, which is their correct limit.

    Examples
    --------
    >>> import torch
    >>> Weibull().log_survival(torch.tensor([2.0]), torch.tensor([[0.0, 0.5413]]))  # scale 1, k = 1
    tensor([-2.0000])
    """

    name: ClassVar[str] = "weibull"
    params = {"scale": constraints.positive, "concentration": constraints.positive}
    links = {"scale": LogLink(), "concentration": SoftplusLink()}
    support = constraints.positive
    support_text = "positive reals (0, inf)"
    support_bounds = (0.0, float("inf"))
    has_icdf = True

    def _make_distribution(self, scale: Tensor, concentration: Tensor) -> Distribution:
        return _WeibullDistribution(scale, concentration, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # -expm1(log S): torch's 1 - exp(-(y / scale)^k) is 0 for tiny (y / scale)^k
        return -torch.expm1(self._log_survival(y, eta))

    def _log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        p = self.split(eta)
        return -torch.exp(p["concentration"] * (torch.log(y.clamp(min=0)) - torch.log(p["scale"])))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # log y is Gumbel (minimum) with sd pi / (k sqrt 6) and mean log scale - euler_gamma / k:
        # moments of log y; a constant target falls back to k = 1e3.
        log_y = torch.log(y)
        k = positive_or(math.pi / (math.sqrt(6.0) * weighted_var(log_y, w).sqrt()), 1e3)
        log_scale = weighted_mean(log_y, w) + _EULER_GAMMA / k
        return torch.stack([log_scale, self.links["concentration"].forward(k)])
