"""Log-normal family against scipy.stats.lognorm (float64, far tails included)."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import LogNormal, get_family

F64 = torch.float64


def _reference(eta: torch.Tensor):
    loc, scale = eta[:, 0].numpy(), np.logaddexp(0, eta[:, 1].numpy())  # identity and softplus links
    return scipy.stats.lognorm(s=scale, scale=np.exp(loc))


def test_log_prob_log_survival_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0, 0.5413], [2.0, -3.0], [-1.0, 4.0], [5.0, 1.0]], dtype=F64).repeat_interleave(6, 0)
    y = torch.tensor([1e-30, 1e-4, 0.5, 3.0, 1e5, 1e30], dtype=F64).repeat(4)  # z from about -1700 to +1400
    ref = _reference(eta)
    family = LogNormal()
    torch.testing.assert_close(family.log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.log_survival(y, eta), torch.from_numpy(ref.logsf(y.numpy())), rtol=1e-8, atol=1e-300)
    torch.testing.assert_close(family.cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.01, 0.5, 0.95])
    torch.testing.assert_close(family.quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.mean(eta), torch.from_numpy(ref.mean()), rtol=1e-8, atol=0)


def test_init_eta_is_mle(global_random_seed: int) -> None:
    y = scipy.stats.lognorm.rvs(s=0.8, scale=np.exp(1.5), size=300, random_state=global_random_seed)
    init = LogNormal().init_eta(torch.from_numpy(y))
    assert init[0].item() == pytest.approx(np.log(y).mean(), rel=1e-12)
    assert np.logaddexp(0, init[1].item()) == pytest.approx(np.log(y).std(), rel=1e-10)


def test_registry_round_trip() -> None:
    assert get_family("log_normal") == LogNormal()
    assert LogNormal.from_config(LogNormal().to_config()) == LogNormal()


def test_check_target_rejects_zero_and_nan() -> None:
    with pytest.raises(ValueError, match=r"`y` of LogNormal must lie in the support positive reals \(0, inf\)\. Got 2 value\(s\) outside it: \[0.0, nan\]"):
        LogNormal().check_target([0.0, 1.0, np.nan])
