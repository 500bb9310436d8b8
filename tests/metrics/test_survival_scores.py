"""Brier score, IBS, binomial log-likelihood and D-calibration: scikit-survival 0.28, closed forms and simulation."""

from __future__ import annotations

import numpy as np
import pytest

from deepstat.metrics import (
    binomial_log_likelihood,
    d_calibration,
    integrated_binomial_log_likelihood,
    integrated_brier_score,
    kaplan_meier,
    survival_brier_score,
)

sksurv_metrics = pytest.importorskip("sksurv.metrics")
Surv = pytest.importorskip("sksurv.util").Surv


def _simulate(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential PH times with rate exp(x), exponential censoring (mean 2), rounded to 0.1 (ties)."""
    x = rng.normal(size=n)
    t = np.round(rng.exponential(np.exp(-x)), 1) + 0.1
    c = np.round(rng.exponential(2.0, size=n), 1) + 0.1
    return x, np.minimum(t, c), t <= c


@pytest.fixture
def data(rng):
    _, t_tr, e_tr = _simulate(rng, 400)
    x, t, e = _simulate(rng, 300)
    t_tr[np.argmax(t_tr)], e_tr[np.argmax(t_tr)] = t.max() + 1.0, True  # sksurv needs train to cover test
    times = np.quantile(t, [0.1, 0.3, 0.5, 0.7, 0.8])
    surv = np.exp(-np.exp(x)[:, None] * times[None, :])  # the true curves
    return t_tr, e_tr, t, e, times, surv


def test_brier_and_ibs_equal_sksurv(data) -> None:
    t_tr, e_tr, t, e, times, surv = data
    y_tr, y_te = Surv.from_arrays(e_tr, t_tr), Surv.from_arrays(e, t)
    expected = sksurv_metrics.brier_score(y_tr, y_te, surv, times)[1]
    np.testing.assert_allclose(survival_brier_score(t, e, surv, times=times, train_time=t_tr, train_event=e_tr), expected, atol=1e-12)
    expected = sksurv_metrics.integrated_brier_score(y_tr, y_te, surv, times)
    assert integrated_brier_score(t, e, surv, times=times, train_time=t_tr, train_event=e_tr) == pytest.approx(expected, abs=1e-12)


def test_brier_on_gbsg2_with_the_kaplan_meier_curve_equals_sksurv() -> None:
    from sksurv.datasets import load_gbsg2

    _, y = load_gbsg2()
    t, e = y["time"], y["cens"]
    train, test = np.arange(0, 686, 2), np.arange(1, 686, 2)
    km = kaplan_meier(t[train], e[train])
    times = np.quantile(t[test], np.linspace(0.1, 0.8, 15))
    surv = np.tile(km.survival[np.searchsorted(km.time, times, side="right") - 1], (test.shape[0], 1))
    expected = sksurv_metrics.integrated_brier_score(y[train], y[test], surv, times)
    ours = integrated_brier_score(t[test], e[test], surv, times=times, train_time=t[train], train_event=e[train])
    assert ours == pytest.approx(expected, abs=1e-12)


def test_test_times_beyond_training_are_weighted_not_refused(data) -> None:
    t_tr, e_tr, t, e, times, surv = data
    keep = t_tr < np.quantile(t, 0.6)  # training ends well before the test follow-up
    t_tr2, e_tr2 = t_tr[keep].copy(), e_tr[keep].copy()
    last = np.argmax(t_tr2)
    t_tr2[last], e_tr2[last] = t_tr2[last] + 0.05, True  # a unique last training time, an event: G stays positive
    with pytest.raises(ValueError, match="smaller than largest observed time"):
        sksurv_metrics.brier_score(Surv.from_arrays(e_tr2, t_tr2), Surv.from_arrays(e, t), surv, times)
    bs = survival_brier_score(t, e, surv, times=times, train_time=t_tr2, train_event=e_tr2)
    assert np.isfinite(bs).all() and (bs >= 0).all()


def test_bll_closed_form_without_censoring(rng) -> None:
    # no censoring -> G = 1: BLL(t) is the mean Bernoulli log-likelihood of 1(T > t) with probability S(t)
    t = rng.exponential(size=200)
    e = np.ones(200, dtype=bool)
    times = np.quantile(t, [0.25, 0.5, 0.75])
    surv = np.full((200, 3), 0.6)
    alive = t[:, None] > times[None, :]
    expected = np.mean(np.where(alive, np.log(0.6), np.log(0.4)), axis=0)
    np.testing.assert_allclose(binomial_log_likelihood(t, e, surv, times=times), expected, atol=1e-12)
    ibll = integrated_binomial_log_likelihood(t, e, surv, times=times)
    assert ibll == pytest.approx(np.trapezoid(expected, times) / (times[-1] - times[0]), abs=1e-12)
    # and the Brier score of the same data is the mean squared error of 1(T > t)
    np.testing.assert_allclose(survival_brier_score(t, e, surv, times=times), np.mean((alive - 0.6) ** 2, axis=0), atol=1e-12)


def test_true_curves_score_better_than_km_and_noise(data) -> None:
    t_tr, e_tr, t, e, times, surv = data
    flat = np.full_like(surv, 0.5)
    kw = {"times": times, "train_time": t_tr, "train_event": e_tr}
    assert integrated_brier_score(t, e, surv, **kw) < integrated_brier_score(t, e, flat, **kw)
    assert integrated_binomial_log_likelihood(t, e, surv, **kw) > integrated_binomial_log_likelihood(t, e, flat, **kw)


def test_d_calibration_accepts_true_curves_and_rejects_wrong_ones(rng) -> None:
    # Haider et al. (2020): S_i(T_i) ~ U(0, 1) under the true model, censored or not
    n = 2000
    x = rng.normal(size=n)
    t_true = rng.exponential(np.exp(-x))
    c = rng.exponential(2.0, size=n)
    t, e = np.minimum(t_true, c), t_true <= c
    grid = np.linspace(0.0, t.max(), 2000)
    true = d_calibration(t, e, np.exp(-np.exp(x)[:, None] * grid[None, :]), times=grid)
    wrong = d_calibration(t, e, np.exp(-3 * np.exp(x)[:, None] * grid[None, :]), times=grid)  # hazard 3x too high
    assert true.pvalue > 0.01 and wrong.pvalue < 1e-6
    assert true.counts.sum() == pytest.approx(n) and true.counts.shape == (10,)


def test_d_calibration_at_own_times_equals_the_grid_version(rng) -> None:
    from deepstat.metrics.survival_scores import d_calibration_at_times

    n = 500
    x = rng.normal(size=n)
    t_true = rng.exponential(np.exp(-x))
    c = rng.exponential(2.0, size=n)
    t, e = np.minimum(t_true, c), t_true <= c
    grid = np.unique(t)  # the curves read exactly at the observed times
    surv = np.exp(-1.5 * np.exp(x)[:, None] * grid[None, :])
    on_grid = d_calibration(t, e, surv, times=grid)
    own = d_calibration_at_times(np.exp(-1.5 * np.exp(x) * t), e)
    np.testing.assert_allclose(own.counts, on_grid.counts, rtol=1e-12)
    assert own.pvalue == pytest.approx(on_grid.pvalue, rel=1e-12)
    with pytest.raises(ValueError, match=r"`survival_at_time` of d_calibration_at_times must hold probabilities in \[0, 1\]. Got 1"):
        d_calibration_at_times([0.5, 1.5], [1, 0])


def test_d_calibration_censored_mass_is_spread_below() -> None:
    # one censored row with S(t) = 0.45 (bins of 0.1): 0.05/0.45 to [0.4, 0.5), 0.1/0.45 to each of the 4 below
    res = d_calibration([2.0], [0], [[0.45]], times=[1.0])
    np.testing.assert_allclose(res.counts, [0.1 / 0.45] * 4 + [0.05 / 0.45] + [0.0] * 5, atol=1e-12)


def test_validation_names_the_argument(data) -> None:
    t_tr, _, t, e, times, surv = data
    with pytest.raises(ValueError, match=r"`times` of survival_brier_score must lie within the follow-up"):
        survival_brier_score(t, e, surv, times=times + t.max())
    with pytest.raises(ValueError, match=r"`surv` of integrated_brier_score must have shape \(n_samples, n_times\) = \(300, 5\)"):
        integrated_brier_score(t, e, surv[:, :3], times=times)
    with pytest.raises(ValueError, match=r"`times` of integrated_brier_score must hold at least 2 time points to integrate over. Got 1"):
        integrated_brier_score(t, e, surv[:, :1], times=times[:1])
    with pytest.raises(ValueError, match=r"`train_event` of survival_brier_score must be given together with `train_time`"):
        survival_brier_score(t, e, surv, times=times, train_time=t_tr)
    with pytest.raises(ValueError, match=r"`n_bins` of d_calibration must be an integer >= 2. Got 1"):
        d_calibration(t, e, surv, times=times, n_bins=1)
    with pytest.raises(ValueError, match=r"`eps` of binomial_log_likelihood must be in \(0, 0.5\). Got 0.0"):
        binomial_log_likelihood(t, e, surv, times=times, eps=0.0)
