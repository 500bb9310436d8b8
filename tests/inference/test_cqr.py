"""Tests of conformalized quantile regression (Romano, Patterson & Candès 2019)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, QuantileRegressor

from deepstat import estimators
from deepstat.estimators import DeepRegressor
from deepstat.inference import ConformalQuantileRegressor
from deepstat.metrics import interval_coverage

from .conftest import GaussianLinear, coverage_tolerance, heteroscedastic
from deepstat.nn import MLP

N_REPS, N_TRAIN, N_CAL, N_TEST = 200, 60, 39, 100


@pytest.mark.parametrize("scale_factor", [0.5, 1.0, 2.0])
def test_mean_coverage_is_within_binomial_tolerance_whatever_the_band(scale_factor, rng):
    alpha = 0.1
    covered = []
    for _ in range(N_REPS):
        X, y = heteroscedastic(rng, N_TRAIN + N_CAL + N_TEST)
        model = GaussianLinear(scale_factor).fit(X[:N_TRAIN], y[:N_TRAIN])
        cqr = ConformalQuantileRegressor(model, alpha=alpha).calibrate(X[N_TRAIN:-N_TEST], y[N_TRAIN:-N_TEST])
        band = cqr.predict_interval(X[-N_TEST:])
        covered.append(interval_coverage(y[-N_TEST:], band[:, 0], band[:, 1]))
    expected, tol = coverage_tolerance(N_CAL, alpha, N_TEST, N_REPS)
    assert abs(np.mean(covered) - expected) < tol
    assert np.mean(covered) >= 1 - alpha - tol


def test_correction_widens_a_narrow_band_and_narrows_a_wide_one(rng):
    X, y = heteroscedastic(rng, 3000)
    fit_rows, cal_rows, test_rows = slice(0, 1000), slice(1000, 2000), slice(2000, 3000)
    results = {}
    for factor in (0.5, 2.0):
        model = GaussianLinear(factor).fit(X[fit_rows], y[fit_rows])
        raw = model.predict_quantiles(X[test_rows], [0.05, 0.95])
        cqr = ConformalQuantileRegressor(model, alpha=0.1).calibrate(X[cal_rows], y[cal_rows])
        band = cqr.predict_interval(X[test_rows])
        expected = raw + [-cqr.correction_, cqr.correction_]  # [q_lo - Q, q_hi + Q]
        empty = expected[:, 0] > expected[:, 1]  # narrowed past the midpoint: the zero-width interval there
        expected[empty] = expected[empty].mean(axis=1, keepdims=True)
        np.testing.assert_allclose(band, expected)
        results[factor] = (cqr.correction_, interval_coverage(y[test_rows], band[:, 0], band[:, 1]),
                           interval_coverage(y[test_rows], raw[:, 0], raw[:, 1]))
    q_narrow, cov_narrow, raw_narrow = results[0.5]
    q_wide, cov_wide, raw_wide = results[2.0]
    assert q_narrow > 0 and raw_narrow < 0.8  # half-scale band undercovers: CQR widens it
    assert q_wide < 0 and raw_wide > 0.99  # double-scale band overcovers: CQR narrows it
    # 1000 test rows: binomial sd 0.0095, calibration sd 0.0095
    assert abs(cov_narrow - 0.9) < 0.05 and abs(cov_wide - 0.9) < 0.05


def test_scores_are_the_signed_distance_outside_the_band():
    # a constant band [0, 1]: score = max(0 - y, y - 1); hand values
    lower = LinearRegression().fit([[0.0], [1.0]], [0.0, 0.0])
    upper = LinearRegression().fit([[0.0], [1.0]], [1.0, 1.0])
    y = np.array([-2.0, 0.5, 0.25, 1.5, 3.0, 0.9, 0.1, 0.6, 0.4])
    cqr = ConformalQuantileRegressor((lower, upper), alpha=0.2).calibrate(np.zeros((9, 1)), y)
    np.testing.assert_allclose(cqr.scores_, np.sort([2.0, -0.5, -0.25, 0.5, 2.0, -0.1, -0.1, -0.4, -0.4]))
    # n = 9, alpha = 0.2: k = ceil(10 * 0.8) = 8, the 8th smallest score is 2.0
    assert cqr.correction_ == pytest.approx(2.0)
    np.testing.assert_allclose(cqr.predict_interval(np.zeros((1, 1))), [[-2.0, 3.0]])
    np.testing.assert_allclose(cqr.predict(np.zeros((1, 1))), [0.5])


def test_with_sklearn_quantile_regressors(rng):
    X, y = heteroscedastic(rng, 4000)
    pair = (QuantileRegressor(quantile=0.1, alpha=0.0), QuantileRegressor(quantile=0.9, alpha=0.0))
    cqr = ConformalQuantileRegressor(pair, alpha=0.2, calibration_size=1000, random_state=0).fit(X[:2000], y[:2000])
    band = cqr.predict_interval(X[2000:])
    # 2000 test rows: binomial sd 0.009; 1000 calibration rows: sd 0.013; 4 sd of the sum ~ 0.064
    assert abs(interval_coverage(y[2000:], band[:, 0], band[:, 1]) - 0.8) < 0.064
    gbr = (GradientBoostingRegressor(loss="quantile", alpha=0.1, n_estimators=20, random_state=0),
           GradientBoostingRegressor(loss="quantile", alpha=0.9, n_estimators=20, random_state=0))
    assert ConformalQuantileRegressor(gbr, alpha=0.2, random_state=0).fit(X, y).predict_interval(X[:3]).shape == (3, 2)


def test_with_deep_regressor_predictive_quantiles(rng):
    X, y = heteroscedastic(rng, 1800)
    net = DeepRegressor(network=MLP(hidden_sizes=(8,)), max_epochs=30, random_state=0, verbose=0)
    cqr = ConformalQuantileRegressor(net, alpha=0.2, calibration_size=500, random_state=0).fit(X[:800], y[:800])
    band = cqr.predict_interval(X[800:], alpha=0.2)
    # 1000 test rows: binomial sd 0.013; 500 calibration rows: sd 0.018; 4 sd of the sum ~ 0.09
    assert abs(interval_coverage(y[800:], band[:, 0], band[:, 1]) - 0.8) < 0.09
    assert cqr.predict(X[:4]).shape == (4,)


def test_with_deep_quantile_regressor(rng):
    model_cls = getattr(estimators, "DeepQuantileRegressor", None)
    if model_cls is None:  # pragma: no cover - lands with issue 4 item 2
        pytest.skip("DeepQuantileRegressor is not on this branch")
    X, y = heteroscedastic(rng, 1800)
    net = model_cls(quantiles=(0.1, 0.5, 0.9), network=MLP(hidden_sizes=(8,)), max_epochs=30, random_state=0, verbose=0)
    cqr = ConformalQuantileRegressor(net, alpha=0.2, calibration_size=500, random_state=0).fit(X[:800], y[:800])
    band = cqr.predict_interval(X[800:])
    assert abs(interval_coverage(y[800:], band[:, 0], band[:, 1]) - 0.8) < 0.09  # as above


def test_bad_input():
    X = np.arange(40.0).reshape(-1, 1)
    y = X[:, 0] + np.sin(X[:, 0])
    with pytest.raises(ValueError, match="`alpha` of ConformalQuantileRegressor must be a miscoverage level"):
        ConformalQuantileRegressor(GaussianLinear(), alpha=1.2).fit(X, y)
    with pytest.raises(ValueError, match="must have a `predict_quantiles` or `predict_interval` method"):
        ConformalQuantileRegressor(LinearRegression()).fit(X, y)
    with pytest.raises(ValueError, match="a pair \\(lower, upper\\) of regressors. Got a sequence of 3"):
        ConformalQuantileRegressor((LinearRegression(),) * 3).fit(X, y)
    with pytest.raises(NotFittedError, match="`estimator` of ConformalQuantileRegressor must be fitted"):
        ConformalQuantileRegressor(GaussianLinear()).calibrate(X, y)
    with pytest.raises(ValueError, match=r"`calibration_size` or `X_cal`\) of ConformalQuantileRegressor must have at least 19 points for alpha=0.05.*Got 10 instead"):
        ConformalQuantileRegressor(GaussianLinear(), alpha=0.05, calibration_size=10).fit(X, y)
    cqr = ConformalQuantileRegressor(GaussianLinear(), alpha=0.2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="must be None or the calibrated alpha=0.2. Got 0.1 instead"):
        cqr.predict_interval(X, alpha=0.1)
