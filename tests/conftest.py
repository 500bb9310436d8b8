"""Shared fixtures (STYLE 8.6: seeds come from a fixture, not module-level seeding)."""

from __future__ import annotations

import numpy as np
import pytest
from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.nn import MLP


@pytest.fixture
def global_random_seed() -> int:
    """One fixed seed for tests that need reproducible randomness (scikit-learn's fixture name)."""
    return 0


@pytest.fixture
def rng(global_random_seed: int) -> np.random.Generator:
    return np.random.default_rng(global_random_seed)


# ---- small simulated data sets and quick models, for the evaluation and report tests
@pytest.fixture
def poisson_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """240 rows of a Poisson regression with a nonlinear term: log mean = 0.5 x0 - 0.3 x1^2 + 0.2."""
    X = rng.normal(size=(240, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1] ** 2 + 0.2)).astype(np.float64)
    return X, y


@pytest.fixture
def binary_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """180 rows of a logistic model with string labels "no"/"yes"."""
    X = rng.normal(size=(180, 2))
    y = np.where(rng.uniform(size=180) < 1 / (1 + np.exp(-1.5 * X[:, 0])), "yes", "no")
    return X, y


@pytest.fixture
def small_regressor():
    """Factory of tiny, quick, deterministic deep regressors (float64, so hand computations match closely)."""

    def make(family: str = "poisson", **kwargs) -> DeepRegressor:
        params = dict(family=family, network=MLP(hidden_sizes=(4,)), max_epochs=5, early_stopping=False, random_state=0, verbose=0, dtype="float64")
        return DeepRegressor(**{**params, **kwargs})

    return make


@pytest.fixture
def small_classifier():
    """Factory of tiny, quick, deterministic deep classifiers."""

    def make(**kwargs) -> DeepClassifier:
        params = dict(network=MLP(hidden_sizes=(4,)), max_epochs=5, early_stopping=False, random_state=0, verbose=0, dtype="float64")
        return DeepClassifier(**{**params, **kwargs})

    return make
