"""von Mises family: circular targets (directions, angles, times of day)."""

from __future__ import annotations

import math
from typing import ClassVar

import scipy.stats
import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import weighted_mean
from deepstat.families.links import IdentityLink, SoftplusLink

__all__ = ["VonMises"]


class VonMises(Family):
    r"""von Mises family: :math:`\mu = \eta_1` (read modulo :math:`2\pi`), :math:`\kappa = \mathrm{softplus}(\eta_2)`.

    .. math:: \log p(y) = \kappa\cos(y - \mu) - \log(2\pi) - \log I_0(\kappa), \quad y \in [-\pi, \pi]

    scipy: ``scipy.stats.vonmises(kappa=concentration, loc=loc)``.

    Notes
    -----
    The support is the circle, represented as angles in radians in :math:`[-\pi, \pi]`
    (:math:`-\pi` and :math:`\pi` are the same direction). :meth:`mean` is the mean direction
    wrapped into :math:`(-\pi, \pi]`; :meth:`variance` is torch's circular variance
    :math:`1 - I_1(\kappa) / I_0(\kappa)`. Torch has no von Mises CDF: :meth:`cdf` is
    :math:`P(-\pi \le Y \le y) = G(y - \mu) - G(-\pi - \mu)` with :math:`G` scipy's unwrapped
    ``vonmises.cdf`` (float64, no gradient); :meth:`quantile` inverts it by bisection on
    :math:`[-\pi, \pi]`. ``log_prob`` computes :math:`\log I_0` with ``torch.special.i0e`` (exact to
    rounding) instead of torch's polynomial approximation.

    Examples
    --------
    >>> import torch
    >>> VonMises().mean(torch.tensor([[3 * torch.pi / 2, 1.0]]))
    tensor([-1.5708])
    """

    name: ClassVar[str] = "von_mises"
    params = {"loc": constraints.real, "concentration": constraints.positive}
    links = {"loc": IdentityLink(), "concentration": SoftplusLink()}
    support = constraints.interval(-math.pi, math.pi)
    support_text = "angles in radians [-pi, pi]"
    target_hint = "Wrap angles first, e.g. numpy.angle(numpy.exp(1j * y))."
    support_bounds = (-math.pi, math.pi)

    def _make_distribution(self, loc: Tensor, concentration: Tensor) -> Distribution:
        return torch.distributions.VonMises(loc, concentration, validate_args=False)

    def log_prob(self, y: Tensor, eta: Tensor) -> Tensor:
        # Written out rather than delegated: torch's VonMises uses a polynomial approximation of
        # log I0 (absolute error up to ~3e-7); log I0(k) = log(i0e(k)) + k is exact to rounding.
        p = self.split(eta)
        kappa = p["concentration"]
        return kappa * (torch.cos(y - p["loc"]) - 1) - math.log(2 * math.pi) - torch.log(torch.special.i0e(kappa))

    def mean(self, eta: Tensor) -> Tensor:
        loc = self.split(eta)["loc"]
        return torch.atan2(torch.sin(loc), torch.cos(loc))

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        p = {k: v.detach().cpu().to(torch.float64).numpy() for k, v in self.split(eta).items()}
        y64 = y.detach().cpu().to(torch.float64).clamp(-math.pi, math.pi).numpy()
        vm = scipy.stats.vonmises
        out = vm.cdf(y64 - p["loc"], p["concentration"]) - vm.cdf(-math.pi - p["loc"], p["concentration"])
        return torch.as_tensor(out, dtype=torch.promote_types(y.dtype, eta.dtype), device=eta.device).clamp(0, 1)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Mean direction and the approximation kappa = R (2 - R^2) / (1 - R^2) of
        # Banerjee et al. (2005), R the mean resultant length (clipped into [1e-3, 1 - 1e-9]).
        c, s = weighted_mean(torch.cos(y), w), weighted_mean(torch.sin(y), w)
        R = torch.sqrt(c**2 + s**2).clamp(1e-3, 1 - 1e-9)
        kappa = R * (2 - R**2) / (1 - R**2)
        return torch.stack([torch.atan2(s, c), self.links["concentration"].forward(kappa)])
