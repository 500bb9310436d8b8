"""Bernoulli family: binary classification."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import weighted_mean
from deepstat.families.links import IdentityLink, ProbabilityLink, choose_link

__all__ = ["Bernoulli"]


class Bernoulli(Family):
    r"""Bernoulli family: :math:`y \sim \mathrm{Bernoulli}(p)`, :math:`p = \mathrm{sigmoid}(\eta)`; ``eta`` are the logits.

    .. math:: \log p(y) = y\,\eta - \log(1 + e^{\eta}) \quad (\text{binary cross-entropy})

    scipy: ``scipy.stats.bernoulli(p=sigmoid(logits))``.

    Parameters
    ----------
    link : {"logit", "probit", "cloglog", "cauchit"}, default="logit"
        The link of the probability, as R's ``binomial(link=)``. With "logit" the parameter is
        ``logits`` (``eta`` itself); with another link it is ``probs`` :math:`= F(\eta)`, the
        link's CDF (:class:`~deepstat.families.links.ProbitLink` ...), and
        :math:`\log p(y) = y \log F(\eta) + (1 - y) \log(1 - F(\eta))` is computed from
        ``log F`` and ``log(1 - F)`` directly, accurate in both tails.

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
    link_choices = ("logit", "probit", "cloglog", "cauchit")

    def __init__(self, link: Literal["logit", "probit", "cloglog", "cauchit"] = "logit") -> None:
        if link == "logit":
            self.link = link
            return
        self._probability_link: ProbabilityLink = choose_link(link, self.link_choices, type(self).__name__)  # type: ignore[assignment]
        self.link = link
        self.params = {"probs": constraints.unit_interval}
        self.links = {"probs": self._probability_link}

    def _config(self) -> dict[str, Any]:
        return self._link_config()

    def _log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        """``(log p, log(1 - p))`` of each entry, shape ``eta.shape[:-1]``."""
        self._check_eta(eta)
        if self.link == "logit":
            return F.logsigmoid(eta[..., 0]), F.logsigmoid(-eta[..., 0])
        return self._probability_link.log_probs(eta[..., 0])

    def _make_distribution(self, logits: Tensor | None = None, probs: Tensor | None = None) -> Distribution:
        if probs is not None:
            return torch.distributions.Bernoulli(probs=probs, validate_args=False)
        return torch.distributions.Bernoulli(logits=logits, validate_args=False)

    def log_prob(self, y: Tensor, eta: Tensor) -> Tensor:
        # y log sigmoid(eta) + (1 - y) log sigmoid(-eta), written out: torch's BCE-with-logits
        # computes log(1 + exp(-|eta|)) without log1p and loses relative accuracy for |eta| > ~30.
        log_p, log_q = self._log_probs(eta)
        return y * log_p + (1 - y) * log_q

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # P(Y <= y) = 0 below 0, 1 - p on [0, 1), exactly 1 from 1 on.
        q = torch.exp(self._log_probs(eta)[1])  # 1 - p without cancellation
        return torch.where(y < 0, torch.zeros_like(q), torch.where(y < 1, q, torch.ones_like(q)))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: logit of the weighted proportion; a single-class target falls back to
        # (count + 1/2) / (n + 1) with n the effective sample size (Jeffreys-style).
        p = weighted_mean(y, w)
        if not 0 < float(p) < 1:
            n_eff = 1 / float((w**2).sum())
            p = (p * n_eff + 0.5) / (n_eff + 1)
        return self.links[next(iter(self.links))].forward(p).reshape(1) if self.link != "logit" else torch.logit(p).reshape(1)
