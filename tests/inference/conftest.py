"""Small, fast models and the coverage tolerance shared by the conformal tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, RegressorMixin


class GaussianLinear(RegressorMixin, BaseEstimator):
    """Least squares for the mean and for log |residual| (the scale), with a Normal predictive.

    A duck-typed stand-in for a deep regressor that fits in a millisecond, so that coverage can be
    averaged over hundreds of simulated data sets. ``scale_factor`` multiplies the predicted scale
    (to make deliberately too narrow or too wide quantile bands).
    """

    def __init__(self, scale_factor: float = 1.0) -> None:
        self.scale_factor = scale_factor

    def fit(self, X, y):
        A = np.column_stack([np.ones(len(X)), X])
        self.coef_ = np.linalg.lstsq(A, y, rcond=None)[0]
        log_abs = np.log(np.abs(y - A @ self.coef_) + 1e-12)
        B = np.column_stack([np.ones(len(X)), np.abs(X)])
        self.scale_coef_ = np.linalg.lstsq(B, log_abs, rcond=None)[0]
        self.scale_coef_[0] += 0.635  # E log|Z| = -0.635 for Z ~ N(0, 1)
        return self

    def predict(self, X):
        return np.column_stack([np.ones(len(X)), X]) @ self.coef_

    def predict_distribution(self, X):
        scale = self.scale_factor * np.exp(np.column_stack([np.ones(len(X)), np.abs(X)]) @ self.scale_coef_)
        return torch.distributions.Normal(torch.as_tensor(self.predict(X)), torch.as_tensor(scale), validate_args=False)

    def predict_quantiles(self, X, q):
        dist = self.predict_distribution(X)
        return dist.icdf(torch.as_tensor(np.asarray(q, dtype=np.float64))[:, None]).T.numpy()


def heteroscedastic(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """y = 1 + 2x + (0.2 + |x|) e, x ~ U(-2, 2), e ~ N(0, 1): noise grows with |x|."""
    X = rng.uniform(-2, 2, size=(n, 1))
    return X, 1 + 2 * X[:, 0] + (0.2 + np.abs(X[:, 0])) * rng.normal(size=n)


def coverage_tolerance(n_cal: int, alpha: float, n_test: int, n_reps: int, n_sd: float = 4.0) -> tuple[float, float]:
    """Expected mean coverage k/(n+1) and n_sd standard deviations of the mean over ``n_reps`` repetitions.

    Given the calibration set, coverage is Beta(k, n + 1 - k) with k = ceil((n + 1)(1 - alpha))
    (Angelopoulos & Bates 2021, "A gentle introduction to conformal prediction", Sec. 3.2);
    the test set adds binomial noise C(1 - C)/n_test.
    """
    k = math.ceil((n_cal + 1) * (1 - alpha) - 1e-9)
    a, b = k, n_cal + 1 - k
    mean = a / (a + b)
    var_beta = a * b / ((a + b) ** 2 * (a + b + 1))
    var_rep = var_beta + (mean * (1 - mean) - var_beta) / n_test
    return mean, n_sd * math.sqrt(var_rep / n_reps)


@pytest.fixture
def gaussian_linear():
    return GaussianLinear
