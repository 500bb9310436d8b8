"""compare() with quantile models: DeepQuantileRegressor against QuantRegBaseline on engel, scored by the pinball loss."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.model_selection import KFold

from deepstat.baselines import QuantRegBaseline, baseline_for
from deepstat.estimators import DeepQuantileRegressor, DeepRegressor
from deepstat.evaluation import compare, compare_fitted
from deepstat.metrics import diebold_mariano
from deepstat.nn import MLP

LEVELS = (0.1, 0.5, 0.9)


def _engel():
    frame = sm.datasets.engel.load_pandas().data  # Koenker & Bassett (1982): 235 Belgian households
    return frame[["income"]], frame["foodexp"].to_numpy()


def _pinball(y, q):
    tau = np.asarray(LEVELS)
    e = y[:, None] - q
    return np.maximum(tau * e, (tau - 1.0) * e).mean(axis=1)


def test_linear_deep_model_ties_quantreg_in_compare() -> None:
    # reference: statsmodels QuantReg fitted by hand on compare's folds (KFold(5, shuffle=True, random_state=0))
    X, y = _engel()
    deep = DeepQuantileRegressor(quantiles=LEVELS, network="linear", verbose=0)
    result = compare({"deep": deep, "quantreg": baseline_for(deep)}, X, y, cv=5)
    expected = np.empty(len(y))
    for train, test in KFold(5, shuffle=True, random_state=0).split(X):
        design = sm.add_constant(X.to_numpy())
        q = np.column_stack([sm.QuantReg(y[train], design[train]).fit(q=t).predict(design[test]) for t in LEVELS])
        expected[test] = _pinball(y[test], q)
    np.testing.assert_allclose(result.log_scores["quantreg"].sort_index().to_numpy(), expected, rtol=1e-10)
    # the exact LP and the IRLS fit are the same lines: per-observation losses agree to QuantReg's tolerance
    np.testing.assert_allclose(result.log_scores["deep"], result.log_scores["quantreg"], rtol=1e-5)
    test = result.tests.iloc[0]
    dm = diebold_mariano(result.log_scores["deep"], result.log_scores["quantreg"])
    assert (test["model"], test["reference"], test["metric"]) == ("deep", "quantreg", "pinball")
    np.testing.assert_allclose([test["difference"], test["pvalue"]], [dm.mean_difference, dm.pvalue], rtol=1e-12)
    summary = result.summary.set_index(["model", "metric"])["mean"]
    assert set(result.summary["metric"]) == {"pinball", "pinball_q0.1", "pinball_q0.5", "pinball_q0.9", "coverage", "interval_width"}
    np.testing.assert_allclose(summary["deep", "pinball"], summary["quantreg", "pinball"], rtol=1e-6)
    assert abs(summary["quantreg", "coverage"] - 0.8) < 0.1 and np.isclose(result.alpha, 0.2)


def test_network_against_quantreg_and_compare_fitted(rng: np.random.Generator) -> None:
    X, y = _engel()
    mlp = DeepQuantileRegressor(quantiles=LEVELS, network=MLP(hidden_sizes=(8,)), max_epochs=20, random_state=0, verbose=0)
    result = compare([mlp, QuantRegBaseline(quantiles=LEVELS)], X, y, cv=None, test_size=0.3)
    assert result.reference == "QuantRegBaseline" and result.tests["model"].tolist() == ["DeepQuantileRegressor"]
    fitted = [QuantRegBaseline(quantiles=LEVELS).fit(X.iloc[:150], y[:150])]
    single = compare_fitted(fitted, X.iloc[150:], y[150:])
    q = fitted[0].predict_quantiles(X.iloc[150:])
    np.testing.assert_allclose(single.summary.set_index("metric").loc["pinball", "mean"], _pinball(y[150:], q).mean(), rtol=1e-12)


def test_quantile_models_must_share_levels_and_not_mix() -> None:
    X, y = _engel()
    with pytest.raises(ValueError, match="`quantiles` of the models in compare must be the same levels for all"):
        compare([DeepQuantileRegressor(network="linear", verbose=0), QuantRegBaseline(quantiles=(0.25, 0.75))], X, y, cv=3)
    with pytest.raises(ValueError, match="`models` of compare must be all quantile models"):
        compare([DeepRegressor(network="linear", verbose=0), QuantRegBaseline()], X, y, cv=3)
