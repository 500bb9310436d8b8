"""Log-normal family: positive durations or magnitudes whose logarithm is normal."""

from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import IdentityLink, SoftplusLink

__all__ = ["LogNormal"]


class LogNormal(Family):
    r"""Log-normal family: :math:`\log y \sim N(\mu, \sigma^2)`, :math:`\mu = \eta_1`, :math:`\sigma = \mathrm{softplus}(\eta_2)`.

    .. math::

        \log p(y) = -\log y - \log\sigma - \tfrac12\log(2\pi) - \tfrac12 z^2, \qquad
        \log S(y) = \log\Phi(-z), \qquad z = \frac{\log y - \mu}{\sigma}, \quad y > 0

    With a network predicting :math:`\mu` this is the log-normal accelerated-failure-time model.
    scipy: ``scipy.stats.lognorm(s=scale, scale=exp(loc))``.

    Notes
    -----
    :math:`\log\Phi(-z)` is ``torch.special.log_ndtr``, accurate far in the upper tail; the CDF is
    ``erfc(-z / sqrt 2) / 2``, accurate far in the lower tail.

    Examples
    --------
    >>> import torch
    >>> LogNormal().log_survival(torch.tensor([1.0]), torch.tensor([[0.0, 0.5413]]))  # log(1/2)
    tensor([-0.6931])
    """

    name: ClassVar[str] = "log_normal"
    params = {"loc": constraints.real, "scale": constraints.positive}
    links = {"loc": IdentityLink(), "scale": SoftplusLink()}
    support = constraints.positive
    support_text = "positive reals (0, inf)"
    support_bounds = (0.0, float("inf"))
    has_icdf = True

    def _make_distribution(self, loc: Tensor, scale: Tensor) -> Distribution:
        return torch.distributions.LogNormal(loc, scale, validate_args=False)

    def _z(self, y: Tensor, eta: Tensor) -> Tensor:
        p = self.split(eta)
        return (torch.log(y.clamp(min=0)) - p["loc"]) / p["scale"]

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        return 0.5 * torch.special.erfc(-self._z(y, eta) / math.sqrt(2))

    def _log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        return torch.special.log_ndtr(-self._z(y, eta))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: weighted mean and sd of log y; a constant target falls back to sd 1e-3.
        log_y = torch.log(y)
        sd = positive_or(weighted_var(log_y, w).sqrt(), 1e-3)
        return torch.stack([weighted_mean(log_y, w), self.links["scale"].forward(sd)])
