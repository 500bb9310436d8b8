"""Callback hooks: order, arguments, and exceptions that propagate."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from deepstat.train import Callback, History, TensorBatches, TrainConfig, fit_module


class Recorder(Callback):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_train_begin(self, module):
        self.calls.append(("begin", isinstance(module, nn.Module)))

    def on_epoch_end(self, epoch, record, module):
        self.calls.append(("epoch", epoch, record["epoch"]))

    def on_train_end(self, module, history):
        self.calls.append(("end", isinstance(history, History) and history.n_epochs))


def test_hooks_in_order(squared_error, make_regression, global_random_seed: int) -> None:
    X, y = make_regression(global_random_seed, n=32)
    recorder = Recorder()
    cfg = TrainConfig(max_epochs=3, early_stopping=False, verbose=0, random_state=0)
    fit_module(nn.Linear(4, 1).double(), squared_error, TensorBatches(X, y), cfg, callbacks=[recorder, Callback()])
    assert recorder.calls == [("begin", True), ("epoch", 1, 1), ("epoch", 2, 2), ("epoch", 3, 3), ("end", 3)]


def test_exception_propagates(squared_error) -> None:
    class Stop(Callback):
        def on_epoch_end(self, epoch, record, module):
            raise RuntimeError(f"stop at {epoch}")

    data = TensorBatches(torch.randn(8, 2, dtype=torch.float64), torch.zeros(8, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="stop at 1"):
        fit_module(nn.Linear(2, 1).double(), squared_error, data, TrainConfig(verbose=0), callbacks=[Stop()])
