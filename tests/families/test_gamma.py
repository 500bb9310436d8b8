"""Gamma family (mean-shape parametrisation) against scipy.stats.gamma."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Gamma

F64 = torch.float64


def _reference(eta: torch.Tensor):  # noqa: ANN202
    mean, shape = np.exp(eta[:, 0].numpy()), np.logaddexp(0, eta[:, 1].numpy())  # log and softplus links
    return scipy.stats.gamma(a=shape, scale=mean / shape)


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0, 0.0], [2.0, -3.0], [-1.0, 4.0], [5.0, 1.0]], dtype=F64).repeat_interleave(5, 0)
    y = torch.tensor([1e-8, 0.1, 1.0, 7.5, 300.0], dtype=F64).repeat(4)
    ref = _reference(eta)
    torch.testing.assert_close(Gamma().log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(Gamma().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.01, 0.5, 0.95])
    torch.testing.assert_close(Gamma().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-6, atol=0)
    torch.testing.assert_close(Gamma().mean(eta), torch.from_numpy(ref.mean()))
    torch.testing.assert_close(Gamma().variance(eta), torch.from_numpy(ref.var()))


def test_init_eta_matches_moments(global_random_seed: int) -> None:
    y = scipy.stats.gamma.rvs(a=3.0, scale=2.0, size=500, random_state=global_random_seed)
    init = Gamma().init_eta(torch.from_numpy(y))
    assert np.exp(init[0].item()) == pytest.approx(y.mean(), rel=1e-12)
    assert np.logaddexp(0, init[1].item()) == pytest.approx(y.mean() ** 2 / y.var(), rel=1e-10)


def test_check_target_rejects_zero() -> None:
    with pytest.raises(ValueError, match=r"`y` of Gamma must lie in the support positive reals \(0, inf\)\. Got 1 value\(s\) outside it: \[0.0\]"):
        Gamma().check_target([0.0, 1.0])
