"""Harrell's, Uno's and Antolini's C and the cumulative/dynamic AUC, against scikit-survival 0.28 and naive O(n^2) sums."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.metrics import (
    concordance_index_antolini,
    concordance_index_harrell,
    concordance_index_uno,
    cumulative_dynamic_auc,
)
from deepstat.metrics.survival import _count_below_in_prefix

sksurv_metrics = pytest.importorskip("sksurv.metrics")
Surv = pytest.importorskip("sksurv.util").Surv


def _simulate(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential PH times with rate exp(x), exponential censoring (mean 2), rounded to 0.1: many ties."""
    x = rng.normal(size=n)
    t = np.round(rng.exponential(np.exp(-x)), 1) + 0.1
    c = np.round(rng.exponential(2.0, size=n), 1) + 0.1
    return x, np.minimum(t, c), t <= c


def _naive_c(time, event, risk, weight, tol=1e-8) -> float:
    """Harrell's pairs over all n^2 pairs (the definition in the docstring), weighted per event."""
    comparable = event[:, None] & ((time[None, :] > time[:, None]) | ((time[None, :] == time[:, None]) & ~event[None, :]))
    diff = risk[:, None] - risk[None, :]
    score = np.where(np.abs(diff) <= tol, 0.5, (diff > 0).astype(float))
    return float((weight[:, None] * comparable * score).sum() / (weight[:, None] * comparable).sum())


@pytest.mark.parametrize("n", [3, 40, 500])
def test_harrell_equals_sksurv_concordance_index_censored(rng, n: int) -> None:
    x, time, event = _simulate(rng, n)
    risk = np.round(x + rng.normal(size=n), 1)  # rounded: ties in risk too
    if not event.any():
        event[0] = True
    expected = sksurv_metrics.concordance_index_censored(event, time, risk)[0]
    assert concordance_index_harrell(time, event, risk) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("tau_quantile", [None, 0.8])
def test_uno_equals_sksurv_concordance_index_ipcw(rng, tau_quantile: float | None) -> None:
    _, t_tr, e_tr = _simulate(rng, 400)
    x, t, e = _simulate(rng, 300)
    t_tr[np.argmax(t_tr)], e_tr[np.argmax(t_tr)] = t.max() + 1.0, True  # sksurv needs train to cover test
    risk = x + 0.5 * rng.normal(size=300)
    tau = None if tau_quantile is None else float(np.quantile(t, tau_quantile))
    expected = sksurv_metrics.concordance_index_ipcw(Surv.from_arrays(e_tr, t_tr), Surv.from_arrays(e, t), risk, tau=tau)[0]
    ours = concordance_index_uno(t, e, risk, train_time=t_tr, train_event=e_tr, tau=tau)
    assert ours == pytest.approx(expected, abs=1e-10)


def test_uno_beyond_the_largest_training_time_clips_g(rng) -> None:
    # sksurv raises "time must be smaller than largest observed time point" here; we carry G's last value
    _, t_tr, e_tr = _simulate(rng, 200)
    e_tr[np.argmax(t_tr)] = True  # the last training time is an event, so G stays positive
    x, t, e = _simulate(rng, 200)
    t = t + 0.5 * t_tr.max()  # many test times beyond the training range
    with pytest.raises(ValueError, match="smaller than largest observed time"):
        sksurv_metrics.concordance_index_ipcw(Surv.from_arrays(e_tr, t_tr), Surv.from_arrays(e, t), x)
    from deepstat.metrics import kaplan_meier

    km = kaplan_meier(t_tr, e_tr, reverse=True)
    g = km.survival[np.clip(np.searchsorted(km.time, t, side="right") - 1, 0, None)]
    g = np.where(t < km.time[0], 1.0, g)
    expected = _naive_c(t, e, x, np.where(e, 1 / g**2, 0.0))
    assert concordance_index_uno(t, e, x, train_time=t_tr, train_event=e_tr) == pytest.approx(expected, abs=1e-12)


def test_uno_zero_censoring_survival_is_an_error_naming_tau() -> None:
    # the last training time is censored -> G = 0 there; a test event at it has an infinite weight
    with pytest.raises(ValueError, match=r"`train_time` of concordance_index_uno .* Got G\(t\) = 0 at 1 test event"):
        concordance_index_uno([1.0, 5.0], [1, 1], [0.2, 0.1], train_time=[1.0, 2.0, 5.0], train_event=[1, 1, 0])


def test_prefix_counts_equal_brute_force(rng) -> None:
    n = 37  # not a power of 2: partial last blocks
    values = rng.permutation(n)
    prefix, bound = rng.integers(0, n + 1, size=200), rng.integers(0, n + 1, size=200)
    expected = [(values[:m] < b).sum() for m, b in zip(prefix, bound)]
    np.testing.assert_array_equal(_count_below_in_prefix(values, prefix, bound), expected)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.booleans(), st.integers(0, 3)), min_size=2, max_size=30))
def test_harrell_equals_naive_pairs_and_stays_in_unit_interval(rows: list) -> None:
    time = np.array([r[0] for r in rows], dtype=float)
    event = np.array([r[1] for r in rows])
    risk = np.array([r[2] for r in rows], dtype=float)
    comparable = event[:, None] & ((time[None, :] > time[:, None]) | ((time[None, :] == time[:, None]) & ~event[None, :]))
    if not comparable.any():
        message = "must give at least one comparable pair" if event.any() else "must contain at least one event"
        with pytest.raises(ValueError, match=message):
            concordance_index_harrell(time, event, risk)
        return
    c = concordance_index_harrell(time, event, risk)
    assert 0.0 <= c <= 1.0
    assert c == pytest.approx(_naive_c(time, event, risk, np.ones_like(time)), abs=1e-12)
    assert concordance_index_harrell(time, event, -risk) == pytest.approx(1.0 - c, abs=1e-12)  # reversing the ranking


