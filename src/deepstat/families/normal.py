"""Normal (Gaussian) family: regression with a mean and a (possibly input-dependent) scale."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import IdentityLink, SoftplusLink

__all__ = ["Normal"]


class Normal(Family):
    r"""Normal family: :math:`y \sim N(\mu, \sigma^2)`, :math:`\mu = \eta_1`, :math:`\sigma = \mathrm{softplus}(\eta_2)`.

    .. math:: \log p(y) = -\tfrac12 \log(2\pi) - \log\sigma - \frac{(y - \mu)^2}{2\sigma^2}

    Parameters
    ----------
    link : {"identity", "log"}, default="identity"
        The link of the mean, as R's ``gaussian(link=)``: with "log", :math:`\mu = \exp(\eta_1)`.

    scipy: ``scipy.stats.norm(loc=loc, scale=scale)``. The CDF is ``erfc(-z / sqrt 2) / 2`` (accurate in
    the far lower tail, unlike ``torch.distributions.Normal.cdf``); quantiles use torch's ``icdf``.

    Examples
    --------
    >>> import torch
    >>> Normal().quantile(torch.tensor([[0.0, 0.5413]]), 0.5)
    tensor([[0.]])
    """

    name: ClassVar[str] = "normal"
    location_on_target_scale = True
    params = {"loc": constraints.real, "scale": constraints.positive}
    links = {"loc": IdentityLink(), "scale": SoftplusLink()}
    support = constraints.real
    support_text = "real numbers (-inf, inf)"
    has_icdf = True
    link_choices = ("identity", "log")

    def __init__(self, link: Literal["identity", "log"] = "identity") -> None:
        self._set_link(link)

    def _config(self) -> dict[str, Any]:
        return self._link_config()

    def _make_distribution(self, loc: Tensor, scale: Tensor) -> Distribution:
        return torch.distributions.Normal(loc, scale, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # torch's Normal.cdf is 0.5 (1 + erf(z / sqrt 2)), which underflows to 0 below z ~ -38;
        # erfc(-z / sqrt 2) / 2 keeps relative accuracy there (torch.special.ndtr does not either).
        p = self.split(eta)
        return 0.5 * torch.special.erfc((p["loc"] - y) / (p["scale"] * math.sqrt(2)))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: weighted mean and sqrt of the weighted variance (divisor: total weight);
        # a constant target falls back to scale 1e-3 * max(1, |mean|).
        mean = weighted_mean(y, w)
        sd = positive_or(weighted_var(y, w).sqrt(), 1e-3 * max(1.0, float(mean.abs())))
        if self.link == "log":  # a start for the log of the mean; the data are not changed
            mean = positive_or(mean, 1e-3 * float(sd))
        return torch.stack([self.links["loc"].forward(mean), self.links["scale"].forward(sd)])
