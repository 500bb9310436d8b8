"""Input checks shared by the metric functions: array-likes in, float64 numpy arrays out (STYLE 7.5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from deepstat.utils import format_values, validate_numeric

__all__ = ["as_array", "as_1d", "broadcast_1d", "check_same_length", "check_sample_weight", "check_probabilities", "check_class_codes"]


def as_array(values: Any, name: str, caller: str) -> np.ndarray:
    """Return numpy, pandas or torch ``values`` as a finite, non-empty float64 numpy array.

    Examples
    --------
    >>> as_array(torch.tensor([1, 2]), "y", "f")
    array([1., 2.])
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    elif isinstance(values, (pd.Series, pd.DataFrame, pd.Index)):
        values = values.to_numpy()
    # float32 -> float64 widens without loss; metrics are sums over many rows, so accumulate in float64.
    return validate_numeric(values, name, caller).astype(np.float64, copy=False)


def as_1d(values: Any, name: str, caller: str) -> np.ndarray:
    """Like :func:`as_array`, for one value per row: shape ``(n,)`` (a column ``(n, 1)`` is accepted)."""
    arr = as_array(values, name, caller)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` of {caller} must be one-dimensional (one value per row). Got shape {arr.shape} instead.")
    return arr


def broadcast_1d(caller: str, **arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast 1-d arrays (length 1 or n) to a common length n, or raise naming the mismatch."""
    lengths = {name: arr.shape[0] for name, arr in arrays.items()}
    n = max(lengths.values())
    for name, length in lengths.items():
        if length not in (1, n):
            raise ValueError(
                f"`{name}` of {caller} must have one value per row ({n}) or a single value. Got {length} values instead."
            )
    return [np.broadcast_to(arr, (n,)) for arr in arrays.values()]


def check_same_length(caller: str, **arrays: np.ndarray) -> int:
    """Return the common number of rows of ``arrays``, or raise ValueError listing every length."""
    lengths = {name: arr.shape[0] for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        names = list(lengths)
        shown = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(
            f"`{names[-1]}` of {caller} must have the same number of rows as `{names[0]}`. Got lengths {shown} instead."
        )
    return next(iter(lengths.values()))


def check_sample_weight(sample_weight: Any, n: int, caller: str) -> np.ndarray | None:
    """Return ``None`` or a length-``n`` array of non-negative weights with a positive sum."""
    if sample_weight is None:
        return None
    w = as_1d(sample_weight, "sample_weight", caller)
    if w.shape[0] != n:
        raise ValueError(f"`sample_weight` of {caller} must have one weight per row ({n}). Got {w.shape[0]} weights instead.")
    if (w < 0).any():
        raise ValueError(f"`sample_weight` of {caller} must be non-negative. Got {format_values(w[w < 0])} instead.")
    if w.sum() <= 0:
        raise ValueError(f"`sample_weight` of {caller} must have a positive sum. Got all weights zero instead.")
    return w


def check_probabilities(proba: Any, caller: str, *, atol: float = 1e-6) -> np.ndarray:
    """Return class probabilities of shape ``(n, n_classes)``; a 1-d input is P(class 1) of a binary problem."""
    p = as_array(proba, "proba", caller)
    if p.ndim == 1:
        p = np.column_stack([1.0 - p, p])
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(
            f"`proba` of {caller} must have shape (n_samples, n_classes) with at least 2 classes. Got shape {p.shape} instead."
        )
    outside = (p < 0) | (p > 1)
    if outside.any():
        raise ValueError(f"`proba` of {caller} must lie in [0, 1]. Got {format_values(p[outside])} instead.")
    row_sums = p.sum(axis=1)
    off = np.abs(row_sums - 1.0) > atol
    if off.any():
        raise ValueError(
            f"`proba` of {caller} must have rows that sum to 1. Got row sums {format_values(row_sums[off])} instead."
        )
    return p


def check_class_codes(y_codes: Any, n_classes: int, caller: str) -> np.ndarray:
    """Return integer class codes in ``0, ..., n_classes - 1`` (the columns of ``proba``)."""
    y = as_1d(y_codes, "y_codes", caller)
    bad = (y != np.round(y)) | (y < 0) | (y > n_classes - 1)
    if bad.any():
        raise ValueError(
            f"`y_codes` of {caller} must be integer codes in 0..{n_classes - 1} (the columns of `proba`). "
            f"Got {format_values(y[bad])} instead."
        )
    return y.astype(np.int64)
