"""The shared input checks of the metrics: array-likes in, float64 numpy out, STYLE 7 messages."""

import numpy as np
import pandas as pd
import pytest
import torch

from deepstat.metrics._validation import as_1d, as_array, broadcast_1d, check_class_codes, check_probabilities


def test_as_array_converts_torch_pandas_and_widens_float32() -> None:
    t = torch.tensor([1.5, 2.5], dtype=torch.float32, requires_grad=True)
    out = as_array(t, "y", "f")
    assert out.dtype == np.float64 and out.tolist() == [1.5, 2.5]
    frame = as_array(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), "X", "f")
    assert frame.shape == (2, 2) and frame.dtype == np.float64


def test_as_1d_accepts_scalars_and_columns() -> None:
    assert as_1d(3.0, "y", "f").tolist() == [3.0]
    assert as_1d(np.ones((4, 1)), "y", "f").shape == (4,)
    with pytest.raises(ValueError, match=r"`y` of f must be one-dimensional \(one value per row\)\. Got shape \(2, 2\)"):
        as_1d(np.ones((2, 2)), "y", "f")
    with pytest.raises(ValueError, match=r"`y` of f must be non-empty"):
        as_1d([], "y", "f")


def test_broadcast_1d() -> None:
    a, b = broadcast_1d("f", a=np.array([1.0]), b=np.array([1.0, 2.0, 3.0]))
    assert a.tolist() == [1.0, 1.0, 1.0] and b.tolist() == [1.0, 2.0, 3.0]


def test_probabilities_and_codes() -> None:
    assert check_probabilities([0.25, 1.0], "f").tolist() == [[0.75, 0.25], [0.0, 1.0]]  # 1-d = P(class 1)
    assert check_class_codes(np.array([0.0, 2.0]), 3, "f").dtype == np.int64
    with pytest.raises(ValueError, match=r"`y_codes` of f must be integer codes in 0\.\.2"):
        check_class_codes([3], 3, "f")
