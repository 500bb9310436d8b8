"""Simulated GLM data for the baseline tests (seeded through the shared ``rng`` fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def glm_frame(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """400 rows: a numeric column ``a`` and a 3-level categorical ``g``, and a log-linear mean ``mu``.

    The coefficients (0.5, 0.3, 1.0) are arbitrary moderate effects; they only need to be
    estimable from 400 rows.
    """
    n = 400
    X = pd.DataFrame({"a": rng.normal(size=n), "g": pd.Categorical(rng.choice(["u", "v", "w"], size=n))})
    mu = np.exp(0.5 + 0.3 * X["a"].to_numpy() + 1.0 * (X["g"] == "v").to_numpy())
    return X, mu


def _draw(family: str, mu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if family == "poisson":
        return rng.poisson(mu).astype(float)
    if family == "negative_binomial":
        return rng.negative_binomial(2, 2 / (2 + mu)).astype(float)  # NB2 with alpha = 1/2
    if family == "gamma":
        return rng.gamma(3.0, mu / 3.0)
    if family == "inverse_gaussian":
        return rng.wald(mu, 4.0)  # shape lambda = 4
    if family == "normal":
        return mu + rng.normal(size=mu.shape)
    return (rng.random(mu.shape) < mu / (1 + mu)).astype(float)  # bernoulli with logit = log(mu)


@pytest.fixture
def draw(rng: np.random.Generator):
    """``draw(family, mu)``: a response of ``family`` with mean ``mu``.

    Gamma shape 3, NB2 dispersion 1/2, normal noise sd 1: arbitrary, moderate values.
    """
    return lambda family, mu: _draw(family, mu, rng)
