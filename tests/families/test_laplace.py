"""Laplace family against scipy.stats.laplace; its intercept-only MLE is the median."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import Laplace

F64 = torch.float64


def _grid() -> tuple[torch.Tensor, torch.Tensor]:
    eta = torch.tensor([[0.0, 0.0], [-3.0, -4.0], [2.5, 3.0]], dtype=F64)
    # scipy's laplace.logpdf is log(pdf): it underflows to -inf beyond |z| ~ 745, so the grid stays inside
    y = torch.tensor([-8.0, -1.0, 0.0, 2.5, 9.0], dtype=F64)
    return eta.repeat_interleave(len(y), 0), y.repeat(len(eta))


def test_log_prob_cdf_quantile_match_scipy() -> None:
    eta, y = _grid()
    p = Laplace().split(eta)
    ref = scipy.stats.laplace(loc=p["loc"].numpy(), scale=p["scale"].numpy())
    torch.testing.assert_close(Laplace().log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(Laplace().cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.01, 0.5, 0.8])
    torch.testing.assert_close(Laplace().quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-6, atol=1e-12)


def test_init_eta_is_median_and_mean_absolute_deviation() -> None:
    y = torch.tensor([0.0, 1.0, 2.0, 10.0, 4.0], dtype=F64)  # median 2, mean |y - 2| = 13/5
    init = Laplace().init_eta(y)
    assert init[0].item() == 2.0
    assert Laplace().links["scale"].inverse(init[1]).item() == pytest.approx(13 / 5, rel=1e-12)


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of Laplace must lie in the support real numbers .* Got 1 value\(s\) outside it: \[-inf\]"):
        Laplace().check_target([1.0, -np.inf])
