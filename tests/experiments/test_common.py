"""Shared helpers of the experiments: the loss signature, the diabetes split, argument checks."""

from __future__ import annotations

import pytest
import torch

from deepstat.experiments._common import check_int, diabetes_split, squared_error


def test_squared_error_reductions() -> None:
    eta, y = torch.tensor([[1.0], [3.0]]), torch.tensor([0.0, 1.0])
    assert squared_error(eta, y).item() == 2.5  # (1 + 4) / 2
    assert squared_error(eta, y, reduction="mean").item() == 1.25
    assert squared_error(eta, y, weight=torch.tensor([2.0, 0.0])).item() == 1.0


def test_diabetes_split_is_standardised_on_train(global_random_seed: int) -> None:
    parts = diabetes_split(global_random_seed)
    assert [len(parts[k][1]) for k in ("train", "val", "test")] == [265, 88, 89]  # 60/20/20 of 442 rows
    X, y = parts["train"]
    assert torch.allclose(X.mean(0), torch.zeros(10, dtype=torch.float64), atol=1e-12)
    assert abs(float(y.std(unbiased=False)) - 1.0) < 1e-12


def test_check_int_message() -> None:
    with pytest.raises(ValueError, match="`k` of f must be an integer >= 1. Got True instead."):
        check_int(True, "k", "f")
