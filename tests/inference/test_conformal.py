"""Tests of split conformal regression: finite-sample coverage on simulated data (Lei et al. 2018)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from deepstat.estimators import DeepRegressor
from deepstat.inference import SplitConformalRegressor
from deepstat.metrics import interval_coverage

from .conftest import GaussianLinear, coverage_tolerance, heteroscedastic
from deepstat.nn import MLP

N_REPS, N_TRAIN, N_CAL, N_TEST = 200, 60, 39, 100


@pytest.mark.parametrize("score", ["absolute", "scaled"])
@pytest.mark.parametrize("alpha", [0.1, 0.2])
def test_mean_coverage_is_within_binomial_tolerance(score, alpha, rng):
    covered = []
    for _ in range(N_REPS):
        X, y = heteroscedastic(rng, N_TRAIN + N_CAL + N_TEST)
        model = GaussianLinear().fit(X[:N_TRAIN], y[:N_TRAIN])
        cp = SplitConformalRegressor(model, score=score).calibrate(X[N_TRAIN:-N_TEST], y[N_TRAIN:-N_TEST])
        band = cp.predict_interval(X[-N_TEST:], alpha)
        covered.append(interval_coverage(y[-N_TEST:], band[:, 0], band[:, 1]))
    expected, tol = coverage_tolerance(N_CAL, alpha, N_TEST, N_REPS)
    assert abs(np.mean(covered) - expected) < tol
    assert np.mean(covered) >= 1 - alpha - tol  # the guarantee: coverage >= 1 - alpha


def test_scaled_intervals_adapt_to_the_noise(rng):
    X, y = heteroscedastic(rng, 2000)
    cp = SplitConformalRegressor(GaussianLinear(), score="scaled", random_state=0).fit(X, y)
    plain = SplitConformalRegressor(GaussianLinear(), random_state=0).fit(X, y)
    grid = np.array([[0.0], [1.9]])
    scaled_w = np.diff(cp.predict_interval(grid, 0.1), axis=1).ravel()
    plain_w = np.diff(plain.predict_interval(grid, 0.1), axis=1).ravel()
    assert scaled_w[1] > 3 * scaled_w[0]  # noise sd 2.1 vs 0.2 at |x| = 1.9 vs 0
    assert plain_w[0] == pytest.approx(plain_w[1])  # the absolute score gives a constant width


def test_interval_uses_the_kth_smallest_calibration_score():
    X_cal = np.arange(19.0).reshape(-1, 1)
    model = LinearRegression().fit(X_cal, 2 * X_cal[:, 0])  # exact fit: predict = 2x
    residuals = np.arange(1.0, 20.0)  # |y - 2x| = 1..19
    cp = SplitConformalRegressor(model).calibrate(X_cal, 2 * X_cal[:, 0] + residuals)
    # n = 19, alpha = 0.1: k = ceil(20 * 0.9) = 18, so the half-width is the 18th residual, 18
    np.testing.assert_allclose(cp.predict_interval([[0.0]], 0.1), [[-18.0, 18.0]], atol=1e-9)
    assert cp.n_calibration_ == 19


def test_fit_equals_calibrating_a_model_fitted_on_the_same_split(rng):
    X, y = heteroscedastic(rng, 200)
    cp = SplitConformalRegressor(LinearRegression(), calibration_size=50, random_state=3).fit(X, y)
    from deepstat.inference._checks import split_indices

    train, cal = split_indices(200, 50, 3, "test")
    prefit = SplitConformalRegressor(LinearRegression().fit(X[train], y[train])).calibrate(X[cal], y[cal])
    np.testing.assert_allclose(cp.scores_, prefit.scores_)
    np.testing.assert_allclose(cp.predict(X[:5]), prefit.predict(X[:5]))


def test_with_deep_regressor_and_dataframes(rng):
    import pandas as pd

    X, y = heteroscedastic(rng, 1800)
    frame = pd.DataFrame(X, columns=["x"])
    net = DeepRegressor(network=MLP(hidden_sizes=(8,)), max_epochs=30, random_state=0, verbose=0)
    cp = SplitConformalRegressor(net, score="scaled", calibration_size=500, random_state=0).fit(frame.iloc[:800], y[:800])
    band = cp.predict_interval(frame.iloc[800:], alpha=0.2)
    # 1000 test rows: binomial sd 0.013; 500 calibration rows: sd sqrt(.16 / 502) = 0.018; 4 sd of the sum ~ 0.09
    assert abs(interval_coverage(y[800:], band[:, 0], band[:, 1]) - 0.8) < 0.09


def test_bad_input():
    X = np.arange(40.0).reshape(-1, 1)
    y = X[:, 0] + np.sin(X[:, 0])
    with pytest.raises(ValueError, match="`score` of SplitConformalRegressor must be one of"):
        SplitConformalRegressor(LinearRegression(), score="squared").fit(X, y)
    with pytest.raises(ValueError, match="`estimator` of SplitConformalRegressor must have a `predict_distribution`"):
        SplitConformalRegressor(LinearRegression(), score="scaled").fit(X, y)
    with pytest.raises(ValueError, match="`estimator` of SplitConformalRegressor must have a `predict` method"):
        SplitConformalRegressor(object()).fit(X, y)
    with pytest.raises(NotFittedError, match="`estimator` of SplitConformalRegressor must be fitted"):
        SplitConformalRegressor(LinearRegression()).calibrate(X, y)
    cp = SplitConformalRegressor(LinearRegression(), calibration_size=8, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="at least 9 points for alpha=0.1"):
        cp.predict_interval(X, 0.1)
    assert cp.predict_interval(X, 0.2).shape == (40, 2)  # 8 >= ceil(1/0.2) - 1 = 4
    with pytest.raises(ValueError, match="`alpha` of .*predict_interval must be a miscoverage level"):
        cp.predict_interval(X, 1.0)
    with pytest.raises(NotFittedError):
        SplitConformalRegressor(LinearRegression()).predict_interval(X, 0.1)
    with pytest.raises(ValueError, match="`calibration_size` of SplitConformalRegressor must be"):
        SplitConformalRegressor(LinearRegression(), calibration_size=1.5).fit(X, y)
    with pytest.raises(ValueError, match="must predict a positive scale"):
        SplitConformalRegressor(GaussianLinear(scale_factor=0.0), score="scaled").fit(X, y)
