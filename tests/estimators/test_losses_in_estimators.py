"""Named losses in DeepRegressor / DeepClassifier: statsmodels RLM reference, adaptive Barron, imbalance, saving."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import torch

from deepstat.datasets import load
from deepstat.estimators import DeepClassifier, DeepRegressor, load as load_model
from deepstat.losses import BarronAdaptiveLoss, FocalLoss
from deepstat.nn import MLP

LINEAR = dict(network="linear", optimizer="lbfgs", max_epochs=50, early_stopping=False, dtype="float64", random_state=0, verbose=0)
SMALL = dict(network=MLP(hidden_sizes=(8,)), max_epochs=20, early_stopping=False, random_state=0, verbose=0)


@pytest.mark.parametrize(
    ("loss", "norm", "tuning"),
    [("huber", sm.robust.norms.HuberT(t=1.345), 1.345), ("tukey", sm.robust.norms.TukeyBiweight(c=4.685), 4.685)],
)
def test_linear_model_reproduces_rlm_on_stackloss(loss: str, norm, tuning: float) -> None:
    """RLM minimises sum rho(r_i / s) with s = MAD(r) / 0.6745 (center 0) re-estimated at every step.

    Since rho_{t s}(r) = s^2 rho_t(r / s) for both losses, the same fixed point is reached by
    fitting with delta = t * s and updating s = mad(residuals, center=0) until s stops changing,
    started, as RLM is, from the OLS residuals. Reference: statsmodels RLM, tuning constants of the issue.
    """
    data = load("stackloss")
    X, y = np.asarray(data.X, float), np.asarray(data.y, float)
    Xc = sm.add_constant(X)
    ref = sm.RLM(y, Xc, M=norm).fit(tol=1e-12, maxiter=500)
    s = sm.robust.scale.mad(y - Xc @ np.linalg.lstsq(Xc, y, rcond=None)[0], center=0)
    for _ in range(60):
        model = DeepRegressor(loss=loss, loss_params={"delta": tuning * s}, **LINEAR).fit(X, y)
        coef = model.linear_coefficients().to_numpy()[0]
        s_new = sm.robust.scale.mad(y - Xc @ coef, center=0)
        if abs(s_new - s) <= 1e-10 * s:
            break
        s = s_new
    np.testing.assert_allclose(coef, ref.params, rtol=1e-6)
    assert s == pytest.approx(ref.scale, rel=1e-6)


def test_barron_adaptive_trains_its_parameters_and_saves(rng: np.random.Generator, tmp_path) -> None:
    X = rng.normal(size=(400, 1))
    y = 2 * X[:, 0] + 0.5 * rng.standard_cauchy(400)  # heavy tails: the fitted shape should move below 1
    model = DeepRegressor(loss="barron_adaptive", **LINEAR).fit(X, y)
    loss = model.loss_
    assert isinstance(loss, BarronAdaptiveLoss)
    assert float(loss.alpha_) < 0.5  # started at 1
    assert model.module_.loss is loss  # registered inside the fitted module, so the optimiser saw it
    assert abs(model.linear_coefficients().iloc[0, 1] - 2.0) < 0.2
    model.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert float(back.loss_.alpha_) == pytest.approx(float(loss.alpha_)) and float(back.loss_.scale_) == pytest.approx(float(loss.scale_))


@pytest.mark.parametrize("name", ["huber", "tukey", "barron"])
def test_named_losses_fit_predict_save(rng: np.random.Generator, tmp_path, name: str) -> None:
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + rng.normal(size=80)
    model = DeepRegressor(loss=name, **SMALL).fit(X, y)
    assert model.predict(X).shape == (80,)
    model.save(tmp_path / name)
    back = load_model(tmp_path / name)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="needs a likelihood family"):
        model.predict_distribution(X)


def test_regressor_bad_loss(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(20, 1)), rng.normal(size=20)
    with pytest.raises(ValueError, match="`loss` of DeepRegressor must be one of"):
        DeepRegressor(loss="l7", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="`loss_params` of DeepRegressor must be keyword arguments of HuberLoss"):
        DeepRegressor(loss="huber", loss_params={"t": 1.0}, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="`scale` of BarronLoss must be a finite float > 0"):
        DeepRegressor(loss="barron", loss_params={"scale": -1.0}, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=r"`alpha` of BarronAdaptiveLoss must be a float in \(0.0, 4.0\)"):
        DeepRegressor(loss="barron_adaptive", loss_params={"alpha": 5.0}, **SMALL).fit(X, y)


def _imbalanced(rng: np.random.Generator, n: int = 400):
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 1.3).astype(int)  # about 10% positives
    return X, y


@pytest.mark.parametrize(
    ("loss", "params"),
    [("focal", {"gamma": 2.0, "alpha": 0.75}), ("cost_sensitive", {"cost_matrix": [[0, 1], [5, 0]]}), ("class_balanced", {"beta": 0.999})],
)
def test_classifier_losses_raise_minority_recall(rng: np.random.Generator, loss: str, params: dict) -> None:
    X, y = _imbalanced(rng)
    common = dict(network="linear", optimizer="lbfgs", max_epochs=30, early_stopping=False, random_state=0, verbose=0)
    plain = DeepClassifier(**common).fit(X, y)
    other = DeepClassifier(loss=loss, loss_params=params, **common).fit(X, y)
    recall = lambda m: (m.predict(X)[y == 1] == 1).mean()  # noqa: E731
    assert recall(other) > recall(plain)
    proba = other.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    logit = other._eta(X)[:, 0].double()
    np.testing.assert_allclose(proba[:, 1], torch.sigmoid(logit).numpy())  # predict_proba stays the sigmoid of the logits


def test_focal_gamma_zero_equals_cross_entropy_fit(rng: np.random.Generator) -> None:
    X, y = _imbalanced(rng, 200)
    common = dict(network=MLP(hidden_sizes=(4,)), optimizer="lbfgs", max_epochs=10, early_stopping=False, random_state=0, verbose=0, dtype="float64")
    a = DeepClassifier(**common).fit(X, y).predict_proba(X)
    b = DeepClassifier(loss="focal", loss_params={"gamma": 0.0}, **common).fit(X, y)
    assert isinstance(b.loss_, FocalLoss)
    # the same objective up to rounding (tested exactly in tests/losses); L-BFGS paths then differ in the last digits
    np.testing.assert_allclose(b.predict_proba(X), a, rtol=1e-5, atol=1e-8)


def test_classifier_multiclass_and_save(rng: np.random.Generator, tmp_path) -> None:
    X = rng.normal(size=(150, 2))
    y = np.array(["a", "b", "c"])[np.argmax(X @ rng.normal(size=(2, 3)), axis=1)]
    model = DeepClassifier(loss="cost_sensitive", loss_params={"cost_matrix": np.array([[0, 1, 1], [2, 0, 2], [1, 1, 0]])}, **SMALL).fit(X, y)
    model.save(tmp_path / "c")
    np.testing.assert_array_equal(load_model(tmp_path / "c").predict_proba(X), model.predict_proba(X))


def test_classifier_bad_loss_params(rng: np.random.Generator) -> None:
    X, y = _imbalanced(rng, 60)
    with pytest.raises(ValueError, match="`loss` of DeepClassifier must be one of"):
        DeepClassifier(loss="dice", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=r"`cost_matrix` of DeepClassifier must have shape \(2, 2\)"):
        DeepClassifier(loss="cost_sensitive", loss_params={"cost_matrix": np.ones((3, 3))}, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="must give a cost_matrix"):
        DeepClassifier(loss="cost_sensitive", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="finite non-negative costs"):
        DeepClassifier(loss="cost_sensitive", loss_params={"cost_matrix": [[0, -1], [1, 0]]}, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=r"`loss_params` of DeepClassifier must have keys among \['alpha', 'gamma'\]"):
        DeepClassifier(loss="focal", loss_params={"beta": 0.9}, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="`gamma` of FocalLoss"):
        DeepClassifier(loss="focal", loss_params={"gamma": -1.0}, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=r"`beta` of class_balanced_weights must be a float in \[0, 1\)"):
        DeepClassifier(loss="class_balanced", loss_params={"beta": 1.0}, **SMALL).fit(X, y)
