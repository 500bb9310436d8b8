"""ImageAdapter: validation, the per-channel normaliser, persistence and batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError

from deepstat.data import ImageAdapter


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return load_digits().images  # (1797, 8, 8) float64, values 0..16 [sklearn's bundled copy]


def test_digits_get_a_channel_and_numpy_statistics(digits):
    adapter = ImageAdapter().fit(digits)
    assert adapter.input_spec_.kind == "image" and adapter.input_spec_.shape == (1, 8, 8)
    assert adapter.n_samples(digits) == 1797
    np.testing.assert_allclose(adapter.mean_, [digits.mean()], rtol=1e-12)
    np.testing.assert_allclose(adapter.scale_, [digits.std()], rtol=1e-12)
    x = adapter.transform(digits)
    assert x.dtype == torch.float64 and x.shape == (1797, 1, 8, 8)
    np.testing.assert_allclose(x[:, 0].numpy(), (digits - digits.mean()) / digits.std(), rtol=1e-12)


def test_per_channel_statistics_of_volumes(rng):
    X = rng.normal(loc=[1.0, -2.0, 5.0], scale=[1.0, 3.0, 0.5], size=(6, 4, 5, 3, 3)).transpose(0, 4, 1, 2, 3)
    X = np.ascontiguousarray(X, dtype=np.float32)  # (n, C=3, D=4, H=5, W=3)
    adapter = ImageAdapter().fit(X)
    assert adapter.input_spec_.shape == (3, 4, 5, 3) and adapter.input_spec_.n_features == 3
    ref = X.astype(np.float64).transpose(1, 0, 2, 3, 4).reshape(3, -1)
    np.testing.assert_allclose(adapter.mean_, ref.mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(adapter.scale_, ref.std(axis=1), rtol=1e-10)
    x = adapter.transform(X)
    assert x.dtype == torch.float32  # float32 stays float32
    np.testing.assert_allclose(x.numpy().mean(axis=(0, 2, 3, 4)), 0.0, atol=1e-5)


def test_dtype_and_constant_channel():
    X = np.ones((2, 2, 3, 3))
    X[:, 1] = np.arange(9.0).reshape(3, 3)
    adapter = ImageAdapter(dtype="float32").fit(X)
    assert adapter.scale_[0] == 1.0  # a constant channel is only centred
    assert adapter.transform(X).dtype == torch.float32
    assert ImageAdapter(normalize=False).fit_transform(torch.tensor(X)).equal(torch.tensor(X))


def test_round_trip_gives_identical_transforms(digits, json_round_trip):
    adapter = ImageAdapter(dtype="float32").fit(digits[:100])
    loaded = json_round_trip(adapter)
    assert isinstance(loaded, ImageAdapter) and loaded.input_spec_ == adapter.input_spec_
    assert torch.equal(loaded.transform(digits[100:150]), adapter.transform(digits[100:150]))
    unfitted = json_round_trip(ImageAdapter(normalize=False))
    with pytest.raises(NotFittedError):
        unfitted.transform(digits)


def test_take_equals_slicing(digits):
    adapter = ImageAdapter().fit(digits)
    y = load_digits().target
    source = adapter.batches(digits, y, weight=np.linspace(0.5, 1.5, len(y)))
    assert len(source) == 1797
    index = torch.tensor([5, 0, 1796, 5])
    batch = source.take(index)
    assert torch.equal(batch.inputs, adapter.transform(digits)[index])
    assert torch.equal(batch.target, torch.from_numpy(y)[index])
    assert batch.weight.shape == (4,) and len(batch) == 4


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.zeros((3, 8)), ValueError, r"`X` of Caller must be an array of images .* Got an array of shape \(3, 8\) \(2-D\)"),
        (np.zeros((2, 1, 2, 2, 2, 2)), ValueError, r"Got an array of shape \(2, 1, 2, 2, 2, 2\) \(6-D\)"),
        (np.zeros((0, 1, 4, 4)), ValueError, "must hold at least one image"),
        (np.array([["a"]]), TypeError, "of numbers. Got ndarray of dtype <U1"),
        (np.zeros((2, 1, 2, 2), dtype=complex), ValueError, "must be real-valued"),
    ],
)
def test_invalid_input(X, error, match):
    with pytest.raises(error, match=match):
        ImageAdapter().fit(X, "Caller")


def test_nan_names_the_image():
    X = np.zeros((4, 2, 3, 3))
    X[2, 1, 0, 2] = np.nan
    X[3, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"Got 2 NaN or infinite value\(s\), the first at image 2, channel 1, position \(0, 2\)"):
        ImageAdapter().fit(X, "DeepRegressor")


def test_transform_shape_must_match_fit(digits):
    adapter = ImageAdapter().fit(digits)
    with pytest.raises(ValueError, match=r"per-image shape \(1, 8, 8\), as in fit. Got per-image shape \(3, 8, 8\)"):
        adapter.transform(np.zeros((2, 3, 8, 8)), "DeepRegressor")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ImageAdapter().transform(digits)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="`dtype` of ImageAdapter must be 'float32', 'float64' or None"):
        ImageAdapter(dtype="half")
    with pytest.raises(TypeError, match="`normalize` of ImageAdapter must be a bool"):
        ImageAdapter(normalize=1)


def test_tampered_configs_raise_value_error(digits, check_tampers):
    config = ImageAdapter().fit(digits).to_config()
    check_tampers(
        config,
        [
            (("scale",), [-1.0], "scale"),
            (("input_spec", "shape"), [1, 8], "input_spec.shape"),
            (("input_spec", "shape"), [2, 8, 8], "input_spec.shape"),
        ],
    )
    with pytest.raises(ValueError, match="`adapter.mean` of config.json must be null"):
        from deepstat.data import adapter_from_config

        adapter_from_config({**ImageAdapter().to_config(), "mean": [0.0]}, "config.json")
    with pytest.raises(ValueError, match="`adapter.mean` of config.json must be the identity"):
        from deepstat.data import adapter_from_config

        adapter_from_config({**config, "normalize": False}, "config.json")
