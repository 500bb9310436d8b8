"""Exponential family against scipy.stats.expon."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Exponential

F64 = torch.float64


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0], [-4.0], [3.0]], dtype=F64).repeat_interleave(4, 0)
    y = torch.tensor([0.0, 1e-300, 0.7, 30.0], dtype=F64).repeat(3)  # incl. the boundary 0
    ref = scipy.stats.expon(scale=1 / np.exp(eta[:, 0].numpy()))
    torch.testing.assert_close(Exponential().log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(Exponential().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([1e-4, 0.5, 0.99])
    torch.testing.assert_close(Exponential().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-6, atol=0)


def test_init_eta_is_mle() -> None:
    y = torch.tensor([0.5, 1.5, 4.0], dtype=F64)  # MLE rate = 1 / mean = 1 / 2
    assert Exponential().init_eta(y).item() == pytest.approx(np.log(0.5), rel=1e-12)


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of Exponential must lie in the support non-negative reals \[0, inf\)\. Got 2 value\(s\) outside it: \[-1.0, -0.5\]"):
        Exponential().check_target(np.array([0.0, -1.0, 2.0, -0.5]))


def test_log_survival_matches_scipy_far_tail() -> None:
    eta = torch.tensor([[0.0], [-4.0], [3.0]], dtype=F64).repeat_interleave(3, 0)
    y = torch.tensor([1e-300, 0.7, 1e4], dtype=F64).repeat(3)  # S down to exp(-2e5), where 1 - cdf is 0
    ref = scipy.stats.expon(scale=1 / np.exp(eta[:, 0].numpy()))
    torch.testing.assert_close(Exponential().log_survival(y, eta), torch.from_numpy(ref.logsf(y.numpy())), rtol=1e-8, atol=0)
