"""Shared fixtures (STYLE 8.6: seeds come from a fixture, not module-level seeding)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def global_random_seed() -> int:
    """One fixed seed for tests that need reproducible randomness (scikit-learn's fixture name)."""
    return 0


@pytest.fixture
def rng(global_random_seed: int) -> np.random.Generator:
    return np.random.default_rng(global_random_seed)
