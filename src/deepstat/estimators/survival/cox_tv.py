"""DeepCoxTimeVarying: the deep Cox model for counting-process data, (start, stop] rows per subject."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from deepstat.estimators._params import InstanceOf, validate_params
from deepstat.estimators.survival.base import SURVIVAL_CONSTRAINTS, TIES
from deepstat.estimators.survival.cox import DeepCoxPH, cox_target
from deepstat.nn import NetworkConfig
from deepstat.losses.survival_cox import CoxTimeVaryingLoss
from deepstat.utils.survival import check_time_event
from deepstat.utils.validation import format_values

__all__ = ["DeepCoxTimeVarying"]

_COLUMN = [InstanceOf((str, int), "a column name")]


class DeepCoxTimeVarying(DeepCoxPH):
    r"""Deep Cox model with time-varying covariates: :math:`h(t \mid x(t)) = h_0(t) \exp(f(x(t); \phi))`.

    The data are in the counting-process ("long") format of lifelines' ``CoxTimeVaryingFitter``:
    one row per subject and interval ``(start, stop]`` over which its covariates are constant, with
    ``event = 1`` on the row whose ``stop`` is the subject's event time. A row is at risk at time
    :math:`t` when :math:`\mathrm{start} < t \le \mathrm{stop}`; the partial likelihood is over these
    full risk sets (:func:`deepstat.losses.cox_partial_nll_counting`).

    Parameters
    ----------
    id_col, start_col, stop_col, event_col : str, default="id", "start", "stop", "event"
        Columns of ``X`` holding the subject id, the interval and the event flag; every other
        column is a covariate.
    ties, strata, network, standardize, optimizer, lr,
    batch_size, max_epochs, penalty, alpha, l1_ratio, early_stopping, validation_fraction,
    patience, lr_schedule, clip_grad_norm, random_state, verbose, checkpoint_dir, resume, dtype
        As in :class:`DeepCoxPH`. The validation part for early stopping holds whole subjects,
        stratified by whether the subject has an event.

    Attributes
    ----------
    event_times_, baseline_cumulative_hazard_, risk_offset_
        As in :class:`DeepCoxPH`, from Breslow's estimator over the counting-process risk sets.
    n_subjects_ : int
        Distinct ids in the training data.

    Notes
    -----
    :meth:`predict_risk` scores each row's covariates. :meth:`predict_survival_function` treats
    each row's covariates as fixed for all times (a survival curve along a covariate path needs
    the future path, which is not data; lifelines offers no such prediction either).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from deepstat.estimators import DeepCoxTimeVarying
    >>> df = pd.DataFrame({"id": [1, 2, 2, 3, 4, 4], "start": [0, 0, 3, 0, 0, 2], "stop": [5, 3, 7, 4, 2, 6],
    ...                    "event": [1, 0, 1, 0, 0, 1], "x": [0.5, -1.0, 1.5, 0.0, -0.5, 2.0]})
    >>> model = DeepCoxTimeVarying(network="linear", early_stopping=False, max_epochs=5, random_state=0, verbose=0)
    >>> model.fit(df).predict_risk(df).shape
    (6,)
    """

    _constraints = {
        **SURVIVAL_CONSTRAINTS,
        "ties": TIES,
        "id_col": _COLUMN,
        "start_col": _COLUMN,
        "stop_col": _COLUMN,
        "event_col": _COLUMN,
        "strata": DeepCoxPH._constraints["strata"],
    }
    _saved_values = ("risk_offset_", "time_grid_", "n_subjects_", "train_partial_log_likelihood_")

    def __init__(
        self,
        id_col: str = "id",
        start_col: str = "start",
        stop_col: str = "stop",
        event_col: str = "event",
        ties: str = "efron",
        strata: str | Sequence[str] | None = None,
        network: str | NetworkConfig = "mlp",
        standardize: bool = True,
        optimizer: str = "auto",
        lr: float | None = None,
        batch_size: int | None = None,
        max_epochs: int = 500,
        penalty: str = "none",
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.2,
        patience: int = 20,
        lr_schedule: str = "none",
        clip_grad_norm: float | None = None,
        random_state: Any = None,
        verbose: int = 1,
        checkpoint_dir: str | os.PathLike | None = None,
        resume: bool = False,
        dtype: str = "auto",
    ) -> None:
        self.id_col = id_col
        self.start_col = start_col
        self.stop_col = stop_col
        self.event_col = event_col
        super().__init__(
            ties=ties, strata=strata, network=network, standardize=standardize, optimizer=optimizer, lr=lr, batch_size=batch_size,
            max_epochs=max_epochs, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, early_stopping=early_stopping,
            validation_fraction=validation_fraction, patience=patience, lr_schedule=lr_schedule,
            clip_grad_norm=clip_grad_norm, random_state=random_state, verbose=verbose,
            checkpoint_dir=checkpoint_dir, resume=resume, dtype=dtype,
        )

    def _special_columns(self) -> list[Any]:
        return [self.id_col, self.start_col, self.stop_col, self.event_col]

    def _covariates(self, X: Any, *, fitting: bool) -> pd.DataFrame:
        caller = type(self).__name__
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"`X` of {caller} must be a DataFrame in the counting-process format (columns {self._special_columns()} "
                f"and covariates). Got {type(X).__name__} instead."
            )
        needed = self._special_columns() if fitting else []
        missing = [c for c in needed if c not in X.columns]
        if missing:
            raise ValueError(f"`X` of {caller} must have the columns {missing}. Got columns {list(X.columns)} instead.")
        return X.drop(columns=[c for c in self._special_columns() if c in X.columns])

    def _check_intervals(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        caller = type(self).__name__
        start, _ = check_time_event(
            X[self.start_col], np.zeros(len(X)), caller, require_event=False, time_name=f"X[{self.start_col!r}]"
        )
        stop, event = check_time_event(
            X[self.stop_col], X[self.event_col], caller, time_name=f"X[{self.stop_col!r}]", event_name=f"X[{self.event_col!r}]"
        )
        bad = start >= stop
        if bad.any():
            raise ValueError(
                f"`X[{self.start_col!r}]` of {caller} must be smaller than `X[{self.stop_col!r}]` on every row. Got "
                f"{int(bad.sum())} row(s) with start >= stop (at rows {format_values(np.flatnonzero(bad))}) instead."
            )
        return start, stop, event

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> DeepCoxTimeVarying:
        """Fit by the counting-process partial likelihood, then Breslow's baseline hazard.

        Parameters
        ----------
        X : DataFrame
            Long format: ``id_col``, ``start_col``, ``stop_col``, ``event_col`` and the covariates.
        y : None
            Unused (the outcome is in ``X``); present for scikit-learn's signature.
        sample_weight : array-like of shape (n_rows,), optional
            Per-row weights.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For missing columns, NaN, infinite or negative times, ``start >= stop``, event flags
            other than 0/1, or no event.
        """
        validate_params(self, self._constraints)
        self._reset_fitted()
        self.family_ = None
        caller = type(self).__name__
        if y is not None:
            raise ValueError(f"`y` of {caller} must be None: the outcome is in the columns of X. Got {type(y).__name__} instead.")
        covariates = self._covariates(X, fitting=True)
        start, stop, event = self._check_intervals(X)
        stratum = self._fit_strata(X)
        Z = self._encode_X(covariates, fitting=True, sample_weight=sample_weight)
        weight, self._weight = self._weight, None
        self._check_lengths(Z.shape[0], stop.shape[0], fitting=True)
        target = cox_target(stop, event, start=start, strata=stratum, dtype=Z.dtype)
        ids = X[self.id_col].to_numpy()
        split_by = event.astype(np.int64) if stratum is None else 2 * stratum + event.astype(np.int64)
        self._fit_objective(Z, target, weight, CoxTimeVaryingLoss(self.ties), 1, strata=split_by, groups=ids)
        self._fit_baseline(Z, stop, event, weight, start, stratum=stratum)
        self._store_partial_log_likelihood(Z, target, weight, CoxTimeVaryingLoss(self.ties))
        self.n_subjects_ = int(pd.unique(ids).shape[0])
        return self

    def _eta(self, X: Any) -> Tensor:
        return super()._eta(self._covariates(X, fitting=False))

    _outcome_in_X = True  # summary(X) scores held-out counting-process data without a y

    def _summary_test_rows(self, X: Any, y: Any) -> dict[str, Any]:
        """Held-out subjects, events and the counting-process partial log-likelihood (its own risk sets)."""
        caller = f"{type(self).__name__}.summary"
        if y is not None:
            raise ValueError(f"`y` of {caller} must be None: the outcome is in the columns of X. Got {type(y).__name__} instead.")
        if not isinstance(X, pd.DataFrame) or any(c not in X.columns for c in self._special_columns()):
            raise ValueError(
                f"`X` of {caller} must be a DataFrame with the columns {self._special_columns()} and the covariates."
            )
        start, stop, event = self._check_intervals(X)
        eta = self._eta(X)
        target = cox_target(stop, event, start=start, strata=self._strata_codes(X), dtype=eta.dtype)
        with torch.no_grad():
            nll = CoxTimeVaryingLoss(self.ties)(eta, target, reduction="sum")
        return {
            "test subjects": int(pd.unique(X[self.id_col]).shape[0]),
            "test events": int(event.sum()),
            "test partial log-likelihood": -float(nll),
        }

    def _score_target(self, y: Any) -> tuple[np.ndarray, np.ndarray]:
        raise ValueError(
            f"{type(self).__name__}.score is not defined for counting-process data: Harrell's C compares one time per "
            "subject. Score predict_risk on one row per subject with deepstat.metrics.concordance_index_harrell."
        )
