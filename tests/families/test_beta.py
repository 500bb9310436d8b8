"""Beta family (mean-precision, Ferrari & Cribari-Neto 2004) against scipy.stats.beta."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from deepstat.families import Beta

F64 = torch.float64


def _reference(eta: torch.Tensor):  # noqa: ANN202
    mean, precision = scipy.special.expit(eta[:, 0].numpy()), np.logaddexp(0, eta[:, 1].numpy())
    return scipy.stats.beta(a=mean * precision, b=(1 - mean) * precision)


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta = torch.tensor([[0.0, 0.0], [2.0, 3.0], [-1.5, -2.0], [0.5, 6.0]], dtype=F64).repeat_interleave(5, 0)
    y = torch.tensor([1e-10, 0.2, 0.5, 0.9, 1 - 1e-10], dtype=F64).repeat(4)  # just inside both ends
    ref = _reference(eta)
    torch.testing.assert_close(Beta().log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(Beta().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.05, 0.5, 0.9])
    torch.testing.assert_close(Beta().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(Beta().mean(eta), torch.from_numpy(ref.mean()))
    torch.testing.assert_close(Beta().variance(eta), torch.from_numpy(ref.var()))


def test_float32_upper_tail_keeps_positive_concentrations() -> None:
    dist = Beta().distribution(torch.tensor([[40.0, 40.0]]))  # sigmoid(40) == 1 in float32
    assert dist.concentration0.item() > 0


def test_init_eta_matches_moments(global_random_seed: int) -> None:
    y = scipy.stats.beta.rvs(2.0, 5.0, size=500, random_state=global_random_seed)
    init = Beta().init_eta(torch.from_numpy(y))
    m = y.mean()
    assert scipy.special.expit(init[0].item()) == pytest.approx(m, rel=1e-12)
    assert np.logaddexp(0, init[1].item()) == pytest.approx(m * (1 - m) / y.var() - 1, rel=1e-10)


def test_check_target_rejects_the_ends() -> None:
    with pytest.raises(ValueError, match=r"`y` of Beta must lie in the support the open interval \(0, 1\)\. Got 2 value\(s\) outside it: \[0.0, 1.0\] instead\. Squeeze"):
        Beta().check_target(np.array([0.0, 0.5, 1.0]))
