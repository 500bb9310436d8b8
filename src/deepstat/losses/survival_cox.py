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

import dataclasses
from dataclasses import dataclass
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
    survival_target,
)
from deepstat.utils.survival_target import SurvivalTarget

__all__ = ["CoxPHLoss", "CoxTimeVaryingLoss", "cox_partial_nll", "cox_partial_nll_counting"]

Ties = Literal["efron", "breslow"]


@dataclass(frozen=True)
class _Scan:
    """Layout of a cumulative log-sum-exp over sorted rows that restarts at each stratum."""

    segment: Tensor | None  # (n,) stratum of each sorted row; None: one stratum, a plain scan
    position: Tensor | None  # (n,) position of each sorted row within its stratum
    shape: tuple[int, int]  # (n_strata, largest stratum): one padded row per stratum
    sizes: tuple[int, ...] | None = None  # stratum sizes when padding would dwarf the data: one scan per stratum

#: padding all strata to the largest is used while it costs at most this many times the rows
_PAD_FACTOR = 4


def _scan_layout(segment: Tensor) -> _Scan:
    n_segments = int(segment[-1]) + 1
    if n_segments == 1:
        return _Scan(None, None, (1, segment.shape[0]))
    counts = torch.bincount(segment, minlength=n_segments)
    shape = (n_segments, int(counts.max()))
    if shape[0] * shape[1] > _PAD_FACTOR * segment.shape[0] + 1024:  # skewed strata (one large, many small)
        return _Scan(segment, None, shape, tuple(int(c) for c in counts.tolist()))
    first = torch.cumsum(counts, 0) - counts
    position = torch.arange(segment.shape[0], device=segment.device) - first[segment]
    return _Scan(segment, position, shape)


def _logcumsumexp(x: Tensor, scan: _Scan) -> Tensor:
    """Running logsumexp of the sorted ``x`` within each stratum.

    One scan for all strata over a (n_strata, largest stratum) matrix padded with -inf while that
    matrix is at most a few times the data; a scan per stratum (rows sorted by stratum are
    contiguous) when the strata are so unequal that padding would cost more memory than the data.
    """
    if scan.segment is None:
        return torch.logcumsumexp(x, 0)
    if scan.sizes is not None:
        return torch.cat([torch.logcumsumexp(part, 0) for part in x.split(scan.sizes)])
    padded = x.new_full(scan.shape, float("-inf")).index_put((scan.segment, scan.position), x)
    return torch.logcumsumexp(padded, 1)[scan.segment, scan.position]


@dataclass(frozen=True)
class _RiskSets:
    r"""What the log-likelihood needs of the data alone (built once per target): sort order, tie groups, strata, Efron.

    Each event :math:`i` of tie group :math:`g` contributes :math:`\bar w_g \log(A_g - f_i B_g)`,
    :math:`f_i = l / d_g` (0 under Breslow's ties), evaluated as the convex combination
    :math:`\log((1 - f_i) A_g + f_i A'_g)` of two running sums of the sorted rows: :math:`A_g` up to the
    group's last event and :math:`A'_g = A_g - B_g` up to the row before its events (censored rows
    sort before events at equal times). No difference is taken, so no precision is lost.
    """

    order: Tensor  # (n,) rows sorted by (stratum, stop descending, censored before events)
    scan: _Scan
    at: Tensor  # (k m,) sorted positions of A_g for the m events, then (Efron, k = 2) of A'_g
    log_coef: Tensor | None  # (2 m,) log(1 - f_i), then log f_i (-inf where A'_g is empty); None when k = 1
    entry: tuple[Tensor, _Scan, Tensor, Tensor] | None  # counting process: rows by start, scan, position, found
    log_w: Tensor | None  # (n,) log w_i
    event_weight: Tensor  # (n,) w_i delta_i
    w_bar: Tensor  # (m,) mean weight of each event's tie group
    n_events: Tensor  # sum_i w_i delta_i


