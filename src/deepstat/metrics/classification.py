"""Metrics of predicted class probabilities: log loss, Brier score, ROC AUC, balanced accuracy, ECE.

Every function takes integer class codes ``y_codes`` (0, ..., n_classes - 1, indexing the columns of
``proba``) and probabilities ``proba`` of shape ``(n, n_classes)``, as ``predict_proba`` returns them.
A 1-d ``proba`` is read as P(class 1) of a binary problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.stats

from deepstat.metrics._validation import check_class_codes, check_probabilities, check_same_length, check_sample_weight

__all__ = ["log_loss", "brier_score", "roc_auc", "balanced_accuracy", "expected_calibration_error"]


def _inputs(y_codes: Any, proba: Any, caller: str) -> tuple[np.ndarray, np.ndarray]:
    p = check_probabilities(proba, caller)
    y = check_class_codes(y_codes, p.shape[1], caller)
    check_same_length(caller, y_codes=y, proba=p)
    return y, p


def log_loss(y_codes: Any, proba: Any, *, sample_weight: Any = None) -> float:
    r"""Mean negative log-likelihood of the observed classes, :math:`-\sum_i w_i \log p_{i, y_i} / \sum_i w_i`.

    Parameters
    ----------
    y_codes : array-like of shape (n,)
        Observed class codes in 0, ..., n_classes - 1.
    proba : array-like of shape (n, n_classes) or (n,)
        Predicted probabilities; rows sum to 1 (within 1e-6).
    sample_weight : array-like of shape (n,), default=None
        Non-negative row weights.

    Returns
    -------
    float
        The log loss in nats (the categorical family's mean NLL).

    Raises
    ------
    ValueError
        If a code is not a column of ``proba``, a probability is outside [0, 1], a row does not sum
        to 1, or the lengths differ.

    See Also
    --------
    sklearn.metrics.log_loss : The same number (with ``labels=range(n_classes)``).

    Notes
    -----
    As in scikit-learn, probabilities are clipped to :math:`[\epsilon, 1 - \epsilon]` with the float64
    machine epsilon, so a zero probability on the observed class costs about 36 nats, not infinity.

    Examples
    --------
    >>> round(log_loss([0, 1], [[0.8, 0.2], [0.4, 0.6]]), 6)
    0.366985
    """
    y, p = _inputs(y_codes, proba, "log_loss")
    w = check_sample_weight(sample_weight, y.shape[0], "log_loss")
    eps = np.finfo(np.float64).eps
    p_observed = np.clip(p[np.arange(y.shape[0]), y], eps, 1.0 - eps)
    return float(-np.average(np.log(p_observed), weights=w))


def brier_score(y_codes: Any, proba: Any, *, sample_weight: Any = None) -> float:
    r"""Multiclass Brier score :math:`\sum_i w_i \sum_k (p_{ik} - \mathbf 1\{y_i = k\})^2 / \sum_i w_i`.

    Parameters
    ----------
    y_codes : array-like of shape (n,)
        Observed class codes in 0, ..., n_classes - 1.
    proba : array-like of shape (n, n_classes) or (n,)
        Predicted probabilities; rows sum to 1.
    sample_weight : array-like of shape (n,), default=None
        Non-negative row weights.

    Returns
    -------
    float
        A proper score in [0, 2]; lower is better.

    Raises
    ------
    ValueError
        As for :func:`log_loss`.

    See Also
    --------
    sklearn.metrics.brier_score_loss : With ``scale_by_half=False`` the same number for any number of
        classes; with its default ``"auto"`` the same for 3+ classes and half of it for 2 classes.

    Notes
    -----
    This is Brier's (1950) original sum over all classes, for every number of classes. For two classes
    both terms of the sum are equal, so it is twice the familiar binary
    :math:`(p_{i1} - y_i)^2` mean that scikit-learn reports by default.

    Examples
    --------
    >>> round(brier_score([0, 1], [[0.8, 0.2], [0.4, 0.6]]), 6)
    0.2
    """
    y, p = _inputs(y_codes, proba, "brier_score")
    w = check_sample_weight(sample_weight, y.shape[0], "brier_score")
    one_hot = np.eye(p.shape[1])[y]  # (n, n_classes)
    return float(np.average(np.sum((p - one_hot) ** 2, axis=1), weights=w))


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney AUC: P(score of a positive > score of a negative) + 0.5 P(tie)."""
    ranks = scipy.stats.rankdata(score)  # average ranks count ties as one half
    n_pos = int(positive.sum())
    n_neg = positive.shape[0] - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_auc(y_codes: Any, proba: Any) -> float:
    """Area under the ROC curve; macro-averaged one-vs-rest for more than two classes.

    Parameters
    ----------
    y_codes : array-like of shape (n,)
        Observed class codes; every class must occur (a class with no positives has no ROC curve).
    proba : array-like of shape (n, n_classes) or (n,)
        Predicted probabilities; for two classes only column 1 is used.

    Returns
    -------
    float
        The AUC in [0, 1]; 0.5 is chance.

    Raises
    ------
    ValueError
        If a class does not occur in ``y_codes``, or as for :func:`log_loss`.

    See Also
    --------
    sklearn.metrics.roc_auc_score : The same number (``multi_class="ovr"``, ``average="macro"``).

    Notes
    -----
    Computed from ranks (the Mann-Whitney statistic) in :math:`O(n \\log n)` per class, ties counting 1/2.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    caller = "roc_auc"
    y, p = _inputs(y_codes, proba, caller)
    n_classes = p.shape[1]
    counts = np.bincount(y, minlength=n_classes)
    if (counts == 0).any() or (n_classes == 2 and (counts == y.shape[0]).any()):
        raise ValueError(
            f"`y_codes` of {caller} must contain every class 0..{n_classes - 1} (ROC AUC is undefined otherwise). "
            f"Got class counts {counts.tolist()} instead."
        )
    if n_classes == 2:
        return _binary_auc(y == 1, p[:, 1])
    return float(np.mean([_binary_auc(y == k, p[:, k]) for k in range(n_classes)]))


def balanced_accuracy(y_codes: Any, proba: Any, *, sample_weight: Any = None) -> float:
    """Mean over the observed classes of the recall of the most probable class (argmax of ``proba``).

    Parameters
    ----------
    y_codes : array-like of shape (n,)
        Observed class codes.
    proba : array-like of shape (n, n_classes) or (n,)
        Predicted probabilities; ties go to the lowest class code.
    sample_weight : array-like of shape (n,), default=None
        Non-negative row weights.

    Returns
    -------
    float
        In [0, 1]; 1 / n_classes is chance for a classifier that ignores the input.

    Raises
    ------
    ValueError
        As for :func:`log_loss`.

    See Also
    --------
    sklearn.metrics.balanced_accuracy_score : The same number for ``y_pred = proba.argmax(axis=1)``.

    Examples
    --------
    >>> balanced_accuracy([0, 0, 0, 1], [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    0.8333333333333333
    """
    caller = "balanced_accuracy"
    y, p = _inputs(y_codes, proba, caller)
    w = check_sample_weight(sample_weight, y.shape[0], caller)
    w = np.ones(y.shape[0]) if w is None else w
    correct = p.argmax(axis=1) == y
    n_classes = p.shape[1]
    total = np.bincount(y, weights=w, minlength=n_classes)
    hit = np.bincount(y, weights=w * correct, minlength=n_classes)
    observed = total > 0  # classes absent from y_codes have no recall (scikit-learn ignores them too)
    return float(np.mean(hit[observed] / total[observed]))


def expected_calibration_error(y_codes: Any, proba: Any, *, n_bins: int = 10) -> float:
    r"""Top-label expected calibration error with equal-width confidence bins.

    Parameters
    ----------
    y_codes : array-like of shape (n,)
        Observed class codes.
    proba : array-like of shape (n, n_classes) or (n,)
        Predicted probabilities.
    n_bins : int, default=10
        Number of equal-width bins :math:`B_b = ((b - 1)/M, b/M]` of the confidence on [0, 1].

    Returns
    -------
    float
        :math:`\sum_b \frac{|B_b|}{n} |\operatorname{acc}(B_b) - \operatorname{conf}(B_b)|` in [0, 1],
        where the confidence is :math:`\max_k p_{ik}` and a row is accurate when its argmax is
        :math:`y_i`.

    Raises
    ------
    ValueError
        If ``n_bins`` is not a positive integer, or as for :func:`log_loss`.

    Notes
    -----
    Guo, Pleiss, Sun & Weinberger (2017), On calibration of modern neural networks, ICML, eq. (3).
    The estimate is biased upwards by :math:`O(\sqrt{M / n})` even for a calibrated model.

    Examples
    --------
    >>> round(expected_calibration_error([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]]), 6)
    0.25
    """
    caller = "expected_calibration_error"
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"`n_bins` of {caller} must be a positive integer. Got {n_bins!r} instead.")
    y, p = _inputs(y_codes, proba, caller)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    # right=True gives the right-closed bins ((b-1)/M, b/M] of Guo et al.; confidence 0 falls in bin 0.
    bins = np.digitize(confidence, np.linspace(0.0, 1.0, n_bins + 1)[1:-1], right=True)
    gap = np.bincount(bins, weights=correct - confidence, minlength=n_bins)  # n_b (acc_b - conf_b)
    return float(np.sum(np.abs(gap)) / y.shape[0])
