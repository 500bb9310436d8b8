"""What every deep survival estimator shares: targets, the early-stopping split, time grids, survival curves, Harrell's C.

A survival estimator maps ``X`` through the same network machinery as :class:`DeepRegressor`
(:meth:`DeepstatEstimator._encode_X`, :meth:`DeepstatEstimator._fit_network`, the one engine) and
differs only in its objective (a partial likelihood, a discrete-time likelihood, a censored
likelihood) and in how ``eta`` turns into a survival curve. Subclasses provide
``_survival_matrix(X, times)`` and ``predict_risk``; the curve methods are written here once.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted
from torch import Tensor

from deepstat.estimators._params import Interval, Options
from deepstat.estimators.base import COMMON_CONSTRAINTS, DeepstatEstimator
from deepstat.nn import MLP, NetworkConfig
from deepstat.train import StratifiedSplit, TensorBatches, take
from deepstat.utils.survival import check_time_grid
from deepstat.utils.survival_target import SurvivalTarget
from deepstat.utils.validation import resolve_seed

__all__ = ["SURVIVAL_LR", "SurvivalEstimator", "check_time_grid"]  # check_time_grid lives in utils.survival

#: Adam's default learning rate for the survival estimators (issue 5, item 8): at torch's 1e-3 the
#: full-batch fits on a few hundred rows stop early before they have learnt (GBSG2: C 0.619 vs 0.644).
SURVIVAL_LR = 1e-2

SURVIVAL_CONSTRAINTS: dict[str, list[Any]] = {
    **COMMON_CONSTRAINTS,
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
}
TIES = [Options(frozenset({"efron", "breslow"}))]


class SurvivalEstimator(DeepstatEstimator):
    """Shared machinery of the deep survival estimators (not used directly).

    The contract of every subclass:

    - ``fit(X, y)`` takes ``y`` as scikit-survival's structured array (``Surv.from_arrays(event,
      time)``), two columns ``(time, event)`` or a ``(time, event)`` tuple;
    - ``predict_risk(X)``: a score where higher means an earlier event (the ordering Harrell's C uses);
    - ``predict_survival_function(X, times=None)`` and ``predict_cumulative_hazard(X, times=None)``:
      a DataFrame, one row per sample (the index of ``X`` when it is a DataFrame) and one column
      per time of ``times`` (default: the fitted ``time_grid_``);
    - ``predict_median_survival(X)``: the first grid time where ``S(t) <= 1/2``, ``inf`` when the
      curve never gets there (as lifelines);
    - ``score(X, y)``: Harrell's concordance index of ``predict_risk`` (not R², not a likelihood).

    Training defaults differ from :class:`DeepRegressor` (issue 5, item 8): Adam at
    ``lr=1e-2``, full batch where the objective couples observations (the Cox risk sets), and
    early stopping on a validation part stratified by the event indicator.
    """

    _constraints = SURVIVAL_CONSTRAINTS
    _abstract = True  # the survival models' common base: not itself a model to load
    # "mlp" for the survival models: a smaller net, with batch norm and dropout (issue 5, item 8)
    _default_network: NetworkConfig = MLP(hidden_sizes=(32, 32), batch_norm=True, dropout=0.1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def _learning_rate(self) -> float:
        """``lr``, or its survival default: 1.0 for L-BFGS (line search), :data:`SURVIVAL_LR` otherwise."""
        if self.lr is not None:
            return float(self.lr)
        return 1.0 if self.optimizer_ == "lbfgs" else SURVIVAL_LR

    # ------------------------------------------------------------------ fitting
    def _fit_objective(
        self,
        Z: Tensor,
        target: SurvivalTarget,
        weight: Tensor | None,
        objective: Any,
        n_outputs: int,
        *,
        strata: np.ndarray,
        groups: np.ndarray | None = None,
        validation: TensorBatches | None = None,
        offset: Tensor | None = None,
        scale: Tensor | None = None,
    ) -> None:
        """Split off a stratified validation part (unless given), then run the one engine.

        ``n_outputs`` columns of ``eta`` come from the network; ``offset`` and ``scale`` (default 0
        and 1) may be longer, the extra columns being fitted constants (see DistributionalHead).
        ``strata`` holds the event indicator (or cause) of each row; ``groups`` the subject of each
        row when several rows belong to one subject. The split is a
        :class:`~deepstat.train.StratifiedSplit` drawn here from the estimator's seed (not by the
        engine, whose generator also shuffles the batches), so that ``seed_`` reproduces it.
        """
        seed = resolve_seed(self.random_state)
        if validation is None and self.early_stopping_ and self.validation_fraction > 0:
            splitter = StratifiedSplit(float(self.validation_fraction), strata, groups)
            ti, vi = splitter.split(len(strata), seed)
            if len(vi) == 0 or len(ti) == 0:
                raise ValueError(
                    f"`validation_fraction` of {type(self).__name__} must leave rows on both sides of the split. "
                    f"Got {self.validation_fraction!r} with {len(strata)} rows instead."
                )
            validation = TensorBatches(Z[vi], take(target, vi), None if weight is None else weight[vi])
            Z, target, weight = Z[ti], take(target, ti), None if weight is None else weight[ti]
        offset = torch.zeros(n_outputs) if offset is None else offset
        scale = torch.ones(offset.numel()) if scale is None else scale
        # the split above and the network's initialisation share one seed, so that seed_ reproduces both
        given, self.random_state = self.random_state, seed
        try:
            self._fit_network(Z, target, weight, validation, n_outputs, objective, offset, scale)
        finally:
            self.random_state = given
        self.n_train_ = int(Z.shape[0])

    def _eta_fitted(self, Z: Tensor) -> Tensor:
        """``eta`` of already encoded inputs (eval mode, no gradient)."""
        self.module_.eval()
        with torch.no_grad():
            return self.module_(Z)

    # --------------------------------------------------------------- predicting
    def predict_risk(self, X: Any) -> np.ndarray:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _survival_matrix(self, X: Any, times: np.ndarray) -> np.ndarray:  # pragma: no cover - by subclasses
        raise NotImplementedError

    def _grid(self, times: Any, method: str) -> np.ndarray:
        check_is_fitted(self, "module_")
        if times is None:
            return np.asarray(self.time_grid_, dtype=np.float64)
        return check_time_grid(times, f"{type(self).__name__}.{method}")

    @staticmethod
    def _frame(values: np.ndarray, times: np.ndarray, X: Any) -> pd.DataFrame:
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(values.shape[0])
        return pd.DataFrame(values, index=index, columns=pd.Index(times, name="time"))

    def predict_survival_function(self, X: Any, times: Any = None) -> pd.DataFrame:
        """Survival probabilities :math:`S(t \\mid x)` of each row at each time.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        times : array-like of shape (n_times,), optional
            Finite, non-negative times; default the fitted ``time_grid_``.

        Returns
        -------
        pandas.DataFrame of shape (n_samples, n_times)
            Rows are samples, columns are times; values in [0, 1], non-increasing along a row.
        """
        grid = self._grid(times, "predict_survival_function")
        return self._frame(self._survival_matrix(X, grid), grid, X)

    def predict_cumulative_hazard(self, X: Any, times: Any = None) -> pd.DataFrame:
        """Cumulative hazards :math:`H(t \\mid x) = -\\log S(t \\mid x)` of each row at each time.

        Same shape and arguments as :meth:`predict_survival_function`.
        """
        grid = self._grid(times, "predict_cumulative_hazard")
        with np.errstate(divide="ignore"):
            return self._frame(-np.log(self._survival_matrix(X, grid)), grid, X)

    def predict_median_survival(self, X: Any) -> np.ndarray:
        """Median survival time of each row: the first grid time with :math:`S(t) \\le 1/2`.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``inf`` where the predicted curve stays above 1/2 over ``time_grid_`` (as lifelines'
            ``predict_median``).
        """
        grid = self._grid(None, "predict_median_survival")
        S = self._survival_matrix(X, grid)
        below = S <= 0.5
        first = below.argmax(axis=1)
        return np.where(below.any(axis=1), grid[first], np.inf)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Harrell's concordance index of :meth:`predict_risk` on ``(X, y)``.

        The share of comparable pairs (the shorter time is an event) whose risks are ordered
        as their times (higher risk, earlier event), ties in risk counting 1/2 [Harrell et al.
        1982]. 0.5 is a random ordering, 1 a perfect one. ``sample_weight`` is not supported
        (scikit-survival's ``concordance_index_censored`` has none either).

        Returns
        -------
        float in [0, 1]
        """
        from deepstat.metrics.survival import concordance_index_harrell

        if sample_weight is not None:
            raise ValueError(
                f"`sample_weight` of {type(self).__name__}.score must be None: Harrell's C is unweighted. "
                f"Got an array instead."
            )
        time, event = self._score_target(y)
        risk = self.predict_risk(X)
        self._check_lengths(len(risk), len(time))
        return float(concordance_index_harrell(time, event, risk))

    def _linear_table(self) -> pd.DataFrame:
        """Coefficients of a linear predictor on the original input scale (DeepRegressor's table)."""
        from deepstat.estimators.regressor import DeepRegressor

        check_is_fitted(self, "module_")
        if not self.network_.is_linear:
            raise ValueError(
                f"`network` of {type(self).__name__} must be the linear predictor (network=\"linear\") for "
                f"linear_coefficients: its weights are not coefficients. Got {self.network_!r} instead."
            )
        return DeepRegressor.linear_coefficients(self)

    def _score_target(self, y: Any) -> tuple[np.ndarray, np.ndarray]:
        from deepstat.utils.survival import check_survival_target

        return check_survival_target(y, f"{type(self).__name__}.score")

    # ------------------------------------------------------------------ summary
    #: what the network is fitted by, for summary() (subclasses name theirs)
    _objective_label = "survival likelihood"

    def _summary_fit_rows(self) -> dict[str, Any]:
        """The objective, and the training (partial) log-likelihood where the model has one."""
        rows: dict[str, Any] = {"objective": self._objective_label}
        if np.isfinite(getattr(self, "train_log_likelihood_", np.nan)):
            rows["train log-likelihood"] = float(self.train_log_likelihood_)  # mean per observation (censored)
        if hasattr(self, "train_partial_log_likelihood_"):
            rows["train partial log-likelihood"] = float(self.train_partial_log_likelihood_)  # a sum, as lifelines
        if getattr(self, "strata_levels_", None):
            rows["strata"] = len(self.strata_levels_)
        return rows

    def _survival_at_own_times(self, X: Any, time: np.ndarray, chunk: int = 512) -> np.ndarray:
        """:math:`S_i(t_i)`: each row's curve at its own time, in chunks of rows sorted by time (O(n chunk) memory)."""
        order = np.argsort(time, kind="stable")
        out = np.empty(time.shape[0])
        for start in range(0, order.shape[0], chunk):
            rows = order[start : start + chunk]
            grid = np.unique(time[rows])
            part = X.iloc[rows] if isinstance(X, pd.DataFrame) else np.asarray(X)[rows]
            surv = self._survival_matrix(part, grid)
            out[rows] = surv[np.arange(rows.shape[0]), np.searchsorted(grid, time[rows])]
        return out

    def _summary_test_rows(self, X: Any, y: Any) -> dict[str, Any]:
        """Discrimination (Harrell's C), overall accuracy of the curves (IBS) and their calibration (D-calibration).

        The integrated Brier score runs over 100 equally spaced times from the 5th to the 95th
        percentile of the held-out times (those before the last held-out time), with Kaplan-Meier censoring weights of the held-out data
        (the training data are not kept with the model). D-calibration reads each curve at the
        held-out times themselves (Haider et al. 2020): its p-value is the censored-data analogue
        of the PIT check of the other estimators.
        """
        from deepstat.metrics.survival import concordance_index_harrell
        from deepstat.metrics.survival_scores import d_calibration_at_times, integrated_brier_score

        time, event = self._score_target(y)
        risk = self.predict_risk(X)
        self._check_lengths(len(risk), len(time))
        rows: dict[str, Any] = {"test events": int(event.sum())}
        if hasattr(self, "family_") and self.family_ is not None:
            rows["test log-likelihood"] = self.log_likelihood(X, y)
        rows["test Harrell C"] = float(concordance_index_harrell(time, event, risk))
        grid = np.linspace(np.quantile(time, 0.05), np.quantile(time, 0.95), 100)
        grid = grid[grid < time.max()]  # within the follow-up (administrative censoring puts the 95th at the end)
        if grid.size >= 2 and grid[-1] > grid[0]:
            rows["test integrated Brier score"] = float(
                integrated_brier_score(
                    time, event, self._survival_matrix(X, grid), times=grid, train_time=time, train_event=event
                )
            )
        calibration = d_calibration_at_times(self._survival_at_own_times(X, time), event)
        rows["D-calibration statistic"] = float(calibration.statistic)
        rows["D-calibration p-value"] = float(calibration.pvalue)
        return rows
