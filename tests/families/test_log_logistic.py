"""Log-logistic family against scipy.stats.fisk, and mpmath where scipy's logsf underflows."""

import mpmath
import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.families import LogLogistic, LogLogisticDistribution, get_family

F64 = torch.float64


def _reference(eta: torch.Tensor):
    scale, shape = np.exp(eta[:, 0].numpy()), np.logaddexp(0, eta[:, 1].numpy())  # log and softplus links
    return scipy.stats.fisk(c=shape, scale=scale)


def test_log_prob_log_survival_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0, 0.5413], [2.0, -3.0], [-1.0, 4.0], [5.0, 1.0]], dtype=F64).repeat_interleave(5, 0)
    y = torch.tensor([1e-30, 1e-4, 0.5, 3.0, 1e5], dtype=F64).repeat(4)
    ref = _reference(eta)
    family = LogLogistic()
    torch.testing.assert_close(family.log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    # scipy's logsf underflows to -inf at (scale e^-1, c = softplus(4), y = 1e5): compare with the exact -log1p((y/s)^c)
    scale, c = np.exp(eta[:, 0].numpy()), np.logaddexp(0, eta[:, 1].numpy())
    exact = [float(-mpmath.log1p((mpmath.mpf(yi) / si) ** ci)) for yi, si, ci in zip(y.tolist(), scale, c)]
    torch.testing.assert_close(family.log_survival(y, eta), torch.tensor(exact, dtype=F64), rtol=1e-8, atol=1e-300)
    torch.testing.assert_close(family.cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.01, 0.5, 0.95])
    torch.testing.assert_close(family.quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-8, atol=0)


def test_far_upper_tail_matches_mpmath() -> None:
    # scipy's fisk.logsf is -inf at y = 1e200 (log1p(-cdf) with cdf rounded to 1); the exact value is -c log(y / s)
    eta = torch.tensor([[0.0, 0.5413], [1.0, 3.0]], dtype=F64)
    y = torch.tensor([1e200, 1e300], dtype=F64)
    scale, c = np.exp(eta[:, 0].numpy()), np.logaddexp(0, eta[:, 1].numpy())
    expected = [float(-mpmath.log1p((mpmath.mpf(yi) / si) ** ci)) for yi, si, ci in zip(y.tolist(), scale, c)]
    torch.testing.assert_close(LogLogistic().log_survival(y, eta), torch.tensor(expected, dtype=F64), rtol=1e-12, atol=0)


def test_distribution_moments_and_sampling_match_scipy() -> None:
    scale, c = torch.tensor([2.0, 1.0, 0.5], dtype=F64), torch.tensor([3.0, 1.5, 0.8], dtype=F64)
    d, ref = LogLogisticDistribution(scale, c), scipy.stats.fisk(c=c.numpy(), scale=scale.numpy())
    # scipy returns nan where the moment diverges; the integral is +inf there (a positive variable)
    torch.testing.assert_close(d.mean[:2], torch.from_numpy(ref.mean()[:2]), rtol=1e-10, atol=0)
    torch.testing.assert_close(d.variance[:1], torch.from_numpy(ref.var()[:1]), rtol=1e-10, atol=0)
    assert d.mean[2] == np.inf and bool((d.variance[1:] == np.inf).all())
    torch.testing.assert_close(d.mode[0], torch.tensor(2.0 * (2 / 4) ** (1 / 3), dtype=F64))  # s ((c-1)/(c+1))^(1/c)
    torch.manual_seed(0)  # the sampler draws from the global RNG, like torch's distributions
    draws = LogLogisticDistribution(torch.tensor(2.0), torch.tensor(3.0)).sample((4000,))
    assert scipy.stats.kstest(draws.numpy(), scipy.stats.fisk(c=3.0, scale=2.0).cdf).pvalue > 0.01


@settings(max_examples=30, deadline=None)
@given(p=st.floats(1e-6, 1 - 1e-6), log_scale=st.floats(-5, 5), c=st.floats(0.2, 20))
def test_icdf_inverts_cdf(p: float, log_scale: float, c: float) -> None:
    d = LogLogisticDistribution(torch.tensor(np.exp(log_scale), dtype=F64), torch.tensor(c, dtype=F64))
    torch.testing.assert_close(d.cdf(d.icdf(torch.tensor(p, dtype=F64))), torch.tensor(p, dtype=F64), rtol=1e-9, atol=1e-12)


def test_init_eta_recovers_parameters(global_random_seed: int) -> None:
    y = scipy.stats.fisk.rvs(c=2.5, scale=4.0, size=20000, random_state=global_random_seed)
    init = LogLogistic().init_eta(torch.from_numpy(y))
    assert np.exp(init[0].item()) == pytest.approx(4.0, rel=0.02)
    assert np.logaddexp(0, init[1].item()) == pytest.approx(2.5, rel=0.03)


def test_registry_round_trip() -> None:
    assert get_family("log_logistic") == LogLogistic()
    assert LogLogistic.from_config(LogLogistic().to_config()) == LogLogistic()


def test_check_target_rejects_zero_and_inf() -> None:
    with pytest.raises(ValueError, match=r"`y` of LogLogistic must lie in the support positive reals \(0, inf\)\. Got 2 value\(s\) outside it: \[0.0, inf\]"):
        LogLogistic().check_target([0.0, 1.0, np.inf])
