r"""Discrete-time survival losses: the logistic hazard (Gensheimer & Narasimhan 2019) and DeepHit (Lee et al. 2018).

Time is cut into :math:`K` intervals :math:`(c_k, c_{k+1}]` by :func:`discretize_times`; a row's
target is its interval index :math:`j` and its event flag (or cause code). Both losses follow
pycox's conventions (``nll_logistic_hazard``, ``nll_pmf_cr``, ``rank_loss_deephit_cr``): a row
censored in interval :math:`j` is counted as having survived interval :math:`j`. Both decompose
over rows (the ranking loss compares each row with the rest of its batch), so they train on
mini-batches, and a batch in which every row is censored is valid.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepstat.losses._common import reduce_loss
from deepstat.losses._survival_checks import as_vector, check_events, check_times, survival_target
from deepstat.utils.survival_target import SurvivalTarget
from deepstat.utils.validation import format_values

__all__ = [
    "DeepHitLoss",
    "LogisticHazardLoss",
    "deephit_nll",
    "deephit_ranking_loss",
    "discretize_times",
    "logistic_hazard_nll",
]

Reduction = Literal["mean", "sum", "none"]
_DISCRETE_EXAMPLE = "time=..., event=..., bin=discretize_times(time, cuts)"


def discretize_times(time: Tensor, cuts: Tensor) -> Tensor:
    r"""Index of the interval holding each time: :math:`j` with :math:`c_j < t \le c_{j+1}` (:math:`t = c_0` gives 0).

    Parameters
    ----------
    time : Tensor of shape (n,)
        Event or censoring times in :math:`[c_0, c_K]`.
    cuts : Tensor of shape (K + 1,)
        Strictly increasing interval boundaries, e.g. ``[0, q_1, ..., max(time)]`` from training
        quantiles.

    Returns
    -------
    Tensor
        Long tensor of shape (n,) with values in ``0..K-1``.

    Raises
    ------
    ValueError
        If ``cuts`` has fewer than 2 values, is not strictly increasing or not finite, or times
        are non-finite, negative or outside ``[cuts[0], cuts[-1]]`` (with their count).

    Examples
    --------
    >>> import torch
    >>> discretize_times(torch.tensor([0.0, 1.0, 1.5, 3.0]), torch.tensor([0.0, 1.0, 2.0, 3.0]))
    tensor([0, 0, 1, 2])
    """
    caller = "discretize_times"
    cuts = as_vector(cuts, "cuts", caller)
    if cuts.shape[0] < 2 or not bool(torch.isfinite(cuts).all()) or not bool((cuts[1:] > cuts[:-1]).all()):
        raise ValueError(
            f"`cuts` of {caller} must hold at least 2 finite, strictly increasing values. Got {format_values(cuts)} instead."
        )
    time = check_times(as_vector(time, "time", caller), "time", caller)
    cuts = cuts.to(device=time.device, dtype=time.dtype if time.is_floating_point() else cuts.dtype)
    outside = (time < cuts[0]) | (time > cuts[-1])
    if bool(outside.any()):
        raise ValueError(
            f"`time` of {caller} must lie within [cuts[0], cuts[-1]] = [{cuts[0].item()!r}, {cuts[-1].item()!r}]. "
            f"Got {int(outside.sum())} value(s) outside: {format_values(time[outside])} instead; extend `cuts`."
        )
    return (torch.searchsorted(cuts, time.to(cuts.dtype), right=False) - 1).clamp(min=0)


def _check_bins(bin_index: Tensor, n: int, n_bins: int, caller: str, device: torch.device) -> Tensor:
    b = as_vector(bin_index, "bin_index", caller, n).to(device)
    ok = (b == torch.round(b)) & (b >= 0) & (b < n_bins) if b.is_floating_point() else (b >= 0) & (b < n_bins)
    if not bool(ok.all()):
        raise ValueError(
            f"`bin_index` of {caller} must hold integers in 0..{n_bins - 1}. Got {int((~ok).sum())} other value(s): "
            f"{format_values(b[~ok])} instead."
        )
    return b.long()


def logistic_hazard_nll(
    logits: Tensor,
    bin_index: Tensor,
    event: Tensor,
    *,
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Negative log-likelihood of the discrete-time logistic-hazard model.

    With hazards :math:`h_k = \sigma(\phi_k) = P(T \in \text{interval } k \mid T > c_k)`,

    .. math::

        \ell = -\Big[\sum_{k < j} \log(1 - h_k) + \delta \log h_j + (1 - \delta) \log(1 - h_j)\Big]
             = \sum_{k < j} \mathrm{softplus}(\phi_k) + \delta\,\mathrm{softplus}(-\phi_j)
               + (1 - \delta)\,\mathrm{softplus}(\phi_j)

    for a row in interval :math:`j` with event flag :math:`\delta` (a censored row survived
    interval :math:`j`, as in pycox's ``nll_logistic_hazard``).

    Parameters
    ----------
    logits : Tensor of shape (n, K)
        Hazard logits :math:`\phi_{ik}`.
    bin_index : Tensor of shape (n,)
        Interval of each row, integers ``0..K-1`` (:func:`discretize_times`).
    event : Tensor of shape (n,)
        1/True for an event, 0/False for a censored time.
    weight : Tensor of shape (n,) or None, default=None
        Non-negative observation weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        Weighted mean, sum, or per-row losses.

    Returns
    -------
    Tensor
        A scalar, or shape (n,) for ``reduction="none"``.

    Raises
    ------
    ValueError
        For a bin index outside ``0..K-1``, event flags other than 0/1/True/False, or mismatched shapes.

    References
    ----------
    Gensheimer & Narasimhan (2019), A scalable discrete-time survival model for neural networks,
    PeerJ 7:e6257; Kvamme & Borgan (2021), Continuous and discrete-time survival prediction with
    neural networks, Lifetime Data Anal. 27.

    Examples
    --------
    >>> import torch
    >>> logits = torch.zeros(2, 3)  # every hazard 1/2
    >>> logistic_hazard_nll(logits, torch.tensor([2, 0]), torch.tensor([1, 0]), reduction="none")  # 3 log 2, log 2
    tensor([2.0794, 0.6931])
    """
    caller = "logistic_hazard_nll"
    if not isinstance(logits, Tensor) or logits.ndim != 2:
        raise ValueError(f"`logits` of {caller} must be a tensor of shape (n, K). Got {getattr(logits, 'shape', type(logits))} instead.")
    n, n_bins = logits.shape
    j = _check_bins(bin_index, n, n_bins, caller, logits.device)
    event = check_events(as_vector(event, "event", caller, n).to(logits.device), caller).bool()
    before = torch.arange(n_bins, device=logits.device) < j[:, None]  # intervals survived  # (n, K)
    phi_j = logits.gather(1, j[:, None])[:, 0]
    per_obs = (F.softplus(logits) * before).sum(1) + torch.where(event, F.softplus(-phi_j), F.softplus(phi_j))
    return reduce_loss(per_obs, weight, reduction, caller)


