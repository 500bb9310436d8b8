"""Classification metrics against scikit-learn (log loss, Brier, ROC AUC, balanced accuracy) and by hand (ECE)."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.metrics import balanced_accuracy, brier_score, expected_calibration_error, log_loss, roc_auc


def make_data(rng: np.random.Generator, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    logits = rng.normal(size=(n, n_classes))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(n_classes, p=p) for p in proba])
    y[:n_classes] = np.arange(n_classes)  # every class occurs (ROC AUC needs it)
    return y, proba


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_and_brier_equal_sklearn(n_classes, weighted, rng) -> None:
    y, proba = make_data(rng, 300, n_classes)
    w = rng.uniform(0.0, 2.0, size=300) if weighted else None
    labels = list(range(n_classes))
    # 1e-12: the tolerance of the brief (same formula, different summation order).
    assert log_loss(y, proba, sample_weight=w) == pytest.approx(
        sklearn.metrics.log_loss(y, proba, sample_weight=w, labels=labels), rel=1e-12
    )
    unscaled = sklearn.metrics.brier_score_loss(y, proba, sample_weight=w, labels=labels, scale_by_half=False)
    assert brier_score(y, proba, sample_weight=w) == pytest.approx(unscaled, rel=1e-12)


def test_brier_binary_is_twice_sklearn_default_and_multiclass_equals_it(rng) -> None:
    # sklearn >= 1.7 brier_score_loss(scale_by_half="auto") halves the score for 2 classes only (its docstring).
    y, proba = make_data(rng, 200, 2)
    assert brier_score(y, proba) == pytest.approx(2.0 * sklearn.metrics.brier_score_loss(y, proba[:, 1]), rel=1e-12)
    assert brier_score(y, proba[:, 1]) == pytest.approx(brier_score(y, proba), rel=1e-15)  # 1-d = P(class 1)
    y, proba = make_data(rng, 200, 4)
    assert brier_score(y, proba) == pytest.approx(sklearn.metrics.brier_score_loss(y, proba, labels=[0, 1, 2, 3]), rel=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3, 6])
def test_roc_auc_equals_sklearn(n_classes, rng) -> None:
    y, proba = make_data(rng, 400, n_classes)
    proba = np.round(proba, 2)  # ties, which both count as one half
    proba /= proba.sum(axis=1, keepdims=True)
    if n_classes == 2:
        expected = sklearn.metrics.roc_auc_score(y, proba[:, 1])
    else:
        expected = sklearn.metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert roc_auc(y, proba) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("weighted", [False, True])
def test_balanced_accuracy_equals_sklearn(n_classes, weighted, rng) -> None:
    y, proba = make_data(rng, 300, n_classes)
    w = rng.uniform(0.0, 2.0, size=300) if weighted else None
    expected = sklearn.metrics.balanced_accuracy_score(y, proba.argmax(axis=1), sample_weight=w)
    assert balanced_accuracy(y, proba, sample_weight=w) == pytest.approx(expected, rel=1e-12)


def test_torch_and_pandas_inputs(rng) -> None:
    y, proba = make_data(rng, 50, 3)
    as_torch = (torch.from_numpy(y), torch.from_numpy(proba).requires_grad_())
    as_pandas = (pd.Series(y), pd.DataFrame(proba))
    for metric in (log_loss, brier_score, roc_auc, balanced_accuracy, expected_calibration_error):
        assert metric(*as_torch) == pytest.approx(metric(y, proba), rel=1e-15)
        assert metric(*as_pandas) == pytest.approx(metric(y, proba), rel=1e-15)


def test_log_loss_clips_zero_probability_like_sklearn() -> None:
    y, proba = [0, 1], [[0.0, 1.0], [0.5, 0.5]]  # the observed class of row 0 has probability 0
    value = log_loss(y, proba)
    assert np.isfinite(value) and value == pytest.approx(sklearn.metrics.log_loss(y, proba, labels=[0, 1]), rel=1e-12)


def test_ece_hand_computed() -> None:
    y = [0, 1, 1, 0, 1]
    proba = [[0.95, 0.05], [0.2, 0.8], [0.75, 0.25], [0.3, 0.7], [0.15, 0.85]]
    # Top-label confidences 0.95, 0.8, 0.75, 0.7, 0.85; correct: yes, yes, no, no, yes. Bins of width 0.1,
    # right-closed (Guo et al. 2017): (0.9, 1] {0.95: acc 1}; (0.8, 0.9] {0.85: acc 1};
    # (0.7, 0.8] {0.8, 0.75: acc 0.5, conf 0.775}; (0.6, 0.7] {0.7: acc 0}.
    expected = (1 * 0.05 + 1 * 0.15 + 2 * abs(0.5 - 0.775) + 1 * 0.7) / 5
    assert expected_calibration_error(y, proba) == pytest.approx(expected, rel=1e-12)
    # One bin: |overall accuracy - mean confidence| = |3/5 - 0.81|.
    assert expected_calibration_error(y, proba, n_bins=1) == pytest.approx(abs(0.6 - 0.81), rel=1e-12)


def test_ece_near_zero_for_calibrated_and_large_for_overconfident(rng) -> None:
    n = 100_000
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p).astype(int)  # y ~ Bernoulli(p): the probabilities are calibrated
    proba = np.column_stack([1 - p, p])
    # Bias of the binned estimate ~ sum_b (n_b / n) sqrt(2 / pi) sd_b / sqrt(n_b) < 0.005 at n = 1e5 (10 bins).
    assert expected_calibration_error(y, proba) < 0.01
    sharpened = np.where(p > 0.5, 1.0, 0.0)  # report certainty: ECE = 1 - accuracy = E[min(p, 1-p)] = 1/4
    assert expected_calibration_error(y, np.column_stack([1 - sharpened, sharpened])) == pytest.approx(0.25, abs=0.01)


def test_validation_errors() -> None:
    with pytest.raises(ValueError, match=r"`y_codes` of log_loss must be integer codes in 0\.\.1 \(the columns of `proba`\)\. Got \[2\.0, 0\.5\]"):
        log_loss([0, 2, 0.5], [[0.5, 0.5]] * 3)
    with pytest.raises(ValueError, match=r"`proba` of brier_score must have rows that sum to 1\. Got row sums \[0\.9\]"):
        brier_score([0, 1], [[0.5, 0.5], [0.5, 0.4]])
    with pytest.raises(ValueError, match=r"`proba` of roc_auc must lie in \[0, 1\]\. Got \[1\.1, -0\.1\]"):
        roc_auc([0, 1], [[1.1, -0.1], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"`proba` of log_loss must have shape \(n_samples, n_classes\) with at least 2 classes\. Got shape \(2, 1\)"):
        log_loss([0, 0], [[1.0], [1.0]])
    with pytest.raises(ValueError, match=r"`proba` of balanced_accuracy must have the same number of rows as `y_codes`\. Got lengths y_codes=3, proba=2"):
        balanced_accuracy([0, 1, 1], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"`y_codes` of roc_auc must contain every class 0\.\.2 \(ROC AUC is undefined otherwise\)\. Got class counts \[1, 1, 0\]"):
        roc_auc([0, 1], [[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]])
    with pytest.raises(ValueError, match=r"`y_codes` of roc_auc must contain every class 0\.\.1"):
        roc_auc([1, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match=r"`n_bins` of expected_calibration_error must be a positive integer\. Got 0 instead"):
        expected_calibration_error([0], [[0.5, 0.5]], n_bins=0)
    with pytest.raises(ValueError, match=r"`sample_weight` of log_loss must have one weight per row \(1\)"):
        log_loss([0], [[0.5, 0.5]], sample_weight=[1.0, 2.0])


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 5), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_metric_ranges(n_classes, n, seed) -> None:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(n_classes), size=n)
    y = rng.integers(0, n_classes, size=n)
    assert log_loss(y, proba) >= 0.0
    assert 0.0 <= brier_score(y, proba) <= 2.0
    assert 0.0 <= balanced_accuracy(y, proba) <= 1.0
    assert 0.0 <= expected_calibration_error(y, proba, n_bins=rng.integers(1, 20)) <= 1.0
