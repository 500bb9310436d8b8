"""Normal family against scipy.stats.norm and the closed-form intercept-only MLE."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Normal

F64 = torch.float64


def _grid() -> tuple[torch.Tensor, torch.Tensor]:
    # rows of eta = (loc, raw scale) crossed with y values, incl. far tails (|z| ~ 1e3)
    eta = torch.tensor([[0.0, 0.0], [-3.0, -5.0], [2.5, 4.0], [1e3, 20.0]], dtype=F64)
    y = torch.tensor([-1e3, -1.0, 0.0, 0.3, 2.5, 1e3], dtype=F64)
    return eta.repeat_interleave(len(y), 0), y.repeat(len(eta))


def test_log_prob_matches_scipy() -> None:
    eta, y = _grid()
    p = Normal().split(eta)
    expected = scipy.stats.norm.logpdf(y.numpy(), loc=p["loc"].numpy(), scale=p["scale"].numpy())
    torch.testing.assert_close(Normal().log_prob(y, eta), torch.from_numpy(expected), rtol=1e-8, atol=0)


def test_cdf_and_quantile_match_scipy() -> None:
    eta, y = _grid()
    p = Normal().split(eta)
    ref = scipy.stats.norm(loc=p["loc"].numpy(), scale=p["scale"].numpy())
    torch.testing.assert_close(Normal().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.001, 0.25, 0.5, 0.9, 0.999])
    expected = ref.ppf(q[:, None]).T
    torch.testing.assert_close(Normal().quantile(eta, q), torch.from_numpy(expected), rtol=1e-6, atol=1e-12)


def test_mean_variance() -> None:
    eta = torch.tensor([[1.5, 0.3]], dtype=F64)
    sd = np.logaddexp(0, 0.3)  # softplus(0.3)
    torch.testing.assert_close(Normal().mean(eta), torch.tensor([1.5], dtype=F64))
    torch.testing.assert_close(Normal().variance(eta), torch.tensor([sd**2], dtype=F64))


def test_init_eta_is_intercept_only_mle(global_random_seed: int) -> None:
    y = np.random.default_rng(global_random_seed).normal(3.0, 2.0, size=200)
    init = Normal().init_eta(torch.from_numpy(y))
    assert init[0].item() == pytest.approx(y.mean(), rel=1e-12)
    # the MLE of the sd divides by n (numpy's default ddof=0)
    assert Normal().links["scale"].inverse(init[1]).item() == pytest.approx(y.std(), rel=1e-10)


def test_init_eta_constant_target_is_finite() -> None:
    init = Normal().init_eta(torch.full((5,), 2.0, dtype=F64))
    assert bool(torch.isfinite(init).all()) and init[0].item() == 2.0


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of Normal must lie in the support real numbers \(-inf, inf\)\. Got 2 value\(s\) outside it: \[nan, inf\]"):
        Normal().check_target(np.array([0.0, np.nan, 1.0, np.inf]))
    with pytest.raises(TypeError, match="`y` of Normal must be numeric"):
        Normal().check_target(np.array(["a", "b"]))