def _risk_sets(
    stop: Tensor, event: Tensor, start: Tensor | None, strata: Tensor | None, weight: Tensor | None, ties: str, dtype: torch.dtype
) -> _RiskSets:
    """Build the :class:`_RiskSets` of validated inputs: O(n log n) sorting, no loop over rows."""
    n, device = stop.shape[0], stop.device
    stratum = torch.zeros(n, dtype=torch.long, device=device) if strata is None else torch.unique(strata, return_inverse=True)[1]
    # integer ranks of all time points (stop and start share one scale), so keys are exact
    rank = torch.unique(stop if start is None else torch.cat([stop, start]), return_inverse=True)[1]
    n_times = int(rank.max()) + 1
    base = stratum * (n_times + 1)  # stratum * (U + 1) + (U - rank): sorts by stratum, time descending
    is_event = (event > 0).long()
    key_stop = 2 * (base + n_times - rank[:n]) + is_event  # then censored rows before events
    key_sorted, order = torch.sort(key_stop, stable=True)
    rows = torch.nonzero(is_event)[:, 0]
    group_key, group, d = torch.unique(key_stop[rows], return_inverse=True, return_counts=True)
    last = torch.searchsorted(key_sorted, group_key, right=True) - 1  # the group's last event  # (G,)
    counts = torch.bincount(stratum)
    first = (torch.cumsum(counts, 0) - counts)[group_key // 2 // (n_times + 1)]  # its stratum's first sorted row
    entry, n_entered = None, torch.zeros_like(last)
    if start is not None:  # rows that enter later (start >= t_g) are subtracted from A_g and A'_g
        key_start_sorted, order_start = torch.sort(2 * (base + n_times - rank[n:]) + 1, stable=True)
        at_start = torch.searchsorted(key_start_sorted, group_key, right=True) - 1
        n_entered = (at_start - first + 1).clamp(min=0)
        entry = (order_start, _scan_layout(stratum[order_start]), at_start.clamp(min=0), n_entered > 0)
    # a zero weight becomes the smallest normal number: its row then adds ~1e-38 (float32) of the
    # others' size to a risk sum, far below rounding, and no -inf reaches the scans' gradients
    log_w = None if weight is None else torch.log(weight.clamp(min=torch.finfo(dtype).tiny))
    w_ev = torch.ones(rows.shape[0], dtype=dtype, device=device) if weight is None else weight[rows]
    w_bar = torch.zeros(group_key.shape[0], dtype=dtype, device=device).index_add(0, group, w_ev) / d.to(dtype)
    at, log_coef = last[group], None
    if ties == "efron" and bool((d > 1).any()):
        # l = 0..d_g-1: rank of each event within its group
        order_g = torch.argsort(group, stable=True)
        l_sorted = torch.arange(group.shape[0], device=device) - (torch.cumsum(d, 0) - d)[group[order_g]]
        l = torch.empty_like(group).index_put((order_g,), l_sorted)
        fraction = l.to(dtype) / d[group].to(dtype)
        before = last - d  # A'_g sums the rows up to here: empty when none of them is at risk
        # the A'_g term enters for l > 0 when A'_g is not empty (log f_i = -inf otherwise)
        nonempty = (before - first + 1 > n_entered)[group] & (l > 0)
        log_coef = torch.cat([torch.log1p(-fraction), torch.where(nonempty, torch.log(fraction), float("-inf"))])
        at = torch.cat([at, before.clamp(min=0)[group]])
        if entry is not None:
            entry = (entry[0], entry[1], entry[2][group].repeat(2), torch.cat([entry[3][group], entry[3][group] & nonempty]))
    elif entry is not None:
        entry = (entry[0], entry[1], entry[2][group], entry[3][group])
    event_weight = torch.zeros(n, dtype=dtype, device=device).index_put((rows,), w_ev)
    return _RiskSets(order, _scan_layout(stratum[order]), at, log_coef, entry, log_w, event_weight, w_bar[group], w_ev.sum())


def _cox_nll(risk: Tensor, rs: _RiskSets) -> Tensor:
    """Weighted negative partial log-likelihood: a gather, a cumulative log-sum-exp and a gather of it."""
    v = risk if rs.log_w is None else risk + rs.log_w  # log(w_j exp(r_j))  # (n,)
    log_s = _logcumsumexp(v[rs.order], rs.scan)[rs.at]  # log A_g (then log A'_g) of each event  # (k m,)
    if rs.log_coef is not None:
        # Efron's A'_g terms that do not enter (log f_i = -inf) are cut from the graph here, before any
        # arithmetic: a zero gradient that still depends on the risks (exp(-inf) times something) makes
        # torch's logcumsumexp double backward give a wrong, finite Hessian (issue 11, item 3)
        terms = torch.isfinite(rs.log_coef)
        log_s = torch.where(terms, log_s, torch.zeros((), dtype=log_s.dtype, device=log_s.device))
    if rs.entry is not None:
        # minus the rows that enter later: in float64 because it is a difference
        order_start, scan_start, at_start, found = rs.entry
        log_e = torch.where(found, _logcumsumexp(v[order_start].double(), scan_start)[at_start], float("-inf"))
        a64 = log_s.double()
        log_s = (a64 + torch.log1p(-torch.exp(log_e - a64).clamp(max=1.0))).to(risk.dtype)
    if rs.log_coef is not None:  # Efron: log((1 - f_i) A_g + f_i A'_g) = log(A_g - f_i B_g)
        a, b = log_s.view(2, -1)
        log_a, log_f = rs.log_coef.view(2, -1)
        both = terms.view(2, -1)[1]  # an event without an A'_g term is log A_g + log(1 - f_i) alone
        log_s = torch.where(both, torch.logaddexp(a + log_a, b + torch.where(both, log_f, 0.0)), a + log_a)
    return torch.dot(rs.w_bar, log_s) - torch.dot(rs.event_weight, risk)


def _check_risk(risk: Tensor, ties: str, reduction: str, caller: str, n: int | None = None) -> Tensor:
    if not isinstance(risk, Tensor) or not risk.is_floating_point():
        raise TypeError(f"`risk` of {caller} must be a floating torch.Tensor. Got {type(risk).__name__} instead.")
    risk = as_vector(risk, "risk", caller, n)
    if ties not in ("efron", "breslow"):
        raise ValueError(f"`ties` of {caller} must be one of 'efron', 'breslow'. Got {ties!r} instead.")
    if reduction not in ("mean", "sum"):
        raise ValueError(
            f"`reduction` of {caller} must be one of 'mean', 'sum' (the partial likelihood does not decompose "
            f"by observation). Got {reduction!r} instead."
        )
    return risk


def _prepare(
    caller: str,
    risk: Tensor,
    stop: Tensor,
    event: Tensor,
    start: Tensor | None,
    strata: Tensor | None,
    weight: Tensor | None,
    ties: str,
    reduction: str,
) -> tuple[Tensor, _RiskSets]:
    """Validate every input (public boundary), then build the risk sets."""
    risk = _check_risk(risk, ties, reduction, caller)
    n, device = risk.shape[0], risk.device
    event = check_events(as_vector(event, "event", caller, n).to(device), caller)
    check_has_event(event, caller)
    if strata is not None:
        strata = as_vector(strata, "strata", caller, n).to(device)
    weight = check_weight(weight, n, caller, risk)
    if start is None:
        stop = check_times(as_vector(stop, "time", caller, n).to(device), "time", caller)
    else:
        start = check_times(as_vector(start, "start", caller, n).to(device), "start", caller)
        stop = check_times(as_vector(stop, "stop", caller, n).to(device), "stop", caller)
        check_start_stop(start, stop, caller)
        dtype = torch.promote_types(start.dtype, stop.dtype)
        start, stop = start.to(dtype), stop.to(dtype)
    return risk, _risk_sets(stop, event, start, strata, weight, ties, risk.dtype)


def _reduce(nll: Tensor, n_events: Tensor, reduction: str) -> Tensor:
    return nll if reduction == "sum" else nll / n_events


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
    Strata are laid out as rows of a padded (n_strata, largest stratum) array for the scan, or, when
    that array would be more than a few times the data (one large stratum beside many small ones),
    scanned one stratum at a time.

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
    risk, risk_sets = _prepare("cox_partial_nll", risk, time, event, None, strata, weight, ties, reduction)
    return _reduce(_cox_nll(risk, risk_sets), risk_sets.n_events, reduction)


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
    risk, risk_sets = _prepare("cox_partial_nll_counting", risk, stop, event, start, strata, weight, ties, reduction)
    return _reduce(_cox_nll(risk, risk_sets), risk_sets.n_events, reduction)


class _CoxLoss(nn.Module):
    """The estimators' loss protocol for the Cox likelihoods, keeping the risk sets of recent targets."""

    _cache_size = 4  # a full-batch fit alternates two targets: the training part and the validation part
    _counting = False  # whether the target holds counting-process (start, stop] rows
    _example = "time=..., event=..., strata=None"  # shown when a target is not a SurvivalTarget

    def __init__(self, ties: Ties = "efron") -> None:
        super().__init__()
        self.ties = ties
        # (key, target copy, weight copy, risk sets, the caller's tensors, their (id, version) stamps)
        self._risk_sets: list[tuple[tuple, SurvivalTarget, Tensor | None, _RiskSets, tuple, tuple]] = []

    def forward(
        self, eta: Tensor, target: SurvivalTarget, *, weight: Tensor | None = None, reduction: Literal["mean", "sum"] = "sum"
    ) -> Tensor:
        caller = type(self).__name__
        target = survival_target(target, caller, self._example, start=self._counting)
        fields = _fields(target)
        cacheable = (
            isinstance(eta, Tensor)
            and not any(t.requires_grad for t in fields.values() if t is not None)
            and (weight is None or (isinstance(weight, Tensor) and not weight.requires_grad))
        )
        risk_sets = None
        if cacheable:
            w_key = None if weight is None else (weight.dtype, tuple(weight.shape))
            t_key = tuple(None if t is None else (t.dtype, t.device, tuple(t.shape)) for t in fields.values())
            key = (self.ties, eta.dtype, eta.device, t_key, w_key)
            risk_sets = self._lookup(key, target, weight)
        if risk_sets is None:
            event = target.event
            if event.numel() and not bool((event > 0).any()):
                # a mini-batch without events adds nothing to the partial likelihood (full data are
                # checked for events by the estimator); keep the graph so that backward still runs
                return eta.sum() * 0.0
            risk, risk_sets = _prepare(caller, eta, target.time, event, target.start, target.strata, weight, self.ties, reduction)
            if cacheable:
                copy = None if weight is None else weight.detach().clone()
                kept = dataclasses.replace(target, **{k: None if t is None else t.detach().clone() for k, t in fields.items()})
                refs = (*fields.values(), weight)  # held, so that their ids cannot be reused while cached
                entry = (key, kept, copy, risk_sets, refs, _stamps(refs))
                self._risk_sets = [*self._risk_sets, entry][-self._cache_size :]
        else:  # the target and weight were validated when their risk sets were built
            risk = _check_risk(eta, self.ties, reduction, caller, len(target))
        return _reduce(_cox_nll(risk, risk_sets), risk_sets.n_events, reduction)

    def _lookup(self, key: tuple, target: SurvivalTarget, weight: Tensor | None) -> _RiskSets | None:
        """The risk sets built for an equal (not only the same) target and weight, if any."""
        fields = _fields(target)
        stamps = _stamps((*fields.values(), weight))
        for i, (k, t, w, risk_sets, _, kept_stamps) in enumerate(self._risk_sets):
            # the very tensors cached, unmodified since (an in-place change bumps a tensor's version): a hit
            # without comparing values; otherwise equal values (a new target with the same data) are a hit too
            if k == key and (
                stamps == kept_stamps
                or (
                    all(a is None or torch.equal(a, fields[name]) for name, a in _fields(t).items())
                    and (w is None or torch.equal(w, weight))
                )
            ):
                self._risk_sets.append(self._risk_sets.pop(i))  # most recently used last
                return risk_sets
        return None


def _stamps(tensors: tuple) -> tuple:
    """``(id, version)`` of each tensor (None stays None): equal stamps mean the same, unmodified tensors."""
    return tuple(None if t is None else (id(t), t._version) for t in tensors)


def _fields(target: SurvivalTarget) -> dict[str, Tensor | None]:
    """The fields the Cox likelihoods read (the interval index is not one of them)."""
    return {"time": target.time, "event": target.event, "start": target.start, "strata": target.strata}


class CoxPHLoss(_CoxLoss):
    """:func:`cox_partial_nll` with the estimators' loss protocol (use it on the full data, not mini-batches).

    ``forward(eta, target, *, weight=None, reduction="sum")`` with ``eta`` of shape (n, 1) and
    ``target`` a :class:`~deepstat.data.SurvivalTarget` with ``time``, ``event`` and optionally
    ``strata`` (``start`` must be None: see :class:`CoxTimeVaryingLoss`).

    Parameters
    ----------
    ties : {"efron", "breslow"}, default="efron"

    Raises
    ------
    TypeError
        If ``target`` is not a SurvivalTarget (a tensor of columns is refused).
    ValueError
        If ``target`` has ``start``, and as :func:`cox_partial_nll`.

    Notes
    -----
    A full-batch fit evaluates the loss on the same targets every epoch. The module validates a
    target once and keeps what depends on it alone (sort order, tie groups, strata layout, Efron's
    index arrays) for the last 4 distinct (target, weight) pairs, found again by value
    (``torch.equal`` on every field), so that a target changed in place or a new one is validated
    and sorted anew. Each call then costs a gather, a cumulative log-sum-exp and Efron's segment
    sums; the result is the one :func:`cox_partial_nll` returns, bit for bit.

    Examples
    --------
    >>> import torch
    >>> from deepstat.data import SurvivalTarget
    >>> target = SurvivalTarget(time=torch.tensor([1.0, 2.0, 3.0]), event=torch.tensor([1, 0, 1]))
    >>> CoxPHLoss()(torch.zeros(3, 1), target)  # log 3 + log 1
    tensor(1.0986)
    """


class CoxTimeVaryingLoss(_CoxLoss):
    """:func:`cox_partial_nll_counting` with the estimators' loss protocol (full data, not mini-batches).

    ``target`` is a :class:`~deepstat.data.SurvivalTarget` with ``start``, ``time`` (the stop
    times), ``event`` and optionally ``strata``. Risk sets are kept across calls as in
    :class:`CoxPHLoss`.

    Raises
    ------
    TypeError
        If ``target`` is not a SurvivalTarget.
    ValueError
        If ``target`` has no ``start``, and as :func:`cox_partial_nll_counting`.

    Examples
    --------
    >>> import torch
    >>> from deepstat.data import SurvivalTarget
    >>> target = SurvivalTarget(
    ...     time=torch.tensor([2.0, 5.0, 4.0]), event=torch.tensor([0, 1, 1]), start=torch.tensor([0.0, 2.0, 0.0])
    ... )
    >>> CoxTimeVaryingLoss()(torch.zeros(3, 1), target)  # log 2 + log 1
    tensor(0.6931)
    """

    _counting = True
    _example = "time=stop, event=..., start=start, strata=None"
