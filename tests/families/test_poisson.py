"""Poisson family against scipy.stats.poisson and the closed-form MLE."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Poisson

F64 = torch.float64


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0], [-5.0], [2.0], [7.0]], dtype=F64).repeat_interleave(5, 0)
    y = torch.tensor([0.0, 1.0, 3.0, 20.0, 1500.0], dtype=F64).repeat(4)  # incl. the boundary 0
    ref = scipy.stats.poisson(mu=np.exp(eta[:, 0].numpy()))
    torch.testing.assert_close(Poisson().log_prob(y, eta), torch.from_numpy(ref.logpmf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(Poisson().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.001, 0.2, 0.5, 0.77, 0.999])
    torch.testing.assert_close(Poisson().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=0, atol=0)


def test_init_eta_is_log_mean() -> None:
    y = torch.tensor([0.0, 2.0, 3.0, 7.0], dtype=F64)
    assert Poisson().init_eta(y).item() == pytest.approx(np.log(3.0), rel=1e-12)
    assert np.isfinite(Poisson().init_eta(torch.zeros(3, dtype=F64)).item())  # all-zero counts


def test_check_target_message_from_the_brief() -> None:
    with pytest.raises(ValueError, match=r"`y` of Poisson must lie in the support non-negative integers \{0, 1, 2, \.\.\.\}\. Got 3 value\(s\) outside it: \[-1\.0, 2\.5, -3\.0\] instead\. Use family='negative_binomial'"):
        Poisson().check_target(np.array([0, -1, 2.5, 4, -3]))
