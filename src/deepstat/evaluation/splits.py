"""Cross-validation for ``compare``: the splits every model is fitted and scored on, and argument checks."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

__all__: list[str] = []


def _check_alpha(alpha: Any, caller: str) -> None:
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"`alpha` of {caller} must be a float in (0, 1). Got {alpha!r} instead.")


def _splits(
    n: int, y: np.ndarray, classifier: bool, cv: int | None, test_size: float | None, random_state: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    caller = "compare"
    if (cv is None) == (test_size is None):
        raise ValueError(
            f"`cv` and `test_size` of {caller} must be given one at a time. Got cv={cv!r} and test_size={test_size!r} "
            "instead. Use cv=5 for 5-fold cross-validation, or cv=None, test_size=0.25 for one split."
        )
    rows = np.arange(n)
    if cv is not None:
        if isinstance(cv, bool) or not isinstance(cv, Integral) or not 2 <= cv <= n:
            raise ValueError(f"`cv` of {caller} must be an int in 2..n_samples={n}. Got {cv!r} instead.")
        if classifier:
            folds = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
            return list(folds.split(rows, y))
        return list(KFold(n_splits=int(cv), shuffle=True, random_state=random_state).split(rows))
    if isinstance(test_size, bool) or not isinstance(test_size, Real) or not 0 < test_size < 1:
        raise ValueError(f"`test_size` of {caller} must be a float in (0, 1). Got {test_size!r} instead.")
    train, test = train_test_split(
        rows, test_size=float(test_size), random_state=random_state, stratify=y if classifier else None
    )
    return [(np.sort(train), np.sort(test))]


def _take(data: Any, rows: np.ndarray) -> Any:
    return data.iloc[rows] if hasattr(data, "iloc") else data[rows]
