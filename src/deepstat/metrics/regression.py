"""Point-prediction metrics for regression: RMSE, MAE and R², equal to scikit-learn's."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepstat.metrics._validation import as_1d, check_same_length, check_sample_weight

__all__ = ["root_mean_squared_error", "mean_absolute_error", "r2_score"]


def _inputs(y_true: Any, y_pred: Any, sample_weight: Any, caller: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    y = as_1d(y_true, "y_true", caller)
    pred = as_1d(y_pred, "y_pred", caller)
    n = check_same_length(caller, y_true=y, y_pred=pred)
    return y, pred, check_sample_weight(sample_weight, n, caller)


def root_mean_squared_error(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    r"""Root mean squared error :math:`\sqrt{\sum_i w_i (y_i - \hat y_i)^2 / \sum_i w_i}`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed values (numpy, pandas or torch).
    y_pred : array-like of shape (n_samples,)
        Point predictions.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights; ``None`` weighs every row equally.

    Returns
    -------
    float
        The RMSE, in the units of ``y``.

    Raises
    ------
    ValueError
        If the inputs are empty, non-finite or of different lengths, or a weight is negative.

    See Also
    --------
    sklearn.metrics.root_mean_squared_error : The same number.

    Examples
    --------
    >>> root_mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.6123724356957945
    """
    y, pred, w = _inputs(y_true, y_pred, sample_weight, "root_mean_squared_error")
    return float(np.sqrt(np.average((y - pred) ** 2, weights=w)))


def mean_absolute_error(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    r"""Mean absolute error :math:`\sum_i w_i |y_i - \hat y_i| / \sum_i w_i`.

    Parameters and errors are those of :func:`root_mean_squared_error`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed values.
    y_pred : array-like of shape (n_samples,)
        Point predictions (the median minimises it).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights.

    Returns
    -------
    float
        The MAE, in the units of ``y``.

    See Also
    --------
    sklearn.metrics.mean_absolute_error : The same number.

    Examples
    --------
    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    y, pred, w = _inputs(y_true, y_pred, sample_weight, "mean_absolute_error")
    return float(np.average(np.abs(y - pred), weights=w))


def r2_score(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    r"""Coefficient of determination :math:`R^2 = 1 - \sum_i w_i (y_i - \hat y_i)^2 / \sum_i w_i (y_i - \bar y_w)^2`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed values; at least 2 rows.
    y_pred : array-like of shape (n_samples,)
        Point predictions.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights; :math:`\bar y_w` is the weighted mean of ``y_true``.

    Returns
    -------
    float
        At most 1; negative when the predictions are worse than the constant :math:`\bar y_w`.

    Raises
    ------
    ValueError
        With fewer than 2 rows (R² is undefined), or for the reasons of :func:`root_mean_squared_error`.

    See Also
    --------
    sklearn.metrics.r2_score : The same number.

    Notes
    -----
    When ``y_true`` is constant the denominator is 0. As in scikit-learn (``force_finite=True``) the
    score is then 1.0 for perfect predictions and 0.0 otherwise.

    Examples
    --------
    >>> r2_score([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.9486081370449679
    """
    y, pred, w = _inputs(y_true, y_pred, sample_weight, "r2_score")
    if y.shape[0] < 2:
        raise ValueError(f"`y_true` of r2_score must have at least 2 rows. Got {y.shape[0]} row instead (R² is undefined).")
    numerator = np.average((y - pred) ** 2, weights=w)
    denominator = np.average((y - np.average(y, weights=w)) ** 2, weights=w)
    if denominator == 0.0:
        return 1.0 if numerator == 0.0 else 0.0
    return float(1.0 - numerator / denominator)
