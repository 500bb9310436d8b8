"""bootstrap_ci and paired_bootstrap_test: coverage and behaviour on simulated data with a known truth."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from deepstat.metrics import (
    bootstrap_ci,
    concordance_index_harrell,
    concordance_index_uno,
    paired_bootstrap_test,
)


def _true_c() -> float:
    """Population Harrell C of risk x for T ~ Exp(rate e^x), x ~ N(0, 1), no censoring.

    P(T_i < T_j | x) = e^{x_i} / (e^{x_i} + e^{x_j}), so C = E[sigmoid(|x_i - x_j|)] with x_i - x_j ~ N(0, 2).
    """
    integrand = lambda d: scipy.special.expit(abs(d)) * scipy.stats.norm.pdf(d, scale=np.sqrt(2))
    return scipy.integrate.quad(integrand, -np.inf, np.inf)[0]


def test_percentile_interval_covers_the_true_c_at_about_the_nominal_rate(rng) -> None:
    truth = _true_c()  # 0.7398...
    n, reps = 100, 60
    covered = 0
    for r in range(reps):
        x = rng.normal(size=n)
        t = rng.exponential(np.exp(-x))
        res = bootstrap_ci(concordance_index_harrell, t, np.ones(n, dtype=bool), x, n_boot=150, level=0.9, random_state=r)
        covered += res.ci_low <= truth <= res.ci_high
    # 60 replications at level 0.9: a binomial(60, 0.9) count lies in [47, 59] with probability > 0.99
    assert 47 <= covered <= 59, covered


def test_result_fields_are_consistent(rng) -> None:
    x = rng.normal(size=150)
    t = rng.exponential(np.exp(-x))
    e = rng.random(150) < 0.7
    uno = functools.partial(concordance_index_uno, tau=float(np.quantile(t, 0.9)))
    res = bootstrap_ci(uno, t, e, x, n_boot=100, random_state=1)
    assert res.estimate == pytest.approx(uno(t, e, x))
    assert res.ci_low < res.estimate < res.ci_high and res.level == 0.95
    assert res.replicates.shape == (100,)
    assert res.standard_error == pytest.approx(np.std(res.replicates, ddof=1))
    same = bootstrap_ci(uno, t, e, x, n_boot=100, random_state=1)
    np.testing.assert_array_equal(same.replicates, res.replicates)  # seeded


def test_vector_metrics_get_one_interval_per_entry(rng) -> None:
    y = rng.normal(size=80)
    res = bootstrap_ci(lambda v: np.array([v.mean(), v.std()]), y, n_boot=50, random_state=0)
    assert res.estimate.shape == res.ci_low.shape == res.ci_high.shape == (2,)


def test_paired_test_detects_a_better_model_and_not_an_identical_one(rng) -> None:
    n = 200
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-x))
    e = np.ones(n, dtype=bool)
    noise = rng.normal(size=n)
    better = paired_bootstrap_test(concordance_index_harrell, (t, e, x), (t, e, noise), n_boot=200, random_state=0)
    assert better.difference > 0.15 and better.pvalue < 0.01 and better.ci_low > 0
    assert better.difference == pytest.approx(better.estimate_a - better.estimate_b)
    same = paired_bootstrap_test(concordance_index_harrell, (t, e, x), (t, e, x), n_boot=50, random_state=0)
    assert same.difference == 0.0 and same.pvalue == 1.0 and same.ci_low == same.ci_high == 0.0


def test_paired_test_holds_its_level_under_the_null(rng) -> None:
    # two equally good scores (same signal, independent noise of the same size): rejections at 5% are rare
    rejections = 0
    for r in range(30):
        x = rng.normal(size=100)
        t = rng.exponential(np.exp(-x))
        e = np.ones(100, dtype=bool)
        a, b = x + rng.normal(size=100), x + rng.normal(size=100)
        rejections += paired_bootstrap_test(concordance_index_harrell, (t, e, a), (t, e, b), n_boot=100, random_state=r).pvalue < 0.05
    # binomial(30, 0.05): P(count >= 6) < 0.01
    assert rejections <= 5, rejections


def test_bad_arguments_name_themselves(rng) -> None:
    y = rng.normal(size=10)
    with pytest.raises(ValueError, match=r"`n_boot` of bootstrap_ci must be an integer >= 2. Got 1"):
        bootstrap_ci(np.mean, y, n_boot=1)
    with pytest.raises(ValueError, match=r"`level` of bootstrap_ci must be a float in \(0, 1\). Got 95"):
        bootstrap_ci(np.mean, y, level=95)
    with pytest.raises(ValueError, match=r"`arrays` of bootstrap_ci must be arrays with the same number of rows \(>= 2\). Got lengths \[10, 9\]"):
        bootstrap_ci(lambda a, b: 0.0, y, y[:9])
    with pytest.raises(ValueError, match=r"`arrays_b` of paired_bootstrap_test must have the same rows as `arrays_a` \(10\). Got 9"):
        paired_bootstrap_test(np.mean, (y,), (y[:9],))
