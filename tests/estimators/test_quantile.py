"""DeepQuantileRegressor: statsmodels QuantReg reference, non-crossing, the prediction API, saving, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from deepstat.datasets import load
from deepstat.estimators import DeepQuantileRegressor, load as load_model
from deepstat.losses import QuantileCrossingWarning
from deepstat.nn import MLP

LEVELS = (0.1, 0.5, 0.9)


def _engel():
    frame = sm.datasets.engel.load_pandas().data  # Koenker & Bassett (1982): 235 Belgian households
    return frame[["income"]], frame["foodexp"].to_numpy()


def _pinball(y, q, tau, weight=None):
    """Summed pinball loss of predictions ``q`` at level ``tau`` (Koenker & Bassett's check function)."""
    e = y - q
    return float(np.sum((1.0 if weight is None else weight) * np.maximum(tau * e, (tau - 1.0) * e)))


def test_default_linear_fit_is_quantreg_at_every_level() -> None:
    # reference: statsmodels QuantReg at each level on engel; DEFAULT settings, three levels in one model (issue 11 item 1)
    X, y = _engel()
    with warnings.catch_warnings():
        warnings.simplefilter("error", QuantileCrossingWarning)  # engel's three lines do not cross on its incomes
        model = DeepQuantileRegressor(quantiles=LEVELS, network="linear", verbose=0).fit(X, y)
    assert (model.optimizer_, model.noncrossing_, model.dtype_, model.early_stopping_) == ("linprog", False, "float64", False)
    coef, q = model.linear_coefficients(), model.predict_quantiles(X)
    design = sm.add_constant(X.to_numpy())
    for j, tau in enumerate(LEVELS):
        ref = sm.QuantReg(y, design).fit(q=tau)
        np.testing.assert_allclose(coef.loc[f"q{tau:g}"].to_numpy(), ref.params, rtol=1e-4)
        ours, theirs = _pinball(y, q[:, j], tau), _pinball(y, ref.fittedvalues, tau)
        assert ours <= theirs * (1 + 1e-12)  # the exact minimum: never above the IRLS solution
        np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    mean = sum(_pinball(y, q[:, j], tau) for j, tau in enumerate(LEVELS)) / len(y)
    np.testing.assert_allclose(model.history_.best_loss, mean, rtol=1e-12)


def test_linear_programme_weights_are_repeated_rows(rng: np.random.Generator) -> None:
    # reference: the same fit on rows repeated w times (STYLE 8.3), and QuantReg on those rows
    X, y = _engel()
    w = rng.integers(0, 4, size=len(y)).astype(float)  # zero weights drop rows
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    weighted = DeepQuantileRegressor(quantiles=LEVELS, network="linear", verbose=0).fit(X, y, sample_weight=w)
    repeated = DeepQuantileRegressor(quantiles=LEVELS, network="linear", verbose=0).fit(X.iloc[rows], y[rows])
    np.testing.assert_allclose(weighted.linear_coefficients(), repeated.linear_coefficients(), rtol=1e-8)
    for tau in LEVELS:
        ref = sm.QuantReg(y[rows], sm.add_constant(X.to_numpy()[rows])).fit(q=tau).params
        np.testing.assert_allclose(weighted.linear_coefficients().loc[f"q{tau:g}"], ref, rtol=1e-4)


def test_crossing_quantiles_warn_and_noncrossing_orders_them(rng: np.random.Generator) -> None:
    # a wide group at x=0, a narrow one at x=1 and 4 rows at x=2: the 0.1 and 0.9 lines through the two large
    # groups cross before x=2 (QuantReg's fitted values there: 6.41 and -9.92)
    X = np.repeat([0.0, 1.0, 2.0], [100, 100, 4])[:, None]
    y = np.where(X[:, 0] == 0, 10.0, 1.0) * rng.normal(size=204) * (X[:, 0] < 2)
    with pytest.warns(QuantileCrossingWarning, match=r"cross on 4 of 204 training rows"):
        DeepQuantileRegressor(quantiles=(0.1, 0.9), network="linear", verbose=0).fit(X, y)
    ordered = DeepQuantileRegressor(quantiles=(0.1, 0.9), network="linear", noncrossing=True, max_epochs=20, verbose=0,
                                    random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", QuantileCrossingWarning)
        ordered.fit(X, y)
    assert ordered.optimizer_ == "adam" and (np.diff(ordered.predict_quantiles(X), axis=1) > 0).all()


@pytest.mark.parametrize(
    ("settings", "match"),
    [(dict(network=MLP(hidden_sizes=(4,))), "a linear network"), (dict(network="linear", penalty="l1", alpha=0.1), 'penalty="none"'),
     (dict(network="linear", noncrossing=True), "noncrossing=False"), (dict(network="linear", early_stopping=True), "no early stopping")],
)
def test_linprog_only_for_a_linear_programme(rng: np.random.Generator, settings, match: str) -> None:
    with pytest.raises(ValueError, match=f"`optimizer` of DeepQuantileRegressor may be 'linprog' only with {match}"):
        DeepQuantileRegressor(optimizer="linprog", verbose=0, **settings).fit(rng.normal(size=(30, 1)), rng.normal(size=30))


def test_linear_programme_fit_round_trips(tmp_path) -> None:
    X, y = _engel()
    model = DeepQuantileRegressor(quantiles=LEVELS, network="linear", random_state=0, verbose=0).fit(X, y)
    model.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert (back.optimizer_, back.noncrossing_) == ("linprog", False) and back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.predict_quantiles(X), model.predict_quantiles(X))
    np.testing.assert_array_equal(back.linear_coefficients(), model.linear_coefficients())

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
    with pytest.raises(ValueError, match="`network` of DeepQuantileRegressor must be the linear predictor"):
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