def test_antolini_equals_naive_sum_and_harrell_for_proportional_hazards(rng) -> None:
    x, t, e = _simulate(rng, 150)
    grid = np.unique(t)
    surv_ph = np.exp(-np.exp(x)[:, None] * grid[None, :])  # curves that never cross
    # PH: ranking by S_j(t_i) is ranking by x, so Antolini's C is Harrell's C of the risk x
    assert concordance_index_antolini(t, e, surv_ph, times=grid) == pytest.approx(concordance_index_harrell(t, e, x), abs=1e-12)
    # crossing curves (Weibull shapes differ by row), against the O(n^2) definition, small chunks
    shape = np.exp(0.5 * rng.normal(size=150))
    surv = np.exp(-((grid[None, :] * np.exp(x)[:, None]) ** shape[:, None]))
    col = np.searchsorted(grid, t, side="right") - 1
    s_at = surv[:, col]  # s_at[j, i] = S_j(t_i)
    comparable = e[None, :] & ((t[:, None] > t[None, :]) | ((t[:, None] == t[None, :]) & ~e[:, None]))
    own = s_at[np.arange(150), np.arange(150)]
    diff = s_at - own[None, :]
    score = np.where(np.abs(diff) <= 1e-8, 0.5, (diff > 0).astype(float))
    expected = (score * comparable).sum() / comparable.sum()
    assert concordance_index_antolini(t, e, surv, times=grid, chunk_size=1000) == pytest.approx(expected, abs=1e-12)


def test_cumulative_dynamic_auc_equals_sksurv(rng) -> None:
    _, t_tr, e_tr = _simulate(rng, 400)
    x, t, e = _simulate(rng, 300)
    t_tr[np.argmax(t_tr)], e_tr[np.argmax(t_tr)] = t.max() + 1.0, True
    times = np.quantile(t[e], [0.2, 0.4, 0.6, 0.8])
    y_tr, y_te = Surv.from_arrays(e_tr, t_tr), Surv.from_arrays(e, t)
    for risk in (np.round(x, 1), np.column_stack([x * k for k in (1.0, 0.5, -1.0, 2.0)])):  # fixed and time-dependent
        auc_sk, mean_sk = sksurv_metrics.cumulative_dynamic_auc(y_tr, y_te, risk, times)
        auc, mean_auc = cumulative_dynamic_auc(t, e, risk, times=times, train_time=t_tr, train_event=e_tr)
        np.testing.assert_allclose(auc, auc_sk, atol=1e-10)
        assert mean_auc == pytest.approx(mean_sk, abs=1e-10)


def test_gbsg2_cox_risk_matches_sksurv_on_real_data() -> None:
    from sksurv.datasets import load_gbsg2

    X, y = load_gbsg2()
    num = X.select_dtypes("number").to_numpy()
    risk = (num - num.mean(0)) / num.std(0) @ np.array([0.0, -0.1, 0.3, -0.4, 0.1])  # a fixed linear score
    t, e = y["time"], y["cens"]
    train, test = np.arange(0, 686, 2), np.arange(1, 686, 2)
    expected = sksurv_metrics.concordance_index_censored(e[test], t[test], risk[test])[0]
    assert concordance_index_harrell(t[test], e[test], risk[test]) == pytest.approx(expected, abs=1e-12)
    tau = float(np.quantile(t[train], 0.8))
    expected = sksurv_metrics.concordance_index_ipcw(y[train], y[test], risk[test], tau=tau)[0]
    ours = concordance_index_uno(t[test], e[test], risk[test], train_time=t[train], train_event=e[train], tau=tau)
    assert ours == pytest.approx(expected, abs=1e-10)


def test_time_grid_outside_the_follow_up_is_an_error() -> None:
    t, e, r = [1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [0.4, 0.3, 0.2, 0.1]
    with pytest.raises(ValueError, match=r"`times` of cumulative_dynamic_auc must lie within the follow-up .* \[1, 4\)\. Got 1 time\(s\) \[4.0\]"):
        cumulative_dynamic_auc(t, e, r, times=[2.0, 4.0])
    with pytest.raises(ValueError, match=r"`times` of cumulative_dynamic_auc must be strictly increasing. Got 1"):
        cumulative_dynamic_auc(t, e, r, times=[2.5, 2.0])


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(ValueError, match=r"`time` of concordance_index_harrell must be non-negative. Got 1 offending"):
        concordance_index_harrell([-1.0, 2.0], [1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"`event` of concordance_index_uno must hold 0/1 or True/False. Got 1 other value\(s\) \[2\]"):
        concordance_index_uno([1.0, 2.0], [1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"`risk` of concordance_index_harrell must have one row per observation \(2\). Got 3"):
        concordance_index_harrell([1.0, 2.0], [1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"`tau` of concordance_index_uno must be a positive finite time. Got -1.0"):
        concordance_index_uno([1.0, 2.0], [1, 1], [0.1, 0.2], tau=-1.0)
    with pytest.raises(ValueError, match=r"`surv` of concordance_index_antolini must hold survival probabilities in \[0, 1\]. Got 1"):
        concordance_index_antolini([1.0, 2.0], [1, 1], [[0.5], [1.5]], times=[1.0])
