"""Multivariate normal family against scipy.stats.multivariate_normal."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import MultivariateNormal

F64 = torch.float64


def test_log_prob_matches_scipy(global_random_seed: int) -> None:
    family = MultivariateNormal(dim=3)
    gen = torch.Generator().manual_seed(global_random_seed)
    eta = torch.randn(5, family.n_params, generator=gen, dtype=F64)
    y = 3 * torch.randn(5, 3, generator=gen, dtype=F64)
    p = family.split(eta)
    cov = (p["scale_tril"] @ p["scale_tril"].transpose(-1, -2)).numpy()
    expected = [scipy.stats.multivariate_normal(mean=m, cov=c).logpdf(x) for m, c, x in zip(p["loc"].numpy(), cov, y.numpy())]
    torch.testing.assert_close(family.log_prob(y, eta), torch.tensor(expected, dtype=F64), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.variance(eta), torch.from_numpy(np.diagonal(cov, axis1=1, axis2=2).copy()))
    torch.testing.assert_close(family.mean(eta), p["loc"])


def test_cholesky_layout() -> None:
    family = MultivariateNormal(dim=2)
    eta = torch.tensor([[1.0, 2.0, 0.0, -0.5, 0.0]], dtype=F64)  # loc (1, 2); tril (0,0), (1,0), (1,1)
    L = family.split(eta)["scale_tril"][0]
    sp0 = np.log(2.0)  # softplus(0)
    torch.testing.assert_close(L, torch.tensor([[sp0, 0.0], [-0.5, sp0]], dtype=F64))


def test_init_eta_is_mle(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    y = rng.multivariate_normal([1.0, -2.0], [[2.0, 0.6], [0.6, 1.0]], size=300)
    family = MultivariateNormal(dim=2)
    p = family.split(family.init_eta(torch.from_numpy(y))[None])
    np.testing.assert_allclose(p["loc"][0].numpy(), y.mean(0), rtol=1e-12)
    cov = (p["scale_tril"][0] @ p["scale_tril"][0].T).numpy()
    np.testing.assert_allclose(cov, np.cov(y.T, bias=True), rtol=1e-10)  # MLE divides by n


def test_init_eta_singular_covariance_is_finite() -> None:
    y = torch.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], dtype=F64)  # collinear columns
    assert bool(torch.isfinite(MultivariateNormal(2).init_eta(y)).all())


def test_check_target_shape_and_values() -> None:
    family = MultivariateNormal(dim=2)
    with pytest.raises(ValueError, match=r"`y` of MultivariateNormal must have shape \(n, 2\)\. Got shape \(4,\) instead"):
        family.check_target(np.zeros(4))
    with pytest.raises(ValueError, match=r"`y` of MultivariateNormal must lie in the support finite real vectors of length 2\. Got 1 value\(s\) outside it: \[nan\]"):
        family.check_target(np.array([[0.0, 1.0], [np.nan, 2.0]]))


# ------------------------------------------------------------------ from_target
@pytest.mark.parametrize(("shape", "dim"), [((5, 3), 3), ((2, 1), 1), ((4, 5, 2), 2)])
def test_from_target_reads_the_dimension_off_the_last_axis(shape: tuple[int, ...], dim: int) -> None:
    family = MultivariateNormal.from_target(np.zeros(shape))
    assert family == MultivariateNormal(dim=dim)
    assert family.event_shape == (dim,) and type(family).event_rank == 1 and type(family).sized_by_target


def test_from_target_names_a_1d_target() -> None:
    with pytest.raises(ValueError, match=r"`y` of DeepRegressor must be 2-D \(n_samples, d\), or \(\*batch, d\), for family 'multivariate_normal'. Got shape \(4,\) instead"):
        MultivariateNormal.from_target(np.zeros(4), caller="DeepRegressor")
