"""Validation splitters, each against an independent reference, and the engine's ``splitter=``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from deepstat.train import (
    MaskSplit,
    RandomSplit,
    Splitter,
    StratifiedSplit,
    TemporalSplit,
    TensorBatches,
    TrainConfig,
    fit_module,
    split_validation,
)


def _old_split_validation(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The engine's split before the splitters (train/data.py at 60d5b7b), written out."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = math.ceil(fraction * n)
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def _old_stratified_split(labels: np.ndarray, fraction: float, seed: int, groups: np.ndarray | None = None):
    """``stratified_validation_split`` of estimators/survival/base.py at 60d5b7b, copied as the frozen reference."""
    rng = np.random.default_rng(seed)
    if groups is None:
        units, unit_labels = np.arange(len(labels)), labels
    else:
        units, inverse = np.unique(groups, return_inverse=True)
        unit_labels = np.zeros(len(units), dtype=labels.dtype)
        np.maximum.at(unit_labels, inverse, labels)
    val_units = []
    for value in np.unique(unit_labels):
        members = np.flatnonzero(unit_labels == value)
        n_val = int(np.ceil(fraction * len(members)))
        if n_val >= len(members):
            n_val = len(members) - 1
        val_units.append(rng.permutation(members)[:n_val])
    is_val = np.zeros(len(units), dtype=bool)
    is_val[np.concatenate(val_units)] = True
    if groups is not None:
        is_val = is_val[inverse]
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def _check_partition(train: torch.Tensor, val: torch.Tensor, n: int) -> None:
    for part in (train, val):
        assert part.dtype == torch.int64 and part.ndim == 1
        assert torch.equal(part, part.sort().values)
    assert torch.equal(torch.cat([train, val]).sort().values, torch.arange(n))


@pytest.mark.parametrize(("n", "fraction", "seed"), [(10, 0.2, 0), (257, 0.1, 42), (3, 0.5, 7)])
def test_random_split_equals_the_old_engine_split(n: int, fraction: float, seed: int) -> None:
    expected = _old_split_validation(n, fraction, seed)
    for generator in (seed, torch.Generator().manual_seed(seed)):
        train, val = RandomSplit(fraction).split(n, generator)
        assert torch.equal(train, expected[0]) and torch.equal(val, expected[1])
    data = TensorBatches(torch.zeros(n, 1), torch.zeros(n))
    sub_train, sub_val = split_validation(data, fraction, torch.Generator().manual_seed(seed))
    assert torch.equal(sub_val.index, expected[1]) and torch.equal(sub_train.index, expected[0])
    assert isinstance(RandomSplit(fraction), Splitter)


def test_random_split_advances_the_generator_as_before() -> None:
    g_old, g_new = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    torch.randperm(50, generator=g_old)
    RandomSplit(0.3).split(50, g_new)
    assert torch.equal(torch.randperm(50, generator=g_old), torch.randperm(50, generator=g_new))


@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_stratified_split_keeps_the_old_survival_indices(seed: int) -> None:
    rng = np.random.default_rng(seed)
    event = (rng.uniform(size=97) < 0.3).astype(np.int64)
    ids = np.repeat(np.arange(40), rng.integers(1, 4, size=40))[:97]
    ids = np.concatenate([ids, np.arange(40, 40 + 97 - len(ids))])
    for groups in (None, ids):
        expected = _old_stratified_split(event, 0.2, seed, groups)
        train, val = StratifiedSplit(0.2, event, groups).split(97, seed)
        np.testing.assert_array_equal(train.numpy(), expected[0])
        np.testing.assert_array_equal(val.numpy(), expected[1])


def test_stratified_split_keeps_the_event_proportion_per_stratum() -> None:
    # 3 strata x (event, censored): each cell sends ceil(0.25 * size) rows to validation
    labels = np.repeat(np.arange(6), [13, 7, 20, 5, 9, 2])
    train, val = StratifiedSplit(0.25, labels).split(len(labels), 11)
    _check_partition(train, val, len(labels))
    for value, size in enumerate([13, 7, 20, 5, 9, 2]):
        n_val = int((labels[val.numpy()] == value).sum())
        assert abs(n_val - 0.25 * size) <= 1, (value, n_val)


def test_stratified_split_from_a_generator_is_seeded() -> None:
    labels = np.arange(30) % 2
    a = StratifiedSplit(0.3, labels).split(30, torch.Generator().manual_seed(5))
    b = StratifiedSplit(0.3, labels).split(30, torch.Generator().manual_seed(5))
    assert all(torch.equal(x, y) for x, y in zip(a, b))


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 15)), min_size=1, max_size=80),
    fraction=st.floats(0.05, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_partitions_and_never_splits_a_group(data: list[tuple[int, int]], fraction: float, seed: int) -> None:
    labels = np.array([label for label, _ in data], dtype=np.int64)
    groups = np.array([group for _, group in data])
    train, val = StratifiedSplit(fraction, labels, groups).split(len(data), seed)
    _check_partition(train, val, len(data))
    assert not set(groups[train.numpy()]) & set(groups[val.numpy()])


def test_temporal_split_is_the_tail() -> None:
    train, val = TemporalSplit(0.25).split(10, torch.Generator().manual_seed(0))
    assert torch.equal(train, torch.arange(7)) and torch.equal(val, torch.arange(7, 10))  # ceil(2.5) = 3
    _check_partition(*TemporalSplit(0.5).split(9), 9)


def test_mask_split_returns_the_masks_positions() -> None:
    train_mask = torch.tensor([True, False, False, True, True, False])
    val_mask = np.array([False, True, False, False, False, True])
    train, val = MaskSplit(train_mask, val_mask).split(6, 0)
    assert torch.equal(train, torch.tensor([0, 3, 4])) and torch.equal(val, torch.tensor([1, 5]))  # node 2: neither


def test_splitter_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match=r"`val_mask` of MaskSplit must not overlap `train_mask`\. Got 1 position\(s\) in both \(first \[2\]\)"):
        MaskSplit(torch.tensor([True, False, True]), torch.tensor([False, True, True]))
    with pytest.raises(ValueError, match=r"`train_mask` of MaskSplit must be a 1-D boolean mask\. Got shape \(3,\) and dtype torch.int64"):
        MaskSplit(torch.tensor([1, 0, 1]), torch.tensor([False, True, False]))
    with pytest.raises(ValueError, match=r"`val_mask` of MaskSplit must have shape \(3,\), as `train_mask` has\. Got shape \(2,\)"):
        MaskSplit(torch.tensor([True, False, True]), torch.tensor([False, True]))
    with pytest.raises(ValueError, match=r"`n` of MaskSplit.split must be 3, the masks' length\. Got 4"):
        MaskSplit(torch.tensor([True, False, False]), torch.tensor([False, True, False])).split(4, 0)
    with pytest.raises(ValueError, match=r"`fraction` of RandomSplit must be a float in \(0, 1\)\. Got 1.0"):
        RandomSplit(1.0)
    with pytest.raises(ValueError, match=r"`labels` of StratifiedSplit must be a 1-D array of integer codes"):
        StratifiedSplit(0.2, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"`groups` of StratifiedSplit must have shape \(2,\), as `labels` has"):
        StratifiedSplit(0.2, np.array([0, 1]), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"`n` of StratifiedSplit.split must be 2, one label per row\. Got 3"):
        StratifiedSplit(0.2, np.array([0, 1])).split(3, 0)
    with pytest.raises(TypeError, match=r"`generator` of RandomSplit.split must be a torch.Generator or an int seed\. Got str"):
        RandomSplit(0.2).split(5, "0")


# ---------------------------------------------------------------- fit_module(splitter=)
def _sse(eta, target, *, weight=None, reduction="sum"):
    return 0.5 * ((eta[:, 0] - target) ** 2).sum()


def _fit(splitter=None, validation=None, seed: int = 0, **config):
    g = torch.Generator().manual_seed(1)
    X = torch.randn(40, 2, generator=g, dtype=torch.float64)
    y = X[:, 0] - X[:, 1] + 0.1 * torch.randn(40, generator=g, dtype=torch.float64)
    torch.manual_seed(seed)
    net = nn.Linear(2, 1).double()
    cfg = TrainConfig(max_epochs=4, batch_size=8, lr=0.05, random_state=seed, verbose=0, **config)
    history = fit_module(net, _sse, TensorBatches(X, y), cfg, validation=validation, splitter=splitter)
    return history, net


def test_fit_module_default_split_is_random_split() -> None:
    h_default, net_default = _fit(validation_fraction=0.2)
    h_random, net_random = _fit(RandomSplit(0.2), validation_fraction=0.2)
    assert [r["val_loss"] for r in h_default.records] == [r["val_loss"] for r in h_random.records]
    assert torch.equal(net_default.weight, net_random.weight)


def test_fit_module_uses_the_splitter() -> None:
    history, _ = _fit(TemporalSplit(0.25), validation_fraction=0.0)  # given, it splits whatever the fraction
    assert all(np.isfinite(r["val_loss"]) for r in history.records)
    with pytest.raises(ValueError, match=r"`splitter` of fit_module must be None when `validation` is given"):
        _fit(TemporalSplit(0.25), validation=TensorBatches(torch.zeros(3, 2, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)))
    empty = MaskSplit(torch.ones(40, dtype=torch.bool), torch.zeros(40, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"`splitter` of fit_module must leave at least one observation in each part\. Got MaskSplit\(train=40, validation=0\) with 40 training and 0 validation"):
        _fit(empty)
    with pytest.raises(TypeError, match=r"`splitter` of fit_module must have a split\(n, generator\) method"):
        _fit(0.2)
