"""CRPS in four forms against each other, closed forms, scipy quadrature and brute-force sums."""

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deepstat.families import Poisson
from deepstat.metrics import crps_discrete, crps_from_cdf, crps_from_samples, crps_normal

F64 = torch.float64


def normal_cdf(loc: np.ndarray, scale: np.ndarray):
    return torch.distributions.Normal(torch.from_numpy(loc), torch.from_numpy(scale)).cdf


def test_crps_normal_known_value_at_the_mean() -> None:
    # Energy form for X ~ N(0, 1), y = 0: E|X| = sqrt(2/pi); X - X' ~ N(0, 2) so E|X - X'| = sqrt(2) sqrt(2/pi)
    # = 2/sqrt(pi). CRPS = sqrt(2/pi) - 1/sqrt(pi) = 2 phi(0) - 1/sqrt(pi) = (sqrt(2) - 1)/sqrt(pi) ~ 0.2337.
    expected = (np.sqrt(2.0) - 1.0) / np.sqrt(np.pi)
    assert crps_normal(0.0, 1.0, 0.0)[0] == pytest.approx(expected, rel=1e-14)
    # CRPS is equivariant: CRPS(N(mu, s^2), mu + s z) = s CRPS(N(0, 1), z) (Gneiting & Raftery 2007, eq. 5).
    assert crps_normal(3.0, 2.5, 3.0)[0] == pytest.approx(2.5 * expected, rel=1e-14)


def test_crps_normal_matches_quadrature_of_the_definition() -> None:
    # Independent reference: scipy.integrate.quad of the defining integral (Gneiting & Raftery 2007, eq. 20).
    for loc, scale, y in [(0.0, 1.0, 1.3), (-2.0, 0.3, 0.5), (5.0, 4.0, -1.0)]:
        dist = scipy.stats.norm(loc, scale)
        left = scipy.integrate.quad(lambda z, d=dist: d.cdf(z) ** 2, -np.inf, y)[0]
        right = scipy.integrate.quad(lambda z, d=dist: d.sf(z) ** 2, y, np.inf)[0]
        assert crps_normal(loc, scale, y)[0] == pytest.approx(left + right, rel=1e-8)


def test_crps_from_cdf_matches_crps_normal(rng) -> None:
    n = 50
    loc, scale = rng.normal(size=n), rng.uniform(0.2, 3.0, size=n)
    y = loc + scale * rng.normal(scale=1.5, size=n)
    numeric = crps_from_cdf(normal_cdf(loc, scale), y, lower=loc - 10 * scale, upper=loc + 10 * scale)
    # Trapezoid error ~ h^2/12 * 2 phi / scale with h = 20 scale / 1999 (Notes of crps_from_cdf): < 1e-5 scale.
    np.testing.assert_allclose(numeric, crps_normal(loc, scale, y), rtol=0, atol=1e-5 * scale.max())


def test_crps_from_cdf_laplace_closed_form_and_y_outside_the_range() -> None:
    # CRPS of Laplace(mu, b) at y: |y - mu| + b exp(-|y - mu|/b) - 3b/4 (Jordan, Krueger & Lerch 2019, scoringRules, eq. for "lapl").
    loc, b = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 2.0])
    y = np.array([0.3, 12.0, -2.0])  # 12.0 lies above `upper` for row 1: the grid is extended to reach it
    cdf = torch.distributions.Laplace(torch.from_numpy(loc), torch.from_numpy(b)).cdf
    expected = np.abs(y - loc) + b * np.exp(-np.abs(y - loc) / b) - 0.75 * b
    np.testing.assert_allclose(crps_from_cdf(cdf, y, lower=-40.0, upper=10.0, n_grid=20001), expected, rtol=0, atol=1e-5)


def test_crps_from_cdf_calls_cdf_with_n_grid_rows_and_y_on_the_grid() -> None:
    seen = []

    def cdf(z: torch.Tensor) -> torch.Tensor:
        seen.append(z.clone())
        return torch.distributions.Normal(0.0, 1.0).cdf(z)

    crps_from_cdf(cdf, [0.123, -0.7], lower=-5.0, upper=5.0, n_grid=11)
    (z,) = seen
    assert z.shape == (11, 2) and z.dtype == F64  # the documented contract: (n_grid, n), float64
    assert (z[:, 0] == 0.123).any() and (z[:, 1] == -0.7).any()
    assert (torch.diff(z, dim=0) >= 0).all()


