"""Beta family: proportions in (0, 1), mean-precision regression (Ferrari & Cribari-Neto 2004)."""

from __future__ import annotations

from typing import ClassVar

import scipy.special
import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import LogitLink, SoftplusLink

__all__ = ["Beta"]


class _OpenInterval(constraints.Constraint):
    """The open interval (lower, upper); torch only has closed and half-open ones."""

    def __init__(self, lower: float, upper: float) -> None:
        self.lower_bound, self.upper_bound = lower, upper
        super().__init__()

    def check(self, value: Tensor) -> Tensor:
        return (value > self.lower_bound) & (value < self.upper_bound)

    def __repr__(self) -> str:
        return f"OpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class Beta(Family):
    r"""Beta family, mean-precision parametrisation [1]_: :math:`\mu = \mathrm{sigmoid}(\eta_1)`,
    :math:`\phi = \mathrm{softplus}(\eta_2)`, :math:`y \sim \mathrm{Beta}(\mu\phi, (1 - \mu)\phi)`,
    so :math:`E[y] = \mu` and :math:`\mathrm{Var}[y] = \mu(1 - \mu) / (1 + \phi)`.

    .. math:: \log p(y) = \log\Gamma(\phi) - \log\Gamma(\mu\phi) - \log\Gamma((1-\mu)\phi)
              + (\mu\phi - 1)\log y + ((1-\mu)\phi - 1)\log(1 - y)

    scipy: ``scipy.stats.beta(a=mean * precision, b=(1 - mean) * precision)``.

    Notes
    -----
    The target must lie in the *open* interval (0, 1): the density is 0 or infinite at the ends.
    :math:`1 - \mu` is computed as ``sigmoid(-eta)`` so it does not round to 0 in float32.
    Torch has no Beta CDF; :meth:`cdf` uses ``scipy.special.betainc`` in float64 (no gradient).

    References
    ----------
    .. [1] Ferrari, S. and Cribari-Neto, F. (2004). Beta regression for modelling rates and
       proportions. Journal of Applied Statistics 31(7), 799-815.

    Examples
    --------
    >>> import torch
    >>> Beta().mean(torch.tensor([[0.0, 1.0]]))
    tensor([0.5000])
    """

    name: ClassVar[str] = "beta"
    params = {"mean": constraints.unit_interval, "precision": constraints.positive}
    links = {"mean": LogitLink(), "precision": SoftplusLink()}
    support = _OpenInterval(0.0, 1.0)
    support_text = "the open interval (0, 1)"
    target_hint = "Squeeze boundary values inside, e.g. (y * (n - 1) + 0.5) / n (Smithson & Verkuilen 2006)."
    support_bounds = (0.0, 1.0)

    def distribution(self, eta: Tensor) -> Distribution:
        precision = self.split(eta)["precision"]
        # sigmoid(-eta) rather than 1 - sigmoid(eta): exact in the upper tail
        a, b = torch.sigmoid(eta[..., 0]) * precision, torch.sigmoid(-eta[..., 0]) * precision
        return torch.distributions.Beta(a, b, validate_args=False)

    def mean(self, eta: Tensor) -> Tensor:
        return self.split(eta)["mean"]

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        dist = self.distribution(eta)
        a, b = (t.detach().cpu().to(torch.float64).numpy() for t in (dist.concentration1, dist.concentration0))
        out = scipy.special.betainc(a, b, y.detach().cpu().to(torch.float64).clamp(0, 1).numpy())
        return torch.as_tensor(out, dtype=torch.promote_types(y.dtype, eta.dtype), device=eta.device)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Moments: precision = mean (1 - mean) / var - 1 (falls back to 1e3 when not positive).
        mean = weighted_mean(y, w)
        precision = positive_or(mean * (1 - mean) / weighted_var(y, w) - 1, 1e3)
        return torch.stack([torch.logit(mean), self.links["precision"].forward(precision)])
