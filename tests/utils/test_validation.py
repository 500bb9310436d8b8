"""Error-message helpers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepstat.utils.validation import check_finite, format_values, resolve_seed


def test_format_values_truncates() -> None:
    assert format_values([1, 2, 3, 4, 5, 6], max_items=2) == "[1, 2, ...] (6 values)"


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30))
def test_check_finite_matches_numpy(values) -> None:
    arr = np.asarray(values, dtype=float)
    if np.isfinite(arr).all():
        check_finite(arr, "X", "Test")
    else:
        with pytest.raises(ValueError, match=rf"`X` of Test must contain only finite values. Got {int((~np.isfinite(arr)).sum())} NaN"):
            check_finite(arr, "X", "Test")


def test_resolve_seed() -> None:
    assert resolve_seed(7) == 7
    rs = np.random.RandomState(0)
    assert resolve_seed(np.random.RandomState(0)) == resolve_seed(rs)
    assert isinstance(resolve_seed(None), int)
    with pytest.raises(TypeError, match=r"`random_state`"):
        resolve_seed("seed")
    with pytest.raises(ValueError, match=r"non-negative"):
        resolve_seed(-3)
