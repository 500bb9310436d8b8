"""The recursive gather, the adapters' batch, and in-memory sources."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from deepstat.data import Batch, IndexedBatches, take


@dataclass
class _Target:
    time: torch.Tensor
    event: torch.Tensor


def test_take_gathers_every_container():
    idx = torch.tensor([2, 0])
    x = torch.arange(6.0).reshape(3, 2)
    obj = {"a": (x, [x[:, 0], None]), "t": _Target(torch.arange(3.0), torch.tensor([1, 0, 1]))}
    out = take(obj, idx)
    assert torch.equal(out["a"][0], x[idx])
    assert isinstance(out["a"][1], list) and out["a"][1][1] is None
    assert torch.equal(out["a"][1][0], x[idx, 0])
    assert isinstance(out["t"], _Target)
    assert torch.equal(out["t"].event, torch.tensor([1, 1]))


def test_take_refuses_other_objects():
    with pytest.raises(TypeError, match="`obj` of take must be a tensor"):
        take("abc", torch.tensor([0]))


def test_adapter_batch_has_the_engine_batch_interface():
    batch = Batch((torch.zeros(3, 2), torch.tensor([1, 2, 2])), torch.ones(3), torch.tensor([1.0, 2.0, 3.0]))
    assert len(batch) == 3 and float(batch.total_weight()) == 6.0
    moved = batch.to("cpu")
    assert isinstance(moved.inputs, tuple) and moved.select is None
    assert len(Batch(torch.zeros(4), _Target(torch.zeros(4), torch.zeros(4)))) == 4


def test_indexed_batches_checks_rows():
    with pytest.raises(ValueError, match="`target` of IndexedBatches must have 3 rows"):
        IndexedBatches(torch.zeros(3, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="`weight` of IndexedBatches must be a 1-D tensor"):
        IndexedBatches(torch.zeros(3, 2), torch.zeros(3), torch.zeros(3, 1))


def test_engine_consumes_an_adapter_source_by_duck_typing():
    # deepstat.data may not import deepstat.train (layers); the engine must still accept its sources.
    from deepstat.train import TrainConfig, fit_module

    def squared_error(eta, y, *, weight=None, reduction="sum"):
        return ((eta[:, 0] - y) ** 2).sum()

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(32, 2, generator=gen)
    source = IndexedBatches((x, torch.ones(32)), x.sum(dim=1))

    class _Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs):
            return self.linear(inputs[0])

    history = fit_module(_Net(), squared_error, source, TrainConfig(verbose=0, max_epochs=2, random_state=0))
    assert len(history.records) == 2
