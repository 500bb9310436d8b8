"""The estimators that can be saved and loaded, by class name (filled as each class is defined).

:class:`~deepstat.estimators.base.DeepstatEstimator` registers every concrete subclass here, so that
persistence finds a saved model's class without importing any estimator by name (and without an
import circle through the estimators).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ESTIMATORS", "register_estimator"]

ESTIMATORS: dict[str, type[Any]] = {}


def register_estimator(cls: type[Any]) -> type[Any]:
    """Make ``cls`` loadable by its ``__name__`` (deepstat's own classes; a user's subclass is not loadable)."""
    if cls.__module__.split(".")[0] == "deepstat":
        ESTIMATORS[cls.__name__] = cls
    return cls
