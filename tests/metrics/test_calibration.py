"""PIT values, KS test, interval coverage, width, interval score and coverage by group."""

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deepstat.metrics import (
    coverage_by_group,
    interval_coverage,
    interval_score,
    mean_interval_width,
    pit_ks_test,
    pit_values,
)


def test_pit_of_correctly_specified_continuous_data_is_uniform(rng) -> None:
    n = 2000  # the brief: KS p > 0.01 at n = 2000
    loc, scale = rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    y = rng.normal(loc, scale)
    pit = pit_values(scipy.stats.norm.cdf(y, loc, scale))
    statistic, pvalue = pit_ks_test(pit)
    assert pvalue > 0.01
    assert statistic < 1.63 / np.sqrt(n)  # 1% critical value of the KS distance (Kolmogorov asymptotics)


def test_pit_of_misspecified_data_is_not_uniform(rng) -> None:
    n = 2000
    y = rng.standard_t(df=2, size=n)  # heavy tails predicted as N(0, 1): PIT piles up near 0 and 1
    _, pvalue_tails = pit_ks_test(pit_values(scipy.stats.norm.cdf(y)))
    _, pvalue_shift = pit_ks_test(pit_values(scipy.stats.norm.cdf(rng.normal(0.3, 1.0, size=n))))  # biased mean
    assert pvalue_tails < 1e-6 and pvalue_shift < 1e-6


def test_randomised_pit_of_poisson_data_from_the_true_model_is_uniform(rng) -> None:
    n = 2000
    rate = rng.uniform(0.2, 4.0, size=n)
    y = rng.poisson(rate)
    upper, lower = scipy.stats.poisson.cdf(y, rate), scipy.stats.poisson.cdf(y - 1, rate)
    _, pvalue = pit_ks_test(pit_values(upper, lower, random_state=rng))
    assert pvalue > 0.01
    # Without randomisation F(y) alone is far from uniform for small counts (Czado et al. 2009, Fig. 1).
    assert pit_ks_test(pit_values(upper))[1] < 1e-6


def test_randomised_pit_is_reproducible_and_within_its_bounds(global_random_seed) -> None:
    upper, lower = np.array([0.5, 1.0, 0.3]), np.array([0.2, 0.9, 0.3])
    a = pit_values(upper, lower, random_state=global_random_seed)
    b = pit_values(torch.tensor(upper), pd.Series(lower), random_state=global_random_seed)
    np.testing.assert_array_equal(a, b)
    assert ((lower <= a) & (a <= upper)).all() and a[2] == 0.3


def test_pit_ks_test_equals_scipy(rng) -> None:
    u = rng.uniform(size=100) ** 1.2
    expected = scipy.stats.kstest(u, "uniform")
    assert pit_ks_test(u) == (pytest.approx(expected.statistic, rel=1e-15), pytest.approx(expected.pvalue, rel=1e-15))


def test_interval_metrics_hand_computed() -> None:
    y = np.array([0.0, 3.0, -4.0, 1.0])
    lower = np.array([-1.0, 0.0, -2.0, 1.0])
    upper = np.array([1.0, 2.0, 2.0, 1.0])
    # Row by row with alpha = 0.2 (2/alpha = 10): inside width 2 -> 2; above by 1, width 2 -> 2 + 10 = 12;
    # below by 2, width 4 -> 4 + 20 = 24; degenerate interval hit exactly -> 0. Mean 38/4 (Gneiting & Raftery 2007, eq. 43).
    assert interval_score(y, lower, upper, alpha=0.2) == pytest.approx(9.5, rel=1e-15)
    assert interval_coverage(y, lower, upper) == 0.5  # rows 0 and 3 (ends included)
    assert mean_interval_width(lower, upper) == 2.0


def test_interval_score_of_true_quantiles_beats_a_shifted_interval(rng) -> None:
    # Propriety: the true 5% / 95% quantiles minimise the expected score (Gneiting & Raftery 2007, section 6.2).
    y = rng.normal(size=20000)
    lo, hi = scipy.stats.norm.ppf(0.05), scipy.stats.norm.ppf(0.95)
    n = y.shape[0]
    best = interval_score(y, np.full(n, lo), np.full(n, hi), alpha=0.1)
    for shift in (-0.3, 0.3):
        assert interval_score(y, np.full(n, lo + shift), np.full(n, hi + shift), alpha=0.1) > best
    assert interval_score(y, np.full(n, 0.8 * lo), np.full(n, 0.8 * hi), alpha=0.1) > best


