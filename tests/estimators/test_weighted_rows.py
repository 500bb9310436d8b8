"""The training rows as a canonical weighted set (estimators/_rows.py), against a brute-force reference.

The reference is pandas' groupby on every column (exact equality of rows), summing the weights; the
properties are scikit-learn's sample-weight equivalence (a weight of k is k copies) and invariance to
the order of the rows, exactly (bitwise), for the merge and for a default fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.estimators._rows import merge_duplicate_rows


def _reference(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[tuple, float]:
    frame = pd.DataFrame(np.column_stack([X, y]))
    frame["w"] = w
    totals = frame.groupby(list(range(X.shape[1] + 1)))["w"].sum()
    return {tuple(k): float(v) for k, v in totals.items() if v > 0}


def _as_dict(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor | None) -> dict[tuple, float]:
    weights = torch.ones(len(X)) if w is None else w
    return {tuple(np.r_[x.numpy(), t.numpy()].tolist()): float(v) for x, t, v in zip(X.double(), y.double().reshape(len(y), -1), weights)}


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 30), p=st.integers(1, 4), levels=st.integers(1, 3), seed=st.integers(0, 2**31 - 1),
    weighted=st.booleans(),
)
def test_merge_equals_groupby_reference(n: int, p: int, levels: int, seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, p)).astype(np.float32)  # few levels: many duplicate rows
    y = rng.integers(0, 2, size=n).astype(np.float32)
    w = rng.integers(0, 4, size=n).astype(np.float32) if weighted else np.ones(n, np.float32)
    if w.sum() == 0:
        w[0] = 1.0
    Xm, ym, wm, index = merge_duplicate_rows(torch.as_tensor(X), torch.as_tensor(y), torch.as_tensor(w) if weighted else None)
    assert _as_dict(Xm, ym, wm) == _reference(X, y, w)
    assert len(set(_as_dict(Xm, ym, wm))) == len(Xm)  # distinct rows
    torch.testing.assert_close(Xm, torch.as_tensor(X)[index], rtol=0, atol=0)
    # order-free and repeat-free: the shuffled, repeated rows give the same tensors, bitwise
    reps = w.astype(int) if weighted else np.ones(n, int)
    perm = rng.permutation(int(reps.sum()))
    Xr, yr = np.repeat(X, reps, axis=0)[perm], np.repeat(y, reps)[perm]
    Xm2, ym2, wm2, _ = merge_duplicate_rows(torch.as_tensor(Xr), torch.as_tensor(yr), None)
    assert torch.equal(Xm, Xm2) and torch.equal(ym, ym2)
    assert (wm is None and wm2 is None) or torch.equal(wm, wm2)


def test_distinct_unit_weight_rows_keep_no_weight() -> None:
    X, y = torch.randn(50, 3), torch.randn(50)
    Xm, ym, wm, index = merge_duplicate_rows(X, y, None)
    assert wm is None and len(Xm) == 50 and sorted(index.tolist()) == list(range(50))


def test_zero_and_negative_zero_are_one_row() -> None:
    X = torch.tensor([[0.0], [-0.0]])
    Xm, _, wm, _ = merge_duplicate_rows(X, torch.zeros(2), None)
    assert len(Xm) == 1 and wm.tolist() == [2.0]


def test_default_fit_weights_equal_repeated_rows(global_random_seed: int) -> None:
    """A default DeepRegressor and DeepClassifier: weights k = k shuffled copies, predictions bitwise equal."""
    rng = np.random.default_rng(global_random_seed)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -0.5, 0.2]) + rng.normal(size=40)
    w = rng.integers(0, 4, size=40)
    w[0] = max(w[0], 1)
    perm = rng.permutation(int(w.sum()))
    Xr, yr = np.repeat(X, w, axis=0)[perm], np.repeat(y, w)[perm]
    for make, target, target_r in ((DeepRegressor, y, yr), (DeepClassifier, (y > 0).astype(int), (yr > 0).astype(int))):
        weighted = make(random_state=0, verbose=0, max_epochs=30).fit(X, target, sample_weight=w)
        repeated = make(random_state=0, verbose=0, max_epochs=30).fit(Xr, target_r)
        np.testing.assert_array_equal(weighted.predict(X), repeated.predict(X))


def test_classifier_needs_two_classes_of_positive_weight() -> None:
    X = np.random.default_rng(0).uniform(size=(10, 3))
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match=r"`sample_weight` of DeepClassifier must give positive weight to rows of at least 2 classes"):
        DeepClassifier(verbose=0).fit(X, y, sample_weight=y.astype(float))


def test_float32_predictions_do_not_depend_on_the_batch() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5))
    model = DeepRegressor(random_state=0, verbose=0, max_epochs=20).fit(X, X[:, 0] + rng.normal(size=200))
    full = model.predict(X)
    np.testing.assert_array_equal(np.concatenate([model.predict(X[i : i + 7]) for i in range(0, 200, 7)]), full)
