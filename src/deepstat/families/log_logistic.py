"""Log-logistic family: positive durations whose hazard can rise and then fall (torch has no such distribution)."""

from __future__ import annotations

import math
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Distribution, constraints
from torch.distributions.utils import broadcast_all

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import LogLink, SoftplusLink

__all__ = ["LogLogistic", "LogLogisticDistribution"]


class LogLogisticDistribution(Distribution):
    r"""Log-logistic (Fisk) distribution: :math:`\log y` is logistic with location :math:`\log s` and scale :math:`1/c`.

    .. math::

        F(y) = \frac{1}{1 + (y / s)^{-c}} = \sigma(u), \qquad u = c(\log y - \log s),

        \log p(y) = \log c - \log y + u - 2\,\mathrm{softplus}(u), \qquad \log S(y) = -\mathrm{softplus}(u)

    scipy: ``scipy.stats.fisk(c=concentration, scale=scale)``.

    Parameters
    ----------
    scale : Tensor
        Positive scale :math:`s` (the median).
    concentration : Tensor
        Positive shape :math:`c`; the mean exists for :math:`c > 1`, the variance for :math:`c > 2`.
    validate_args : bool or None, default=None
        As in ``torch.distributions``.

    Examples
    --------
    >>> d = LogLogisticDistribution(torch.tensor([2.0]), torch.tensor([3.0]))
    >>> d.cdf(torch.tensor([2.0]))
    tensor([0.5000])
    >>> d.icdf(torch.tensor([0.5]))
    tensor([2.])
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, scale: Tensor, concentration: Tensor, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def expand(self, batch_shape: torch.Size, _instance: Distribution | None = None) -> LogLogisticDistribution:
        new = self._get_checked_instance(LogLogisticDistribution, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(LogLogisticDistribution, new).__init__(torch.Size(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _u(self, value: Tensor) -> Tensor:
        return self.concentration * (torch.log(value) - torch.log(self.scale))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        u = self._u(value)
        return torch.log(self.concentration) - torch.log(value) + u - 2 * F.softplus(u)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.sigmoid(self._u(value.clamp(min=0)))

    def log_survival(self, value: Tensor) -> Tensor:
        """:math:`\\log S(y) = -\\mathrm{softplus}(u)`, finite far in the upper tail."""
        return -F.softplus(self._u(value.clamp(min=0)))

    def icdf(self, value: Tensor) -> Tensor:
        # y = s (p / (1 - p))^(1 / c)
        return self.scale * torch.exp(torch.logit(value) / self.concentration)

    def rsample(self, sample_shape: torch.Size = torch.Size()) -> Tensor:  # noqa: B008 - torch's signature
        shape = self._extended_shape(sample_shape)
        tiny = torch.finfo(self.scale.dtype).tiny
        u = torch.rand(shape, dtype=self.scale.dtype, device=self.scale.device).clamp(min=tiny)
        return self.icdf(u)

    @property
    def _b(self) -> Tensor:
        return math.pi / self.concentration

    @property
    def mean(self) -> Tensor:
        b = self._b
        inf = torch.full_like(self.scale, math.inf)
        return torch.where(self.concentration > 1, self.scale * b / torch.sin(b.clamp(max=math.pi / 2 + 1)), inf)

    @property
    def variance(self) -> Tensor:
        b = self._b.clamp(max=math.pi / 2)  # valid branch only: c > 2
        var = self.scale**2 * (2 * b / torch.sin(2 * b) - b**2 / torch.sin(b) ** 2)
        return torch.where(self.concentration > 2, var, torch.full_like(self.scale, math.inf))

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        ratio = ((c - 1) / (c + 1)).clamp(min=0)
        return torch.where(c > 1, self.scale * ratio ** (1 / c), torch.zeros_like(self.scale))


class LogLogistic(Family):
    r"""Log-logistic family: scale :math:`s = \exp(\eta_1)` (the median), concentration :math:`c = \mathrm{softplus}(\eta_2)`.

    .. math:: \log S(y) = -\log\big(1 + (y / s)^c\big), \quad y > 0

    (density and CDF in :class:`LogLogisticDistribution`). The hazard rises then falls for
    :math:`c > 1`; the odds of failure by :math:`y` are proportional to :math:`y^c`, so with a network
    predicting :math:`\eta_1` this is the log-logistic accelerated-failure-time (proportional-odds) model.
    scipy: ``scipy.stats.fisk(c=concentration, scale=scale)``; lifelines' ``LogLogisticFitter`` uses
    ``alpha_ = scale`` and ``beta_ = concentration``.

    Examples
    --------
    >>> import torch
    >>> LogLogistic().log_survival(torch.tensor([1.0]), torch.tensor([[0.0, 0.5413]]))  # log(1/2)
    tensor([-0.6931])
    """

    name: ClassVar[str] = "log_logistic"
    params = {"scale": constraints.positive, "concentration": constraints.positive}
    links = {"scale": LogLink(), "concentration": SoftplusLink()}
    support = constraints.positive
    support_text = "positive reals (0, inf)"
    support_bounds = (0.0, float("inf"))
    has_icdf = True

    def _make_distribution(self, scale: Tensor, concentration: Tensor) -> Distribution:
        return LogLogisticDistribution(scale, concentration, validate_args=False)

    def _log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        return self.distribution(eta).log_survival(y)  # type: ignore[attr-defined]

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # log y is logistic with mean log s and sd pi / (c sqrt 3): moments of log y;
        # a constant target falls back to c = 1e3.
        log_y = torch.log(y)
        log_scale = weighted_mean(log_y, w)
        c = positive_or(math.pi / (math.sqrt(3.0) * weighted_var(log_y, w).sqrt()), 1e3)
        return torch.stack([log_scale, self.links["concentration"].forward(c)])
