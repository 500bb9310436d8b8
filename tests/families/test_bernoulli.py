"""Bernoulli family against scipy.stats.bernoulli and the closed-form MLE."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from deepstat.families import Bernoulli

F64 = torch.float64


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0], [-3.0], [4.0], [1.5]], dtype=F64).repeat_interleave(2, 0)
    y = torch.tensor([0.0, 1.0], dtype=F64).repeat(4)
    ref = scipy.stats.bernoulli(p=scipy.special.expit(eta[:, 0].numpy()))
    torch.testing.assert_close(Bernoulli().log_prob(y, eta), torch.from_numpy(ref.logpmf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(Bernoulli().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=0)
    q = np.array([0.01, 0.5, 0.999])
    torch.testing.assert_close(Bernoulli().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=0, atol=0)


def test_log_prob_at_extreme_logits() -> None:
    # scipy.stats.bernoulli forms log(1 - p) from p, which rounds for |logit| > ~20; log_expit does not
    eta = torch.tensor([[-30.0], [-30.0], [30.0], [30.0]], dtype=F64)
    y = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=F64)
    e = eta[:, 0].numpy()
    expected = np.where(y.numpy() == 1, scipy.special.log_expit(e), scipy.special.log_expit(-e))
    torch.testing.assert_close(Bernoulli().log_prob(y, eta), torch.from_numpy(expected), rtol=1e-8, atol=0)


def test_init_eta_is_logit_of_proportion() -> None:
    y = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0], dtype=F64)
    assert Bernoulli().init_eta(y).item() == pytest.approx(np.log(3 / 2), rel=1e-12)  # logit(3/5)
    w = torch.tensor([1.0, 3.0, 1.0, 1.0, 0.0], dtype=F64)  # weighted proportion 3/6
    assert Bernoulli().init_eta(y, weight=w).item() == pytest.approx(0.0, abs=1e-12)


def test_init_eta_single_class_is_finite() -> None:
    init = Bernoulli().init_eta(torch.ones(4, dtype=F64))  # (4 + 1/2) / (4 + 1) = 0.9
    assert init.item() == pytest.approx(scipy.special.logit(0.9), rel=1e-12)


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of Bernoulli must lie in the support \{0, 1\}\. Got 2 value\(s\) outside it: \[2.0, 0.5\] instead\. Encode"):
        Bernoulli().check_target(np.array([0, 1, 2, 0.5]))
