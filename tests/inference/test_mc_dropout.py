"""Tests of MC dropout (Gal & Ghahramani 2016)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from sklearn.exceptions import NotFittedError

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.inference import MCDropout
from deepstat.nn import MLP


@pytest.fixture
def data(rng):
    X = rng.normal(size=(200, 2))
    return X, X[:, 0] + 0.3 * rng.normal(size=200)


@pytest.fixture
def net(data):
    return DeepRegressor(network=MLP(hidden_sizes=(16,), dropout=0.3, batch_norm=True, linear_skip=False), max_epochs=10, random_state=0, verbose=0).fit(*data)


def test_reproducible_with_random_state_and_random_across_seeds(net, data):
    X = data[0][:20]
    a = MCDropout(net, n_samples=30, random_state=0)
    np.testing.assert_array_equal(a.predict(X), a.predict(X))
    np.testing.assert_array_equal(a.predict(X), MCDropout(net, n_samples=30, random_state=0).predict(X))
    assert not np.allclose(a.predict(X), MCDropout(net, n_samples=30, random_state=1).predict(X))
    # the passes differ from the deterministic (eval mode) network
    assert not np.allclose(a.predict(X), net.predict(X))


def test_only_dropout_is_stochastic_and_the_network_is_left_in_eval_mode(net, data):
    bn = next(m for m in net.module_.modules() if isinstance(m, torch.nn.BatchNorm1d))
    running = bn.running_mean.clone()
    MCDropout(net, n_samples=10, random_state=0).predict(data[0])
    assert torch.equal(running, bn.running_mean)  # batch norm ran in eval mode: no statistics update
    assert not any(m.training for m in net.module_.modules())
    np.testing.assert_array_equal(net.predict(data[0][:3]), net.predict(data[0][:3]))  # still deterministic


def test_mixture_over_passes_matches_a_hand_logmeanexp(net, data):
    X, y = data
    mc = MCDropout(net, n_samples=25, random_state=3)
    _, etas = mc._etas(X)  # (T, n, n_params), the same seeded passes
    per_pass = np.stack([net.family_.log_prob(torch.as_tensor(y, dtype=eta.dtype), eta).double().numpy() for eta in etas])
    hand = logsumexp(per_pass, axis=0) - np.log(25)
    assert mc.log_likelihood(X, y) == pytest.approx(hand.mean(), rel=1e-5)
    band = mc.predict_interval(X[:5], 0.2)
    cdf = mc.predict_distribution(X[:5]).cdf(torch.as_tensor(band.T, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(cdf, np.broadcast_to([[0.1], [0.9]], cdf.shape), atol=1e-4)


def test_fit_fits_a_clone_and_classifiers_average_probabilities(rng):
    X = rng.normal(size=(150, 2))
    y = np.where(X[:, 0] + rng.normal(size=150) > 0, 1, 0)
    clf = DeepClassifier(network=MLP(hidden_sizes=(8,), dropout=0.2), max_epochs=5, random_state=0, verbose=0)
    mc = MCDropout(clf, n_samples=10, random_state=0).fit(X, y)
    assert not hasattr(clf, "module_")  # the template is not fitted
    proba = mc.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert mc.classes_.tolist() == [0, 1]
    assert mc.log_likelihood(X, y) == pytest.approx(np.mean(np.log(proba[np.arange(150), y])))


def test_bad_input(data):
    X, y = data
    no_dropout = DeepRegressor(network=MLP(hidden_sizes=(8,)), max_epochs=2, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match=r"`network` of MCDropout's estimator must have dropout > 0 for MC dropout. Got MLP\(hidden_sizes=\(8,\)"):
        MCDropout(no_dropout).predict(X)
    with pytest.raises(ValueError, match="`network` of MCDropout's estimator must have dropout > 0"):
        MCDropout(DeepRegressor(verbose=0)).fit(X, y)
    with pytest.raises(NotFittedError, match="`estimator` of MCDropout must be fitted"):
        MCDropout(DeepRegressor(network=MLP(dropout=0.1), verbose=0)).predict(X)
    linear = DeepRegressor(network=MLP(hidden_sizes=(), dropout=0.1), max_epochs=2, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="`network` of MCDropout's estimator must put its dropout in the module"):
        MCDropout(linear).predict(X)
    with_dropout = DeepRegressor(network=MLP(hidden_sizes=(4,), dropout=0.1), max_epochs=2, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="`n_samples` of MCDropout must be an integer >= 1. Got 0 instead"):
        MCDropout(with_dropout, n_samples=0).predict(X)
    from sklearn.linear_model import LinearRegression

    with pytest.raises(ValueError, match="`estimator` of MCDropout must have a `network` parameter"):
        MCDropout(LinearRegression().fit(X, y)).predict(X)
