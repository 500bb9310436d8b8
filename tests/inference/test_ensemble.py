"""Tests of deep ensembles (Lakshminarayanan, Pritzel & Blundell 2017)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.inference import DeepEnsemble, EqualMixture
from deepstat.nn import MLP


@pytest.fixture
def data(rng):
    X = rng.normal(size=(150, 2))
    return X, X[:, 0] - X[:, 1] + 0.5 * rng.normal(size=150)


@pytest.fixture
def ensemble(data):
    base = DeepRegressor(network=MLP(hidden_sizes=(8,), linear_skip=False), max_epochs=10, verbose=0)  # members differ by their networks
    return DeepEnsemble(base, n_members=3, random_state=0).fit(*data)


def test_members_are_independently_seeded_clones(ensemble, data):
    assert len(ensemble.estimators_) == 3
    assert len(set(ensemble.seeds_.tolist())) == 3
    assert [m.random_state for m in ensemble.estimators_] == ensemble.seeds_.tolist()
    preds = [m.predict(data[0][:5]) for m in ensemble.estimators_]
    assert not np.allclose(preds[0], preds[1])  # different seeds, different networks
    again = DeepEnsemble(ensemble.estimator, n_members=3, random_state=0).fit(*data)
    np.testing.assert_array_equal(again.seeds_, ensemble.seeds_)
    np.testing.assert_allclose(again.predict(data[0]), ensemble.predict(data[0]))


def test_mixture_log_prob_is_the_logmeanexp_of_the_members(ensemble, data):
    X, y = data
    member_lp = np.stack([m.predict_distribution(X).log_prob(torch.as_tensor(y, dtype=torch.float32)).double().numpy()
                          for m in ensemble.estimators_])  # (M, n)
    hand = logsumexp(member_lp, axis=0) - np.log(3)
    mix = ensemble.predict_distribution(X)
    assert isinstance(mix, EqualMixture)
    np.testing.assert_allclose(mix.log_prob(torch.as_tensor(y, dtype=torch.float32)).double().numpy(), hand, rtol=1e-5)
    assert ensemble.log_likelihood(X, y) == pytest.approx(hand.mean(), rel=1e-5)
    # the mean of the mixture is the mean of the member means
    np.testing.assert_allclose(ensemble.predict(X), np.mean([m.predict(X) for m in ensemble.estimators_], axis=0), rtol=1e-5)


def test_interval_is_the_mixture_quantile_pair(ensemble, data):
    X = data[0][:7]
    band = ensemble.predict_interval(X, 0.1)
    cdf = ensemble.predict_distribution(X).cdf(torch.as_tensor(band.T)).numpy()  # (2, n)
    np.testing.assert_allclose(cdf, np.broadcast_to([[0.05], [0.95]], cdf.shape), atol=1e-5)
    # the mixture is wider than the narrowest member's interval
    member_width = min(np.diff(m.predict_interval(X, 0.1), axis=1).mean() for m in ensemble.estimators_)
    assert np.diff(band, axis=1).mean() >= member_width - 1e-6
    draws = ensemble.sample(X, 4, random_state=0)
    assert draws.shape == (4, 7)
    np.testing.assert_array_equal(draws, ensemble.sample(X, 4, random_state=0))


def test_classifier_ensemble_averages_probabilities(rng):
    X = rng.normal(size=(120, 2))
    y = np.where(X[:, 0] + rng.normal(size=120) > 0, "yes", "no")
    ens = DeepEnsemble(DeepClassifier(network=MLP(hidden_sizes=(4,)), max_epochs=5, verbose=0), n_members=2, random_state=1).fit(X, y)
    probas = [m.predict_proba(X) for m in ens.estimators_]
    np.testing.assert_allclose(ens.predict_proba(X), (probas[0] + probas[1]) / 2)
    assert ens.classes_.tolist() == ["no", "yes"]
    assert set(ens.predict(X)) <= {"no", "yes"}
    hand = np.mean(np.log(ens.predict_proba(X)[np.arange(120), (y == "yes").astype(int)]))
    assert ens.log_likelihood(X, y) == pytest.approx(hand)
    with pytest.raises(ValueError, match="predict_distribution needs a regressor"):
        ens.predict_distribution(X)


def test_bad_input(data):
    X, y = data
    with pytest.raises(ValueError, match="`n_members` of DeepEnsemble must be an integer >= 1. Got 0 instead"):
        DeepEnsemble(DeepRegressor(verbose=0), n_members=0).fit(X, y)
    with pytest.raises(ValueError, match="`estimator` of DeepEnsemble must have a `random_state` parameter"):
        DeepEnsemble(LinearRegression()).fit(X, y)
    with pytest.raises(NotFittedError):
        DeepEnsemble(DeepRegressor(verbose=0)).predict(X)
    ens = DeepEnsemble(DeepRegressor(network="linear", max_epochs=2, verbose=0), n_members=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="`alpha` of DeepEnsemble.predict_interval must be a miscoverage level"):
        ens.predict_interval(X, 1.0)
    with pytest.raises(ValueError, match="`q` of DeepEnsemble.predict_quantiles must lie in the open interval"):
        ens.predict_quantiles(X, [0.5, 1.0])
    with pytest.raises(ValueError, match="`n_samples` of DeepEnsemble.sample must be an integer >= 1"):
        ens.sample(X, 0)
