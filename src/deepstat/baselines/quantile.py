"""QuantRegBaseline: linear quantile regression (statsmodels' QuantReg, one fit per level) behind deepstat's quantile API."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted
from torch import Tensor

from deepstat.baselines.base import StatsmodelsBaseline, statsmodels_api
from deepstat.estimators._quantile_api import QuantilePredictionMixin
from deepstat.losses import QuantileCrossingWarning, check_quantiles

__all__ = ["QuantRegBaseline"]


class QuantRegBaseline(QuantilePredictionMixin, RegressorMixin, StatsmodelsBaseline):
    r"""Linear quantile regression (Koenker & Bassett 1978) at several levels, fitted by statsmodels' ``QuantReg``.

    The classical counterpart of :class:`~deepstat.estimators.DeepQuantileRegressor`: one linear
    model :math:`q_\tau(x) = x^\top\beta_\tau` per level, each minimising the (weighted) pinball
    loss :math:`\sum_i w_i \rho_\tau(y_i - x_i^\top\beta)`. ``predict_quantiles``,
    ``predict_interval`` and ``predict`` answer exactly as the deep model's do, so
    :func:`~deepstat.evaluation.compare` scores the two on the same splits by the pinball loss.

    Parameters
    ----------
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Strictly increasing levels in (0, 1).

    Attributes
    ----------
    quantiles_ : tuple of float
        The fitted levels.
    results_ : list of statsmodels ``QuantRegResults``
        One per level (``result_`` is the one of the level closest to 0.5).
    coef_ : ndarray of shape (n_levels, n_design_columns)
        Coefficients per level, intercept first (names in ``design_columns_``).
    preprocessor_, design_columns_, n_features_in_, feature_names_in_
        As in :class:`~deepstat.baselines.base.StatsmodelsBaseline`.

    Notes
    -----
    ``QuantReg`` takes no weights. The check function is positively homogeneous,
    :math:`w\,\rho_\tau(y - x^\top\beta) = \rho_\tau(w y - w x^\top\beta)` for :math:`w \ge 0`, so the
    weighted fit is ``QuantReg`` on the rows multiplied by their weights: exactly the weighted
    minimum (a weight of 2 is a duplicated row). The standard errors of such a fit are not those of
    frequency weights, so :meth:`summary` reports NaN for them when weights were given. Without
    weights the summary is statsmodels' (its kernel sandwich standard errors), one block per level.

    Fitted lines of different levels may cross; a
    :class:`~deepstat.losses.QuantileCrossingWarning` says when they do on the training rows.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.baselines import QuantRegBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1)); y = X[:, 0] + rng.normal(scale=0.1 + X[:, 0], size=300)
    >>> model = QuantRegBaseline(quantiles=(0.1, 0.5, 0.9)).fit(X, y)
    >>> model.predict_quantiles(X[:4]).shape, model.predict_interval(X[:4], alpha=0.2).shape
    ((4, 3), (4, 2))
    >>> model.summary().index[:2].tolist()
    [('q0.1', 'Intercept'), ('q0.1', 'x0')]
    """

    family_ = None  # no likelihood: the quantiles are the prediction

    def __init__(self, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> None:
        self.quantiles = quantiles

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> QuantRegBaseline:
        """Fit one linear quantile regression per level.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric columns, and for DataFrames also categorical ones (treatment coded).
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; weight 2 is the same as a duplicated row.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``quantiles`` are outside (0, 1), unsorted or repeated, the lengths differ, or a
            weight is negative or not finite.
        """
        levels = check_quantiles(self.quantiles, type(self).__name__)
        Z = self._design(X, fitting=True)
        self.quantiles_ = levels
        target = self._encode_target(y, fitting=True).numpy()
        self._check_lengths(Z.shape[0], target.shape[0], fitting=True)
        weight = self._check_sample_weight(sample_weight, Z.shape[0])
        self.weighted_ = weight is not None
        w = np.ones(Z.shape[0]) if weight is None else weight.numpy()
        sm = statsmodels_api()
        design = self._design_frame(Z * w[:, None])  # rows scaled by their weights: the weighted check loss
        self.results_ = [sm.QuantReg(target * w, design).fit(q=tau) for tau in levels]
        self.coef_ = np.stack([np.asarray(r.params, dtype=np.float64) for r in self.results_])  # (m, p)
        self.result_ = self.results_[int(np.argmin([abs(t - 0.5) for t in levels]))]
        q = Z @ self.coef_.T  # (n, m) on the training rows
        crossed = (np.diff(q, axis=1) < -1e-9 * max(1.0, float(np.abs(target).max()))).any(axis=1)
        if crossed.any():
            warnings.warn(
                f"The fitted quantiles of {type(self).__name__} cross on {int(crossed.sum())} of {q.shape[0]} training rows "
                "(a lower level above a higher one): each level is a separate linear fit.",
                QuantileCrossingWarning,
                stacklevel=2,
            )
        return self

    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:
        return torch.as_tensor(np.array(self._numeric_target(y, fitting=fitting, fitted="results_"), dtype=np.float64))

    def _quantile_matrix(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "results_")
        return self._design(X, fitting=False) @ self.coef_.T  # (n, m)

    def _eta(self, X: Any) -> Tensor:
        """The predicted quantiles (n, n_levels): the model's raw outputs (there is no family to map them)."""
        return torch.as_tensor(self._quantile_matrix(X))

    def _coefficient_arrays(self) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per (level, column): estimates, and statsmodels' standard errors, t and p (NaN for a weighted fit)."""
        index = pd.MultiIndex.from_product([[f"q{t:g}" for t in self.quantiles_], self.design_columns_], names=["level", "column"])
        coef = self.coef_.reshape(-1)
        if self.weighted_:
            nan = np.full_like(coef, np.nan)
            return index, coef, nan, nan, nan
        stats = [np.concatenate([np.asarray(getattr(r, name), dtype=np.float64) for r in self.results_]) for name in ("bse", "tvalues", "pvalues")]
        return index, coef, *stats
