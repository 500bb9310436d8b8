"""TabularPreprocessor: encoding, standardisation, and the state it saves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepstat.utils.tabular import TabularPreprocessor


def test_standardises_numeric_and_one_hot_encodes_categories(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"a": rng.normal(5, 3, size=50), "b": pd.Categorical(rng.choice(["x", "y"], size=50)),
                       "c": rng.choice([True, False], size=50)})
    pre = TabularPreprocessor()
    Z = pre.fit_transform(df, "Test")
    assert pre.columns_out == ["a", "b[x]", "b[y]", "c[False]", "c[True]"]
    assert Z[:, 0].mean() == pytest.approx(0, abs=1e-12) and Z[:, 0].std() == pytest.approx(1)
    np.testing.assert_array_equal(Z[:, 1] + Z[:, 2], np.ones(50))
    again = TabularPreprocessor.from_dict(pre.to_dict()).transform(df, "Test")
    np.testing.assert_array_equal(again, Z)


def test_constant_column_is_only_centred() -> None:
    pre = TabularPreprocessor()
    Z = pre.fit_transform(np.column_stack([np.ones(5), np.arange(5.0)]), "Test")
    np.testing.assert_array_equal(Z[:, 0], np.zeros(5))


def test_missing_column_and_missing_category() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0], "g": ["p", "q"]})
    pre = TabularPreprocessor()
    pre.fit_transform(df, "Test")
    with pytest.raises(ValueError, match=r"no column\(s\) \['g'\]"):
        pre.transform(df[["a"]], "Test")
    with pytest.raises(ValueError, match=r"missing value"):
        pre.transform(pd.DataFrame({"a": [1.0], "g": [None]}), "Test")


def test_numeric_array_after_numeric_frame(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"a": rng.normal(size=5), "b": rng.normal(size=5)})
    pre = TabularPreprocessor()
    Z = pre.fit_transform(df, "Test")
    np.testing.assert_allclose(pre.transform(df.to_numpy(), "Test"), Z)
