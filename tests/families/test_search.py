"""Vectorised quantile searches against scipy ppf."""

import math

import numpy as np
import scipy.stats
import torch

from deepstat.families.search import continuous_quantile, discrete_quantile

F64 = torch.float64


def test_continuous_quantile_on_the_real_line() -> None:
    loc = torch.tensor([-1e4, 0.0, 3.0], dtype=F64)
    q = torch.tensor([[1e-6], [0.5], [0.999]], dtype=F64).expand(3, 3)
    x = continuous_quantile(lambda y: torch.special.ndtr(y - loc), q, -math.inf, math.inf)
    expected = scipy.stats.norm.ppf(q.numpy(), loc=loc.numpy())
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-10, atol=1e-10)


def test_continuous_quantile_on_a_bounded_support() -> None:
    q = torch.tensor([[0.1, 0.6]], dtype=F64)
    x = continuous_quantile(lambda y: y**2, q, 0.0, 1.0)  # CDF of sqrt(U): quantile sqrt(q)
    np.testing.assert_allclose(x.numpy(), np.sqrt(q.numpy()), rtol=1e-14)


def test_discrete_quantile_matches_scipy_poisson() -> None:
    mu = torch.tensor([0.01, 1.0, 40.0, 1e4], dtype=F64)
    q = torch.tensor([0.001, 0.3, 0.5, 0.999], dtype=F64)[:, None].expand(4, 4)
    y = discrete_quantile(lambda k: torch.special.gammaincc(k + 1, mu), q)
    np.testing.assert_array_equal(y.numpy(), scipy.stats.poisson.ppf(q.numpy(), mu.numpy()))
