"""Negative binomial (NB2) family: overdispersed counts."""

from __future__ import annotations

from typing import ClassVar

import scipy.special
import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_var
from deepstat.families.links import LogLink

__all__ = ["NegativeBinomial"]


class NegativeBinomial(Family):
    r"""Negative binomial NB2 family: mean :math:`\mu = \exp(\eta_1)`, dispersion :math:`\alpha = \exp(\eta_2)`,
    :math:`\mathrm{Var}[y] = \mu + \alpha\mu^2` (Cameron & Trivedi 2013, sec. 3.3; Poisson as :math:`\alpha \to 0`).

    .. math:: \log p(y) = \log\Gamma(y + \alpha^{-1}) - \log\Gamma(\alpha^{-1}) - \log y!
              - \alpha^{-1}\log(1 + \alpha\mu) + y \log\frac{\alpha\mu}{1 + \alpha\mu}

    torch: ``NegativeBinomial(total_count=1 / alpha, logits=log(alpha * mu))``;
    scipy: ``scipy.stats.nbinom(n=1 / alpha, p=1 / (1 + alpha * mu))``.

    Notes
    -----
    The logits are computed as ``eta_1 + eta_2`` (no exp-then-log round trip). Torch has no NB
    CDF; :meth:`cdf` is :math:`I_p(1/\alpha, \lfloor y \rfloor + 1)` with ``scipy.special.betainc``
    (float64, no gradient).

    Examples
    --------
    >>> import torch
    >>> NegativeBinomial().variance(torch.tensor([[0.0, 0.0]]))  # mu = 1, alpha = 1
    tensor([2.])
    """

    name: ClassVar[str] = "negative_binomial"
    params = {"mean": constraints.positive, "dispersion": constraints.positive}
    links = {"mean": LogLink(), "dispersion": LogLink()}
    support = constraints.nonnegative_integer
    support_text = "non-negative integers {0, 1, 2, ...}"
    support_bounds = (0.0, float("inf"))
    is_discrete = True

    def distribution(self, eta: Tensor) -> Distribution:
        self._check_eta(eta)
        total_count = torch.exp(-eta[..., 1])  # 1 / alpha
        return torch.distributions.NegativeBinomial(total_count, logits=eta[..., 0] + eta[..., 1], validate_args=False)

    def mean(self, eta: Tensor) -> Tensor:
        return self.split(eta)["mean"]

    def variance(self, eta: Tensor) -> Tensor:
        p = self.split(eta)
        return p["mean"] + p["dispersion"] * p["mean"] ** 2

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        e = eta.detach().cpu().to(torch.float64)
        n = torch.exp(-e[..., 1]).numpy()
        p = torch.sigmoid(-(e[..., 0] + e[..., 1])).numpy()  # 1 / (1 + alpha mu)
        k = torch.floor(y.detach().cpu().to(torch.float64))
        out = torch.as_tensor(scipy.special.betainc(n, k.clamp(min=0).numpy() + 1, p))
        out = torch.where(k < 0, torch.zeros_like(out), out)
        return out.to(dtype=torch.promote_types(y.dtype, eta.dtype), device=eta.device)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Moments: log mean and log alpha = log((var - mean) / mean^2), alpha clipped to 1e-3
        # when the counts are not overdispersed; an all-zero target uses mean 1 / (2 n_eff).
        mean = weighted_mean(y, w)
        if not float(mean) > 0:
            mean = 0.5 * (w**2).sum()
        alpha = positive_or((weighted_var(y, w) - mean) / mean**2, 1e-3)
        return torch.stack([torch.log(mean), torch.log(alpha)])
