"""Exponential family: positive magnitudes with a constant hazard."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean
from deepstat.families.links import LogLink

__all__ = ["Exponential"]


class Exponential(Family):
    r"""Exponential family, log link: :math:`y \sim \mathrm{Exp}(\lambda)`, :math:`\lambda = \exp(\eta)`.

    .. math:: \log p(y) = \log\lambda - \lambda y, \quad \log S(y) = -\lambda y, \quad y \ge 0

    The mean is :math:`1/\lambda = \exp(-\eta)`. scipy: ``scipy.stats.expon(scale=1 / rate)``.

    Examples
    --------
    >>> import torch
    >>> Exponential().mean(torch.tensor([[0.0]]))
    tensor([1.])
    """

    name: ClassVar[str] = "exponential"
    params = {"rate": constraints.positive}
    links = {"rate": LogLink()}
    support = constraints.nonnegative
    support_text = "non-negative reals [0, inf)"
    support_bounds = (0.0, float("inf"))
    has_icdf = True

    def _make_distribution(self, rate: Tensor) -> Distribution:
        return torch.distributions.Exponential(rate, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # -expm1(-rate y) rather than torch's 1 - exp(-rate y), which is 0 for tiny rate * y
        return -torch.expm1(-torch.exp(eta[..., 0]) * y.clamp(min=0))

    def _log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        # log S(y) = -rate * y exactly (0 below the support)
        return -torch.exp(eta[..., 0]) * y.clamp(min=0)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: rate = 1 / mean; an all-zero target falls back to mean 1e-3.
        mean = positive_or(weighted_mean(y, w), 1e-3)
        return torch.log(1 / mean).reshape(1)
