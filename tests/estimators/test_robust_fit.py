"""Huber and Tukey fits with an estimated scale: the linear predictor against statsmodels RLM, the network on diabetes."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from deepstat.estimators import DeepRegressor, load as load_model
from deepstat.losses import BarronAdaptiveLoss, HuberLoss, TukeyBiweightLoss
from deepstat.train import ConvergenceWarning

# the tuning constants of the issue: statsmodels' HuberT / TukeyBiweight defaults, 95% efficient at the normal
NORMS = {"huber": sm.robust.norms.HuberT(t=1.345), "tukey": sm.robust.norms.TukeyBiweight(c=4.685)}


def _stackloss() -> tuple[np.ndarray, np.ndarray]:
    data = sm.datasets.stackloss.load_pandas()  # Brownlee (1965), the classical robust-regression example
    return np.asarray(data.exog, float), np.asarray(data.endog, float)


def _rlm(X: np.ndarray, y: np.ndarray, loss: str, scale_est: str):
    estimator = "mad" if scale_est == "mad" else sm.robust.scale.HuberScale()
    return sm.RLM(y, sm.add_constant(X), M=NORMS[loss]).fit(scale_est=estimator, tol=1e-12, maxiter=1000)


@pytest.mark.parametrize("scale_est", ["mad", "huber"])
@pytest.mark.parametrize("loss", ["huber", "tukey"])
def test_linear_fit_with_default_settings_is_rlm_on_stackloss(loss: str, scale_est: str) -> None:
    X, y = _stackloss()
    ref = _rlm(X, y, loss, scale_est)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # every round's L-BFGS fit and the rounds converge
        model = DeepRegressor(loss=loss, loss_params={"scale_est": scale_est}, network="linear", verbose=0).fit(X, y)
    np.testing.assert_allclose(model.linear_coefficients().to_numpy()[0], ref.params, rtol=1e-4)
    assert model.scale_ == pytest.approx(ref.scale, rel=1e-4)
    assert isinstance(model.loss_, HuberLoss if loss == "huber" else TukeyBiweightLoss)
    assert model.loss_.delta / model.scale_ == pytest.approx(1.345 if loss == "huber" else 4.685, rel=1e-6)
    assert len(model.scale_history_) >= 2 and model.scale_history_[-1] == model.scale_


@pytest.mark.parametrize("loss", ["huber", "tukey"])
def test_linear_fit_is_rlm_on_diabetes_whatever_the_units(loss: str) -> None:
    """y in the hundreds (and in thousandths): the tuning constant is in units of the estimated scale."""
    X, y = load_diabetes(return_X_y=True)
    ref = _rlm(X, y, loss, "mad")
    model = DeepRegressor(loss=loss, network="linear", verbose=0).fit(X, y)
    np.testing.assert_allclose(model.linear_coefficients().to_numpy()[0], ref.params, rtol=1e-4)
    assert model.scale_ == pytest.approx(ref.scale, rel=1e-4)
    small = DeepRegressor(loss=loss, network="linear", verbose=0).fit(X, y / 1000)
    np.testing.assert_allclose(small.linear_coefficients().to_numpy()[0], ref.params / 1000, rtol=1e-4)


def test_sample_weight_is_rlm_on_repeated_rows(rng: np.random.Generator) -> None:
    X, y = _stackloss()
    counts = rng.integers(1, 4, size=len(y))
    ref = _rlm(np.repeat(X, counts, axis=0), np.repeat(y, counts), "huber", "huber")
    model = DeepRegressor(loss="huber", loss_params={"scale_est": "huber"}, network="linear", verbose=0)
    model.fit(X, y, sample_weight=counts.astype(float))
    np.testing.assert_allclose(model.linear_coefficients().to_numpy()[0], ref.params, rtol=1e-4)
    assert model.scale_ == pytest.approx(ref.scale, rel=1e-4)


def test_a_given_scale_is_used_as_is() -> None:
    """RLM with update_scale=False at the same scale: the threshold is delta * scale, no rounds."""
    X, y = _stackloss()
    ref = sm.RLM(y, sm.add_constant(X), M=NORMS["tukey"]).fit(start_scale=3.0, update_scale=False, tol=1e-12, maxiter=1000)
    model = DeepRegressor(loss="tukey", loss_params={"scale": 3.0}, network="linear", verbose=0).fit(X, y)
    np.testing.assert_allclose(model.linear_coefficients().to_numpy()[0], ref.params, rtol=1e-4)
    assert model.loss_.delta == pytest.approx(4.685 * 3.0) and model.scale_history_ == [3.0]
    # a delta alone keeps its meaning of a threshold in the units of y
    fixed = DeepRegressor(loss="huber", loss_params={"delta": 2.0}, network="linear", verbose=0).fit(X, y)
    assert fixed.loss_.delta == 2.0 and fixed.scale_ == 1.0


def test_rounds_that_do_not_converge_warn() -> None:
    X, y = _stackloss()
    with pytest.warns(ConvergenceWarning, match=r"residual scale of DeepRegressor\(loss='huber'\) still changed by .* in the last of 1 rounds"):
        model = DeepRegressor(loss="huber", loss_params={"max_rounds": 1}, network="linear", verbose=0).fit(X, y)
    assert len(model.scale_history_) == 2  # the least-squares start and one refit


def test_bad_loss_params() -> None:
    X, y = _stackloss()
    common = dict(network="linear", verbose=0)
    with pytest.raises(ValueError, match=r"`loss_params\['scale_est'\]` of DeepRegressor must be one of \['mad', 'huber'\]"):
        DeepRegressor(loss="tukey", loss_params={"scale_est": "qn"}, **common).fit(X, y)
    with pytest.raises(ValueError, match=r"`loss_params\['max_rounds'\]` of DeepRegressor must be an int >= 1"):
        DeepRegressor(loss="huber", loss_params={"max_rounds": 0}, **common).fit(X, y)
    with pytest.raises(ValueError, match=r"`loss_params\['scale'\]` of DeepRegressor must be None \(estimate it\) or a finite float > 0"):
        DeepRegressor(loss="huber", loss_params={"scale": -1.0}, **common).fit(X, y)
    with pytest.raises(ValueError, match="`delta` of HuberLoss must be a finite float > 0"):
        DeepRegressor(loss="huber", loss_params={"delta": 0.0, "scale": None}, **common).fit(X, y)


def _diabetes_split(seed: int):
    X, y = load_diabetes(return_X_y=True)  # y in the hundreds: a fixed-threshold Tukey fit never moved (R^2 -0.095)
    return train_test_split(X, y, test_size=0.25, random_state=seed)


def test_default_network_tukey_learns_on_diabetes() -> None:
    """Measured on three held-out splits: test R^2 0.302, 0.441, 0.447 (the default Normal model: 0.356, 0.438, 0.435)."""
    scores = []
    for seed in range(3):
        X_train, X_test, y_train, y_test = _diabetes_split(seed)
        model = DeepRegressor(loss="tukey", random_state=0, verbose=0).fit(X_train, y_train)
        scores.append(model.score(X_test, y_test))
        assert 20.0 < model.scale_ < 80.0  # the residual SD of OLS on diabetes is about 54
    assert min(scores) > 0.2 and np.mean(scores) > 0.3


def test_default_network_barron_adaptive_starts_at_the_residual_scale(tmp_path) -> None:
    """Started at the marginal MAD (91), the adaptive scale moved slowly and early stopping let the mean overfit (R^2 0.10)."""
    scores = []
    for seed in range(3):  # measured 0.231, 0.438, 0.446 (the default Normal model: 0.356, 0.438, 0.435)
        X_train, X_test, y_train, y_test = _diabetes_split(seed)
        model = DeepRegressor(loss="barron_adaptive", random_state=0, verbose=0).fit(X_train, y_train)
        assert isinstance(model.loss_, BarronAdaptiveLoss) and model.module_.loss is model.loss_
        assert model.scale_history_[0] < 70.0  # the MAD of the least-squares residuals, not of y
        scores.append(model.score(X_test, y_test))
    assert min(scores) > 0.2 and np.mean(scores) > 0.3


@pytest.mark.parametrize("loss", ["huber", "barron_adaptive"])
def test_saved_rounds_fit_predicts_the_same(tmp_path, loss: str) -> None:
    X, y = _stackloss()
    model = DeepRegressor(loss=loss, network="linear", verbose=0).fit(X, y)
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict(X), model.predict(X))


def test_the_estimated_scale_is_saved_and_loaded(tmp_path) -> None:
    X, y = load_diabetes(return_X_y=True)
    model = DeepRegressor(loss="huber", network="linear", verbose=0, random_state=0).fit(X, y)
    model.save(tmp_path / "m")
    loaded = DeepRegressor.load(tmp_path / "m")
    assert loaded.scale_ == model.scale_ and loaded.scale_history_ == model.scale_history_
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["fit_stats"]["scale"] = -1.0
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"`fit_stats.scale` and `fit_stats.scale_history` of .* must be a positive number"):
        DeepRegressor.load(tmp_path / "m")
