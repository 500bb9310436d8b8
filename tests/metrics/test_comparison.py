"""Diebold-Mariano test against scipy's paired t-test (lag 0) and statsmodels' Newey-West HAC (lag > 0)."""

import dataclasses

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from statsmodels.stats.sandwich_covariance import S_hac_simple

from deepstat.metrics import PairedTestResult, diebold_mariano


def test_lag_zero_is_the_paired_t_statistic_times_sqrt_n_over_n_minus_1(rng) -> None:
    n = 57
    a, b = rng.normal(size=n) ** 2, rng.normal(0.2, 1.0, size=n) ** 2
    result = diebold_mariano(a, b)
    # ttest_rel: t = dbar / sqrt(s^2 / n), s^2 = sum (d - dbar)^2 / (n - 1). DM at lag 0 uses the
    # variance sum (d - dbar)^2 / n = s^2 (n - 1) / n, so DM = t sqrt(n / (n - 1)).
    t = scipy.stats.ttest_rel(a, b).statistic
    assert result.statistic == pytest.approx(t * np.sqrt(n / (n - 1)), rel=1e-12)
    assert result.pvalue == pytest.approx(2 * scipy.stats.norm.sf(abs(result.statistic)), rel=1e-12)
    assert result.mean_difference == pytest.approx(np.mean(a - b), rel=1e-12)
    assert (result.n, result.lag) == (n, 0)


def test_hac_variance_lag_two_matches_statsmodels_and_the_hand_formula(rng) -> None:
    n = 200
    e = rng.normal(size=n + 2)
    d = e[2:] + 0.6 * e[1:-1] + 0.3 * e[:-2]  # MA(2) loss differences: autocorrelated up to lag 2
    a = d + 1.0
    b = np.ones(n)
    result = diebold_mariano(a, b, lag=2)
    centred = d - d.mean()
    # statsmodels: S_hac_simple(x, nlags) = x'x + sum_k w_k (x_{t+k}'x_t + transpose), w_k = 1 - k/(nlags+1), not divided by n.
    hac = S_hac_simple(centred, nlags=2)[0, 0] / n
    # Hand formula (Newey & West 1987): gamma_0 + 2 (2/3) gamma_1 + 2 (1/3) gamma_2, gamma_k = sum e_t e_{t-k} / n.
    gamma = [np.sum(centred[k:] * centred[: n - k]) / n for k in range(3)]
    assert hac == pytest.approx(gamma[0] + 4 / 3 * gamma[1] + 2 / 3 * gamma[2], rel=1e-12)
    assert result.statistic == pytest.approx(d.mean() / np.sqrt(hac / n), rel=1e-12)
    assert result.lag == 2


def test_one_sided_pvalues_are_consistent(rng) -> None:
    a = rng.normal(size=80) ** 2
    b = a + rng.normal(0.1, 0.5, size=80)  # a has the smaller loss on average
    two = diebold_mariano(a, b, lag=1)
    less = diebold_mariano(a, b, lag=1, alternative="less")
    greater = diebold_mariano(a, b, lag=1, alternative="greater")
    assert less.statistic == greater.statistic == two.statistic < 0
    assert less.pvalue + greater.pvalue == pytest.approx(1.0, rel=1e-12)
    assert two.pvalue == pytest.approx(2 * min(less.pvalue, greater.pvalue), rel=1e-12)
    assert less.pvalue < 0.5 < greater.pvalue  # "less" = a has smaller expected loss


def test_ties_and_constant_differences() -> None:
    same = diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.statistic, same.pvalue, same.mean_difference) == (0.0, 1.0, 0.0)
    shifted = diebold_mariano([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], alternative="less")
    assert shifted.statistic == -np.inf and shifted.pvalue == 0.0


def test_result_is_a_frozen_dataclass() -> None:
    result = diebold_mariano([1.0, 2.0, 4.0], [1.5, 2.5, 3.0])
    assert isinstance(result, PairedTestResult)
    assert [f.name for f in dataclasses.fields(result)] == ["statistic", "pvalue", "mean_difference", "n", "lag"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.pvalue = 0.0


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"`loss_b` of diebold_mariano must have the same number of rows as `loss_a`\. Got lengths loss_a=3, loss_b=2"):
        diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"`loss_a` of diebold_mariano must contain only finite values\. Got 1 NaN"):
        diebold_mariano([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"`loss_a` of diebold_mariano must have at least 2 rows\. Got 1 row"):
        diebold_mariano([1.0], [2.0])
    with pytest.raises(ValueError, match=r"`lag` of diebold_mariano must be an integer in 0\.\.2 \(n - 1\)\. Got 3 instead"):
        diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0, 2.5], lag=3)
    with pytest.raises(ValueError, match=r"`lag` of diebold_mariano must be an integer in 0\.\.2 \(n - 1\)\. Got -1 instead"):
        diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0, 2.5], lag=-1)
    with pytest.raises(ValueError, match=r"`alternative` of diebold_mariano must be one of \('two-sided', 'less', 'greater'\)\. Got 'smaller' instead"):
        diebold_mariano([1.0, 2.0], [1.0, 2.5], alternative="smaller")


losses = arrays(np.float64, st.integers(2, 40), elements=st.floats(0.0, 1e3))


@settings(max_examples=50, deadline=None)
@given(losses, st.data())
def test_pvalues_in_unit_interval_and_antisymmetry(a, data) -> None:
    b = data.draw(arrays(np.float64, a.shape[0], elements=st.floats(0.0, 1e3)))
    lag = data.draw(st.integers(0, a.shape[0] - 1))
    alternative = data.draw(st.sampled_from(["two-sided", "less", "greater"]))
    ab = diebold_mariano(a, b, lag=lag, alternative=alternative)
    assert 0.0 <= ab.pvalue <= 1.0
    ba = diebold_mariano(b, a, lag=lag, alternative=alternative)
    assert ba.statistic == pytest.approx(-ab.statistic, rel=1e-9)  # swapping the models flips the sign
