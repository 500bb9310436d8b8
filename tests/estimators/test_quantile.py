"""DeepQuantileRegressor: statsmodels QuantReg reference, non-crossing, the prediction API, saving, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from deepstat.datasets import load
from deepstat.estimators import DeepQuantileRegressor, load as load_model
from deepstat.nn import MLP

LINEAR = dict(network="linear", noncrossing=False, optimizer="adam", lr=1e-2, batch_size=None, max_epochs=3000,
              lr_schedule="cosine", early_stopping=False, dtype="float64", random_state=0, verbose=0)
SMALL = dict(network=MLP(hidden_sizes=(8,)), max_epochs=20, early_stopping=False, random_state=0, verbose=0)


def test_linear_model_reproduces_quantreg_on_engel() -> None:
    # reference: statsmodels QuantReg (Koenker & Bassett 1978) at tau 0.1/0.5/0.9; tolerance 1e-2 relative (issue 4)
    data = load("engel")
    X, y = np.asarray(data.X, float), np.asarray(data.y, float)
    model = DeepQuantileRegressor(quantiles=(0.1, 0.5, 0.9), **LINEAR).fit(X, y)
    coef = model.linear_coefficients()
    for tau in (0.1, 0.5, 0.9):
        ref = sm.QuantReg(y, sm.add_constant(X)).fit(q=tau).params
        np.testing.assert_allclose(coef.loc[f"q{tau:g}"].to_numpy(), ref, rtol=1e-3)


def test_noncrossing_and_api(rng: np.random.Generator) -> None:
    X = rng.uniform(-2, 2, size=(300, 2))
    y = X[:, 0] + rng.standard_t(3, size=300) * (0.2 + np.abs(X[:, 1]))
    model = DeepQuantileRegressor(quantiles=(0.05, 0.1, 0.5, 0.9, 0.95), **SMALL).fit(X, y)
    X_new = rng.uniform(-6, 6, size=(500, 2))  # far outside the data too
    q = model.predict_quantiles(X_new)
    # never crossing; far outside the data a linear increment's softplus can round to a tie in float32
    assert q.shape == (500, 5) and (np.diff(q, axis=1) >= 0).all() and (np.diff(q[:, [0, 4]], axis=1) > 0).all()
    np.testing.assert_array_equal(model.predict(X_new), q[:, 2])  # the median
    np.testing.assert_array_equal(model.predict_interval(X_new, alpha=0.1), q[:, [0, 4]])
    np.testing.assert_array_equal(model.predict_quantiles(X_new, 0.9), q[:, [3]])


def test_errors_name_the_fitted_levels(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(50, 1)), rng.normal(size=50)
    model = DeepQuantileRegressor(quantiles=(0.1, 0.5, 0.9), **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=r"`q` of DeepQuantileRegressor.predict_quantiles must be among the fitted levels \[0.1, 0.5, 0.9\]"):
        model.predict_quantiles(X, 0.25)
    with pytest.raises(ValueError, match=r"`alpha` of DeepQuantileRegressor.predict_interval must match the fitted levels \[0.1, 0.5, 0.9\]: alpha/2 = 0.05"):
        model.predict_interval(X, alpha=0.1)
    with pytest.raises(ValueError, match=r"`alpha` of DeepQuantileRegressor.predict_interval must be a float in \(0, 1\)"):
        model.predict_interval(X, alpha=1.5)
    with pytest.raises(ValueError, match="needs a likelihood family"):
        model.predict_distribution(X)
    with pytest.raises(ValueError, match="`noncrossing` of DeepQuantileRegressor must be False"):
        model.linear_coefficients()


@pytest.mark.parametrize(
    ("quantiles", "match"),
    [((0.0, 0.5), r"floats in \(0, 1\)"), ((0.5, 1.2), r"floats in \(0, 1\)"), ((0.9, 0.1), "unsorted"), ((0.5, 0.5), "repeated")],
)
def test_bad_quantiles(rng: np.random.Generator, quantiles, match: str) -> None:
    with pytest.raises(ValueError, match=f"`quantiles` of DeepQuantileRegressor must be.*{match}"):
        DeepQuantileRegressor(quantiles=quantiles, **SMALL).fit(rng.normal(size=(20, 1)), rng.normal(size=20))


def test_save_load_round_trip(rng: np.random.Generator, tmp_path) -> None:
    X, y = rng.normal(size=(60, 2)), rng.normal(size=60)
    model = DeepQuantileRegressor(quantiles=(0.2, 0.8), **SMALL).fit(X, y)
    model.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert isinstance(back, DeepQuantileRegressor) and back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.predict_quantiles(X), model.predict_quantiles(X))


def test_same_seed_same_predictions(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(40, 1)), rng.normal(size=40)
    a = DeepQuantileRegressor(**SMALL).fit(X, y).predict_quantiles(X)
    b = DeepQuantileRegressor(**SMALL).fit(X, y).predict_quantiles(X)
    np.testing.assert_array_equal(a, b)
