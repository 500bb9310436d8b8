"""The ``Dataset`` record: one real data set, its target, and the family we suggest for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["TASKS", "Dataset"]

#: Values of :attr:`Dataset.task`; later issues add "time_series", "graph" ...
TASKS = ("regression", "classification", "count", "proportion", "survival")


@dataclass(repr=False)
class Dataset:
    """A data set shipped inside an installed package, ready for a deepstat estimator.

    Parameters
    ----------
    name : str
        Registry key (``deepstat.datasets.load(name)``).
    frame : pandas.DataFrame
        Feature columns and target column(s), one row per observation.
    target : str or list of str
        Name(s) of the target column(s) in ``frame``.
    feature_names : list of str
        Names of the feature columns in ``frame``, in model order.
    description : str
        What a row is, what the target measures, and any derivation from the raw data.
    source : str
        Citation of the original data and the package that ships it.
    task : str
        One of :data:`TASKS`: "regression" (real or positive target), "classification"
        (labels), "count" (non-negative integers), "proportion" (values in (0, 1)), "survival"
        (right-censored times: ``target = [time, event]``, or ``[start, stop, event]`` for
        counting-process data with time-varying covariates).
    family : str
        Suggested :mod:`deepstat.families` name for the target, e.g. ``"negative_binomial"``; for
        survival data the suggested model, ``"coxph"`` (Cox proportional hazards) or a positive family
        for a parametric (AFT) model such as ``"weibull"``.
    family_kwargs : dict, default={}
        Constructor arguments of the family, e.g. ``{"n_classes": 3}`` for "categorical", so that
        ``deepstat.families.get_family(ds.family, **ds.family_kwargs)`` builds it.
    target_names : list of str or None, default=None
        For label targets: the name of each class, in code order (label ``j`` is
        ``target_names[j]``).

    Raises
    ------
    ValueError
        If the target or a feature is not a column of ``frame``, or ``task`` is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset("toy", pd.DataFrame({"x": [1.0, 2.0], "y": [0, 3]}), "y", ["x"],
    ...              "Two rows.", "Made up.", "count", "poisson")
    >>> ds
    Dataset(name='toy', n_rows=2, n_features=1, target='y', task='count', family='poisson')
    >>> ds.y.tolist()
    [0, 3]
    """

    name: str
    frame: pd.DataFrame
    target: str | list[str]
    feature_names: list[str]
    description: str
    source: str
    task: str
    family: str
    family_kwargs: dict[str, Any] = field(default_factory=dict)
    target_names: list[str] | None = None

    def __post_init__(self) -> None:
        targets = [self.target] if isinstance(self.target, str) else list(self.target)
        missing = [c for c in [*targets, *self.feature_names] if c not in self.frame.columns]
        if missing:
            raise ValueError(
                f"`frame` of Dataset {self.name!r} must hold the target and feature columns. Got no column(s) {missing!r} instead."
            )
        overlap = sorted(set(targets) & set(self.feature_names))
        if overlap:
            raise ValueError(f"`feature_names` of Dataset {self.name!r} must not include the target. Got {overlap!r} instead.")
        if self.task not in TASKS:
            raise ValueError(f"`task` of Dataset {self.name!r} must be one of {list(TASKS)}. Got {self.task!r} instead.")
        if self.task == "survival" and len(targets) not in (2, 3):
            raise ValueError(
                f"`target` of survival Dataset {self.name!r} must be [time, event] or [start, stop, event]. "
                f"Got {len(targets)} column(s) {targets!r} instead."
            )

    @property
    def X(self) -> pd.DataFrame:
        """The feature columns, ``frame[feature_names]`` (numeric or ``category`` dtype)."""
        return self.frame[self.feature_names]

    @property
    def y(self) -> pd.Series | pd.DataFrame:
        """The target: a Series for one target column, a DataFrame for several."""
        return self.frame[self.target]

    @property
    def n_rows(self) -> int:
        """Number of observations."""
        return int(self.frame.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns (before any one-hot encoding)."""
        return len(self.feature_names)

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, n_rows={self.n_rows}, n_features={self.n_features}, "
            f"target={self.target!r}, task={self.task!r}, family={self.family!r})"
        )