def test_crps_from_samples_equals_brute_force_pair_sum(rng) -> None:
    samples, y = rng.normal(size=(40, 7)), rng.normal(size=7)
    # O(m^2) definition: mean |x_j - y| - 0.5 mean over all (j, l) of |x_j - x_l| (Gneiting & Raftery 2007, eq. 21).
    brute = np.abs(samples - y).mean(axis=0) - 0.5 * np.abs(samples[:, None, :] - samples[None, :, :]).mean(axis=(0, 1))
    np.testing.assert_allclose(crps_from_samples(samples, y), brute, rtol=1e-12, atol=1e-14)


def test_crps_from_samples_is_the_crps_of_the_empirical_cdf(rng) -> None:
    samples, y = rng.normal(size=(25, 4)), rng.normal(size=4)
    xs = torch.from_numpy(np.sort(samples, axis=0))

    def empirical_cdf(z: torch.Tensor) -> torch.Tensor:  # (n_grid, n) -> fraction of draws <= z, per column
        return (xs[None, :, :] <= z[:, None, :]).to(F64).mean(dim=1)

    numeric = crps_from_cdf(empirical_cdf, y, lower=-8.0, upper=8.0, n_grid=200001)
    # Step-function CDF: the trapezoid error is one grid step per jump, h = 16 / 200000 = 8e-5.
    np.testing.assert_allclose(crps_from_samples(samples, y), numeric, rtol=0, atol=2e-3)


def test_crps_from_samples_converges_to_crps_normal(rng) -> None:
    n, m = 20, 20000
    loc, scale = rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    y = loc + scale * rng.normal(size=n)
    draws = loc + scale * rng.normal(size=(m, n))
    # Monte Carlo sd of mean |X - y| is <= scale * sqrt(Var|X - y|/m) <= scale * 1.5 / sqrt(m) ~ 0.011 scale; 4 sd.
    np.testing.assert_allclose(crps_from_samples(draws, y), crps_normal(loc, scale, y), rtol=0, atol=0.045 * scale.max())


def test_crps_of_a_point_mass_at_y_is_zero() -> None:
    y = np.array([0.0, -3.5, 7.25])
    np.testing.assert_array_equal(crps_from_samples(np.tile(y, (9, 1)), y), np.zeros(3))
    # A point forecast's CRPS is its absolute error (Gneiting & Raftery 2007, after eq. 21).
    np.testing.assert_allclose(crps_from_samples(np.tile(y + 2.0, (9, 1)), y), np.full(3, 2.0), rtol=1e-15)


def test_crps_discrete_poisson_vs_brute_force_energy_form(rng) -> None:
    rate = np.array([0.3, 2.0, 7.5, 15.0])
    y = rng.poisson(rate)
    eta = torch.log(torch.from_numpy(rate)).unsqueeze(1)  # (n, 1): the Poisson family's raw output
    ours = crps_discrete(lambda k: Poisson().cdf(k, eta), y, upper=80)
    # Independent reference: E|X - y| - 0.5 E|X - X'| summed over the scipy pmf on 0..80 (F(80) = 1 - 1e-30 for rate 15).
    support = np.arange(81)
    for i in range(rate.shape[0]):
        pmf = scipy.stats.poisson.pmf(support, rate[i])
        energy = pmf @ np.abs(support - y[i]) - 0.5 * pmf @ np.abs(support[:, None] - support[None, :]) @ pmf
        assert ours[i] == pytest.approx(energy, rel=1e-10)
    # And the plain sum of the definition with scipy's CDF (Czado, Gneiting & Held 2009, eq. 4).
    direct = [sum((scipy.stats.poisson.cdf(k, r) - (k >= yi)) ** 2 for k in range(81)) for r, yi in zip(rate, y, strict=True)]
    np.testing.assert_allclose(ours, direct, rtol=1e-10)


