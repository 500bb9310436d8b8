"""Gamma family (mean-shape parametrisation) against scipy.stats.gamma."""

import mpmath
import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Gamma

F64 = torch.float64


def _reference(eta: torch.Tensor):
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


def test_log_survival_matches_scipy_and_mpmath() -> None:
    eta = torch.tensor([[0.0, 0.0], [2.0, -3.0], [-1.0, 4.0]], dtype=F64).repeat_interleave(4, 0)
    y = torch.tensor([1e-8, 1.0, 7.5, 60.0], dtype=F64).repeat(3)
    log_sf = torch.from_numpy(_reference(eta).logsf(y.numpy()))
    torch.testing.assert_close(Gamma().log_survival(y, eta)[y > 1e-8], log_sf[y > 1e-8], rtol=1e-8, atol=0)
    # near y = 0, log S = log1p(-P) ~ -P is tiny; scipy's log(sf) rounds it to 0, mpmath does not
    shape, mean = np.logaddexp(0, eta[:, 1].numpy()), np.exp(eta[:, 0].numpy())
    with mpmath.workdps(50):  # 50 digits: log(1 - 4e-30) must not round to 0
        exact = [float(mpmath.log(mpmath.gammainc(k, k / m * yi, regularized=True))) for k, m, yi in zip(shape, mean, y.tolist())]
    torch.testing.assert_close(Gamma().log_survival(y, eta), torch.tensor(exact, dtype=F64), rtol=1e-8, atol=0)
    # far upper tail: scipy's logsf is -inf (log of an underflowed sf); mpmath's regularised gammainc is not
    eta = torch.tensor([[0.0, 0.5413], [0.0, 3.0]], dtype=F64)  # mean 1, shapes 1 and softplus(3)
    y = torch.tensor([900.0, 400.0], dtype=F64)
    shape = np.logaddexp(0, eta[:, 1].numpy())
    expected = [float(mpmath.log(mpmath.gammainc(k, k * yi, regularized=True))) for k, yi in zip(shape, y.tolist())]
    assert np.isneginf(_reference(eta).logsf(y.numpy())).all()
    torch.testing.assert_close(Gamma().log_survival(y, eta), torch.tensor(expected, dtype=F64), rtol=1e-8, atol=0)


def test_log_survival_gradcheck() -> None:
    # torch has no derivative of gammaincc in its first argument; log_gammaincc supplies one
    eta = torch.tensor([[0.3, 0.2], [-0.5, 1.5], [0.0, -1.0]], dtype=F64, requires_grad=True)
    y = torch.tensor([0.7, 2.0, 0.1], dtype=F64)
    assert torch.autograd.gradcheck(lambda e: Gamma().log_survival(y, e), (eta,), atol=1e-6)
