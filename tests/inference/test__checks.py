"""Tests of the shared checks: the split-conformal quantile index (Lei et al. 2018) and the argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from deepstat.inference import conformal_quantile
from deepstat.inference._checks import (
    check_alpha,
    check_fitted,
    check_positive_int,
    split_indices,
)


@pytest.mark.parametrize(
    ("n", "alpha", "k"),
    [
        # k = ceil((n + 1)(1 - alpha)), Lei et al. (2018), JASA, Sec. 2.1; worked by hand
        (19, 0.1, 18),
        (9, 0.1, 9),  # (n + 1)(1 - alpha) = 9 exactly: not pushed to 10 by floating point
        (99, 0.05, 95),
        (100, 0.2, 81),  # 101 * 0.8 = 80.8 -> 81
        (4, 0.2, 4),
        (39, 0.05, 38),
    ],
)
def test_conformal_quantile_is_the_kth_order_statistic(n, alpha, k, rng):
    scores = rng.permutation(np.arange(1.0, n + 1))  # the k-th smallest of 1..n is k
    assert conformal_quantile(scores, alpha) == float(k)


@given(n=st.integers(1, 400), alpha=st.floats(0.001, 0.999))
@settings(max_examples=200, deadline=None)
def test_conformal_quantile_finite_exactly_when_n_is_large_enough(n, alpha):
    # finite iff ceil((n + 1)(1 - alpha)) <= n iff n >= ceil(1 / alpha) - 1 (Lei et al. 2018, Sec. 2.1)
    needed = math.ceil(1 / alpha) - 1
    scores = np.arange(n, dtype=float)
    if n >= needed and math.ceil((n + 1) * (1 - alpha) - 1e-9) <= n:
        value = conformal_quantile(scores, alpha)
        assert value == math.ceil((n + 1) * (1 - alpha) - 1e-9) - 1
    else:
        with pytest.raises(ValueError, match=f"at least {needed} points"):
            conformal_quantile(scores, alpha)


def test_too_small_calibration_set_says_how_many_points_are_needed():
    # alpha = 0.1 needs n >= ceil(1 / 0.1) - 1 = 9 points
    with pytest.raises(ValueError, match=r"at least 9 points for alpha=0.1: .*Got 8 instead"):
        conformal_quantile(np.arange(8.0), 0.1)
    assert conformal_quantile(np.arange(9.0), 0.1) == 8.0  # the largest score


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, True, "0.1", float("nan")])
def test_alpha_outside_the_open_unit_interval_is_rejected(alpha):
    with pytest.raises(ValueError, match=r"`alpha` of f must be a miscoverage level in the open interval \(0, 1\)"):
        check_alpha(alpha, "f")


@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_positive_int(value):
    with pytest.raises(ValueError, match="`n_members` of DeepEnsemble must be an integer >= 1"):
        check_positive_int(value, "n_members", "DeepEnsemble")


def test_split_indices_partition_the_rows():
    train, cal = split_indices(100, 0.25, 0, "C")
    assert len(cal) == 25 and len(train) == 75
    assert sorted(np.concatenate([train, cal]).tolist()) == list(range(100))
    _, cal2 = split_indices(100, 30, 0, "C")
    assert len(cal2) == 30
    assert np.array_equal(split_indices(100, 0.25, 0, "C")[1], cal)  # seeded


@pytest.mark.parametrize("size", [0, 100, 0.0, 1.0, -0.5, "a", True])
def test_split_indices_bad_calibration_size(size):
    with pytest.raises(ValueError, match="`calibration_size` of C must be"):
        split_indices(100, size, 0, "C")


def test_check_fitted_names_the_estimator():
    with pytest.raises(NotFittedError, match="`estimator` of C must be fitted"):
        check_fitted(LinearRegression(), "C")
