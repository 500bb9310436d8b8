r"""Cox negative partial log-likelihood over the full risk set: Breslow and Efron ties, strata, weights,
and the counting-process (start, stop] form for time-varying covariates; O(n log n).

For tie groups :math:`D_g` (the events of one stratum at one time :math:`t_g`, :math:`d_g = |D_g|`),
risk sums :math:`A_g = \sum_{j \in R(t_g)} w_j e^{r_j}` and tie sums :math:`B_g = \sum_{i \in D_g} w_i e^{r_i}`,

.. math::

    \log L = \sum_g \Big[\sum_{i \in D_g} w_i r_i - \bar w_g \sum_{l=0}^{d_g - 1}
    \log\Big(A_g - \frac{l}{d_g} B_g\Big)\Big], \qquad \bar w_g = \frac{1}{d_g}\sum_{i \in D_g} w_i

(Efron 1977, weighted as in R ``survival`` and lifelines); Breslow's approximation drops the
:math:`l B_g / d_g` term. The risk set is :math:`R(t) = \{j: t_j \ge t\}` for right-censored data
and :math:`\{j: \mathrm{start}_j < t \le \mathrm{stop}_j\}` for counting-process data, within the
stratum of the event.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

from deepstat.losses._survival_checks import (
    as_vector,
    check_events,
    check_has_event,
    check_start_stop,
    check_times,
    check_weight,
)

__all__ = ["CoxPHLoss", "CoxTimeVaryingLoss", "cox_partial_nll", "cox_partial_nll_counting"]

Ties = Literal["efron", "breslow"]


def _segment_logcumsumexp(x: Tensor, segment: Tensor) -> Tensor:
    """Running logsumexp of ``x`` restarting at each segment; ``segment`` is sorted, codes 0..S-1."""
    n_segments = int(segment[-1]) + 1
    if n_segments == 1:
        return torch.logcumsumexp(x, 0)
    # one padded row per segment (-inf padding), so that a single scan handles every segment
    counts = torch.bincount(segment, minlength=n_segments)
    first = torch.cumsum(counts, 0) - counts
    position = torch.arange(x.shape[0], device=x.device) - first[segment]
    padded = x.new_full((n_segments, int(counts.max())), float("-inf"))
    padded = padded.index_put((segment, position), x)
    return torch.logcumsumexp(padded, 1)[segment, position]


def _segment_logsumexp(x: Tensor, segment: Tensor, n_segments: int) -> Tensor:
    """logsumexp of ``x`` within each segment (codes 0..n_segments-1), shape (n_segments,)."""
    shift = torch.full((n_segments,), float("-inf"), dtype=x.dtype, device=x.device)
    shift = shift.scatter_reduce(0, segment, x.detach(), reduce="amax", include_self=True)
    total = torch.zeros(n_segments, dtype=x.dtype, device=x.device).index_add(0, segment, torch.exp(x - shift[segment]))
    return shift + torch.log(total)


def _cox_loglik(
    risk: Tensor,
    stop: Tensor,
    event: Tensor,
    start: Tensor | None,
    strata: Tensor | None,
    weight: Tensor | None,
    ties: str,
) -> tuple[Tensor, Tensor]:
    """(weighted partial log-likelihood, weighted number of events); inputs already validated."""
    n = risk.shape[0]
    device = risk.device
    stratum = torch.zeros(n, dtype=torch.long, device=device) if strata is None else torch.unique(strata, return_inverse=True)[1]
    # integer ranks of all time points (stop and start share one scale), so keys are exact
    times = stop if start is None else torch.cat([stop, start])
    rank = torch.unique(times, return_inverse=True)[1]
    n_times = int(rank.max()) + 1
    base = stratum * (n_times + 1)  # key = stratum * (U + 1) + (U - rank): sorts by stratum, time descending
    # a zero weight becomes the smallest normal number: its row then adds ~1e-38 (float32) of the
    # others' size to a risk sum, far below rounding, and no -inf reaches the scans' gradients
    log_w = None if weight is None else torch.log(weight.clamp(min=torch.finfo(risk.dtype).tiny))
    v = risk if log_w is None else risk + log_w  # log(w_j exp(r_j))  # (n,)

    # 1. cumulative log risk sums over rows sorted by (stratum, stop descending)
    key_stop = base + (n_times - rank[:n])
    key_stop_sorted, order = torch.sort(key_stop, stable=True)
    cum_stop = _segment_logcumsumexp(v[order], stratum[order])

    # 2. tie groups: the events of one stratum at one stop time
    is_event = event > 0
    ev_key = key_stop[is_event]
    group_key, group, d = torch.unique(ev_key, return_inverse=True, return_counts=True)
    n_groups = group_key.shape[0]
    pos = torch.searchsorted(key_stop_sorted, group_key, right=True) - 1  # last row with stop >= t_g
    log_a = cum_stop[pos]  # log A_g  # (G,)
    if start is not None:
        # subtract the rows that enter later (start >= t_g): A_g = sum_{stop >= t} - sum_{start >= t},
        # in float64 because it is a difference
        key_start = base + (n_times - rank[n:])
        key_start_sorted, order_start = torch.sort(key_start, stable=True)
        cum_start = _segment_logcumsumexp(v[order_start].double(), stratum[order_start])
        pos_start = torch.searchsorted(key_start_sorted, group_key, right=True) - 1
        g_stratum = group_key // (n_times + 1)
        valid = (pos_start >= 0) & (stratum[order_start][pos_start.clamp(min=0)] == g_stratum)
        log_e = torch.where(valid, cum_start[pos_start.clamp(min=0)], torch.full_like(log_a, float("-inf"), dtype=torch.float64))
        a64 = log_a.double()
        log_a = (a64 + torch.log1p(-torch.exp(log_e - a64).clamp(max=1.0))).to(risk.dtype)

    # 3. the event terms: sum_i w_i r_i - w̄_g log(A_g - l B_g / d_g)
    w_ev = torch.ones_like(risk[is_event]) if weight is None else weight[is_event]
    log_denominator = log_a[group]
    if ties == "efron" and bool((d > 1).any()):
        log_b = _segment_logsumexp(v[is_event], group, n_groups)  # log B_g
        # l = 0..d_g-1: rank of each event within its group
        order_g = torch.argsort(group, stable=True)
        first = torch.cumsum(d, 0) - d
        l_sorted = torch.arange(group.shape[0], device=device) - first[group[order_g]]
        l = torch.empty_like(l_sorted).index_put((order_g,), l_sorted)
        fraction = l.to(risk.dtype) / d[group].to(risk.dtype)  # (long / long is float32)
        log_denominator = log_denominator + torch.log1p(-fraction * torch.exp(log_b[group] - log_a[group]))
    w_bar = torch.zeros(n_groups, dtype=risk.dtype, device=device).index_add(0, group, w_ev) / d.to(risk.dtype)
    loglik = (w_ev * risk[is_event]).sum() - (w_bar[group] * log_denominator).sum()
    return loglik, w_ev.sum()


def _check_common(
    risk: Tensor, event: Tensor, strata: Tensor | None, weight: Tensor | None, ties: str, reduction: str, caller: str
) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
    if not isinstance(risk, Tensor) or not risk.is_floating_point():
        raise TypeError(f"`risk` of {caller} must be a floating torch.Tensor. Got {type(risk).__name__} instead.")
    risk = as_vector(risk, "risk", caller)
    n = risk.shape[0]
    if ties not in ("efron", "breslow"):
        raise ValueError(f"`ties` of {caller} must be one of 'efron', 'breslow'. Got {ties!r} instead.")
    if reduction not in ("mean", "sum"):
        raise ValueError(
            f"`reduction` of {caller} must be one of 'mean', 'sum' (the partial likelihood does not decompose "
            f"by observation). Got {reduction!r} instead."
        )
    event = check_events(as_vector(event, "event", caller, n).to(risk.device), caller)
    check_has_event(event, caller)
    if strata is not None:
        strata = as_vector(strata, "strata", caller, n).to(risk.device)
    return risk, event, strata, check_weight(weight, n, caller, risk)


def _reduce(loglik: Tensor, n_events: Tensor, reduction: str) -> Tensor:
    return -loglik if reduction == "sum" else -loglik / n_events


def cox_partial_nll(
    risk: Tensor,
    time: Tensor,
    event: Tensor,
    *,
    ties: Ties = "efron",
    strata: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: Literal["mean", "sum"] = "mean",
) -> Tensor:
    r"""Negative Cox partial log-likelihood over the full risk set, right-censored data.

    .. math:: -\log L(r) \text{ with } R(t) = \{j : t_j \ge t\} \text{ (see the module docstring)}

    Parameters
    ----------
    risk : Tensor of shape (n,) or (n, 1)
        Log relative risks :math:`r_i = f(x_i)` (the network output; no intercept: it cancels).
    time : Tensor of shape (n,)
        Event or censoring times, finite and >= 0 (only their order matters).
    event : Tensor of shape (n,)
        1/True for an event, 0/False for a censored time.
    ties : {"efron", "breslow"}, default="efron"
        Approximation for tied event times (lifelines and R default to Efron).
    strata : Tensor of shape (n,) or None, default=None
        Stratum labels: each stratum has its own risk sets (and baseline hazard).
    weight : Tensor of shape (n,) or None, default=None
        Non-negative case weights :math:`w_i`. Under Efron's correction :math:`d_g` counts the tied
        events whatever their weight (as lifelines does), so a zero weight removes a row exactly
        only with Breslow's ties.
    reduction : {"mean", "sum"}, default="mean"
        "sum": :math:`-\log L` (lifelines' ``log_likelihood_`` is :math:`\log L`, a sum);
        "mean": divided by the (weighted) number of events :math:`\sum_i w_i \delta_i`.

    Returns
    -------
    Tensor
        A scalar.

    Raises
    ------
    TypeError
        If ``risk`` is not a floating tensor.
    ValueError
        Naming the argument and the offending count, for NaN/infinite or negative times, event
        flags other than 0/1/True/False, all observations censored, negative weights, mismatched
        shapes, or an unknown ``ties``/``reduction``.

    Notes
    -----
    Rows are sorted once by (stratum, time descending); a cumulative log-sum-exp gives every risk
    sum, tie groups are segments, and Efron's correction is evaluated for all tied events at once
    as :math:`\log A_g + \mathrm{log1p}(-(l/d_g) B_g / A_g)`: O(n log n) time, no loop over rows.
    Strata are laid out as rows of a padded (n_strata, largest stratum) array for the scan.

    References
    ----------
    Cox (1972), Regression models and life-tables, JRSS-B 34; Efron (1977), The efficiency of Cox's
    likelihood function for censored data, JASA 72; Katzman et al. (2018), DeepSurv, BMC Med. Res.
    Methodol. 18.

    Examples
    --------
    >>> import torch
    >>> risk = torch.tensor([0.5, -0.2, 0.1, 0.0])
    >>> time = torch.tensor([1.0, 2.0, 2.0, 3.0])
    >>> event = torch.tensor([1, 1, 1, 0])
    >>> cox_partial_nll(risk, time, event, ties="breslow", reduction="sum")
    tensor(3.2659)
    """
    caller = "cox_partial_nll"
    risk, event, strata, weight = _check_common(risk, event, strata, weight, ties, reduction, caller)
    time = check_times(as_vector(time, "time", caller, risk.shape[0]).to(risk.device), "time", caller)
    loglik, n_events = _cox_loglik(risk, time, event, None, strata, weight, ties)
    return _reduce(loglik, n_events, reduction)


def cox_partial_nll_counting(
    risk: Tensor,
    start: Tensor,
    stop: Tensor,
    event: Tensor,
    *,
    ties: Ties = "efron",
    strata: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: Literal["mean", "sum"] = "mean",
) -> Tensor:
    r"""Negative Cox partial log-likelihood for counting-process (start, stop] data (time-varying covariates).

    Each row is one interval of one subject with constant covariates; ``event`` is 1 when the
    subject's event happens at ``stop``. The risk set at an event time :math:`t` is
    :math:`R(t) = \{j : \mathrm{start}_j < t \le \mathrm{stop}_j\}` (same stratum).

    Parameters
    ----------
    risk : Tensor of shape (n,) or (n, 1)
        Log relative risk of each row (computed from the row's covariates).
    start, stop : Tensor of shape (n,)
        Interval ends, finite, >= 0, ``start < stop`` in every row.
    event : Tensor of shape (n,)
        1/True when the row's interval ends with the event.
    ties, strata, weight, reduction
        As in :func:`cox_partial_nll`.

    Returns
    -------
    Tensor
        A scalar.

    Raises
    ------
    TypeError
        If ``risk`` is not a floating tensor.
    ValueError
        As :func:`cox_partial_nll`, and when ``start >= stop`` in some row.

    Notes
    -----
    :math:`A(t) = \sum_{\mathrm{stop}_j \ge t} w_j e^{r_j} - \sum_{\mathrm{start}_j \ge t} w_j e^{r_j}`:
    two sorted cumulative log-sum-exps (inclusion by stop, exclusion by start) looked up with
    ``searchsorted``, O(n log n). The difference is taken as
    :math:`\log A = a + \mathrm{log1p}(-e^{e - a})` in float64, which loses relative accuracy only
    when the rows that already left the risk set outweigh those in it by about :math:`10^{12}`.

    References
    ----------
    Andersen & Gill (1982), Cox's regression model for counting processes, Ann. Stat. 10.

    Examples
    --------
    >>> import torch
    >>> risk = torch.tensor([0.3, 0.3, -0.1])
    >>> start, stop = torch.tensor([0.0, 2.0, 0.0]), torch.tensor([2.0, 5.0, 4.0])
    >>> event = torch.tensor([0, 1, 1])  # subject 1 in two rows; at t = 4 both subjects are at risk
    >>> cox_partial_nll_counting(risk, start, stop, event, reduction="sum")
    tensor(0.9130)
    """
    caller = "cox_partial_nll_counting"
    risk, event, strata, weight = _check_common(risk, event, strata, weight, ties, reduction, caller)
    n = risk.shape[0]
    start = check_times(as_vector(start, "start", caller, n).to(risk.device), "start", caller)
    stop = check_times(as_vector(stop, "stop", caller, n).to(risk.device), "stop", caller)
    check_start_stop(start, stop, caller)
    loglik, n_events = _cox_loglik(risk, stop.to(start.dtype), event, start.to(stop.dtype), strata, weight, ties)
    return _reduce(loglik, n_events, reduction)


class CoxPHLoss(nn.Module):
    """:func:`cox_partial_nll` with the estimators' loss protocol (use it on the full data, not mini-batches).

    ``forward(eta, target, *, weight=None, reduction="sum")`` with ``eta`` of shape (n, 1) and
    ``target`` of shape (n, 2) = (time, event) or (n, 3) = (time, event, stratum).

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    >>> CoxPHLoss()(torch.zeros(3, 1), target)  # log 3 + log 1
    tensor(1.0986)
    """

    def __init__(self, ties: Ties = "efron") -> None:
        super().__init__()
        self.ties = ties

    def forward(
        self, eta: Tensor, target: Tensor, *, weight: Tensor | None = None, reduction: Literal["mean", "sum"] = "sum"
    ) -> Tensor:
        strata = target[:, 2] if target.shape[1] > 2 else None
        return cox_partial_nll(
            eta, target[:, 0], target[:, 1], ties=self.ties, strata=strata, weight=weight, reduction=reduction
        )


class CoxTimeVaryingLoss(nn.Module):
    """:func:`cox_partial_nll_counting` with the estimators' loss protocol (full data, not mini-batches).

    ``target`` has shape (n, 3) = (start, stop, event) or (n, 4) = (start, stop, event, stratum).

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[0.0, 2.0, 0.0], [2.0, 5.0, 1.0], [0.0, 4.0, 1.0]])
    >>> CoxTimeVaryingLoss()(torch.zeros(3, 1), target)  # log 2 + log 1
    tensor(0.6931)
    """

    def __init__(self, ties: Ties = "efron") -> None:
        super().__init__()
        self.ties = ties

    def forward(
        self, eta: Tensor, target: Tensor, *, weight: Tensor | None = None, reduction: Literal["mean", "sum"] = "sum"
    ) -> Tensor:
        strata = target[:, 3] if target.shape[1] > 3 else None
        return cox_partial_nll_counting(
            eta, target[:, 0], target[:, 1], target[:, 2], ties=self.ties, strata=strata, weight=weight, reduction=reduction
        )
