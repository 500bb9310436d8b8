"""Cox partial likelihood: naive O(n^2) sums, lifelines' CoxPHFitter (rossi) and CoxTimeVaryingFitter (Stanford)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_rossi, load_stanford_heart_transplants

from deepstat.losses import (
    CoxPHLoss,
    CoxTimeVaryingLoss,
    SurvivalTarget,
    cox_partial_nll,
    cox_partial_nll_counting,
)

F64 = torch.float64


def naive_loglik(risk, stop, event, start=None, strata=None, weight=None, ties="efron") -> float:
    """The partial log-likelihood written from its definition, one tie group at a time (O(n^2))."""
    n = len(risk)
    start = np.full(n, -np.inf) if start is None else start
    strata = np.zeros(n) if strata is None else strata
    weight = np.ones(n) if weight is None else weight
    phi = weight * np.exp(risk)
    total = 0.0
    for s, t in {(strata[i], stop[i]) for i in range(n) if event[i]}:
        dead = (strata == s) & (stop == t) & (event == 1)
        at_risk = (strata == s) & (start < t) & (stop >= t)
        d, a, b = dead.sum(), phi[at_risk].sum(), phi[dead].sum()
        w_bar = weight[dead].mean()
        total += (weight[dead] * risk[dead]).sum()
        for l in range(d):
            total -= w_bar * np.log(a - (l / d if ties == "efron" else 0.0) * b)
    return total


def _random_data(rng: np.random.Generator, n: int, n_strata: int, weighted: bool):
    risk = rng.normal(size=n)
    stop = rng.integers(1, 8, size=n).astype(float)  # few distinct times: many ties
    event = (rng.random(n) < 0.6).astype(int)
    event[0] = 1
    strata = rng.integers(0, n_strata, size=n) if n_strata > 1 else None
    weight = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return risk, stop, event, strata, weight


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize(("n_strata", "weighted"), [(1, False), (3, False), (1, True), (4, True)])
def test_equals_naive_implementation(rng: np.random.Generator, ties: str, n_strata: int, weighted: bool) -> None:
    risk, stop, event, strata, weight = _random_data(rng, 60, n_strata, weighted)
    t = lambda a: None if a is None else torch.as_tensor(a)
    got = cox_partial_nll(t(risk), t(stop), t(event), ties=ties, strata=t(strata), weight=t(weight), reduction="sum")
    expected = naive_loglik(risk, stop, event, strata=strata, weight=weight, ties=ties)
    assert -got.item() == pytest.approx(expected, rel=1e-12)
    mean = cox_partial_nll(t(risk), t(stop), t(event), ties=ties, strata=t(strata), weight=t(weight))
    n_events = (event * (1.0 if weight is None else weight)).sum()  # "mean": divided by the weighted event count
    assert mean.item() == pytest.approx(-expected / n_events, rel=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize(("n_strata", "weighted"), [(1, False), (3, True)])
def test_counting_form_equals_naive_implementation(rng: np.random.Generator, ties: str, n_strata: int, weighted: bool) -> None:
    risk, stop, event, strata, weight = _random_data(rng, 60, n_strata, weighted)
    start = np.where(rng.random(60) < 0.5, 0.0, stop - rng.integers(1, 4, size=60))  # late entries, some at an event time
    start = np.clip(start, 0.0, stop - 1)
    t = lambda a: None if a is None else torch.as_tensor(a)
    got = cox_partial_nll_counting(
        t(risk), t(start), t(stop), t(event), ties=ties, strata=t(strata), weight=t(weight), reduction="sum"
    )
    assert -got.item() == pytest.approx(naive_loglik(risk, stop, event, start, strata, weight, ties), rel=1e-10)
    # with every start at 0 the counting form is the right-censored form
    zero = torch.zeros(60, dtype=F64)
    torch.testing.assert_close(
        cox_partial_nll_counting(t(risk), zero, t(stop), t(event), ties=ties, strata=t(strata)),
        cox_partial_nll(t(risk), t(stop), t(event), ties=ties, strata=t(strata)),
        rtol=1e-12,
        atol=0,
    )


def test_weight_zero_equals_dropped_row(rng: np.random.Generator) -> None:
    risk, stop, event, _, _ = _random_data(rng, 30, 1, False)
    weight = np.ones(30)
    weight[[3, 7]] = 0.0
    keep = weight > 0
    # Breslow: Efron's d_g counts zero-weight ties too (lifelines' convention), see the docstring
    args = torch.tensor(risk), torch.tensor(stop), torch.tensor(event)
    full = cox_partial_nll(*args, weight=torch.tensor(weight), ties="breslow", reduction="sum")
    dropped = cox_partial_nll(*(a[torch.from_numpy(keep)] for a in args), ties="breslow", reduction="sum")
    torch.testing.assert_close(full, dropped, rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def rossi():
    data = load_rossi()  # lifelines ships the CSV: 432 released prisoners, 114 re-arrests
    cph = CoxPHFitter().fit(data, duration_col="week", event_col="arrest")  # Efron ties
    X = torch.tensor(data.drop(columns=["week", "arrest"]).to_numpy(), dtype=F64)
    return data, cph, X


def test_loglik_equals_lifelines_on_rossi(rossi) -> None:
    data, cph, X = rossi
    beta = torch.tensor(cph.params_.to_numpy(), dtype=F64)
    time, event = torch.tensor(data["week"].to_numpy(), dtype=F64), torch.tensor(data["arrest"].to_numpy())
    nll = cox_partial_nll(X @ beta, time, event, reduction="sum")
    assert -nll.item() == pytest.approx(cph.log_likelihood_, abs=1e-6)  # lifelines: -658.7477...


def test_lbfgs_fit_reproduces_lifelines_coefficients_on_rossi(rossi) -> None:
    data, cph, X = rossi
    time, event = torch.tensor(data["week"].to_numpy(), dtype=F64), torch.tensor(data["arrest"].to_numpy())
    mu, sd = X.mean(0), X.std(0)  # standardised inputs, as lifelines fits them
    Z = (X - mu) / sd
    beta = torch.zeros(X.shape[1], dtype=F64, requires_grad=True)
    opt = torch.optim.LBFGS([beta], lr=1, max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = cox_partial_nll(Z @ beta, time, event)
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose((beta / sd).detach().numpy(), cph.params_.to_numpy(), atol=1e-4, rtol=0)


def test_counting_loglik_equals_lifelines_on_stanford() -> None:
    data = load_stanford_heart_transplants()  # 103 patients, 172 (start, stop] rows, transplant as a time-varying covariate
    ctv = CoxTimeVaryingFitter().fit(data, id_col="id", event_col="event", start_col="start", stop_col="stop")
    X = torch.tensor(data[ctv.params_.index].to_numpy(), dtype=F64)
    beta = torch.tensor(ctv.params_.to_numpy(), dtype=F64)
    start, stop = (torch.tensor(data[c].to_numpy(), dtype=F64) for c in ("start", "stop"))
    nll = cox_partial_nll_counting(X @ beta, start, stop, torch.tensor(data["event"].to_numpy()), reduction="sum")
    assert -nll.item() == pytest.approx(ctv.log_likelihood_, abs=1e-6)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_gradcheck(rng: np.random.Generator, ties: str) -> None:
    risk, stop, event, strata, weight = _random_data(rng, 12, 2, True)
    start = np.clip(stop - 2, 0, None)
    r = torch.tensor(risk, requires_grad=True)
    args = torch.tensor(stop), torch.tensor(event)
    kw = {"ties": ties, "strata": torch.tensor(strata), "weight": torch.tensor(weight)}
    assert torch.autograd.gradcheck(lambda x: cox_partial_nll(x, *args, **kw), (r,))
    assert torch.autograd.gradcheck(lambda x: cox_partial_nll_counting(x, torch.tensor(start), *args, **kw), (r,))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_hessian_is_finite_and_right_with_ties_and_strata(rng: np.random.Generator, ties: str) -> None:
    """Issue 11 item 3: observed-information standard errors need the second derivatives.

    A tie group alone at risk (Efron's A'_g empty) once sent a zero gradient through a log-sum-exp over a -inf
    term, and torch's logcumsumexp double backward then gave a wrong (finite) Hessian; gradgradcheck compares
    autograd's second derivatives with finite differences of the first.
    """
    risk, stop, event, strata, weight = _random_data(rng, 12, 3, True)
    stop[:3], event[:3], strata[:3] = 9.0, 1, 0  # three events tied at the largest time of stratum 0: nothing else at risk
    start = np.clip(stop - 2, 0, None)
    r = torch.tensor(risk, requires_grad=True)
    args = torch.tensor(stop), torch.tensor(event)
    kw = {"ties": ties, "strata": torch.tensor(strata), "weight": torch.tensor(weight), "reduction": "sum"}
    assert torch.autograd.gradgradcheck(lambda x: cox_partial_nll(x, *args, **kw), (r,))
    assert torch.autograd.gradgradcheck(lambda x: cox_partial_nll_counting(x, torch.tensor(start), *args, **kw), (r,))
    tied = torch.tensor([0.3, -0.4, 0.8, 0.1], dtype=F64)  # test_tie_group_alone_at_risk's data, no strata
    hessian = torch.autograd.functional.hessian(
        lambda x: cox_partial_nll(x, torch.tensor([1.0, 2.0, 2.0, 2.0]), torch.tensor([1, 1, 1, 1]), ties=ties, reduction="sum"), tied
    )
    assert torch.isfinite(hessian).all()
    assert torch.autograd.gradgradcheck(
        lambda x: cox_partial_nll(x, torch.tensor([1.0, 2.0, 2.0, 2.0]), torch.tensor([1, 1, 1, 1]), ties=ties), (tied.requires_grad_(),)
    )


def test_loss_modules_follow_the_estimator_protocol(rng: np.random.Generator) -> None:
    risk, stop, event, strata, _ = _random_data(rng, 20, 2, False)
    eta = torch.tensor(risk)[:, None]  # (n, 1)
    target = SurvivalTarget(time=torch.tensor(stop), event=torch.tensor(event), strata=torch.tensor(strata))
    expected = cox_partial_nll(eta[:, 0], target.time, target.event, strata=target.strata, reduction="sum")
    torch.testing.assert_close(CoxPHLoss()(eta, target), expected)
    start = torch.zeros(20, dtype=F64)
    target_tv = dataclasses.replace(target, start=start)
    torch.testing.assert_close(CoxTimeVaryingLoss()(eta, target_tv), expected)


def test_errors() -> None:
    risk, time, event = torch.zeros(3), torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1, 0, 1])
    with pytest.raises(ValueError, match=r"`time` of cox_partial_nll must be finite\. Got 2 NaN or infinite value\(s\): \[nan, inf\]"):
        cox_partial_nll(risk, torch.tensor([np.nan, np.inf, 1.0]), event)
    with pytest.raises(ValueError, match=r"`time` of cox_partial_nll must be non-negative \(>= 0\)\. Got 1 value\(s\) < 0: \[-1.0\]"):
        cox_partial_nll(risk, torch.tensor([-1.0, 2.0, 3.0]), event)
    with pytest.raises(ValueError, match=r"`event` of cox_partial_nll must hold 0/1 or True/False\. Got 2 other value\(s\): \[2.0, 0.5\]"):
        cox_partial_nll(risk, time, torch.tensor([2.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match=r"`event` of cox_partial_nll must contain at least one event\. Got 3 observation\(s\), all censored"):
        cox_partial_nll(risk, time, torch.zeros(3))
    with pytest.raises(ValueError, match=r"`start` of cox_partial_nll_counting must be less than `stop` in every row\. Got 2 row\(s\) with start >= stop \(first at rows \[0, 2\]\)"):
        cox_partial_nll_counting(risk, torch.tensor([1.0, 0.0, 4.0]), time, event)
    with pytest.raises(ValueError, match=r"`ties` of cox_partial_nll must be one of 'efron', 'breslow'\. Got 'exact'"):
        cox_partial_nll(risk, time, event, ties="exact")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`reduction` of cox_partial_nll must be one of 'mean', 'sum' .* Got 'none'"):
        cox_partial_nll(risk, time, event, reduction="none")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`weight` of cox_partial_nll must be finite and non-negative\. Got 1 other value\(s\): \[-1.0\]"):
        cox_partial_nll(risk, time, event, weight=torch.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match=r"`event` of cox_partial_nll must have shape \(3,\)\. Got shape \(2,\)"):
        cox_partial_nll(risk, time, torch.tensor([1, 0]))
    with pytest.raises(TypeError, match="`risk` of cox_partial_nll must be a floating torch.Tensor"):
        cox_partial_nll(np.zeros(3), time, event)  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(bad=st.lists(st.sampled_from([np.nan, np.inf, -np.inf, -1.0, -1e-9]), min_size=1, max_size=4), n_ok=st.integers(1, 5))
def test_bad_times_are_counted(bad: list[float], n_ok: int) -> None:
    time = torch.tensor([1.0] * n_ok + bad, dtype=F64)
    n = len(time)
    n_nonfinite = sum(not np.isfinite(b) for b in bad)
    expected = rf"Got {n_nonfinite} NaN or infinite" if n_nonfinite else rf"Got {len(bad)} value\(s\) < 0"
    with pytest.raises(ValueError, match=rf"`stop` of cox_partial_nll_counting must be .* {expected}"):
        cox_partial_nll_counting(torch.zeros(n, dtype=F64), torch.zeros(n, dtype=F64), time, torch.ones(n))


@settings(max_examples=25, deadline=None)
@given(bad=st.lists(st.sampled_from([2.0, -1.0, 0.5, np.nan, 3.0]), min_size=1, max_size=4), n_ok=st.integers(1, 5))
def test_bad_event_flags_are_counted(bad: list[float], n_ok: int) -> None:
    event = torch.tensor([1.0] * n_ok + bad, dtype=F64)
    n = len(event)
    with pytest.raises(ValueError, match=rf"`event` of cox_partial_nll must hold 0/1 or True/False\. Got {len(bad)} other value"):
        cox_partial_nll(torch.zeros(n, dtype=F64), torch.ones(n, dtype=F64), event)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_loss_modules_reuse_risk_sets_bit_for_bit(rng: np.random.Generator, ties: str) -> None:
    # the modules keep the risk sets of a target; every call must equal the validated functional form
    risk, stop, event, strata, weight = _random_data(rng, 80, 3, True)
    start = np.clip(stop - rng.integers(1, 4, size=80), 0, None)
    target = SurvivalTarget(time=torch.tensor(stop), event=torch.tensor(event), strata=torch.tensor(strata))
    target_tv = dataclasses.replace(target, start=torch.tensor(start, dtype=F64))
    w = torch.tensor(weight)
    kw = {"strata": target.strata, "weight": w, "ties": ties, "reduction": "sum"}
    cases = [
        (CoxPHLoss(ties), target, lambda r: cox_partial_nll(r, target.time, target.event, **kw)),
        (CoxTimeVaryingLoss(ties), target_tv, lambda r: cox_partial_nll_counting(r, target_tv.start, target_tv.time, target_tv.event, **kw)),
    ]
    copy = lambda y: dataclasses.replace(y, **{k: None if v is None else v.clone() for k, v in vars(y).items()})
    for loss, tgt, functional in cases:
        r = torch.tensor(risk, requires_grad=True)
        expected = functional(r)
        (expected_grad,) = torch.autograd.grad(expected, r)
        for call in range(3):  # a miss, a hit on the same tensor, a hit on an equal copy
            eta = (torch.tensor(risk) + 0.0)[:, None].requires_grad_()
            got = loss(eta, tgt if call < 2 else copy(tgt), weight=w if call < 2 else w.clone())
            (grad,) = torch.autograd.grad(got, eta)
            assert torch.equal(got, expected) and torch.equal(grad[:, 0], expected_grad)
        assert len(loss._risk_sets) == 1


def test_loss_module_sees_a_changed_target(rng: np.random.Generator) -> None:
    risk, stop, event, _, weight = _random_data(rng, 40, 1, True)
    eta, w = torch.tensor(risk)[:, None], torch.tensor(weight)
    target = SurvivalTarget(time=torch.tensor(stop), event=torch.tensor(event))
    loss = CoxPHLoss()
    loss(eta, target)
    target.time[:5] += 3.0  # changed in place: new risk sets
    assert torch.equal(loss(eta, target), cox_partial_nll(eta, target.time, target.event, reduction="sum"))
    expected = cox_partial_nll(eta, target.time, target.event, weight=w, reduction="sum")
    assert torch.equal(loss(eta, target, weight=w), expected)
    target.event[1:] = 0  # another field changed in place: new risk sets too
    assert torch.equal(loss(eta, target), cox_partial_nll(eta, target.time, target.event, reduction="sum"))
    target.time[0] = float("nan")  # and validated again
    with pytest.raises(ValueError, match=r"`time` of CoxPHLoss must be finite\. Got 1 NaN"):
        loss(eta, target)
    target.time[0] = 1.0
    loss(eta, target)
    with pytest.raises(ValueError, match=r"`risk` of CoxPHLoss must have shape \(40,\)\. Got shape \(39,\)"):
        loss(eta[1:], target)  # a cached target still checks the risk against it


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_tie_group_alone_at_risk(ties: str) -> None:
    # Efron's A - (l/d) B with nothing at risk but the tied events (A - B = 0): right-censored, and
    # counting-process where the only other row enters after t = 2 (values from naive_loglik)
    risk = torch.tensor([0.3, -0.4, 0.8, 0.1], dtype=F64, requires_grad=True)
    stop, event = np.array([1.0, 2.0, 2.0, 5.0]), np.array([1, 1, 1, 0])
    start = np.array([0.0, 0.0, 0.0, 3.0])
    r, t = risk.detach().numpy(), lambda a: torch.tensor(a)
    got = cox_partial_nll(risk[:3], t(stop[:3]), t(event[:3]), ties=ties, reduction="sum")
    assert -got.item() == pytest.approx(naive_loglik(r[:3], stop[:3], event[:3], ties=ties), rel=1e-12)
    got_tv = cox_partial_nll_counting(risk, t(start), t(stop), t(event), ties=ties, reduction="sum")
    assert -got_tv.item() == pytest.approx(naive_loglik(r, stop, event, start, ties=ties), rel=1e-12)
    (grad,) = torch.autograd.grad(got + got_tv, risk)
    assert torch.isfinite(grad).all()
    assert torch.autograd.gradcheck(lambda x: cox_partial_nll_counting(x, t(start), t(stop), t(event), ties=ties), (risk,))


def test_module_gives_zero_for_a_batch_without_events() -> None:
    """A mini-batch of censored rows adds nothing to the partial likelihood; the module returns 0 with a graph."""
    eta = torch.randn(5, 1, dtype=torch.float64, requires_grad=True)
    target = SurvivalTarget(time=torch.arange(1.0, 6.0, dtype=torch.float64), event=torch.zeros(5, dtype=torch.int64))
    loss = CoxPHLoss()(eta, target)
    assert float(loss.detach()) == 0.0
    loss.backward()
    assert torch.equal(eta.grad, torch.zeros_like(eta))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_skewed_strata_scan_one_stratum_at_a_time(rng: np.random.Generator, ties: str, monkeypatch) -> None:
    # one stratum of 600 rows beside 200 strata of 2: padding to (201, 600) would be 120x the data
    from deepstat.losses import survival_cox

    n = 1000
    strata = np.concatenate([np.zeros(600, dtype=int), 1 + np.repeat(np.arange(200), 2)])
    risk = rng.normal(size=n)
    stop = rng.integers(1, 30, size=n).astype(float)
    event = (rng.random(n) < 0.6).astype(int)
    start = np.clip(stop - rng.integers(1, 10, size=n), 0.0, None)
    layout = survival_cox._scan_layout(torch.as_tensor(np.sort(strata)))
    assert layout.sizes is not None and layout.sizes[0] == 600 and len(layout.sizes) == 201
    t = lambda a: torch.as_tensor(a)

    def both(counting: bool):
        r = t(risk).requires_grad_(True)
        if counting:
            value = cox_partial_nll_counting(r, t(start), t(stop), t(event), ties=ties, strata=t(strata), reduction="sum")
        else:
            value = cox_partial_nll(r, t(stop), t(event), ties=ties, strata=t(strata), reduction="sum")
        value.backward()
        return value.item(), r.grad.clone()

    split = both(False), both(True)
    assert -split[0][0] == pytest.approx(naive_loglik(risk, stop, event, strata=strata, ties=ties), rel=1e-10)
    assert -split[1][0] == pytest.approx(naive_loglik(risk, stop, event, start, strata, ties=ties), rel=1e-10)
    monkeypatch.setattr(survival_cox, "_PAD_FACTOR", 10**6)  # force the padded scan: the same values and gradients
    assert survival_cox._scan_layout(torch.as_tensor(np.sort(strata))).sizes is None
    for (value, grad), (pad_value, pad_grad) in zip(split, (both(False), both(True))):
        assert value == pytest.approx(pad_value, rel=1e-12)
        torch.testing.assert_close(grad, pad_grad, rtol=1e-10, atol=1e-12)


def test_loss_modules_refuse_columns_and_wrong_fields() -> None:
    eta, time, event = torch.zeros(3, 1), torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1, 0, 1])
    columns = torch.column_stack([time, event.double()])  # the old (time, event) layout
    with pytest.raises(TypeError, match=r"`target` of CoxPHLoss must be a SurvivalTarget, named fields rather than columns read by position\. Got Tensor instead\. Build one with deepstat.data.SurvivalTarget\(time=\.\.\., event=\.\.\., strata=None\)"):
        CoxPHLoss()(eta, columns)
    with pytest.raises(TypeError, match=r"`target` of CoxTimeVaryingLoss must be a SurvivalTarget.* Got Tensor instead\. Build one with deepstat.data.SurvivalTarget\(time=stop, event=\.\.\., start=start"):
        CoxTimeVaryingLoss()(eta, torch.column_stack([torch.zeros(3), columns]))
    right_censored = SurvivalTarget(time=time, event=event)
    counting = SurvivalTarget(time=time, event=event, start=torch.zeros(3))
    with pytest.raises(ValueError, match=r"`target` of CoxPHLoss must have start=None: the loss is for right-censored data\. Got a `start` field instead; use CoxTimeVaryingLoss"):
        CoxPHLoss()(eta, counting)
    with pytest.raises(ValueError, match=r"`target` of CoxTimeVaryingLoss must have `start` \(counting-process \(start, stop\] rows\)\. Got start=None instead; use CoxPHLoss"):
        CoxTimeVaryingLoss()(eta, right_censored)
