"""Regression metrics against scikit-learn (the reference implementation; DESIGN.md, metrics/)."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deepstat.metrics import mean_absolute_error, r2_score, root_mean_squared_error

PAIRS = [
    (root_mean_squared_error, sklearn.metrics.root_mean_squared_error),
    (mean_absolute_error, sklearn.metrics.mean_absolute_error),
    (r2_score, sklearn.metrics.r2_score),
]


@pytest.mark.parametrize(("ours", "reference"), PAIRS)
@pytest.mark.parametrize("weighted", [False, True])
def test_equals_sklearn(ours, reference, weighted, rng) -> None:
    y = rng.normal(size=200)
    pred = y + rng.normal(scale=0.5, size=200)
    w = rng.uniform(0.0, 3.0, size=200) if weighted else None
    # 1e-12: the tolerance the brief asks for (same formula, different summation order).
    assert ours(y, pred, sample_weight=w) == pytest.approx(reference(y, pred, sample_weight=w), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("ours", "reference"), PAIRS)
def test_pandas_and_torch_inputs_give_the_numpy_answer(ours, reference, rng) -> None:
    y, pred = rng.normal(size=30), rng.normal(size=30)
    expected = reference(y, pred)
    assert ours(pd.Series(y), torch.tensor(pred, requires_grad=True)) == pytest.approx(expected, rel=1e-12)
    assert ours(y[:, None], pred.astype(np.float32)) == pytest.approx(reference(y, pred.astype(np.float32)), rel=1e-6)


def test_known_values() -> None:
    # Hand computation: errors (0.5, -0.5, 0, -1) -> MSE 1.5/4, MAE 2/4; SS_tot of y = 29.1875 (mean 2.875).
    y, pred = [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]
    assert root_mean_squared_error(y, pred) == pytest.approx(np.sqrt(1.5 / 4), rel=1e-15)
    assert mean_absolute_error(y, pred) == pytest.approx(0.5, rel=1e-15)
    assert r2_score(y, pred) == pytest.approx(1 - 1.5 / 29.1875, rel=1e-15)


def test_duplicated_row_equals_weight_two(rng) -> None:
    # STYLE 8.3: sample_weight=2 gives the same result as a duplicated row.
    y, pred = rng.normal(size=10), rng.normal(size=10)
    w = np.ones(10)
    w[3] = 2.0
    y_dup, pred_dup = np.append(y, y[3]), np.append(pred, pred[3])
    for metric, _ in PAIRS:
        assert metric(y, pred, sample_weight=w) == pytest.approx(metric(y_dup, pred_dup), rel=1e-12)


def test_r2_constant_target_follows_sklearn_force_finite() -> None:
    # sklearn r2_score(force_finite=True): 1.0 for a perfect fit, 0.0 otherwise, when y is constant.
    assert r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]) == 1.0 == sklearn.metrics.r2_score([2.0] * 3, [2.0] * 3)
    assert r2_score([2.0, 2.0, 2.0], [1.0, 2.0, 2.0]) == 0.0 == sklearn.metrics.r2_score([2.0] * 3, [1.0, 2.0, 2.0])


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"`y_pred` of mean_absolute_error must have the same number of rows as `y_true`\. Got lengths y_true=3, y_pred=2"):
        mean_absolute_error([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"`y_true` of root_mean_squared_error must contain only finite values"):
        root_mean_squared_error([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"`sample_weight` of r2_score must be non-negative\. Got \[-1\.0\] instead"):
        r2_score([1.0, 2.0], [1.0, 2.0], sample_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"`sample_weight` of r2_score must have one weight per row \(2\)"):
        r2_score([1.0, 2.0], [1.0, 2.0], sample_weight=[1.0])
    with pytest.raises(ValueError, match=r"`sample_weight` of mean_absolute_error must have a positive sum"):
        mean_absolute_error([1.0, 2.0], [1.0, 2.0], sample_weight=[0.0, 0.0])
    with pytest.raises(ValueError, match=r"`y_true` of r2_score must have at least 2 rows\. Got 1 row"):
        r2_score([1.0], [1.0])
    with pytest.raises(ValueError, match=r"`y_true` of r2_score must be one-dimensional"):
        r2_score(np.ones((3, 2)), np.ones(3))
    with pytest.raises(TypeError, match=r"`y_pred` of mean_absolute_error must be numeric"):
        mean_absolute_error([1.0, 2.0], ["a", "b"])


# Rounded to 1e-6 so that squares do not underflow (1e-200 ** 2 == 0 would break RMSE >= MAE).
finite = st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 6))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(2, 30), elements=finite), st.data())
def test_errors_are_non_negative_and_r2_at_most_one(y, data) -> None:
    pred = data.draw(arrays(np.float64, y.shape[0], elements=finite))
    rmse, mae = root_mean_squared_error(y, pred), mean_absolute_error(y, pred)
    assert rmse >= mae * (1 - 1e-12) and mae >= 0.0  # RMSE >= MAE (Jensen), up to rounding
    assert r2_score(y, pred) <= 1.0
