"""The boundary checks shared by the adapters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepstat.data.validation import as_float_tensor, as_target, check_finite_at


def test_as_float_tensor_keeps_floats_and_widens_the_rest():
    f32 = np.zeros(3, dtype=np.float32)
    assert as_float_tensor(f32, "X", "C", "an array").dtype == torch.float32
    assert as_float_tensor(np.arange(3), "X", "C", "an array").dtype == torch.float64
    assert as_float_tensor(np.array([True]), "X", "C", "an array").dtype == torch.float64
    assert as_float_tensor(torch.zeros(2, dtype=torch.float16), "X", "C", "an array").dtype == torch.float32
    assert as_float_tensor(np.zeros(2, dtype=np.float16), "X", "C", "an array").dtype == torch.float32
    with pytest.raises(TypeError, match="`X` of C must be an array of numbers. Got ndarray of dtype object"):
        as_float_tensor(np.array([object()]), "X", "C", "an array")


def test_check_finite_at_names_the_position():
    t = torch.zeros(2, 3, 4)
    t[1, 2, 3] = float("nan")
    with pytest.raises(ValueError, match=r"`X` of C must contain only finite values. Got 1 NaN .* sequence 1, step 2, feature 3 \(nan\)"):
        check_finite_at(t, "X", "C", ("sequence", "step"))
    with pytest.raises(ValueError, match=r"graph 7, node 2, feature 3"):
        check_finite_at(t[1], "X", "C", ("graph", "node"), leading=(7,))


def test_as_target_converts_numpy_and_passes_tensors_through():
    assert torch.equal(as_target(np.array([1.0, 2.0]), "target", "C"), torch.tensor([1.0, 2.0], dtype=torch.float64))
    t = torch.zeros(2)
    assert as_target(t, "target", "C") is t and as_target(None, "weight", "C") is None
    with pytest.raises(TypeError, match="`target` of C must be numeric"):
        as_target(np.array(["a"]), "target", "C")
