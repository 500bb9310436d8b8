"""Bad input at the public boundary: hypothesis draws the data, every case must raise a named error.

Never a NaN model, never a traceback from inside torch (STYLE 7): each error is a ValueError or
TypeError whose message names the argument and the estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.nn import MLP

FAST = dict(network=MLP(hidden_sizes=(4,)), max_epochs=1, verbose=0, random_state=0)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = st.tuples(st.integers(2, 30), st.integers(1, 5))
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(data=st.data(), shape=shapes, bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_X_is_named(data, shape, bad) -> None:
    X = data.draw(arrays(np.float64, shape, elements=finite))
    rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=shape[0], unique=True))
    col = data.draw(st.integers(0, shape[1] - 1))
    X[rows, col] = bad
    y = np.arange(shape[0], dtype=float)
    with pytest.raises(ValueError, match=rf"`X` of DeepRegressor must contain only finite values. Got {len(rows)} NaN"):
        DeepRegressor(**FAST).fit(X, y)


@SETTINGS
@given(data=st.data(), shape=shapes)
def test_target_outside_poisson_support_is_counted(data, shape) -> None:
    X = data.draw(arrays(np.float64, shape, elements=finite))
    y = data.draw(arrays(np.float64, shape[0], elements=st.integers(0, 50).map(float)))
    bad_rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=shape[0], unique=True))
    y[bad_rows] = data.draw(st.sampled_from([-1.0, 0.5, -3.25]))
    with pytest.raises(ValueError, match=rf"`y` of Poisson must lie in the support .* Got {len(bad_rows)} value\(s\) outside"):
        DeepRegressor(family="poisson", **FAST).fit(X, y)


@SETTINGS
@given(n_X=st.integers(2, 40), n_y=st.integers(2, 40))
def test_mismatched_lengths_are_named(n_X, n_y) -> None:
    if n_X == n_y:
        return
    with pytest.raises(ValueError, match=rf"Got {n_X} rows in X and {n_y} in y"):
        DeepRegressor(**FAST).fit(np.ones((n_X, 2)), np.arange(n_y, dtype=float))


@SETTINGS
@given(data=st.data(), shape=shapes)
def test_negative_sample_weight_is_named(data, shape) -> None:
    X = data.draw(arrays(np.float64, shape, elements=finite))
    w = data.draw(arrays(np.float64, shape[0], elements=st.floats(0, 10)))
    w[data.draw(st.integers(0, shape[0] - 1))] = -data.draw(st.floats(1e-3, 10))
    with pytest.raises(ValueError, match=r"`sample_weight` of DeepRegressor must be non-negative"):
        DeepRegressor(**FAST).fit(X, np.zeros(shape[0]), sample_weight=w)


@SETTINGS
@given(word=st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=8))
def test_text_in_numeric_array_is_a_type_error(word) -> None:
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=object)
    X[1, 0] = word
    if word.strip().lower() in ("nan", "inf", "infinity"):  # text that Python reads as a float (hypothesis found INFINITY)
        with pytest.raises(ValueError, match=r"`X` of DeepRegressor must contain only finite values. Got 1 NaN"):
            DeepRegressor(**FAST).fit(X, np.arange(3.0))
        return
    with pytest.raises(TypeError, match=r"`X` of DeepRegressor must be numeric"):
        DeepRegressor(**FAST).fit(X, np.arange(3.0))


@pytest.mark.parametrize("word", ["nan", "INFINITY", "Inf"])
def test_text_that_reads_as_a_non_finite_float_is_named(word) -> None:
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=object)
    X[1, 0] = word
    with pytest.raises(ValueError, match=r"`X` of DeepRegressor must contain only finite values. Got 1 NaN or infinite"):
        DeepRegressor(**FAST).fit(X, np.arange(3.0))


@SETTINGS
@given(data=st.data(), n=st.integers(3, 30))
def test_missing_class_labels_are_named(data, n) -> None:
    y = np.array(data.draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n)), dtype=object)
    y[data.draw(st.integers(0, n - 1))] = None
    with pytest.raises(ValueError, match=r"`y` of DeepClassifier must not contain missing labels"):
        DeepClassifier(**FAST).fit(np.ones((n, 2)), y)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[D]").reshape(-1, 1), TypeError, r"must be numeric. Got dtype datetime64"),
        (np.ones((3, 2, 2)), ValueError, r"must be 2-D"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "a2": [None, 1.0, 2.0]}), ValueError, r"`X\['a2'\]` of DeepRegressor must contain only finite"),
    ],
)
def test_wrong_dtypes_and_shapes(X, error, match) -> None:
    with pytest.raises(error, match=match):
        DeepRegressor(**FAST).fit(X, np.arange(3.0))


def test_predict_with_wrong_feature_count_is_named(rng: np.random.Generator) -> None:
    model = DeepRegressor(**FAST).fit(rng.normal(size=(10, 3)), rng.normal(size=10))
    with pytest.raises(ValueError, match=r"X has 2 features, but DeepRegressor is expecting 3 features"):
        model.predict(np.ones((4, 2)))


def test_quantile_levels_are_checked(rng: np.random.Generator) -> None:
    model = DeepRegressor(**FAST).fit(rng.normal(size=(10, 2)), rng.normal(size=10))
    with pytest.raises(ValueError, match=r"`q`"):
        model.predict_quantiles(np.ones((2, 2)), [0.5, 1.5])
    with pytest.raises(ValueError, match=r"`alpha` of DeepRegressor.predict_interval must be a float in \(0, 1\)"):
        model.predict_interval(np.ones((2, 2)), alpha=1.0)


def test_diverging_fit_keeps_best_weights_and_says_so(rng: np.random.Generator) -> None:
    from deepstat.train import TrainingDivergedError

    X = rng.normal(size=(200, 3))
    y = rng.poisson(3.0, size=200).astype(float)
    # plain SGD at lr = 10 overflows the log-link rate within two epochs
    model = DeepRegressor(family="poisson", network=MLP(hidden_sizes=(32,)), optimizer="sgd", lr=10.0, max_epochs=20, verbose=0,
                          random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+.*learning rate"):
        model.fit(X, y)
    assert all(np.isfinite(p.detach().numpy()).all() for p in model.module_.parameters())
