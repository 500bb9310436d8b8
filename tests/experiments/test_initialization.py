"""Vanishing/exploding gradients by initialisation and activation; symmetry under zero init."""

from __future__ import annotations

import pytest

from deepstat.experiments.initialization import (
    INIT_ACTIVATIONS,
    SCHEMES,
    run_initialization,
)


def test_claims_of_the_seed() -> None:
    res = run_initialization(n_layers=20, width=32, n_samples=64, symmetry_epochs=30)
    assert all(res.claims.values()), res.claims
    grads = res.tables["gradient_norms"]
    assert len(grads) == len(SCHEMES) * len(INIT_ACTIVATIONS)
    assert sum(c.startswith("layer_") for c in grads.columns) == 20  # the 20-layer network
    zero, he = res.tables["symmetry"].iloc[0], res.tables["symmetry"].iloc[1]
    assert zero["max_unit_spread"] < 1e-10 < zero["min_layer_max_abs_weight"]  # identical units, yet trained
    assert he["max_unit_spread"] > 1e-3


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`n_layers` of run_initialization must be an integer >= 2"):
        run_initialization(n_layers=1)