def test_coverage_by_group_deciles(rng) -> None:
    n = 1000
    pred = rng.normal(size=n)
    y = pred + rng.normal(size=n)
    lower, upper = pred - 1.0, pred + 1.0
    deciles = pd.qcut(pred, 10, labels=False)
    table = coverage_by_group(y, lower, upper, deciles)
    assert list(table.columns) == ["coverage", "count"] and table.index.name == "group"
    assert table.index.tolist() == list(range(10)) and table["count"].tolist() == [100] * 10
    inside = (lower <= y) & (y <= upper)
    expected = [inside[deciles == g].mean() for g in range(10)]
    np.testing.assert_allclose(table["coverage"].to_numpy(), expected, rtol=1e-15)
    # Overall coverage is the count-weighted mean of the group coverages.
    assert np.average(table["coverage"], weights=table["count"]) == pytest.approx(interval_coverage(y, lower, upper), rel=1e-12)


def test_coverage_by_group_accepts_categorical_and_torch_groups() -> None:
    y, lower, upper = [0.0, 2.0, 0.5], [-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]
    categorical = coverage_by_group(y, lower, upper, pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi", "mid"]))
    assert categorical.index.tolist() == ["lo", "hi"] and categorical["coverage"].tolist() == [1.0, 0.0]
    tensor = coverage_by_group(y, lower, upper, torch.tensor([1, 0, 1]))
    assert tensor["count"].tolist() == [1, 2]


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"`alpha` of interval_score must be a float in \(0, 1\)\. Got 1\.0 instead"):
        interval_score([0.0], [0.0], [1.0], alpha=1.0)
    with pytest.raises(ValueError, match=r"`alpha` of interval_score must be a float in \(0, 1\)\. Got 0 instead"):
        interval_score([0.0], [0.0], [1.0], alpha=0)
    with pytest.raises(ValueError, match=r"`lower` of interval_coverage must not exceed `upper`\. Got 1 crossed interval\(s\), lower=\[2\.0\]"):
        interval_coverage([0.0, 1.0], [0.0, 2.0], [1.0, 1.5])
    with pytest.raises(ValueError, match=r"`upper` of interval_score must have the same number of rows as `y`\. Got lengths y=2, lower=2, upper=3"):
        interval_score([0.0, 1.0], [0.0, 0.0], [1.0, 1.0, 1.0], alpha=0.1)
    with pytest.raises(ValueError, match=r"`upper` of mean_interval_width must have the same number of rows as `lower`"):
        mean_interval_width([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match=r"`cdf_upper` of pit_values must lie in \[0, 1\]\. Got \[1\.5\] instead"):
        pit_values([0.5, 1.5])
    with pytest.raises(ValueError, match=r"`cdf_lower` of pit_values must not exceed `cdf_upper`"):
        pit_values([0.5, 0.6], [0.6, 0.1])
    with pytest.raises(ValueError, match=r"`pit` of pit_ks_test must contain only finite values"):
        pit_ks_test([0.5, np.nan])
    with pytest.raises(ValueError, match=r"`groups` of coverage_by_group must not contain missing labels\. Got 1 missing label\(s\) \(first at row 1\)"):
        coverage_by_group([0.0, 1.0], [0.0, 0.0], [1.0, 1.0], ["a", None])
    with pytest.raises(ValueError, match=r"`groups` of coverage_by_group must have one label per row \(2\)\. Got 3 labels"):
        coverage_by_group([0.0, 1.0], [0.0, 0.0], [1.0, 1.0], ["a", "b", "c"])


bounded = st.floats(-1e6, 1e6)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=bounded), st.data())
def test_coverage_in_unit_interval_and_score_at_least_width(y, data) -> None:
    n = y.shape[0]
    lower = data.draw(arrays(np.float64, n, elements=bounded))
    width = data.draw(arrays(np.float64, n, elements=st.floats(0.0, 1e6)))
    alpha = data.draw(st.floats(1e-3, 0.999))
    upper = lower + width
    assert 0.0 <= interval_coverage(y, lower, upper) <= 1.0
    assert interval_score(y, lower, upper, alpha) >= mean_interval_width(lower, upper) * (1 - 1e-12)
    if interval_coverage(y, lower, upper) == 1.0:  # no misses: the score is the width
        assert interval_score(y, lower, upper, alpha) == pytest.approx(mean_interval_width(lower, upper), rel=1e-12)
