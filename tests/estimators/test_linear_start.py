"""The default MLP's linear skip: the classical model first, the network on top (issue 11, item 5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
import torch

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.nn import MLP, LinearSkipModule, MLPModule
from deepstat.nn.heads import DistributionalHead
from deepstat.estimators._linear_start import fit_linear_start
from deepstat.train import TensorBatches, TrainConfig
from deepstat.train.engine import NoImprovementWarning


def _poisson(rng: np.random.Generator, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 3))
    return X, rng.poisson(np.exp(0.5 + X @ np.array([0.4, -0.3, 0.0])))


def test_a_fit_that_barely_trains_is_the_classical_glm(rng: np.random.Generator) -> None:
    """Before the network moves, the default model is statsmodels' GLM: the start is the MLE."""
    X, y = _poisson(rng)
    model = DeepRegressor(family="poisson", optimizer="adam", lr=1e-12, max_epochs=1, early_stopping=False, dtype="float64",
                          random_state=0, verbose=0).fit(X, y)
    assert isinstance(model.module_.body, LinearSkipModule)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(model.predict(X), ref.predict(sm.add_constant(X)), rtol=1e-5)


def test_the_start_is_the_best_candidate_of_early_stopping(rng: np.random.Generator) -> None:
    """On linear data the network adds nothing: the fit keeps the classical model and says so."""
    X, y = _poisson(rng, 200)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = DeepRegressor(family="poisson", lr=0.1, max_epochs=3, random_state=0, verbose=0).fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, NoImprovementWarning)]
    assert messages and "did not improve on the linear model" in messages[0]
    body = model.module_.body
    for p in (body.network.output_layer.weight, body.network.output_layer.bias):
        assert torch.count_nonzero(p) == 0  # the network's output is still exactly zero
    train = model.n_train_
    assert train + model.n_validation_ == 200 and model.n_validation_ == 20


def test_the_linear_start_fits_location_columns_and_constants_on_the_training_rows(rng: np.random.Generator) -> None:
    """Normal family: location linear in x (OLS), log-scale a constant (the MLE sigma), network zero."""
    X = rng.normal(size=(150, 2))
    y = 1.0 + X @ np.array([2.0, -1.0]) + rng.normal(size=150)
    x, t = torch.as_tensor(X), torch.as_tensor(y)
    body = LinearSkipModule(MLPModule(2, 2, hidden_sizes=(4,)))
    module = DistributionalHead(body, 2, 2, [0.0, 0.0], [1.0, 1.0]).double()
    from deepstat.families import Normal

    family = Normal()
    fit_linear_start(module, family.neg_log_likelihood, TensorBatches(x, t), None, TrainConfig(random_state=0, verbose=0), 1)
    ols = sm.OLS(y, sm.add_constant(X)).fit()
    np.testing.assert_allclose(body.linear.weight[0].detach().numpy(), ols.params[1:], rtol=1e-5)
    np.testing.assert_allclose(body.linear.bias[0].item(), ols.params[0], rtol=1e-5)
    sigma_mle = np.sqrt(np.mean(ols.resid**2))
    eta = module(x).detach()
    assert torch.allclose(eta[:, 1], eta[0, 1])  # the scale column does not depend on x
    np.testing.assert_allclose(body.linear.weight[1].detach().numpy(), 0.0)
    assert torch.count_nonzero(body.network.output_layer.weight) == 0
    np.testing.assert_allclose(family.distribution(eta).stddev.numpy(), sigma_mle, rtol=1e-4)


def test_too_few_distinct_rows_for_the_linear_model_means_no_start(rng: np.random.Generator) -> None:
    """8 rows, 10 features: OLS would interpolate (unbounded likelihood), so the linear part starts at zero."""
    x = torch.as_tensor(rng.normal(size=(8, 10)))
    t = torch.as_tensor(rng.normal(size=8))
    body = LinearSkipModule(MLPModule(10, 2, hidden_sizes=(4,)))
    module = DistributionalHead(body, 2, 2, [0.0, 0.0], [1.0, 1.0]).double()
    from deepstat.families import Normal

    before = body.network.output_layer.weight.detach().clone()
    fit_linear_start(module, Normal().neg_log_likelihood, TensorBatches(x.repeat(3, 1), t.repeat(3)), None, TrainConfig(random_state=0, verbose=0), 1)
    assert torch.count_nonzero(body.linear.weight) == 0 and torch.count_nonzero(body.linear.bias) == 0
    assert torch.equal(body.network.output_layer.weight, before)  # the network as initialised


def test_the_default_classifier_is_no_worse_than_the_logistic_glm_on_held_out_rows() -> None:
    """spector (32 rows): the issue's case, where a plain network stopped at p = 0.40 against the GLM's 0.03."""
    from deepstat.datasets import load

    data = load("spector")
    X, y = np.asarray(data.X, float), np.asarray(data.y).astype(int)
    model = DeepClassifier(random_state=0, verbose=0).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    p_ref = ref.predict(sm.add_constant(X))
    p = model.predict_proba(X)[:, 1]
    assert isinstance(model.module_.body, LinearSkipModule)
    # the start is the GLM on the 29 training rows: close to the full-data GLM, nowhere near 0.40 everywhere
    assert np.corrcoef(p, p_ref)[0, 1] > 0.9
    assert -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) < -np.mean(y * np.log(p_ref) + (1 - y) * np.log(1 - p_ref)) + 0.15


def test_linear_skip_must_be_a_bool() -> None:
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"`linear_skip` of MLP \(the network of DeepRegressor\) must be a bool. Got 'yes' instead"):
        DeepRegressor(network=MLP(hidden_sizes=(4,), linear_skip="yes"), verbose=0).fit(X, X[:, 0])


def test_the_network_is_kept_when_it_beats_the_linear_model_and_dropped_when_it_does_not(rng: np.random.Generator) -> None:
    """The one-standard-error rule: a clear non-linearity keeps the network; pure noise on top of a line does not."""
    X = rng.uniform(-2, 2, size=(600, 2))
    y = 2.0 * np.sin(2.0 * X[:, 0]) + X[:, 1] + 0.3 * rng.normal(size=600)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curved = DeepRegressor(random_state=0, verbose=0).fit(X[:400], y[:400])
    assert curved.history_.best_epoch > 0 and torch.count_nonzero(curved.module_.body.network.output_layer.weight) > 0
    ols = sm.OLS(y[:400], sm.add_constant(X[:400])).fit()
    mse_ols = np.mean((y[400:] - ols.predict(sm.add_constant(X[400:]))) ** 2)
    assert np.mean((y[400:] - curved.predict(X[400:])) ** 2) < 0.5 * mse_ols

    y_lin = X[:, 0] - X[:, 1] + rng.normal(size=600)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flat = DeepRegressor(random_state=0, verbose=0).fit(X, y_lin)
    assert any(issubclass(w.category, NoImprovementWarning) for w in caught)
    assert flat.history_.best_epoch == 0
    ref = sm.OLS(y_lin, sm.add_constant(X)).fit()
    np.testing.assert_allclose(flat.predict(X), ref.predict(sm.add_constant(X)), rtol=1e-4, atol=1e-4)  # the OLS fit itself