def _deephit_inputs(logits: Tensor, bin_index: Tensor, event: Tensor, caller: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(logits as (n, R, K), bins, causes, log joint pmf (n, R, K)); the pmf has an extra 'later' cell."""
    if not isinstance(logits, Tensor) or logits.ndim not in (2, 3):
        raise ValueError(
            f"`logits` of {caller} must be a tensor of shape (n, K) or (n, n_causes, K). "
            f"Got {getattr(logits, 'shape', type(logits))} instead."
        )
    logits = logits[:, None, :] if logits.ndim == 2 else logits
    n, n_causes, n_bins = logits.shape
    bins = _check_bins(bin_index, n, n_bins, caller, logits.device)
    cause = check_events(as_vector(event, "event", caller, n).to(logits.device), caller, n_causes=n_causes)
    # softmax over all (cause, interval) cells plus a fixed 0 logit for "no event by c_K" (pycox's pad_col)
    log_norm = torch.logsumexp(F.pad(logits.reshape(n, -1), (0, 1)), dim=1)  # (n,)
    return logits, bins, cause, logits - log_norm[:, None, None]


def deephit_nll(
    logits: Tensor,
    bin_index: Tensor,
    event: Tensor,
    *,
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""DeepHit's likelihood loss for a single risk or competing risks.

    The network gives the joint probability :math:`p_{rk}(x)` of an event of cause :math:`r` in
    interval :math:`k` by a softmax over all :math:`R K` cells and one extra cell "no event by
    :math:`c_K`" (logit fixed at 0). With :math:`S(j) = 1 - \sum_r \sum_{k \le j} p_{rk}`,

    .. math:: \ell = -\big[1\{r > 0\} \log p_{r j} + 1\{r = 0\} \log S(j)\big]

    where :math:`r` is the row's cause code (0 = censored) and :math:`j` its interval.
    :math:`\log S(j)` is a log-sum-exp over the cells after :math:`j` (no :math:`1 - F` cancellation).

    Parameters
    ----------
    logits : Tensor of shape (n, n_causes, K), or (n, K) for a single risk
        Unnormalised log joint probabilities.
    bin_index : Tensor of shape (n,)
        Interval of each row, integers ``0..K-1``.
    event : Tensor of shape (n,)
        Cause codes: 0 censored, ``1..n_causes`` the cause of the event (0/1 or bool for a single risk).
    weight, reduction
        As in :func:`logistic_hazard_nll`.

    Returns
    -------
    Tensor
        A scalar, or shape (n,) for ``reduction="none"``.

    Raises
    ------
    ValueError
        For a bin index outside ``0..K-1``, cause codes outside ``0..n_causes``, or mismatched shapes.

    References
    ----------
    Lee, Zame, Yoon & van der Schaar (2018), DeepHit: a deep learning approach to survival analysis
    with competing risks, AAAI 32.

    Examples
    --------
    >>> import torch
    >>> logits = torch.zeros(2, 2, 2)  # 2 causes x 2 intervals + "later": each cell 1/5
    >>> deephit_nll(logits, torch.tensor([1, 0]), torch.tensor([2, 0]), reduction="none")  # log 5, log(5/3)
    tensor([1.6094, 0.5108])
    """
    caller = "deephit_nll"
    logits, bins, cause, log_pmf = _deephit_inputs(logits, bin_index, event, caller)
    n, _, n_bins = logits.shape
    rows = torch.arange(n, device=logits.device)
    log_event = log_pmf[rows, (cause - 1).clamp(min=0), bins]
    # log S(j): the cells after interval j, over every cause, and the "later" cell (log pmf -log_norm)
    after = torch.arange(n_bins, device=logits.device) > bins[:, None]  # (n, K)
    masked = log_pmf.masked_fill(~after[:, None, :], float("-inf")).reshape(n, -1)
    log_later = (log_pmf[:, 0, 0] - logits[:, 0, 0])[:, None]  # log(1 / normaliser)
    log_surv = torch.logsumexp(torch.cat([masked, log_later], dim=1), dim=1)
    per_obs = -torch.where(cause > 0, log_event, log_surv)
    return reduce_loss(per_obs, weight, reduction, caller)


def deephit_ranking_loss(
    logits: Tensor,
    bin_index: Tensor,
    event: Tensor,
    *,
    sigma: float = 0.1,
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""DeepHit's ranking loss: a row with an earlier event of cause :math:`r` should have the higher cumulative incidence.

    With cumulative incidences :math:`F_r(k \mid x) = \sum_{m \le k} p_{rm}(x)`, the loss of row :math:`i`
    (event of cause :math:`r_i` in interval :math:`j_i`) over the :math:`n` rows of its batch is

    .. math::

        \ell_i = \frac{1}{n}\sum_{l} A_{il} \exp\Big(-\frac{F_{r_i}(j_i \mid x_i) - F_{r_i}(j_i \mid x_l)}{\sigma}\Big),
        \qquad A_{il} = 1\{j_i < j_l \text{ or } (j_i = j_l,\ r_l = 0)\}

    and 0 for censored rows (pycox's ``rank_loss_deephit_cr`` with ``pair_rank_mat``).

    Parameters
    ----------
    logits, bin_index, event
        As in :func:`deephit_nll`.
    sigma : float, default=0.1
        Scale of the exponential penalty (pycox's default).
    weight : Tensor of shape (n,) or None, default=None
        Non-negative weights of the rows :math:`i`.
    reduction : {"mean", "sum", "none"}, default="mean"
        Weighted mean, sum, or per-row :math:`\ell_i`.

    Returns
    -------
    Tensor
        A scalar, or shape (n,) for ``reduction="none"``.

    Raises
    ------
    ValueError
        As :func:`deephit_nll`, or if ``sigma`` is not positive.

    Notes
    -----
    Compares every pair of rows: O(n^2) time and memory per batch, so use mini-batches.

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])  # row 0 early mass, row 1 late mass
    >>> deephit_ranking_loss(logits, torch.tensor([0, 1]), torch.tensor([1, 1]), reduction="none")
    tensor([0.0006, 0.0000])
    """
    caller = "deephit_ranking_loss"
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma > 0:
        raise ValueError(f"`sigma` of {caller} must be a positive float. Got {sigma!r} instead.")
    logits, bins, cause, log_pmf = _deephit_inputs(logits, bin_index, event, caller)
    n = logits.shape[0]
    cif = torch.cumsum(torch.exp(log_pmf), dim=2)  # F_r(k | x)  # (n, R, K)
    r = (cause - 1).clamp(min=0)
    at_own = cif[:, r, bins].T  # at_own[i, l] = F_{r_i}(j_i | x_l)  # (n, n)
    diff = at_own.diagonal()[:, None] - at_own
    pairs = (cause[:, None] > 0) & ((bins[:, None] < bins[None, :]) | ((bins[:, None] == bins[None, :]) & (cause[None, :] == 0)))
    per_obs = (pairs * torch.exp(-diff / sigma)).sum(1) / n
    return reduce_loss(per_obs, weight, reduction, caller)


class LogisticHazardLoss(nn.Module):
    """:func:`logistic_hazard_nll` with the estimators' loss protocol.

    ``forward(eta, target, *, weight=None, reduction="sum")``: ``eta`` (n, K) logits, ``target`` a
    :class:`~deepstat.data.SurvivalTarget` whose ``bin`` is the interval index and ``event`` the
    event flag (``time`` is not read; no ``start``, no ``strata``).

    Raises
    ------
    TypeError
        If ``target`` is not a SurvivalTarget (a tensor of columns is refused).
    ValueError
        If ``target`` has no ``bin``, or has ``start`` or ``strata``; and as :func:`logistic_hazard_nll`.

    Examples
    --------
    >>> import torch
    >>> from deepstat.data import SurvivalTarget
    >>> target = SurvivalTarget(time=torch.tensor([2.5, 0.5]), event=torch.tensor([1, 0]), bin=torch.tensor([2, 0]))
    >>> LogisticHazardLoss()(torch.zeros(2, 3), target)  # 4 log 2
    tensor(2.7726)
    """

    def forward(
        self, eta: Tensor, target: SurvivalTarget, *, weight: Tensor | None = None, reduction: Reduction = "sum"
    ) -> Tensor:
        target = survival_target(target, "LogisticHazardLoss", _DISCRETE_EXAMPLE, strata=False, bins=True)
        return logistic_hazard_nll(eta, target.bin, target.event, weight=weight, reduction=reduction)


class DeepHitLoss(nn.Module):
    r"""DeepHit's loss :math:`\alpha\,\ell_{\mathrm{NLL}} + (1 - \alpha)\,\ell_{\mathrm{rank}}` with the estimators' loss protocol.

    ``eta`` has shape (n, n_causes * K) (cause-major: columns ``r K .. (r + 1) K - 1`` are cause
    ``r + 1``), ``target`` a :class:`~deepstat.data.SurvivalTarget` whose ``bin`` is the interval
    index and ``event`` the cause code (0 censored). ``alpha`` and ``sigma`` default to pycox's
    ``DeepHitSingle`` values.

    Parameters
    ----------
    n_causes : int, default=1
        Number of competing causes.
    alpha : float, default=0.2
        Weight of the likelihood term, in [0, 1].
    sigma : float, default=0.1
        Scale of the ranking penalty.

    Raises
    ------
    TypeError
        If ``target`` is not a SurvivalTarget (a tensor of columns is refused).
    ValueError
        If ``target`` has no ``bin``, or has ``start`` or ``strata``; and as :func:`deephit_nll`.

    Examples
    --------
    >>> import torch
    >>> from deepstat.data import SurvivalTarget
    >>> loss = DeepHitLoss(n_causes=2)
    >>> target = SurvivalTarget(time=torch.tensor([0.2, 3.5, 2.1]), event=torch.tensor([1, 2, 0]), bin=torch.tensor([0, 3, 2]))
    >>> loss(torch.zeros(3, 2 * 4), target).shape
    torch.Size([])
    """

    def __init__(self, n_causes: int = 1, alpha: float = 0.2, sigma: float = 0.1) -> None:
        super().__init__()
        if isinstance(n_causes, bool) or not isinstance(n_causes, int) or n_causes < 1:
            raise ValueError(f"`n_causes` of DeepHitLoss must be an integer >= 1. Got {n_causes!r} instead.")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"`alpha` of DeepHitLoss must lie in [0, 1]. Got {alpha!r} instead.")
        self.n_causes, self.alpha, self.sigma = n_causes, float(alpha), sigma

    def forward(
        self, eta: Tensor, target: SurvivalTarget, *, weight: Tensor | None = None, reduction: Reduction = "sum"
    ) -> Tensor:
        target = survival_target(target, "DeepHitLoss", _DISCRETE_EXAMPLE, strata=False, bins=True)
        if eta.ndim != 2 or eta.shape[1] % self.n_causes:
            raise ValueError(
                f"`eta` of DeepHitLoss must have shape (n, n_causes * K) with n_causes = {self.n_causes}. "
                f"Got shape {tuple(eta.shape)} instead."
            )
        logits = eta.reshape(eta.shape[0], self.n_causes, -1)
        nll = deephit_nll(logits, target.bin, target.event, reduction="none")
        rank = deephit_ranking_loss(logits, target.bin, target.event, sigma=self.sigma, reduction="none")
        return reduce_loss(self.alpha * nll + (1 - self.alpha) * rank, weight, reduction, "DeepHitLoss")
