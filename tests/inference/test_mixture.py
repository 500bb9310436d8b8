"""Tests of EqualMixture against hand computations with scipy (equal-weight mixtures)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import logsumexp
from torch.distributions import Gamma, Normal, Poisson, StudentT

from deepstat.inference import EqualMixture


def _normals(locs, scales):
    return [Normal(torch.tensor(l, dtype=torch.float64), torch.tensor(s, dtype=torch.float64)) for l, s in zip(locs, scales)]


def test_log_prob_cdf_and_moments_match_scipy(rng):
    locs = rng.normal(size=(4, 6))
    scales = rng.uniform(0.5, 2.0, size=(4, 6))
    mix = EqualMixture(_normals(locs, scales))
    y = rng.normal(size=6)
    # log p = logsumexp_m log N(y; mu_m, s_m) - log M (the definition of an equal-weight mixture)
    hand = logsumexp(stats.norm.logpdf(y, locs, scales), axis=0) - np.log(4)
    np.testing.assert_allclose(mix.log_prob(torch.as_tensor(y)).numpy(), hand, rtol=1e-12)
    np.testing.assert_allclose(mix.cdf(torch.as_tensor(y)).numpy(), stats.norm.cdf(y, locs, scales).mean(0), rtol=1e-12)
    np.testing.assert_allclose(mix.mean.numpy(), locs.mean(0), rtol=1e-12)
    # law of total variance
    np.testing.assert_allclose(mix.variance.numpy(), (scales**2).mean(0) + locs.var(0), rtol=1e-12)
    np.testing.assert_allclose(mix.stddev.numpy(), np.sqrt((scales**2).mean(0) + locs.var(0)), rtol=1e-12)


@given(q=st.floats(0.001, 0.999), spread=st.floats(0.0, 20.0))
@settings(max_examples=50, deadline=None)
def test_icdf_inverts_cdf(q, spread):
    mix = EqualMixture(_normals([[-spread, 0.0], [spread, 1.0]], [[1.0, 0.1], [2.0, 3.0]]))
    x = mix.icdf(torch.tensor([q, q], dtype=torch.float64))
    np.testing.assert_allclose(mix.cdf(x).numpy(), [q, q], atol=1e-10)


def test_icdf_of_levels_by_rows_has_shape_levels_by_rows():
    mix = EqualMixture(_normals([[0.0, 5.0, 10.0]], [[1.0, 1.0, 1.0]]))  # M = 1: plain normals
    out = mix.icdf(torch.tensor([[0.1], [0.5], [0.9]], dtype=torch.float64))
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out.numpy(), stats.norm.ppf([0.1, 0.5, 0.9])[:, None] + [0.0, 5.0, 10.0], atol=1e-9)


def test_icdf_respects_a_positive_support():
    mix = EqualMixture([Gamma(torch.tensor([2.0], dtype=torch.float64), 1.0), Gamma(torch.tensor([5.0], dtype=torch.float64), 2.0)])
    x = mix.icdf(torch.tensor([0.01], dtype=torch.float64))
    hand = 0.5 * (stats.gamma.cdf(x.numpy(), 2.0) + stats.gamma.cdf(x.numpy(), 5.0, scale=0.5))
    np.testing.assert_allclose(hand, 0.01, atol=1e-10)


def test_discrete_icdf_is_smallest_integer_reaching_the_level():
    rates = [torch.tensor([1.0, 3.0], dtype=torch.float64), torch.tensor([6.0, 3.0], dtype=torch.float64)]
    # torch's Poisson has no cdf: P(Y <= y) = Q(floor(y) + 1, rate), the regularised upper incomplete gamma
    cdfs = [lambda y, r=r: torch.special.gammaincc(torch.floor(y) + 1, r) for r in rates]
    with pytest.raises(ValueError, match="`cdfs` of EqualMixture must be given"):
        EqualMixture([Poisson(r) for r in rates]).cdf(torch.zeros(2))
    mix = EqualMixture([Poisson(r) for r in rates], cdfs)
    q = np.array([0.05, 0.5, 0.95])
    out = mix.icdf(torch.as_tensor(q)[:, None]).numpy()
    grid = np.arange(60)
    for j, (r1, r2) in enumerate([(1.0, 6.0), (3.0, 3.0)]):
        cdf = 0.5 * (stats.poisson.cdf(grid, r1) + stats.poisson.cdf(grid, r2))
        brute = [grid[np.argmax(cdf >= level)] for level in q]  # smallest y with F(y) >= q
        np.testing.assert_array_equal(out[:, j], brute)


def test_custom_cdfs_are_used_for_components_without_one():
    comps = [StudentT(3.0, torch.zeros(2, dtype=torch.float64), 1.0), StudentT(3.0, torch.ones(2, dtype=torch.float64), 1.0)]
    cdfs = [lambda y: torch.as_tensor(stats.t.cdf(y.numpy(), 3.0)), lambda y: torch.as_tensor(stats.t.cdf(y.numpy() - 1, 3.0))]
    mix = EqualMixture(comps, cdfs)
    np.testing.assert_allclose(mix.icdf(torch.tensor([0.5, 0.5], dtype=torch.float64)).numpy(), [0.5, 0.5], atol=1e-9)


def test_sampling_matches_moments_and_is_seeded():
    mix = EqualMixture(_normals([[-3.0], [3.0]], [[1.0], [1.0]]))
    torch.manual_seed(0)
    draws = mix.sample((40000,))
    assert draws.shape == (40000, 1)
    # mean 0, variance 1 + 9; standard errors sqrt(10 / 40000) = 0.016 and ~0.07
    assert abs(float(draws.mean())) < 0.08
    assert abs(float(draws.var()) - 10.0) < 0.35
    torch.manual_seed(0)
    assert torch.equal(draws, mix.sample((40000,)))


def test_bad_components_are_rejected():
    with pytest.raises(ValueError, match="`components` of EqualMixture must hold at least one"):
        EqualMixture([])
    with pytest.raises(ValueError, match="`components` of EqualMixture must share batch and event shapes"):
        EqualMixture([Normal(torch.zeros(2), 1.0), Normal(torch.zeros(3), 1.0)])
    with pytest.raises(TypeError, match="must hold torch Distributions"):
        EqualMixture([np.zeros(2)])
    with pytest.raises(ValueError, match="`cdfs` of EqualMixture must have one function per component"):
        EqualMixture([Normal(torch.zeros(2), 1.0)], cdfs=[])
    with pytest.raises(ValueError, match="open interval"):
        EqualMixture([Normal(torch.zeros(2), 1.0)]).icdf(torch.tensor([0.0, 0.5]))
