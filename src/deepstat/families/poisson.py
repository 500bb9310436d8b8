"""Poisson family: event counts (the canonical count GLM)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import weighted_mean
from deepstat.families.links import LogLink

__all__ = ["Poisson"]


class Poisson(Family):
    r"""Poisson family: :math:`y \sim \mathrm{Poisson}(\lambda)`, :math:`g(\lambda) = \eta`, by default the log link
    :math:`\lambda = \exp(\eta)`.

    .. math:: \log p(y) = y \log\lambda - \lambda - \log y!

    scipy: ``scipy.stats.poisson(mu=rate)``.

    Parameters
    ----------
    link : {"log", "identity", "sqrt"}, default="log"
        The link of the rate, as R's ``poisson(link=)`` and statsmodels' ``Poisson(link=)``. With
        "identity" a negative ``eta`` lies outside the domain: its log-likelihood is -inf.

    Notes
    -----
    The CDF is :math:`Q(\lfloor y \rfloor + 1, \lambda)`, the regularised upper incomplete gamma
    (``torch.special.gammaincc``, as scipy's ``pdtr``).

    Examples
    --------
    >>> import torch
    >>> Poisson().quantile(torch.tensor([[0.0]]), [0.5, 0.9])
    tensor([[1., 2.]])
    """

    name: ClassVar[str] = "poisson"
    params = {"rate": constraints.positive}
    links = {"rate": LogLink()}
    support = constraints.nonnegative_integer
    support_text = "non-negative integers {0, 1, 2, ...}"
    target_hint = "Use family='negative_binomial' if the counts are overdispersed."
    support_bounds = (0.0, float("inf"))
    is_discrete = True
    link_choices = ("log", "identity", "sqrt")
    restricted_links = frozenset({"identity"})

    def __init__(self, link: Literal["log", "identity", "sqrt"] = "log") -> None:
        self._set_link(link)

    def _config(self) -> dict[str, Any]:
        return self._link_config()

    def _make_distribution(self, rate: Tensor) -> Distribution:
        return torch.distributions.Poisson(rate, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        rate = self.split(eta)["rate"]
        k = torch.floor(y)
        return torch.where(k < 0, torch.zeros_like(k * rate), torch.special.gammaincc(k.clamp(min=0) + 1, rate))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: log of the weighted mean; an all-zero target falls back to rate 1 / (2 n_eff).
        mean = weighted_mean(y, w)
        if not float(mean) > 0:
            mean = 0.5 * (w**2).sum()
        return self.links["rate"].forward(mean).reshape(1)
