"""Right-censored parametric likelihood (closed-form MLE, lifelines' WeibullFitter) and the survival-data checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import WeibullFitter
from lifelines.datasets import load_rossi

from deepstat.families import Exponential, Weibull
from deepstat.losses import CensoredNLLLoss, SurvivalTarget, censored_nll, check_survival_data

F64 = torch.float64


def test_censored_nll_equals_scipy_terms(rng: np.random.Generator) -> None:
    family = Weibull()
    eta = torch.tensor(rng.normal(size=(20, 2)) * 0.5)
    time = torch.tensor(rng.weibull(1.5, size=20) + 0.01)
    event = torch.tensor(rng.integers(0, 2, size=20))
    p = family.split(eta)
    ref = scipy.stats.weibull_min(c=p["concentration"].numpy(), scale=p["scale"].numpy())
    expected = -np.where(event.numpy() == 1, ref.logpdf(time.numpy()), ref.logsf(time.numpy()))
    got = censored_nll(family.log_prob(time, eta), family.log_survival(time, eta), event, reduction="none")
    torch.testing.assert_close(got, torch.tensor(expected), rtol=1e-10, atol=0)
    loss = CensoredNLLLoss(family.log_prob, family.log_survival)
    torch.testing.assert_close(loss(eta, SurvivalTarget(time=time, event=event)), got.sum())


def test_no_nan_when_the_unused_term_is_infinite() -> None:
    log_prob = torch.tensor([-1.0, -np.inf])  # a censored row whose density underflows
    log_surv = torch.tensor([-np.inf, -2.0])  # an event row whose survival underflows
    assert censored_nll(log_prob, log_surv, torch.tensor([1, 0]), reduction="sum").item() == 3.0


def _minimise(loss_fn, n_params: int) -> torch.Tensor:
    theta = torch.zeros(n_params, dtype=F64, requires_grad=True)
    opt = torch.optim.LBFGS([theta], max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn(theta)
        loss.backward()
        return loss

    opt.step(closure)
    return theta.detach()


def test_exponential_mle_is_events_over_exposure(rng: np.random.Generator) -> None:
    # the censored exponential MLE has the closed form rate = (number of events) / (total time at risk)
    time = torch.tensor(rng.exponential(2.0, size=200))
    event = torch.tensor(rng.random(200) < 0.7)
    family = Exponential()
    theta = _minimise(lambda th: censored_nll(family.log_prob(time, th.expand(200, 1)), family.log_survival(time, th.expand(200, 1)), event), 1)
    assert np.exp(theta.item()) == pytest.approx(event.sum().item() / time.sum().item(), rel=1e-8)


def test_weibull_mle_reproduces_lifelines_on_rossi() -> None:
    data = load_rossi()
    wf = WeibullFitter().fit(data["week"], data["arrest"])  # lambda_ = scale, rho_ = concentration
    time, event = torch.tensor(data["week"].to_numpy(), dtype=F64), torch.tensor(data["arrest"].to_numpy())
    family, n = Weibull(), len(data)
    theta = _minimise(lambda th: censored_nll(family.log_prob(time, th.expand(n, 2)), family.log_survival(time, th.expand(n, 2)), event, reduction="sum"), 2)
    params = family.split(theta[None, :])
    assert params["scale"].item() == pytest.approx(wf.lambda_, rel=1e-5)
    assert params["concentration"].item() == pytest.approx(wf.rho_, rel=1e-5)
    # at lifelines' estimates the summed log-likelihoods agree
    eta = torch.tensor([[np.log(wf.lambda_), np.log(np.expm1(wf.rho_))]], dtype=F64).expand(n, 2)
    loglik = -censored_nll(family.log_prob(time, eta), family.log_survival(time, eta), event, reduction="sum")
    assert loglik.item() == pytest.approx(wf.log_likelihood_, abs=1e-6)


def test_check_survival_data_errors() -> None:
    t, e = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1, 0, 1])
    check_survival_data(t, e)  # valid data pass
    with pytest.raises(ValueError, match=r"`time` of fit must be positive \(> 0\)\. Got 1 value\(s\) <= 0: \[0.0\]"):
        check_survival_data(torch.tensor([0.0, 2.0, 3.0]), e, positive_time=True, caller="fit")
    with pytest.raises(ValueError, match=r"`event` of check_survival_data must contain at least one event\. Got 3 observation\(s\), all censored"):
        check_survival_data(t, torch.tensor([False, False, False]))
    with pytest.raises(ValueError, match=r"`event` of check_survival_data must hold cause codes 0 \(censored\) to 2\. Got 1 other value\(s\): \[3\]"):
        check_survival_data(t, torch.tensor([1, 3, 2]), n_causes=2)
    with pytest.raises(ValueError, match=r"`start` of check_survival_data must be less than `stop` in every row\. Got 1 row\(s\) with start >= stop \(first at rows \[1\]\)"):
        check_survival_data(t, e, start=torch.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"`event` of check_survival_data must have shape \(3,\)\. Got shape \(2,\)"):
        check_survival_data(t, torch.tensor([1, 0]))


@settings(max_examples=30, deadline=None)
@given(
    bad=st.lists(st.sampled_from([np.nan, np.inf, -np.inf, -2.0, 0.0]), min_size=1, max_size=5),
    good=st.lists(st.floats(0.1, 100.0), min_size=1, max_size=5),
)
def test_bad_times_are_counted(bad: list[float], good: list[float]) -> None:
    time = torch.tensor(good + bad, dtype=F64)
    event = torch.ones(len(time))
    n_nonfinite = sum(not np.isfinite(b) for b in bad)
    if n_nonfinite:
        match = rf"`time` of check_survival_data must be finite\. Got {n_nonfinite} NaN or infinite value\(s\)"
    else:
        match = rf"`time` of check_survival_data must be positive \(> 0\)\. Got {len(bad)} value\(s\) <= 0"
    with pytest.raises(ValueError, match=match):
        check_survival_data(time, event, positive_time=True)


@settings(max_examples=30, deadline=None)
@given(flags=st.lists(st.sampled_from([0.0, 1.0, 0.5, 2.0, -1.0, np.nan]), min_size=1, max_size=8))
def test_event_flags_other_than_zero_one_are_counted(flags: list[float]) -> None:
    event = torch.tensor(flags, dtype=F64)
    n_bad = sum(not (f in (0.0, 1.0)) for f in flags)  # NaN is not in (0, 1)
    time = torch.ones(len(flags))
    if n_bad == 0:
        censored_nll(torch.zeros(len(flags)), torch.zeros(len(flags)), event)  # valid flags: no error
        return
    with pytest.raises(ValueError, match=rf"`event` of censored_nll must hold 0/1 or True/False\. Got {n_bad} other value"):
        censored_nll(torch.zeros(len(flags)), torch.zeros(len(flags)), event)
    with pytest.raises(ValueError, match=rf"Got {n_bad} other value"):
        CensoredNLLLoss(Weibull().log_prob, Weibull().log_survival)(torch.zeros(len(flags), 2), SurvivalTarget(time=time, event=event))


def test_loss_module_refuses_columns_and_unmodelled_fields() -> None:
    loss = CensoredNLLLoss(Weibull().log_prob, Weibull().log_survival)
    time, event = torch.tensor([1.0, 2.0]), torch.tensor([1, 0])
    with pytest.raises(TypeError, match=r"`target` of CensoredNLLLoss must be a SurvivalTarget, named fields rather than columns read by position\. Got Tensor instead\. Build one with deepstat.data.SurvivalTarget\(time=\.\.\., event=\.\.\.\)"):
        loss(torch.zeros(2, 2), torch.column_stack([time, event.double()]))
    with pytest.raises(ValueError, match=r"`target` of CensoredNLLLoss must have start=None: the loss is for right-censored data\. Got a `start` field instead\."):
        loss(torch.zeros(2, 2), SurvivalTarget(time=time, event=event, start=torch.zeros(2)))
    with pytest.raises(ValueError, match=r"`target` of CensoredNLLLoss must have strata=None: the loss has no strata\. Got a `strata` field instead"):
        loss(torch.zeros(2, 2), SurvivalTarget(time=time, event=event, strata=torch.tensor([0, 1])))
