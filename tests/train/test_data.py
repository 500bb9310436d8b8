"""Batches by index: TensorBatches, SubsetBatches, Batch and the validation split."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.train import Batch, BatchSource, SubsetBatches, TensorBatches, split_validation


def test_take_gathers_rows_of_every_tensor() -> None:
    X = torch.arange(12.0).reshape(6, 2)
    data = TensorBatches(X, torch.arange(6.0), torch.linspace(1, 2, 6))
    batch = data.take(torch.tensor([5, 1]))
    assert torch.equal(batch.inputs, X[[5, 1]])
    assert torch.equal(batch.target, torch.tensor([5.0, 1.0]))
    assert torch.equal(batch.weight, torch.tensor([2.0, 1.2]))
    assert len(batch) == 2 and isinstance(data, BatchSource)


def test_tuple_inputs_are_indexed_together() -> None:
    a, b = torch.arange(4.0)[:, None], torch.arange(4.0, 8.0)[:, None]
    batch = TensorBatches((a, b), torch.zeros(4)).take(torch.tensor([3]))
    assert isinstance(batch.inputs, tuple) and batch.inputs[0].item() == 3.0 and batch.inputs[1].item() == 7.0


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match=r"`target` of TensorBatches must have 5 rows, as `inputs` has. Got shape \(4,\)"):
        TensorBatches(torch.zeros(5, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="`weight` of TensorBatches must have 5 rows"):
        TensorBatches(torch.zeros(5, 2), torch.zeros(5), torch.ones(3))


def test_bad_types_and_shapes_raise() -> None:
    with pytest.raises(TypeError, match="`inputs` of TensorBatches must be a torch.Tensor. Got ndarray instead"):
        import numpy as np

        TensorBatches(np.zeros((3, 2)), torch.zeros(3))
    with pytest.raises(ValueError, match=r"`weight` of TensorBatches must be 1-D of shape \(3,\)"):
        TensorBatches(torch.zeros(3, 2), torch.zeros(3), torch.ones(3, 1))


def test_batch_to_and_total_weight() -> None:
    batch = Batch(torch.zeros(3, 1), torch.zeros(3), torch.tensor([1.0, 2.0, 3.0]))
    moved = batch.to("cpu")
    assert isinstance(moved, Batch) and torch.equal(moved.weight, batch.weight)
    assert float(batch.total_weight()) == 6.0
    assert Batch(torch.zeros(4, 1), torch.zeros(4)).total_weight() == 4


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 200), fraction=st.floats(0.01, 0.9), seed=st.integers(0, 2**31 - 1))
def test_split_partitions_rows(n: int, fraction: float, seed: int) -> None:
    data = TensorBatches(torch.arange(float(n))[:, None], torch.arange(float(n)))
    if -(-fraction * n // 1) >= n:  # ceil(fraction * n) leaves no training row
        with pytest.raises(ValueError, match="`validation_fraction` of TrainConfig must leave"):
            split_validation(data, fraction, torch.Generator().manual_seed(seed))
        return
    train, val = split_validation(data, fraction, torch.Generator().manual_seed(seed))
    rows = torch.cat([train.take(torch.arange(len(train))).target, val.take(torch.arange(len(val))).target])
    assert torch.equal(rows.sort().values, torch.arange(float(n)))  # every row exactly once
    assert len(val) == -(-fraction * n // 1)  # ceil, as sklearn's train_test_split


def test_subset_of_subset() -> None:
    full = TensorBatches(torch.arange(10.0)[:, None], torch.arange(10.0))
    sub = SubsetBatches(SubsetBatches(full, torch.tensor([2, 4, 6, 8])), torch.tensor([1, 3]))
    assert torch.equal(sub.take(torch.tensor([0, 1])).target, torch.tensor([4.0, 8.0]))
