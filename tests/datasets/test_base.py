"""The ``Dataset`` record: views on the frame and checks of its own consistency."""

from __future__ import annotations

import pandas as pd
import pytest

from deepstat.datasets import TASKS, Dataset


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["u", "v", "u"], "y": [0.5, 1.5, 2.5], "z": [1, 0, 1]})


def _make(**overrides: object) -> Dataset:
    kwargs: dict = {"name": "t", "frame": _frame(), "target": "y", "feature_names": ["a", "b"],
                    "description": "d", "source": "s", "task": "regression", "family": "normal"}
    kwargs.update(overrides)
    return Dataset(**kwargs)


def test_views_and_sizes() -> None:
    ds = _make()
    pd.testing.assert_frame_equal(ds.X, _frame()[["a", "b"]])
    pd.testing.assert_series_equal(ds.y, _frame()["y"])
    assert (ds.n_rows, ds.n_features) == (3, 2)
    assert ds.family_kwargs == {} and ds.target_names is None


def test_several_targets_give_a_frame() -> None:
    ds = _make(target=["y", "z"])
    assert isinstance(ds.y, pd.DataFrame) and ds.y.columns.tolist() == ["y", "z"]


def test_repr_is_short() -> None:
    assert repr(_make()) == "Dataset(name='t', n_rows=3, n_features=2, target='y', task='regression', family='normal')"


def test_missing_columns_are_an_error() -> None:
    with pytest.raises(ValueError, match=r"must hold the target and feature columns. Got no column\(s\) \['w'\]"):
        _make(feature_names=["a", "w"])
    with pytest.raises(ValueError, match=r"Got no column\(s\) \['target'\]"):
        _make(target="target")


def test_target_among_features_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"`feature_names` of Dataset 't' must not include the target. Got \['y'\]"):
        _make(feature_names=["a", "y"])


def test_unknown_task_is_an_error() -> None:
    assert "count" in TASKS
    with pytest.raises(ValueError, match="`task` of Dataset 't' must be one of .* Got 'clustering' instead"):
        _make(task="clustering")
