"""von Mises family against scipy.stats.vonmises."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import VonMises

F64 = torch.float64


def _grid() -> tuple[torch.Tensor, torch.Tensor]:
    eta = torch.tensor([[0.0, 0.0], [2.0, 3.0], [-3.0, -2.0], [7.0, 60.0]], dtype=F64)  # loc 7 wraps around
    y = torch.tensor([-math.pi, -1.0, 0.0, 2.0, math.pi], dtype=F64)  # incl. both ends of [-pi, pi]
    return eta.repeat_interleave(len(y), 0), y.repeat(len(eta))


def test_log_prob_matches_scipy() -> None:
    eta, y = _grid()
    kappa = np.logaddexp(0, eta[:, 1].numpy())
    expected = scipy.stats.vonmises.logpdf(y.numpy(), kappa, loc=eta[:, 0].numpy())
    torch.testing.assert_close(VonMises().log_prob(y, eta), torch.from_numpy(expected), rtol=1e-8, atol=0)


def test_cdf_runs_from_minus_pi_and_quantile_matches_scipy_at_loc_zero() -> None:
    eta, y = _grid()
    kappa, loc = np.logaddexp(0, eta[:, 1].numpy()), eta[:, 0].numpy()
    vm = scipy.stats.vonmises
    expected = vm.cdf(y.numpy(), kappa, loc=loc) - vm.cdf(-math.pi, kappa, loc=loc)  # mass on [-pi, y]
    torch.testing.assert_close(VonMises().cdf(y, eta), torch.from_numpy(expected), rtol=1e-8, atol=1e-12)
    eta0 = torch.tensor([[0.0, 0.0], [0.0, 2.5]], dtype=F64)
    q = np.array([0.1, 0.5, 0.8])
    ref = vm.ppf(q[:, None], np.logaddexp(0, eta0[:, 1].numpy())).T  # loc 0: scipy's ppf lies in [-pi, pi]
    torch.testing.assert_close(VonMises().quantile(eta0, q), torch.from_numpy(ref), rtol=1e-6, atol=1e-9)


def test_mean_is_wrapped_and_samples_lie_on_the_circle() -> None:
    eta = torch.tensor([[3 * math.pi / 2, 1.0], [-0.5, 1.0]], dtype=F64)
    torch.testing.assert_close(VonMises().mean(eta), torch.tensor([-math.pi / 2, -0.5], dtype=F64))
    draws = VonMises().sample(eta, 50, generator=torch.Generator().manual_seed(0))
    assert bool(((draws >= -math.pi) & (draws <= math.pi)).all())


def test_init_eta_mean_direction(global_random_seed: int) -> None:
    y = scipy.stats.vonmises.rvs(4.0, loc=2.5, size=2000, random_state=global_random_seed)
    init = VonMises().init_eta(torch.from_numpy(y))
    assert init[0].item() == pytest.approx(np.angle(np.exp(1j * y).mean()), rel=1e-12)
    assert np.logaddexp(0, init[1].item()) == pytest.approx(4.0, rel=0.15)  # Banerjee et al. 2005 approximation


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of VonMises must lie in the support angles in radians \[-pi, pi\]\. Got 1 value\(s\) outside it: \[4.0\] instead\. Wrap"):
        VonMises().check_target([0.0, 4.0])
