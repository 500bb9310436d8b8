"""Gaussian mixture family against a hand-mixed scipy.stats.norm."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from deepstat.families import GaussianMixture

F64 = torch.float64


def _reference(family: GaussianMixture, eta: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = family.n_components
    e = eta.numpy()
    weights = scipy.special.softmax(e[:, :k], axis=1)
    return weights, e[:, k : 2 * k], np.logaddexp(0, e[:, 2 * k :])  # softmax, identity, softplus


def test_log_prob_and_cdf_match_hand_mixed_scipy(global_random_seed: int) -> None:
    family = GaussianMixture(n_components=3)
    eta = 2 * torch.randn(6, 9, generator=torch.Generator().manual_seed(global_random_seed), dtype=F64)
    y = torch.tensor([-30.0, -1.0, 0.0, 0.5, 2.0, 25.0], dtype=F64)
    w, loc, scale = _reference(family, eta)
    logpdf = scipy.special.logsumexp(np.log(w) + scipy.stats.norm.logpdf(y.numpy()[:, None], loc, scale), axis=1)
    cdf = (w * scipy.stats.norm.cdf(y.numpy()[:, None], loc, scale)).sum(1)
    torch.testing.assert_close(family.log_prob(y, eta), torch.from_numpy(logpdf), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.cdf(y, eta), torch.from_numpy(cdf), rtol=1e-8, atol=1e-300)


def test_quantile_inverts_the_mixture_cdf() -> None:
    family = GaussianMixture(n_components=2)
    eta = torch.tensor([[0.0, 0.0, -3.0, 3.0, 0.0, 0.0], [2.0, -2.0, 0.0, 10.0, 1.0, -1.0]], dtype=F64)
    w, loc, scale = _reference(family, eta)
    q = np.array([0.1, 0.5, 0.9])
    x = family.quantile(eta, q).numpy()  # (2, 3)
    cdf = (w[:, None, :] * scipy.stats.norm.cdf(x[:, :, None], loc[:, None, :], scale[:, None, :])).sum(-1)
    np.testing.assert_allclose(cdf, np.broadcast_to(q, (2, 3)), rtol=1e-10)
    assert x[0, 1] == pytest.approx(0.0, abs=1e-12)  # symmetric mixture: the median is 0


def test_mean_and_variance_by_the_law_of_total_variance() -> None:
    family = GaussianMixture(n_components=2)
    eta = torch.tensor([[0.0, 0.0, -1.0, 3.0, 0.0, 1.0]], dtype=F64)
    w, loc, scale = _reference(family, eta)
    mean = (w * loc).sum()
    var = (w * (scale**2 + loc**2)).sum() - mean**2
    torch.testing.assert_close(family.mean(eta), torch.tensor([mean], dtype=F64))
    torch.testing.assert_close(family.variance(eta), torch.tensor([var], dtype=F64))


def test_split_columns() -> None:
    family = GaussianMixture(n_components=2)
    assert family.n_params == 6 and family.n_location_params == 6
    p = family.split(torch.arange(12.0).reshape(2, 6))
    assert p["logits"].tolist() == [[0.0, 1.0], [6.0, 7.0]] and p["loc"].tolist() == [[2.0, 3.0], [8.0, 9.0]]


def test_init_eta_single_component_is_normal_mle(global_random_seed: int) -> None:
    y = np.random.default_rng(global_random_seed).normal(-1.0, 3.0, size=100)
    init = GaussianMixture(1).init_eta(torch.from_numpy(y))
    assert init[1].item() == pytest.approx(y.mean(), rel=1e-12)
    assert np.logaddexp(0, init[2].item()) == pytest.approx(y.std(), rel=1e-10)


def test_init_eta_spreads_locations_over_quantiles(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    y = np.concatenate([rng.normal(-5, 0.5, 300), rng.normal(5, 0.5, 300)])
    loc = GaussianMixture(2).init_eta(torch.from_numpy(y))[2:4]
    assert loc[0] < -3 and loc[1] > 3


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (2.0, TypeError), (True, TypeError)])
def test_invalid_n_components(value: object, error: type) -> None:
    with pytest.raises(error, match="`n_components` of GaussianMixture must be an integer >= 1"):
        GaussianMixture(value)  # type: ignore[arg-type]


def test_from_target_asks_for_the_number_of_components() -> None:
    with pytest.raises(ValueError, match=r"`family` of DeepRegressor must say how many components a mixture has. Got 'gaussian_mixture' instead. Use family=deepstat.families.GaussianMixture\(n_components=3\)"):
        GaussianMixture.from_target(np.zeros(5), caller="DeepRegressor")
