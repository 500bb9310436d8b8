"""Tests of conformal classification sets: LAC (Sadinle et al. 2019) and APS (Romano, Sesia & Candès 2020)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression

from deepstat.estimators import DeepClassifier
from deepstat.inference import ConformalClassifier, class_scores

from .conftest import coverage_tolerance
from deepstat.nn import MLP

N_CAL, N_TEST, N_REPS = 99, 200, 200


def _multiclass(rng, n, k=4):
    """Four overlapping Gaussian classes in 2-D: a classifier is right only ~60% of the time."""
    y = rng.integers(0, k, size=n)
    centres = np.array([[0.0, 0.0], [1.5, 0.0], [0.0, 1.5], [1.5, 1.5]])[:k]
    return centres[y] + rng.normal(size=(n, 2)), np.array(list("abcd"))[y]


def test_class_scores_by_hand():
    p = np.array([[0.2, 0.5, 0.3]])
    np.testing.assert_allclose(class_scores(p, "lac"), [[0.8, 0.5, 0.7]])
    # APS: the mass ranked above each class plus its own (u = 1) or a share u of it
    np.testing.assert_allclose(class_scores(p, "aps"), [[1.0, 0.5, 0.8]])
    np.testing.assert_allclose(class_scores(p, "aps", np.array([0.5])), [[0.9, 0.25, 0.65]])


@pytest.mark.parametrize(("method", "randomized"), [("lac", False), ("aps", False), ("aps", True)])
def test_set_coverage_on_a_simulated_multiclass_problem(method, randomized, rng):
    X_fit, y_fit = _multiclass(rng, 400)
    model = LogisticRegression().fit(X_fit, y_fit)
    X_pool, y_pool = _multiclass(rng, N_REPS * (N_CAL + N_TEST))
    alpha = 0.1
    covered, sizes = [], []
    for r in range(N_REPS):
        rows = slice(r * (N_CAL + N_TEST), (r + 1) * (N_CAL + N_TEST))
        X, y = X_pool[rows], y_pool[rows]
        cc = ConformalClassifier(model, method=method, randomized=randomized, random_state=r).calibrate(X[:N_CAL], y[:N_CAL])
        sets = cc.predict_set(X[N_CAL:], alpha)
        covered.append(np.mean(sets[np.arange(N_TEST), np.searchsorted(cc.classes_, y[N_CAL:])]))
        sizes.append(sets.sum(axis=1).mean())
    expected, tol = coverage_tolerance(N_CAL, alpha, N_TEST, N_REPS)
    assert np.mean(covered) >= 1 - alpha - tol  # the guarantee
    if method == "lac" or randomized:  # continuous scores: mean coverage k / (n + 1) exactly
        assert abs(np.mean(covered) - expected) < tol
    assert 1 < np.mean(sizes) < 4  # informative: neither singletons nor every class


def test_non_randomized_aps_sets_are_the_score_threshold_sets_and_nested(rng):
    X, y = _multiclass(rng, 600)
    model = LogisticRegression().fit(X[:300], y[:300])
    cc = ConformalClassifier(model, method="aps").calibrate(X[300:], y[300:])
    sets = cc.predict_set(X, 0.3)
    q = cc.scores_[int(np.ceil(301 * 0.7 - 1e-9)) - 1]  # k = ceil((n + 1)(1 - alpha)), n = 300
    np.testing.assert_array_equal(sets, class_scores(model.predict_proba(X), "aps") <= q)
    assert (cc.predict_set(X, 0.05) >= sets).all()  # smaller alpha: nested, larger sets
    np.testing.assert_array_equal(sets, cc.predict_set(X, 0.3))  # deterministic


def test_randomized_aps_is_reproducible(rng):
    X, y = _multiclass(rng, 600)
    model = LogisticRegression().fit(X[:300], y[:300])
    a = ConformalClassifier(model, method="aps", randomized=True, random_state=1).calibrate(X[300:], y[300:])
    b = ConformalClassifier(model, method="aps", randomized=True, random_state=1).calibrate(X[300:], y[300:])
    np.testing.assert_array_equal(a.predict_set(X, 0.1), b.predict_set(X, 0.1))
    np.testing.assert_array_equal(a.scores_, b.scores_)


def test_lac_threshold_is_the_kth_score():
    proba_model = LogisticRegression().fit([[0.0], [1.0]], ["a", "b"])
    X_cal = np.zeros((9, 1))  # every row gets the same probabilities
    p_a = proba_model.predict_proba(X_cal[:1])[0, 0]
    cc = ConformalClassifier(proba_model).calibrate(X_cal, ["a"] * 5 + ["b"] * 4)
    np.testing.assert_allclose(cc.scores_, np.sort([1 - p_a] * 5 + [p_a] * 4))
    # n = 9, alpha = 0.2: k = 8, the 8th smallest score is max(p_a, 1 - p_a): both classes enter
    assert cc.predict_set(X_cal[:1], 0.2).tolist() == [[True, True]]


def test_with_deep_classifier_and_fit(rng):
    X, y = _multiclass(rng, 1000)
    clf = DeepClassifier(network=MLP(hidden_sizes=(8,)), max_epochs=20, random_state=0, verbose=0)
    cc = ConformalClassifier(clf, method="aps", calibration_size=300, random_state=0).fit(X[:600], y[:600])
    sets = cc.predict_set(X[600:], 0.1)
    assert sets.shape == (400, 4) and cc.classes_.tolist() == list("abcd")
    # 400 test rows: binomial sd 0.015, 300 calibration rows: sd 0.017; 4 sd of the sum ~ 0.09
    assert np.mean(sets[np.arange(400), np.searchsorted(cc.classes_, y[600:])]) > 0.9 - 0.09
    assert cc.predict(X[:3]).shape == (3,)


def test_bad_input(rng):
    X, y = _multiclass(rng, 100)
    with pytest.raises(ValueError, match="`method` of ConformalClassifier must be one of"):
        ConformalClassifier(LogisticRegression(), method="raps").fit(X, y)
    with pytest.raises(ValueError, match="`estimator` of ConformalClassifier must have a `predict_proba` method"):
        ConformalClassifier(LinearRegression()).fit(X, y)
    with pytest.raises(NotFittedError, match="`estimator` of ConformalClassifier must be fitted"):
        ConformalClassifier(LogisticRegression()).calibrate(X, y)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"`y_cal` of ConformalClassifier must hold classes the estimator knows.*'z'"):
        ConformalClassifier(model).calibrate(X[:3], ["a", "b", "z"])
    cc = ConformalClassifier(model).calibrate(X[:10], y[:10])
    with pytest.raises(ValueError, match="at least 19 points for alpha=0.05"):
        cc.predict_set(X, 0.05)
    with pytest.raises(ValueError, match="`alpha` of ConformalClassifier.predict_set must be a miscoverage level"):
        cc.predict_set(X, 0.0)
