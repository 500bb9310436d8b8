"""L1/L2/elastic-net paths, dropout and early stopping on the diabetes data."""

from __future__ import annotations

import pytest

from deepstat.experiments.regularization import run_regularization


def test_claims_of_the_seed() -> None:
    res = run_regularization(alphas=(0.0, 3e-2), dropouts=(0.0, 0.5), max_epochs=300)
    assert all(res.claims.values()), res.claims
    path = res.tables["penalty_path"]
    l1 = path[path["penalty"] == "l1"]
    assert l1["share_zero"].iloc[-1] > l1["share_zero"].iloc[0]  # L1: sparsity grows with alpha
    early = res.tables["early_stopping"].iloc[0]
    assert early["test_mse_early_stopping"] < early["test_mse_last_epoch"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`dropouts` of run_regularization"):
        run_regularization(dropouts=(1.0,))
    with pytest.raises(ValueError, match="`alphas` of run_regularization"):
        run_regularization(alphas=(-1.0,))
