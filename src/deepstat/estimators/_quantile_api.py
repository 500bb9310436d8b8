"""The prediction API of models that predict a fixed set of quantile levels (no predictive distribution).

Written once for :class:`~deepstat.estimators.DeepQuantileRegressor` and
:class:`~deepstat.baselines.QuantRegBaseline`: a subclass provides ``_quantile_matrix(X) -> (n, m)``
and the fitted ``quantiles_``.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["QuantilePredictionMixin"]


class QuantilePredictionMixin:
    """``predict_quantiles``, ``predict_interval`` and ``predict`` from the fitted levels ``quantiles_``."""

    quantiles_: tuple[float, ...]

    def _quantile_matrix(self, X: Any) -> np.ndarray:  # pragma: no cover - provided by subclasses
        """Predicted quantiles (n_samples, n_levels), column j for ``quantiles_[j]``."""
        raise NotImplementedError

    def _columns(self, q: Any, caller: str) -> list[int]:
        check_is_fitted(self, "quantiles_")
        levels = np.atleast_1d(np.asarray(q, dtype=np.float64))
        fitted = np.asarray(self.quantiles_)
        cols = []
        for level in levels:
            hits = np.flatnonzero(np.isclose(fitted, level, rtol=0.0, atol=1e-9))
            if hits.size == 0:
                raise ValueError(
                    f"`q` of {type(self).__name__}.{caller} must be among the fitted levels {list(self.quantiles_)}. "
                    f"Got {float(level)!r} instead. Refit with quantiles=... including it."
                )
            cols.append(int(hits[0]))
        return cols

    def predict_quantiles(self, X: Any, q: float | Sequence[float] | np.ndarray | None = None) -> np.ndarray:
        """Predicted quantiles at fitted levels (no interpolation between levels).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        q : float or sequence of float, optional
            Levels among ``quantiles_``; ``None`` gives all fitted levels.

        Returns
        -------
        ndarray of shape (n_samples, n_levels)

        Raises
        ------
        ValueError
            If a level was not fitted (the message lists the fitted ones).
        """
        cols = list(range(len(self.quantiles_))) if q is None else self._columns(q, "predict_quantiles")
        return self._quantile_matrix(X)[:, cols]

    def predict_interval(self, X: Any, alpha: float = 0.2) -> np.ndarray:
        """Central ``1 - alpha`` interval from the fitted levels ``alpha/2`` and ``1 - alpha/2``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        alpha : float in (0, 1), default=0.2
            Miscoverage; the default matches the default levels (0.1, 0.9).

        Returns
        -------
        ndarray of shape (n_samples, 2)

        Raises
        ------
        ValueError
            If ``alpha`` is outside (0, 1) or either level was not fitted.
        """
        if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
            raise ValueError(f"`alpha` of {type(self).__name__}.predict_interval must be a float in (0, 1). Got {alpha!r} instead.")
        check_is_fitted(self, "quantiles_")
        fitted = np.asarray(self.quantiles_)
        for level in (alpha / 2, 1 - alpha / 2):
            if not np.isclose(fitted, level, rtol=0.0, atol=1e-9).any():
                raise ValueError(
                    f"`alpha` of {type(self).__name__}.predict_interval must match the fitted levels "
                    f"{list(self.quantiles_)}: alpha/2 = {alpha / 2:g} and 1 - alpha/2 = {1 - alpha / 2:g} are both needed. "
                    f"Got alpha={alpha!r} instead; refit with quantiles including them."
                )
        return self.predict_quantiles(X, [alpha / 2, 1 - alpha / 2])

    def predict(self, X: Any) -> np.ndarray:
        """The fitted quantile whose level is closest to 0.5 (the median when 0.5 is fitted; the lower on ties).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "quantiles_")
        j = int(np.argmin([abs(t - 0.5) for t in self.quantiles_]))
        return self._quantile_matrix(X)[:, j]

    def _require_family(self, method: str) -> Any:
        check_is_fitted(self, "quantiles_")
        raise ValueError(
            f"{type(self).__name__}.{method} needs a likelihood family; a quantile regression defines quantiles "
            "only. Use predict_quantiles / predict_interval, or DeepRegressor(family=...) for a distribution."
        )
