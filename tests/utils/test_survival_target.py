"""SurvivalTarget: its checks, its length and moves, and the engine's gather of it field by field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import deepstat.data
import deepstat.losses
from deepstat.train import TensorBatches, take
from deepstat.utils.survival_target import SurvivalTarget


def _target(n: int = 5, **fields) -> SurvivalTarget:
    base = {"time": torch.arange(1.0, n + 1), "event": torch.tensor([1, 0, 1, 1, 0][:n])}
    return SurvivalTarget(**{**base, **fields})


def test_reexported_from_data_and_losses() -> None:
    assert deepstat.data.SurvivalTarget is SurvivalTarget and deepstat.losses.SurvivalTarget is SurvivalTarget
    assert "SurvivalTarget" in deepstat.data.__all__ and "SurvivalTarget" in deepstat.losses.__all__


def test_validation_names_the_field() -> None:
    with pytest.raises(TypeError, match=r"`time` of SurvivalTarget must be a torch.Tensor of shape \(n,\)\. Got list instead"):
        SurvivalTarget(time=[1.0, 2.0], event=torch.tensor([1, 0]))
    with pytest.raises(TypeError, match=r"`event` of SurvivalTarget must be a torch.Tensor of shape \(n,\)\. Got NoneType instead"):
        SurvivalTarget(time=torch.ones(2), event=None)
    with pytest.raises(TypeError, match=r"`start` of SurvivalTarget must be a torch.Tensor of shape \(n,\) \(optional fields may be None\)\. Got ndarray"):
        _target(start=np.zeros(5))
    with pytest.raises(ValueError, match=r"`time` of SurvivalTarget must be 1-D, of shape \(n,\)\. Got shape \(5, 2\) instead"):
        SurvivalTarget(time=torch.ones(5, 2), event=torch.ones(5))
    with pytest.raises(ValueError, match=r"`event` of SurvivalTarget must have shape \(5,\), as `time` has\. Got shape \(4,\) instead"):
        SurvivalTarget(time=torch.ones(5), event=torch.ones(4))
    with pytest.raises(ValueError, match=r"`strata` of SurvivalTarget must have shape \(5,\), as `time` has\. Got shape \(5, 1\) instead"):
        _target(strata=torch.zeros(5, 1, dtype=torch.int64))
    with pytest.raises(TypeError, match=r"`strata` of SurvivalTarget must hold integer codes \(e.g. torch.int64\)\. Got dtype torch.float32"):
        _target(strata=torch.zeros(5))
    with pytest.raises(TypeError, match=r"`bin` of SurvivalTarget must hold integer codes \(e.g. torch.int64\)\. Got dtype torch.bool"):
        _target(bin=torch.zeros(5, dtype=torch.bool))


def test_length_to_and_repr() -> None:
    y = _target(start=torch.zeros(5), strata=torch.tensor([0, 1, 0, 1, 1]), bin=torch.tensor([0, 1, 2, 2, 3]))
    assert len(y) == 5
    z = y.to("cpu", torch.float64)
    assert z.time.dtype == z.start.dtype == torch.float64  # times follow the dtype
    assert z.event.dtype == z.strata.dtype == z.bin.dtype == torch.int64  # codes keep theirs
    assert repr(_target()) == "SurvivalTarget(n=5, fields=['time', 'event'])"
    with pytest.raises(dataclasses.FrozenInstanceError):
        y.time = torch.ones(5)  # type: ignore[misc]


def test_take_through_tensor_batches_gathers_every_field() -> None:
    y = _target(start=torch.zeros(5), strata=torch.tensor([0, 1, 0, 1, 1]))
    data = TensorBatches(torch.arange(10.0).reshape(5, 2), y, torch.arange(5.0))
    assert len(data) == 5
    index = torch.tensor([4, 1, 2])
    batch = data.take(index)
    assert isinstance(batch.target, SurvivalTarget) and batch.target.bin is None
    for name in ("time", "event", "start", "strata"):
        assert torch.equal(getattr(batch.target, name), getattr(y, name)[index])
    assert torch.equal(batch.inputs, data.inputs[index]) and torch.equal(batch.weight, torch.tensor([4.0, 1.0, 2.0]))
    assert torch.equal(take(y, index).time, batch.target.time)
    moved = batch.to("cpu")
    assert isinstance(moved.target, SurvivalTarget) and torch.equal(moved.target.strata, y.strata[index])
    with pytest.raises(ValueError, match=r"`target` of TensorBatches must have 4 rows, as `inputs` has\. Got shape \(5,\) instead"):
        TensorBatches(torch.zeros(4, 2), y)
