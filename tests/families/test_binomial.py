"""Binomial family (successes out of n trials, n carried in eta's last column) against scipy.stats.binom (issue 11, item 2)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from deepstat.families import Binomial, family_from_config

F64 = torch.float64
LINK_CDFS = {"logit": scipy.stats.logistic, "probit": scipy.stats.norm, "cloglog": scipy.stats.gumbel_l, "cauchit": scipy.stats.cauchy}


def _eta(linear, trials) -> torch.Tensor:
    return torch.stack([torch.as_tensor(linear, dtype=F64), torch.as_tensor(trials, dtype=F64)], dim=-1)  # (..., 2)


@pytest.mark.parametrize("link", list(LINK_CDFS))
def test_log_prob_cdf_quantile_moments_match_scipy(link: str) -> None:
    family = Binomial(link)
    linear = np.repeat([-3.0, -0.4, 0.1, 1.2, 6.0], 4)
    trials = np.tile([1.0, 7.0, 40.0, 1000.0], 5)
    y = np.floor(trials * np.tile([0.0, 0.3, 0.6, 1.0], 5))  # 0, interior and n successes
    eta = _eta(linear, trials)
    p = LINK_CDFS[link].cdf(linear)
    ref = scipy.stats.binom(n=trials, p=p)
    # constants included: log C(n, y) is part of the log-likelihood (scipy's logpmf); at linear = 6 scipy's own
    # 1 - p loses digits (p rounds towards 1), so there the reference is the closed form with scipy's log CDFs
    ours = family.log_prob(torch.from_numpy(y), eta).numpy()
    moderate = np.abs(linear) < 5
    np.testing.assert_allclose(ours[moderate], ref.logpmf(y)[moderate], rtol=1e-9, atol=1e-12)
    dist = LINK_CDFS[link]
    closed = (scipy.special.gammaln(trials + 1) - scipy.special.gammaln(y + 1) - scipy.special.gammaln(trials - y + 1)
              + y * dist.logcdf(linear) + (trials - y) * dist.logsf(linear))
    np.testing.assert_allclose(ours, closed, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(family.cdf(torch.from_numpy(y), eta), torch.from_numpy(ref.cdf(y)), rtol=1e-9, atol=1e-300)
    q = np.array([0.05, 0.5, 0.95])
    np.testing.assert_array_equal(family.quantile(eta, q).numpy(), ref.ppf(q[:, None]).T)
    torch.testing.assert_close(family.mean(eta), torch.from_numpy(ref.mean()), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(family.variance(eta), torch.from_numpy(ref.var()), rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(family.proportion(eta), torch.from_numpy(p), rtol=1e-10, atol=1e-300)


def test_bernoulli_is_one_trial_and_more_successes_than_trials_is_impossible() -> None:
    from deepstat.families import Bernoulli

    linear = torch.tensor([-2.0, 0.3, 4.0], dtype=F64)
    y = torch.tensor([1.0, 0.0, 1.0], dtype=F64)
    for link in ("logit", "probit"):
        torch.testing.assert_close(Binomial(link).log_prob(y, _eta(linear, [1.0, 1.0, 1.0])), Bernoulli(link).log_prob(y, linear[:, None]))
    assert torch.isneginf(Binomial().log_prob(torch.tensor([3.0], dtype=F64), _eta([0.0], [2.0]))).all()


def test_samples_and_batches(global_random_seed: int) -> None:
    family = Binomial("cloglog")
    eta = _eta(torch.full((3, 4), -0.5), torch.full((3, 4), 20.0))  # a (3, 4) batch
    draws = family.sample(eta, 4000, generator=torch.Generator().manual_seed(global_random_seed))
    assert draws.shape == (4000, 3, 4) and bool(((draws >= 0) & (draws <= 20) & (draws == draws.round())).all())
    torch.testing.assert_close(draws, family.sample(eta, 4000, generator=torch.Generator().manual_seed(global_random_seed)))
    se = (family.variance(eta) / 4000).sqrt()  # the Monte Carlo mean within 5 standard errors of n p (seeded)
    assert bool(((draws.mean(0) - family.mean(eta)).abs() < 5 * se).all())
    y = draws[0]
    torch.testing.assert_close(family.log_prob(y, eta), family.log_prob(y.reshape(-1), eta.reshape(-1, 2)).reshape(3, 4))
    w = torch.ones(3, 4, dtype=F64)
    w[0, 0] = 2.0  # weight 2 = a duplicated row
    twice = torch.cat([family.log_prob(y.reshape(-1), eta.reshape(-1, 2)), family.log_prob(y[:1, :1].reshape(-1), eta[:1, :1].reshape(-1, 2))])
    assert float(family.neg_log_likelihood(eta, y, weight=w, reduction="sum")) == pytest.approx(-float(twice.sum()), rel=1e-12)


def test_init_eta_is_the_pooled_proportion_on_the_link_scale() -> None:
    y = torch.tensor([3.0, 0.0, 10.0, 4.0], dtype=F64)
    trials = torch.tensor([10.0, 5.0, 20.0, 5.0], dtype=F64)
    w = torch.tensor([1.0, 2.0, 1.0, 1.0], dtype=F64)
    p = (3 + 0 + 10 + 4) / (10 + 10 + 20 + 5)  # weighted successes / weighted trials: the intercept-only MLE
    for link, dist in LINK_CDFS.items():
        eta0 = Binomial(link).init_eta(y, w, trials=trials)
        assert eta0.shape == (1,) and float(eta0) == pytest.approx(dist.ppf(p), rel=1e-10)
    assert torch.isfinite(Binomial().init_eta(y)).all()  # without trials: a start from n = max(y)
    all_failures = Binomial().init_eta(torch.zeros(4, dtype=F64), trials=trials)
    assert float(torch.sigmoid(all_failures)) == pytest.approx(0.5 / 41)  # (0 + 1/2) / (40 + 1): finite


def test_eta_shape_config_and_link_errors() -> None:
    with pytest.raises(ValueError, match=r"`eta` of Binomial must be a floating tensor of shape \(n, 2\): the linear predictor and the number of trials"):
        Binomial().log_prob(torch.zeros(3, dtype=F64), torch.zeros(3, 1, dtype=F64))
    for link in LINK_CDFS:
        assert family_from_config(Binomial(link).to_config()) == Binomial(link)
    assert Binomial().to_config() == {"name": "binomial"} and Binomial("probit").eta_names() == ["probs"]
    with pytest.raises(ValueError, match=r"`link` of Binomial must be one of \['logit', 'probit', 'cloglog', 'cauchit'\]. Got 'log' instead"):
        Binomial("log")
