"""DeepClassifier: labels, probabilities, class weights, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from deepstat.estimators import DeepClassifier
from deepstat.nn import MLP

LINEAR = dict(network="linear", optimizer="lbfgs", max_epochs=80, early_stopping=False, dtype="float64",
              verbose=0, random_state=0)


def test_multinomial_linear_matches_unpenalised_logistic_regression() -> None:
    """Categorical family with a linear predictor = multinomial logit; compare the fitted probabilities."""
    X, y = load_wine(return_X_y=True)
    ref = LogisticRegression(C=np.inf, max_iter=10_000, tol=1e-10).fit((X - X.mean(0)) / X.std(0), y)
    ours = DeepClassifier(**LINEAR).fit(X, y)
    # wine is separable by a linear model, so compare the fitted log-loss (both near 0) and the labels
    assert log_loss(y, ours.predict_proba(X)) < 1e-3
    np.testing.assert_array_equal(ours.predict(X), ref.predict((X - X.mean(0)) / X.std(0)))


def test_binary_probabilities_and_labels(rng: np.random.Generator) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    labels = np.where(y == 1, "benign", "malignant")
    clf = DeepClassifier(network=MLP(hidden_sizes=(16,)), max_epochs=60, lr=3e-3, random_state=0, verbose=0).fit(X, labels)
    assert clf.classes_.tolist() == ["benign", "malignant"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10)
    assert clf.score(X, labels) > 0.95
    # log_likelihood is minus the log-loss
    assert clf.log_likelihood(X, labels) == pytest.approx(-log_loss(labels, proba, labels=clf.classes_), rel=1e-5)


def test_balanced_class_weight_raises_minority_recall(rng: np.random.Generator) -> None:
    n = 2000
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 1.6).astype(int)  # about 6% positives
    plain = DeepClassifier(**LINEAR).fit(X, y)
    balanced = DeepClassifier(class_weight="balanced", **LINEAR).fit(X, y)
    recall = lambda m: np.mean(m.predict(X)[y == 1] == 1)  # noqa: E731
    assert recall(balanced) > recall(plain) + 0.1
    weights = {0: 1.0, 1: float(np.sum(y == 0) / np.sum(y == 1))}
    by_dict = DeepClassifier(class_weight=weights, **LINEAR).fit(X, y)
    np.testing.assert_allclose(by_dict.predict_proba(X), balanced.predict_proba(X), atol=1e-6)


def test_single_class_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"at least 2 classes. Got 1 class"):
        DeepClassifier(verbose=0).fit(np.ones((5, 2)), np.zeros(5))


def test_continuous_target_is_an_error(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match=r"target type 'continuous'"):
        DeepClassifier(verbose=0).fit(rng.normal(size=(5, 2)), rng.normal(size=5))


def test_unseen_label_in_log_likelihood(rng: np.random.Generator) -> None:
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = DeepClassifier(**LINEAR).fit(X, y)
    with pytest.raises(ValueError, match=r"classes seen in fit.*\[2\]"):
        clf.log_likelihood(X[:3], np.array([0, 1, 2]))


def test_bad_class_weight_key(rng: np.random.Generator) -> None:
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"`class_weight` of DeepClassifier must have keys"):
        DeepClassifier(class_weight={5: 2.0}, **LINEAR).fit(X, y)
