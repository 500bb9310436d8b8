"""QuantRegBaseline against statsmodels QuantReg and scikit-learn's QuantileRegressor on engel; weights; the quantile API."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import QuantileRegressor

from deepstat.baselines import QuantRegBaseline, baseline_for
from deepstat.estimators import DeepQuantileRegressor
from deepstat.losses import QuantileCrossingWarning

LEVELS = (0.1, 0.5, 0.9)


def _engel():
    frame = sm.datasets.engel.load_pandas().data  # Koenker & Bassett (1982): 235 Belgian households
    return frame[["income"]], frame["foodexp"].to_numpy()


def test_coefficients_are_quantreg_and_the_exact_minimum() -> None:
    # references: statsmodels QuantReg (IRLS) and scikit-learn's QuantileRegressor (HiGHS, no penalty), per level
    X, y = _engel()
    model = QuantRegBaseline(quantiles=LEVELS).fit(X, y)
    q = model.predict_quantiles(X)
    for j, tau in enumerate(LEVELS):
        ref = sm.QuantReg(y, sm.add_constant(X.to_numpy())).fit(q=tau)
        np.testing.assert_allclose(model.coef_[j], ref.params, rtol=1e-10)
        np.testing.assert_allclose(q[:, j], ref.fittedvalues, rtol=1e-10)
        exact = QuantileRegressor(quantile=tau, alpha=0.0, solver="highs").fit(X, y)
        np.testing.assert_allclose(model.coef_[j], [exact.intercept_, *exact.coef_], rtol=1e-4)
    table = model.summary()
    assert table.index[0] == ("q0.1", "Intercept") and table.shape == (6, 6)
    np.testing.assert_allclose(table["std err"].to_numpy()[:2], sm.QuantReg(y, sm.add_constant(X.to_numpy())).fit(q=0.1).bse, rtol=1e-12)


def test_weights_are_repeated_rows(rng: np.random.Generator) -> None:
    # reference: QuantReg on rows repeated w times (the check loss is positively homogeneous: scaled rows = weights)
    X, y = _engel()
    w = rng.integers(0, 4, size=len(y)).astype(float)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    weighted = QuantRegBaseline(quantiles=LEVELS).fit(X, y, sample_weight=w)
    repeated = QuantRegBaseline(quantiles=LEVELS).fit(X.iloc[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-5)  # two IRLS runs, each to ~1e-7
    exact = DeepQuantileRegressor(quantiles=LEVELS, network="linear", verbose=0).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(weighted.coef_, exact.linear_coefficients().to_numpy(), rtol=1e-4)  # the weighted LP
    assert np.isnan(weighted.summary()["std err"]).all()  # no frequency-weight standard errors from scaled rows


def test_prediction_api_is_the_deep_models(rng: np.random.Generator) -> None:
    X, y = _engel()
    model = QuantRegBaseline(quantiles=LEVELS).fit(X, y)
    deep = DeepQuantileRegressor(quantiles=LEVELS, network="linear", verbose=0).fit(X, y)
    q = model.predict_quantiles(X)
    assert q.shape == deep.predict_quantiles(X).shape == (235, 3)
    np.testing.assert_array_equal(model.predict(X), q[:, 1])
    np.testing.assert_array_equal(model.predict_interval(X, alpha=0.2), q[:, [0, 2]])
    np.testing.assert_array_equal(model.predict_quantiles(X, 0.9), q[:, [2]])
    with pytest.raises(ValueError, match=r"`q` of QuantRegBaseline.predict_quantiles must be among the fitted levels \[0.1, 0.5, 0.9\]"):
        model.predict_quantiles(X, 0.25)
    with pytest.raises(ValueError, match="QuantRegBaseline.predict_distribution needs a likelihood family"):
        model.predict_distribution(X)
    with pytest.raises(ValueError, match=r"`quantiles` of QuantRegBaseline must be strictly increasing"):
        QuantRegBaseline(quantiles=(0.9, 0.1)).fit(X, y)


def test_crossing_lines_warn(rng: np.random.Generator) -> None:
    # two large groups (wide at x=0, narrow at x=1) and 4 rows at x=2: the 0.1 and 0.9 lines cross before x=2
    X = np.repeat([0.0, 1.0, 2.0], [100, 100, 4])[:, None]
    y = np.where(X[:, 0] == 0, 10.0, 1.0) * rng.normal(size=204) * (X[:, 0] < 2)
    with pytest.warns(QuantileCrossingWarning, match="cross on 4 of 204 training rows"):
        QuantRegBaseline(quantiles=(0.1, 0.9)).fit(X, y)


def test_baseline_for_quantile_models() -> None:
    assert baseline_for(DeepQuantileRegressor(quantiles=(0.25, 0.75))).get_params() == {"quantiles": (0.25, 0.75)}
    assert isinstance(baseline_for("quantile"), QuantRegBaseline)
