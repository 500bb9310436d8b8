"""Bernoulli family: binary classification."""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import weighted_mean
from deepstat.families.links import IdentityLink

__all__ = ["Bernoulli"]


class Bernoulli(Family):
    r"""Bernoulli family: :math:`y \sim \mathrm{Bernoulli}(p)`, :math:`p = \mathrm{sigmoid}(\eta)`; ``eta`` are the logits.

    .. math:: \log p(y) = y\,\eta - \log(1 + e^{\eta}) \quad (\text{binary cross-entropy})

    scipy: ``scipy.stats.bernoulli(p=sigmoid(logits))``.

    Examples
    --------
    >>> import torch
    >>> Bernoulli().mean(torch.tensor([[0.0]]))
    tensor([0.5000])
    """

    name: ClassVar[str] = "bernoulli"
    params = {"logits": constraints.real}
    links = {"logits": IdentityLink()}
    support = constraints.boolean
    support_text = "{0, 1}"
    target_hint = "Encode the two classes as 0 and 1."
    support_bounds = (0.0, 1.0)
    is_discrete = True

    def _make_distribution(self, logits: Tensor) -> Distribution:
        return torch.distributions.Bernoulli(logits=logits, validate_args=False)

    def log_prob(self, y: Tensor, eta: Tensor) -> Tensor:
        # y log sigmoid(eta) + (1 - y) log sigmoid(-eta), written out: torch's BCE-with-logits
        # computes log(1 + exp(-|eta|)) without log1p and loses relative accuracy for |eta| > ~30.
        self._check_eta(eta)
        return y * F.logsigmoid(eta[..., 0]) + (1 - y) * F.logsigmoid(-eta[..., 0])

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # P(Y <= y) = 0 below 0, 1 - p on [0, 1), exactly 1 from 1 on.
        q = torch.sigmoid(-eta[..., 0])  # 1 - p without cancellation
        return torch.where(y < 0, torch.zeros_like(q), torch.where(y < 1, q, torch.ones_like(q)))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: logit of the weighted proportion; a single-class target falls back to
        # (count + 1/2) / (n + 1) with n the effective sample size (Jeffreys-style).
        p = weighted_mean(y, w)
        if not 0 < float(p) < 1:
            n_eff = 1 / float((w**2).sum())
            p = (p * n_eff + 0.5) / (n_eff + 1)
        return torch.logit(p).reshape(1)
