"""Binomial family: successes out of a known number of trials per row (R's ``cbind(successes, failures)``)."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import numpy as np
import scipy.special
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.links import IdentityLink, ProbabilityLink, choose_link

__all__ = ["Binomial"]


class Binomial(Family):
    r"""Binomial family: :math:`y \sim \mathrm{Binomial}(n, p)`, :math:`g(p) = \eta_1` (the logit by default), with the
    number of trials :math:`n` given per row as data.

    .. math:: \log p(y) = \log\binom{n}{y} + y \log p + (n - y) \log(1 - p), \quad y \in \{0, \dots, n\}

    The log-likelihood keeps :math:`\log\binom{n}{y}` (STYLE 3.2), so it equals R's
    ``dbinom(y, n, p, log = TRUE)`` and statsmodels' grouped binomial ``llf``.

    scipy: ``scipy.stats.binom(n=total_count, p=probs)``.

    Parameters
    ----------
    link : {"logit", "probit", "cloglog", "cauchit"}, default="logit"
        The link of the probability, as R's ``binomial(link=)``.

    Notes
    -----
    The trials are data, not a parameter: ``eta`` has ``n_params + 1 = 2`` columns, the linear
    predictor and then :math:`n` (``eta[..., 1]``, column "total_count"), which the estimators fill
    from the column named by ``trials=`` (``DeepRegressor(family="binomial", trials="n")``, as
    ``offset=`` is carried) through :class:`~deepstat.nn.DistributionalHead`. So every prediction
    knows its :math:`n`: the mean is :math:`n p`, quantiles and samples are counts out of :math:`n`.
    A row with :math:`y > n` has log-likelihood :math:`-\infty`. Bernoulli is :math:`n = 1`.

    Examples
    --------
    >>> import torch
    >>> eta = torch.tensor([[0.0, 10.0]])  # logit 0, 10 trials
    >>> Binomial().mean(eta)
    tensor([5.])
    >>> Binomial().log_prob(torch.tensor([5.0]), eta)  # log(252 / 1024)
    tensor([-1.4020])
    """

    name: ClassVar[str] = "binomial"
    params = {"logits": constraints.real}
    links = {"logits": IdentityLink()}
    support = constraints.nonnegative_integer
    support_text = "non-negative integers {0, 1, ..., n} (successes out of n trials)"
    target_hint = "Give the number of trials of each row with trials=<column>; y is the number of successes."
    support_bounds = (0.0, float("inf"))
    is_discrete = True
    link_choices = ("logit", "probit", "cloglog", "cauchit")
    #: trailing columns of ``eta`` that are data (the number of trials), not fitted parameters
    n_data_columns: ClassVar[int] = 1

    def __init__(self, link: Literal["logit", "probit", "cloglog", "cauchit"] = "logit") -> None:
        self.link = link
        if link != "logit":
            self._probability_link: ProbabilityLink = choose_link(link, self.link_choices, type(self).__name__)  # type: ignore[assignment]
            self.params = {"probs": constraints.unit_interval}
            self.links = {"probs": self._probability_link}

    def _config(self) -> dict[str, Any]:
        return self._link_config()

    # ------------------------------------------------------------------ eta = [linear predictor, n]
    def _check_eta(self, eta: Tensor) -> None:
        caller = type(self).__name__
        if not isinstance(eta, Tensor):
            raise TypeError(f"`eta` of {caller} must be a torch.Tensor. Got {type(eta).__name__} instead.")
        if eta.ndim < 1 or eta.shape[-1] != 2 or not eta.is_floating_point():
            raise ValueError(
                f"`eta` of {caller} must be a floating tensor of shape (n, 2): the linear predictor and the number of "
                f"trials (*batch, 2 with any leading batch dimensions). Got shape {tuple(eta.shape)} and dtype {eta.dtype} instead."
            )

    def _log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        """``(log p, log(1 - p))`` of each entry, shape ``eta.shape[:-1]``."""
        if self.link == "logit":
            return F.logsigmoid(eta[..., 0]), F.logsigmoid(-eta[..., 0])
        return self._probability_link.log_probs(eta[..., 0])

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        """The probability's parameter (``logits`` or ``probs``) and ``total_count`` (the trials)."""
        self._check_eta(eta)
        name, link = next(iter(self.links.items()))
        return {name: link.inverse(eta[..., 0]), "total_count": eta[..., 1]}

    def distribution(self, eta: Tensor) -> Distribution:
        p = self.split(eta)
        if "logits" in p:
            return torch.distributions.Binomial(p["total_count"], logits=p["logits"], validate_args=False)
        return torch.distributions.Binomial(p["total_count"], probs=p["probs"], validate_args=False)

    def proportion(self, eta: Tensor) -> Tensor:
        """The success probability :math:`p` of each entry (the mean proportion), shape ``eta.shape[:-1]``."""
        self._check_eta(eta)
        return torch.exp(self._log_probs(eta)[0])

    def log_prob(self, y: Tensor, eta: Tensor) -> Tensor:
        self._check_eta(eta)
        n = eta[..., 1]
        log_p, log_q = self._log_probs(eta)
        # y log p and (n - y) log(1 - p) are 0 where the count is 0, even if log p is -inf
        zero = torch.zeros_like(log_p)
        successes = torch.where(y > 0, y * log_p, zero)
        failures = torch.where(n - y > 0, (n - y) * log_q, zero)
        log_choose = torch.lgamma(n + 1) - torch.lgamma(y + 1) - torch.lgamma((n - y).clamp(min=0) + 1)
        out = log_choose + successes + failures
        return torch.where(y <= n, out, torch.full_like(out, -math.inf))

    def mean(self, eta: Tensor) -> Tensor:
        return eta[..., 1] * self.proportion(eta)

    def variance(self, eta: Tensor) -> Tensor:
        log_p, log_q = self._log_probs(eta)
        return eta[..., 1] * torch.exp(log_p + log_q)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # P(Y <= k) = scipy's bdtr(k, n, p) (the regularised incomplete beta I_{1-p}(n - k, k + 1)); float64, no gradient
        e = eta.detach().cpu().to(torch.float64)
        n, p = e[..., 1].numpy(), self.proportion(e).numpy()
        k = np.floor(y.detach().cpu().to(torch.float64).numpy())
        out = np.where(k < 0, 0.0, np.where(k >= n, 1.0, scipy.special.bdtr(np.clip(k, 0, None), n, p)))
        return torch.as_tensor(out, dtype=torch.promote_types(y.dtype, eta.dtype), device=eta.device)

    # ------------------------------------------------------------------ initialisation
    def init_eta(self, y: Tensor, weight: Tensor | None = None, trials: Tensor | None = None) -> Tensor:
        """The intercept-only linear predictor, shape ``(n_params,) = (1,)``: the link of :math:`\\sum_i w_i y_i / \\sum_i w_i n_i`.

        Parameters
        ----------
        y : Tensor
            Successes, shape ``(n,)``.
        weight : Tensor or None, default=None
        trials : Tensor or None, default=None
            The number of trials of each row; ``None`` takes :math:`n_i = \\max_j y_j` for every row
            (a start only, for callers that do not know the trials).
        """
        y64, w = self._pool(y, weight, "init_eta")
        n = y64.max().clamp(min=1).expand_as(y64) if trials is None else torch.as_tensor(trials).detach().to(torch.float64).reshape(-1)
        p = (w * y64).sum() / (w * n).sum().clamp(min=torch.finfo(torch.float64).tiny)
        if not 0 < float(p) < 1:  # all failures or all successes: (successes + 1/2) / (trials + 1), Jeffreys-style
            p = ((w * y64).sum() + 0.5) / ((w * n).sum() + 1)
        dtype = y.dtype if y.is_floating_point() else torch.get_default_dtype()
        return next(iter(self.links.values())).forward(p).reshape(1).to(dtype) if self.link != "logit" else torch.logit(p).reshape(1).to(dtype)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:  # pragma: no cover - init_eta is overridden
        return self.init_eta(y, w)
