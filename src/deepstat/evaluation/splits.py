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


def _score_splits(
    named: dict[str, Any], X: Any, y: Any, splits: Any, sample_weight: np.ndarray | None, score: Any, reference: str, caller: str,
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], np.ndarray, list[str], str, dict[str, str]]:
    """Fit and score every model on every split: the loop that each of compare's paths shares.

    ``score(model, X_tr, y_tr, X_te, y_te, fit_kwargs)`` returns ``(scores, per_row_losses)`` for a
    fit, or a string, the reason a (classical) model failed: that model is then reported in
    ``failures`` and not scored on any split, and the reference moves to the first scored model.

    Returns
    -------
    rows, pooled, split_of, scored, reference, failures
        Long-format score rows of the scored models, their per-row losses pooled over the test
        parts, each row's split (-1: never a test row), the scored names, the reference, the failures.
    """
    n = len(X)
    rows: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    pooled = {name: np.full(n, np.nan) for name in named}
    split_of = np.full(n, -1)
    for split, (train, test) in enumerate(splits):
        X_tr, X_te, y_tr, y_te = _take(X, train), _take(X, test), _take(y, train), _take(y, test)
        fit_kwargs = {} if sample_weight is None else {"sample_weight": sample_weight[train]}
        split_of[test] = split
        for name, model in named.items():
            if name in failures:
                continue
            outcome = score(model, X_tr, y_tr, X_te, y_te, fit_kwargs)
            if isinstance(outcome, str):
                failures[name] = f"split {split}: {outcome}"
                continue
            scores, losses = outcome
            for metric, value in scores.items():
                rows.append({"model": name, "split": split, "metric": metric, "value": float(value)})
            pooled[name][test] = losses
    scored = [name for name in named if name not in failures]
    if not scored:
        raise ValueError(f"`models` of {caller} must hold a model that can be scored. Got only failed fits instead: {failures}.")
    if reference in failures:
        reference = scored[0]
    rows = [row for row in rows if row["model"] not in failures]
    return rows, {k: pooled[k] for k in scored}, split_of, scored, reference, failures
