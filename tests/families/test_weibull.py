"""Weibull family against scipy.stats.weibull_min (float64, far tails included)."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Weibull, get_family

F64 = torch.float64


def _reference(eta: torch.Tensor):
    scale, shape = np.exp(eta[:, 0].numpy()), np.logaddexp(0, eta[:, 1].numpy())  # log and softplus links
    return scipy.stats.weibull_min(c=shape, scale=scale)


def test_log_prob_log_survival_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0, 0.5413], [2.0, -3.0], [-1.0, 4.0], [5.0, 1.0]], dtype=F64).repeat_interleave(6, 0)
    # far tails both ways: S down to exp(-1e5), F down to 1e-40
    y = torch.tensor([1e-40, 1e-8, 0.1, 1.0, 7.5, 3e4], dtype=F64).repeat(4)
    ref = _reference(eta)
    family = Weibull()
    torch.testing.assert_close(family.log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.log_survival(y, eta), torch.from_numpy(ref.logsf(y.numpy())), rtol=1e-8, atol=1e-300)
    torch.testing.assert_close(family.cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.01, 0.5, 0.95])
    torch.testing.assert_close(family.quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.mean(eta), torch.from_numpy(ref.mean()), rtol=1e-8, atol=0)


def test_log_prob_finite_where_torch_underflows() -> None:
    # torch.distributions.Weibull.log_prob is -inf here (its power transform underflows); scipy is finite
    eta = torch.tensor([[19.0, 39.0]], dtype=F64)
    expected = _reference(eta).logpdf(1.0)
    torch.testing.assert_close(Weibull().log_prob(torch.ones(1, dtype=F64), eta), torch.from_numpy(expected), rtol=1e-8, atol=0)


def test_init_eta_recovers_parameters(global_random_seed: int) -> None:
    # log-moment estimator of a large Weibull sample: close to the true scale 3 and shape 1.7
    y = scipy.stats.weibull_min.rvs(c=1.7, scale=3.0, size=20000, random_state=global_random_seed)
    init = Weibull().init_eta(torch.from_numpy(y))
    assert np.exp(init[0].item()) == pytest.approx(3.0, rel=0.02)
    assert np.logaddexp(0, init[1].item()) == pytest.approx(1.7, rel=0.03)


def test_registry_round_trip() -> None:
    assert get_family("weibull") == Weibull()
    assert Weibull.from_config(Weibull().to_config()) == Weibull()


def test_check_target_rejects_zero_and_negative() -> None:
    with pytest.raises(ValueError, match=r"`y` of Weibull must lie in the support positive reals \(0, inf\)\. Got 2 value\(s\) outside it: \[0.0, -1.0\]"):
        Weibull().check_target([0.0, 1.0, -1.0])