def test_crps_discrete_point_mass() -> None:
    def point_mass_at_2(k: torch.Tensor) -> torch.Tensor:
        return (k >= 2).to(F64)

    # Point forecast 2: CRPS = |y - 2| for integer y.
    np.testing.assert_array_equal(crps_discrete(point_mass_at_2, [2, 0, 5], upper=5), [0.0, 2.0, 3.0])


def test_validation_errors() -> None:
    cdf = torch.distributions.Normal(0.0, 1.0).cdf
    with pytest.raises(ValueError, match=r"`scale` of crps_normal must be positive\. Got \[0\.0\] instead"):
        crps_normal([0.0, 0.0], [1.0, 0.0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"`y` of crps_normal must have one value per row \(3\) or a single value\. Got 2"):
        crps_normal([0.0, 0.0, 1.0], 1.0, [0.0, 1.0])
    with pytest.raises(ValueError, match=r"`lower` of crps_from_cdf must be smaller than `upper`"):
        crps_from_cdf(cdf, [0.0], lower=1.0, upper=1.0)
    with pytest.raises(ValueError, match=r"`n_grid` of crps_from_cdf must be an integer of at least 3\. Got 2"):
        crps_from_cdf(cdf, [0.0], lower=-1.0, upper=1.0, n_grid=2)
    with pytest.raises(ValueError, match=r"`cdf` of crps_from_cdf must return the shape of its input \(5, 2\)"):
        crps_from_cdf(lambda z: cdf(z)[:, 0], [0.0, 1.0], lower=-1.0, upper=1.0, n_grid=5)
    with pytest.raises(ValueError, match=r"`cdf` of crps_from_cdf must return probabilities in \[0, 1\]"):
        crps_from_cdf(lambda z: z, [0.0], lower=-1.0, upper=1.0, n_grid=5)
    with pytest.raises(TypeError, match=r"`cdf` of crps_from_cdf must return a torch\.Tensor\. Got ndarray"):
        crps_from_cdf(lambda z: cdf(z).numpy(), [0.0], lower=-1.0, upper=1.0, n_grid=5)
    with pytest.raises(ValueError, match=r"`y` of crps_discrete must hold integers in 0\.\.upper=3\. Got \[4\.0, 1\.5, -1\.0\]"):
        crps_discrete(cdf, [4, 1.5, -1, 2], upper=3)
    with pytest.raises(ValueError, match=r"`upper` of crps_discrete must be a non-negative integer\. Got 2\.5"):
        crps_discrete(cdf, [1], upper=2.5)
    with pytest.raises(ValueError, match=r"`samples` of crps_from_samples must have shape \(n_draws, n\)\. Got shape \(3,\)"):
        crps_from_samples([1.0, 2.0, 3.0], [1.0])
    with pytest.raises(ValueError, match=r"`samples` of crps_from_samples must have one column per observation in `y` \(2\)"):
        crps_from_samples(np.zeros((4, 3)), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"`y` of crps_from_samples must contain only finite values"):
        crps_from_samples(np.zeros((4, 1)), [np.nan])


@settings(max_examples=50, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3), st.floats(-1e4, 1e4))
def test_crps_normal_is_non_negative_and_at_least_its_minimum(loc, scale, y) -> None:
    # min over y of CRPS(N(loc, scale^2), y) is at y = loc: scale (sqrt(2) - 1)/sqrt(pi) (test above).
    value = crps_normal(loc, scale, y)[0]
    assert value >= scale * (np.sqrt(2.0) - 1.0) / np.sqrt(np.pi) * (1 - 1e-9)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 5)), elements=st.floats(-1e3, 1e3)), st.data())
def test_crps_from_samples_is_non_negative_and_at_most_the_mean_absolute_error(samples, data) -> None:
    y = data.draw(arrays(np.float64, samples.shape[1], elements=st.floats(-1e3, 1e3)))
    value = crps_from_samples(samples, y)
    assert (value >= 0.0).all()
    assert (value <= np.abs(samples - y).mean(axis=0) * (1 + 1e-12) + 1e-9).all()  # E|X - X'| >= 0
