"""NB2 negative binomial family against scipy.stats.nbinom(n=1/alpha, p=1/(1+alpha*mu))."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import NegativeBinomial

F64 = torch.float64


def _reference(eta: torch.Tensor):  # noqa: ANN202
    mu, alpha = np.exp(eta[:, 0].numpy()), np.exp(eta[:, 1].numpy())
    return scipy.stats.nbinom(n=1 / alpha, p=1 / (1 + alpha * mu))


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0, 0.0], [2.0, -3.0], [-1.0, 1.5], [4.0, -0.5]], dtype=F64).repeat_interleave(5, 0)
    y = torch.tensor([0.0, 1.0, 4.0, 30.0, 400.0], dtype=F64).repeat(4)
    ref = _reference(eta)
    torch.testing.assert_close(NegativeBinomial().log_prob(y, eta), torch.from_numpy(ref.logpmf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(NegativeBinomial().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.01, 0.4, 0.5, 0.93])
    torch.testing.assert_close(NegativeBinomial().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=0, atol=0)
    torch.testing.assert_close(NegativeBinomial().mean(eta), torch.from_numpy(ref.mean()))
    torch.testing.assert_close(NegativeBinomial().variance(eta), torch.from_numpy(ref.var()))


def test_init_eta_moments() -> None:
    y = torch.tensor([0.0, 1.0, 2.0, 9.0], dtype=F64)  # mean 3, variance 12.5: alpha = (12.5 - 3) / 9
    init = NegativeBinomial().init_eta(y)
    torch.testing.assert_close(init, torch.tensor([np.log(3.0), np.log(9.5 / 9)], dtype=F64))
    underdispersed = NegativeBinomial().init_eta(torch.tensor([2.0, 2.0, 3.0], dtype=F64))
    assert underdispersed[1].item() == pytest.approx(np.log(1e-3))  # clipped positive


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of NegativeBinomial must lie in the support non-negative integers .* Got 1 value\(s\) outside it: \[1\.5\]"):
        NegativeBinomial().check_target([1.5, 2.0])
