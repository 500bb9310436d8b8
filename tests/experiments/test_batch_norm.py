"""Algorithm 1 of the seed equals nn.BatchNorm1d; batch norm speeds up a deep sigmoid net."""

from __future__ import annotations

import pytest
import torch

from deepstat.experiments.batch_norm import batch_norm_transform, run_batch_norm


def test_algorithm1_and_training_curves() -> None:
    res = run_batch_norm(n_samples=500, depth=8, width=64, max_epochs=5)
    assert res.claims == {"algorithm1_equals_torch": True, "batch_norm_trains_faster": True}
    assert (res.tables["algorithm1"].drop(columns="batch").to_numpy() < 1e-10).all()
    assert len(res.tables["training"]) == 5


def test_transform_standardises_columns(global_random_seed: int) -> None:
    x = torch.randn(64, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(global_random_seed)) * 5 + 2
    y, mu, var = batch_norm_transform(x, torch.ones(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64), eps=0.0)
    assert torch.allclose(y.mean(0), torch.zeros(3, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(y.var(0, unbiased=False), torch.ones(3, dtype=torch.float64))
    assert torch.allclose(mu, x.mean(0))
    assert torch.allclose(var, x.var(0, unbiased=False))  # the seed's 1/m variance


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`depth` of run_batch_norm"):
        run_batch_norm(depth=0)
