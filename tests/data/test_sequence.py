"""SequenceAdapter: padding with lengths, the normaliser over valid steps, persistence, batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from deepstat.data import SequenceAdapter


def _sequences(rng, lengths, n_features=3):
    return [rng.normal(loc=2.0, scale=3.0, size=(t, n_features)) for t in lengths]


@settings(max_examples=30, deadline=None)
@given(lengths=st.lists(st.integers(1, 7), min_size=1, max_size=6), n_features=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_padding_then_unpadding_returns_the_inputs(lengths, n_features, seed):
    rng = np.random.default_rng(seed)
    X = _sequences(rng, lengths, n_features)
    x, lens = SequenceAdapter(normalize=False).fit_transform(X)
    assert lens.tolist() == lengths and x.shape == (len(lengths), max(lengths), n_features)
    for i, t in enumerate(lengths):
        np.testing.assert_array_equal(x[i, :t].numpy(), X[i])
        assert not x[i, t:].any()  # padding is zero
    # the padded form with lengths reads back to the same tensors
    x2, lens2 = SequenceAdapter(normalize=False).fit_transform(x.numpy(), lengths=np.array(lengths))
    assert torch.equal(x2, x) and torch.equal(lens2, lens)


def test_statistics_use_valid_steps_only(rng):
    X = _sequences(rng, [2, 5, 1, 4])
    adapter = SequenceAdapter().fit(X)
    stacked = np.concatenate(X)  # the valid steps: the independent reference
    np.testing.assert_allclose(adapter.mean_, stacked.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(adapter.scale_, stacked.std(axis=0), rtol=1e-12)
    assert adapter.input_spec_.kind == "sequence" and adapter.input_spec_.n_features == 3
    assert adapter.input_spec_.shape == ()
    # the same from a padded array whose padding holds garbage (NaN) that must not count
    padded = np.full((4, 5, 3), np.nan)
    for i, s in enumerate(X):
        padded[i, : len(s)] = s
    other = SequenceAdapter().fit(padded, lengths=[2, 5, 1, 4])
    np.testing.assert_allclose(other.mean_, adapter.mean_, rtol=1e-12)
    x, _ = other.transform(padded, lengths=[2, 5, 1, 4])
    assert torch.isfinite(x).all() and x[2, 1:].abs().sum() == 0


def test_padded_without_lengths_is_full_length(rng):
    X = rng.normal(size=(3, 4, 2)).astype(np.float32)
    x, lengths = SequenceAdapter().fit_transform(X)
    assert lengths.tolist() == [4, 4, 4] and x.dtype == torch.float32


def test_round_trip_gives_identical_transforms(rng, json_round_trip):
    adapter = SequenceAdapter(dtype="float32").fit(_sequences(rng, [3, 1, 6]))
    loaded = json_round_trip(adapter)
    new = _sequences(rng, [2, 2, 7])
    for a, b in zip(loaded.transform(new), adapter.transform(new)):
        assert torch.equal(a, b)


def test_take_equals_slicing(rng):
    X = _sequences(rng, [3, 1, 6, 2, 2])
    adapter = SequenceAdapter().fit(X)
    x, lengths = adapter.transform(X)
    y = torch.arange(5.0)
    source = adapter.batches(X, y)
    index = torch.tensor([4, 1, 1])
    batch = source.take(index)
    assert len(source) == 5 and adapter.n_samples(X) == 5
    assert torch.equal(batch.inputs[0], x[index]) and torch.equal(batch.inputs[1], lengths[index])
    assert torch.equal(batch.target, y[index]) and batch.weight is None


@pytest.mark.parametrize(
    ("X", "lengths", "error", "match"),
    [
        ([], None, ValueError, "must hold at least one sequence"),
        ([np.zeros(4)], None, ValueError, r"`X\[0\]` of Caller must be a 2-D array \(steps, features\). Got shape \(4,\)"),
        ([np.zeros((2, 3)), np.zeros((0, 3))], None, ValueError, r"`X\[1\]` of Caller must have at least one step"),
        ([np.zeros((2, 3)), np.zeros((2, 2))], None, ValueError, r"`X\[1\]` of Caller must have 3 feature\(s\) per step, as `X\[0\]` has"),
        ([np.array([["a"]])], None, TypeError, r"`X\[0\]` of Caller must be a 2-D array .* of numbers"),
        ([np.zeros((2, 3))], [2], ValueError, "`lengths` of Caller must be None when `X` is a list"),
        (np.zeros((2, 3)), None, ValueError, r"Got an array of shape \(2, 3\)"),
        (np.zeros((2, 4, 3)), [1, 5], ValueError, r"`lengths` of Caller must lie in 1..4 .* the first lengths\[1\] = 5"),
        (np.zeros((2, 4, 3)), [0, 2], ValueError, r"the first lengths\[0\] = 0"),
        (np.zeros((2, 4, 3)), [1, 2, 3], ValueError, r"`lengths` of Caller must have shape \(2,\)"),
        (np.zeros((2, 4, 3)), [1.0, 2.0], TypeError, "`lengths` of Caller must be integers"),
        (np.zeros((2, 4, 3)), torch.tensor([1.0, 2.0]), TypeError, "`lengths` of Caller must be integers"),
    ],
)
def test_invalid_input(X, lengths, error, match):
    with pytest.raises(error, match=match):
        SequenceAdapter().fit(X, "Caller", lengths=lengths)


def test_nan_names_the_sequence_and_step():
    X = [np.zeros((3, 2)), np.zeros((4, 2))]
    X[1][2, 1] = np.nan
    with pytest.raises(ValueError, match=r"the first at sequence 1, step 2, feature 1"):
        SequenceAdapter().fit(X, "DeepRegressor")
    padded = np.zeros((2, 4, 2))
    padded[0, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"the first at sequence 0, step 1, feature 0"):
        SequenceAdapter().fit(padded, "DeepRegressor", lengths=[3, 4])
    SequenceAdapter().fit(padded, "DeepRegressor", lengths=[1, 4])  # inf in the padding: ignored


def test_transform_features_must_match_fit(rng):
    adapter = SequenceAdapter().fit(_sequences(rng, [2, 3]))
    with pytest.raises(ValueError, match=r"must have 3 feature\(s\) per step, as in fit. Got 2 feature\(s\)"):
        adapter.transform([np.zeros((2, 2))], "DeepRegressor")
    with pytest.raises(NotFittedError):
        SequenceAdapter().transform([np.zeros((2, 2))])


def test_tampered_configs_raise_value_error(rng, check_tampers):
    config = SequenceAdapter().fit(_sequences(rng, [2, 3])).to_config()
    check_tampers(config, [(("input_spec", "shape"), [3], "input_spec.shape"), (("scale",), [1.0, 0.0, 1.0], "scale")])
