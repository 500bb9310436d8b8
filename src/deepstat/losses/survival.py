r"""Right-censored likelihood of a parametric family, and the survival-data checks.

The survival losses live in three files: this one (any positive continuous family, e.g. a deep
accelerated-failure-time model), :mod:`deepstat.losses.survival_cox` (Cox partial likelihood) and
:mod:`deepstat.losses.survival_discrete` (logistic hazard, DeepHit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch import Tensor, nn

from deepstat.losses._common import reduce_loss
from deepstat.losses._survival_checks import (
    as_vector,
    check_events,
    check_survival_data,
    check_times,
    survival_target,
)
from deepstat.utils.survival_target import SurvivalTarget

__all__ = ["CensoredNLLLoss", "censored_nll", "check_survival_data"]


def censored_nll(
    log_prob: Tensor,
    log_survival: Tensor,
    event: Tensor,
    *,
    weight: Tensor | None = None,
    reduction: Literal["mean", "sum", "none"] = "mean",
) -> Tensor:
    r"""Negative log-likelihood of right-censored observations under a parametric model.

    .. math:: \ell_i = -\big[\delta_i \log f(t_i) + (1 - \delta_i) \log S(t_i)\big]

    An event at :math:`t_i` (:math:`\delta_i = 1`) contributes its log density, a time censored
    at :math:`t_i` the log probability of surviving past it. Independent non-informative censoring
    is assumed.

    Parameters
    ----------
    log_prob : Tensor of shape (n,)
        :math:`\log f(t_i)`, e.g. ``family.log_prob(time, eta)``.
    log_survival : Tensor of shape (n,)
        :math:`\log S(t_i)`, e.g. ``family.log_survival(time, eta)``.
    event : Tensor of shape (n,)
        1/True for an event, 0/False for a censored time.
    weight : Tensor of shape (n,) or None, default=None
        Non-negative observation weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        As for every loss: weighted mean over observations, sum, or per observation.

    Returns
    -------
    Tensor
        A scalar, or shape (n,) for ``reduction="none"``.

    Raises
    ------
    ValueError
        For mismatched shapes, event flags other than 0/1/True/False, or an unknown ``reduction``.

    Notes
    -----
    The term not selected is never multiplied by zero (``torch.where``), so a censored row whose
    density underflows to ``-inf`` (or an event row whose survival does) does not produce NaN.

    How an estimator uses it with a family (``losses`` does not import ``families``): validate
    with :func:`check_survival_data` (``positive_time=True`` for families on (0, inf)) and pass
    ``CensoredNLLLoss(family.log_prob, family.log_survival)`` to the training engine with the
    target ``SurvivalTarget(time, event)``, i.e. ``censored_nll(family.log_prob(t, eta),
    family.log_survival(t, eta), event)``. With ``family="weibull"`` and a network predicting
    :math:`\eta` this is a deep Weibull AFT model.

    Examples
    --------
    >>> import torch
    >>> from deepstat.families import Exponential
    >>> family, eta = Exponential(), torch.zeros(2, 1)  # rate 1
    >>> t, event = torch.tensor([1.0, 2.0]), torch.tensor([1, 0])
    >>> censored_nll(family.log_prob(t, eta), family.log_survival(t, eta), event, reduction="none")
    tensor([1., 2.])
    """
    caller = "censored_nll"
    log_prob = as_vector(log_prob, "log_prob", caller)
    n = log_prob.shape[0]
    log_survival = as_vector(log_survival, "log_survival", caller, n)
    event = check_events(as_vector(event, "event", caller, n), caller).to(log_prob.device)
    per_obs = -torch.where(event.bool(), log_prob, log_survival)
    return reduce_loss(per_obs, weight, reduction, caller)


class CensoredNLLLoss(nn.Module):
    """:func:`censored_nll` of a parametric family, with the estimators' loss protocol.

    ``forward(eta, target, *, weight=None, reduction="sum")`` with ``target`` a
    :class:`~deepstat.data.SurvivalTarget` with ``time`` and ``event`` (no ``start``, no
    ``strata``); decomposes by observation, so mini-batches are fine.

    Parameters
    ----------
    log_prob : callable
        ``log_prob(time, eta) -> (n,)``, e.g. a family's bound ``log_prob``.
    log_survival : callable
        ``log_survival(time, eta) -> (n,)``, e.g. a family's bound ``log_survival``.

    Raises
    ------
    TypeError
        If ``target`` is not a SurvivalTarget (a tensor of columns is refused).
    ValueError
        If ``target`` has ``start`` or ``strata``, and as :func:`censored_nll`.

    Examples
    --------
    >>> import torch
    >>> from deepstat.data import SurvivalTarget
    >>> from deepstat.families import Weibull
    >>> family = Weibull()
    >>> loss = CensoredNLLLoss(family.log_prob, family.log_survival)
    >>> loss(torch.zeros(2, 2), SurvivalTarget(time=torch.tensor([1.0, 2.0]), event=torch.tensor([1, 0]))).shape
    torch.Size([])
    """

    def __init__(self, log_prob: Callable[[Tensor, Tensor], Tensor], log_survival: Callable[[Tensor, Tensor], Tensor]) -> None:
        super().__init__()
        self.log_prob = log_prob
        self.log_survival = log_survival

    def forward(
        self,
        eta: Tensor,
        target: SurvivalTarget,
        *,
        weight: Tensor | None = None,
        reduction: Literal["mean", "sum", "none"] = "sum",
    ) -> Tensor:
        caller = type(self).__name__
        target = survival_target(target, caller, "time=..., event=...", strata=False)
        time = check_times(target.time, "time", caller)
        return censored_nll(self.log_prob(time, eta), self.log_survival(time, eta), target.event, weight=weight, reduction=reduction)
