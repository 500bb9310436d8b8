"""Fixtures of the nn tests."""

from __future__ import annotations

import os

import pytest
import torch


@pytest.fixture
def global_random_seed() -> int:
    """Seed every test draws from (sklearn's ``global_random_seed`` idea, STYLE 8.6).

    Set ``DEEPSTAT_TEST_SEED`` to rerun the suite under another seed; the statistical
    tolerances hold for any seed.
    """
    seed = int(os.environ.get("DEEPSTAT_TEST_SEED", "42"))
    torch.manual_seed(seed)
    return seed
