"""SetAdapter: padding with a mask, the normaliser over valid elements, persistence, batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from deepstat.data import SetAdapter


def _sets(rng, sizes, n_features=2):
    return [rng.gamma(2.0, 1.5, size=(m, n_features)) for m in sizes]


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=6), n_features=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_padding_then_unpadding_returns_the_inputs(sizes, n_features, seed):
    rng = np.random.default_rng(seed)
    X = _sets(rng, sizes, n_features)
    x, mask = SetAdapter(normalize=False).fit_transform(X)
    assert mask.dtype == torch.bool and mask.sum(dim=1).tolist() == sizes
    assert x.shape == (len(sizes), max(sizes), n_features)
    for i in range(len(sizes)):
        np.testing.assert_array_equal(x[i][mask[i]].numpy(), X[i])
        assert not x[i][~mask[i]].any()
    # the padded form with its mask reads back to the same tensors
    x2, mask2 = SetAdapter(normalize=False).fit_transform(x.numpy(), mask=mask.numpy())
    assert torch.equal(x2, x) and torch.equal(mask2, mask)


def test_statistics_use_valid_elements_only(rng):
    X = _sets(rng, [4, 1, 3])
    adapter = SetAdapter().fit(X)
    stacked = np.concatenate(X)  # the independent reference
    np.testing.assert_allclose(adapter.mean_, stacked.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(adapter.scale_, stacked.std(axis=0), rtol=1e-12)
    assert adapter.input_spec_.kind == "set" and adapter.input_spec_.n_features == 2
    # a padded array with a mask that is not a prefix, and garbage outside it
    padded = np.full((3, 5, 2), 1e300)
    mask = np.zeros((3, 5), dtype=bool)
    for i, s in enumerate(X):
        slots = rng.choice(5, size=len(s), replace=False)
        slots.sort()
        padded[i, slots], mask[i, slots] = s, True
    other = SetAdapter().fit(padded, mask=mask)
    np.testing.assert_allclose(other.mean_, adapter.mean_, rtol=1e-12)
    np.testing.assert_allclose(other.scale_, adapter.scale_, rtol=1e-12)


def test_round_trip_gives_identical_transforms(rng, json_round_trip):
    adapter = SetAdapter().fit(_sets(rng, [2, 5]))
    loaded = json_round_trip(adapter)
    new = _sets(rng, [1, 3, 3])
    for a, b in zip(loaded.transform(new), adapter.transform(new)):
        assert torch.equal(a, b)


def test_take_equals_slicing(rng):
    X = _sets(rng, [2, 5, 1, 3])
    adapter = SetAdapter(dtype="float32").fit(X)
    x, mask = adapter.transform(X)
    assert x.dtype == torch.float32
    weight = torch.tensor([1.0, 2.0, 0.5, 1.0])
    source = adapter.batches(X, np.array([0, 1, 1, 0]), weight=weight)
    index = torch.tensor([3, 0])
    batch = source.take(index)
    assert torch.equal(batch.inputs[0], x[index]) and torch.equal(batch.inputs[1], mask[index])
    assert batch.target.tolist() == [0, 0] and torch.equal(batch.weight, weight[index])
    assert adapter.n_samples(X) == 4


@pytest.mark.parametrize(
    ("X", "mask", "error", "match"),
    [
        ([], None, ValueError, "must hold at least one set"),
        ([np.zeros((0, 2))], None, ValueError, r"`X\[0\]` of Caller must have at least one element"),
        ([np.zeros((2, 2)), np.zeros((1, 3))], None, ValueError, r"`X\[1\]` of Caller must have 2 feature\(s\) per element"),
        ([np.zeros((2, 2))], np.ones((1, 2), bool), ValueError, "`mask` of Caller must be None when `X` is a list"),
        (np.zeros((2, 3, 2)), np.ones((2, 3)), TypeError, "`mask` of Caller must be a boolean array"),
        (np.zeros((2, 3, 2)), np.ones((2, 4), bool), ValueError, r"`mask` of Caller must have shape \(2, 3\)"),
        (np.zeros((2, 3, 2)), np.array([[1, 0, 0], [0, 0, 0]], bool), ValueError, "Got 1 empty set"),
        (np.zeros((2, 2)), None, ValueError, r"Got an array of shape \(2, 2\)"),
    ],
)
def test_invalid_input(X, mask, error, match):
    with pytest.raises(error, match=match):
        SetAdapter().fit(X, "Caller", mask=mask)


def test_nan_names_the_set_and_element():
    X = [np.zeros((3, 2)), np.zeros((2, 2))]
    X[1][1, 0] = -np.inf
    with pytest.raises(ValueError, match=r"the first at set 1, element 1, feature 0 \(-inf\)"):
        SetAdapter().fit(X, "DeepRegressor")


def test_transform_features_must_match_fit(rng):
    adapter = SetAdapter().fit(_sets(rng, [2, 3]))
    with pytest.raises(ValueError, match=r"must have 2 feature\(s\) per element, as in fit. Got 4 feature\(s\)"):
        adapter.transform([np.zeros((2, 4))], "DeepRegressor")
    with pytest.raises(NotFittedError):
        SetAdapter().transform([np.zeros((2, 2))])


def test_tampered_configs_raise_value_error(rng, check_tampers):
    config = SetAdapter().fit(_sets(rng, [2, 3])).to_config()
    check_tampers(config, [(("input_spec", "n_edge_features"), 2, "input_spec.n_edge_features")])
