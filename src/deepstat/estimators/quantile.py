"""DeepQuantileRegressor: one network for several conditional quantiles, fitted by the pinball loss."""

from __future__ import annotations

import os
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from deepstat.estimators._params import validate_params, store_params
from deepstat.estimators.base import BOOL, COMMON_CONSTRAINTS
from deepstat.estimators.regressor import DeepRegressor, robust_location_scale
from deepstat.nn import NetworkConfig
from deepstat.families.estimation import weighted_quantile
from deepstat.losses import PinballLoss, check_quantiles

__all__ = ["DeepQuantileRegressor"]


class DeepQuantileRegressor(DeepRegressor):
    r"""A neural network predicting several conditional quantiles at once (pinball loss).

    One network emits ``m = len(quantiles)`` outputs per row and is fitted by the pinball loss
    summed over the levels, :math:`\sum_i w_i \sum_j \rho_{\tau_j}(y_i - q_j(x_i))`. With
    ``noncrossing=True`` the outputs are a base quantile plus softplus increments
    (:func:`deepstat.losses.noncrossing_quantiles`), so the predicted quantiles never cross.
    With ``network="linear"`` and ``noncrossing=False`` each level is a linear quantile
    regression (Koenker & Bassett 1978), fitted jointly.

    Parameters
    ----------
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Strictly increasing levels in (0, 1).
    noncrossing : bool, default=True
        Enforce ordered quantiles by construction.
    fit_intercept : bool, default=True
        False: every quantile is :math:`x^\top\beta_\tau`, without a constant (as in
        :class:`DeepRegressor`); needs ``noncrossing=False``, whose increments are positive constants
        plus the network.
    network, standardize, optimizer, lr, batch_size,
    max_epochs, penalty, alpha, l1_ratio, early_stopping, validation_fraction, patience,
    lr_schedule, clip_grad_norm, random_state, verbose, checkpoint_dir, resume, dtype
        As in :class:`DeepRegressor`.

    Attributes
    ----------
    quantiles_ : tuple of float
        The fitted levels.
    loss_ : PinballLoss
    module_, history_, preprocessor_, n_features_in_, feature_names_in_, n_epochs_

    Notes
    -----
    The network starts at the unconditional empirical quantiles of ``y`` and learns on the scale
    of its MAD. There is no predictive distribution: ``predict_distribution``, ``sample`` and
    ``log_likelihood`` raise; ``predict_quantiles`` answers the fitted levels only.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepQuantileRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1)); y = X[:, 0] + rng.normal(scale=0.1 + X[:, 0], size=300)
    >>> from deepstat.nn import MLP
    >>> model = DeepQuantileRegressor(quantiles=(0.1, 0.5, 0.9), network=MLP(hidden_sizes=(16,)), max_epochs=50,
    ...                               random_state=0, verbose=0).fit(X, y)
    >>> q = model.predict_quantiles(X[:4], [0.1, 0.9])
    >>> q.shape, bool((q[:, 0] <= q[:, 1]).all())
    ((4, 2), True)
    >>> model.predict_interval(X[:4], alpha=0.2).shape
    (4, 2)
    """

    family = None  # no likelihood: the quantiles are the prediction
    loss = None
    loss_params = None
    heteroscedastic = True
    # pinball losses are not smooth: L-BFGS stalls on them, so "auto" keeps Adam for the linear model too
    _linear_is_classical = False

    _constraints = {**COMMON_CONSTRAINTS, "noncrossing": [BOOL], "fit_intercept": [BOOL]}

    def __init__(
        self,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        noncrossing: bool = True,
        network: str | NetworkConfig = "mlp",
        fit_intercept: bool = True,
        standardize: bool = True,
        optimizer: str = "auto",
        lr: float | None = None,
        batch_size: int | None = 256,
        max_epochs: int = 200,
        penalty: str = "none",
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        patience: int = 10,
        lr_schedule: str = "none",
        clip_grad_norm: float | None = None,
        random_state: Any = None,
        verbose: int = 1,
        checkpoint_dir: str | os.PathLike | None = None,
        resume: bool = False,
        dtype: str = "auto",
    ) -> None:
        store_params(self, locals())  # every argument, unchanged (the scikit-learn contract)

    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: tuple | None = None) -> DeepQuantileRegressor:
        """Fit all quantiles with one network by the (weighted) pinball loss.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        eval_set : tuple (X_val, y_val) or (X_val, y_val, w_val), optional

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``quantiles`` are outside (0, 1), unsorted or repeated, or ``fit_intercept=False``
            with ``noncrossing=True``.
        """
        validate_params(self, self._constraints)
        levels = check_quantiles(self.quantiles, type(self).__name__)
        if not self.fit_intercept and self.noncrossing:
            raise ValueError(
                f"`fit_intercept` of {type(self).__name__} must be True with noncrossing=True (the non-crossing "
                "increments are a positive constant plus the network). Got False instead; set noncrossing=False."
            )
        self._reset_fitted()
        X_t = self._encode_X(X, fitting=True, sample_weight=sample_weight)
        self.family_ = None
        y_t = self._encode_target(y, fitting=True)
        self._check_lengths(X_t.shape[0], y_t.shape[0], fitting=True)
        w_t, self._weight = self._weight, None
        validation = self._eval_batches(eval_set)
        self.quantiles_ = levels
        offset, scale, self.increment_scale_ = self._start(y_t.double(), None if w_t is None else w_t.double(), levels)
        self.loss_ = PinballLoss(levels, noncrossing=bool(self.noncrossing), increment_scale=self.increment_scale_)
        self._fit_network(X_t, y_t, w_t, validation, len(levels), self.loss_, offset, scale)
        return self

    def _restore_fitted(self) -> None:
        """Rebuild ``quantiles_`` and ``loss_`` from the hyperparameters (after loading a saved model)."""
        self.quantiles_ = check_quantiles(self.quantiles, type(self).__name__)
        self.loss_ = PinballLoss(self.quantiles_, noncrossing=bool(self.noncrossing), increment_scale=self.increment_scale_)

    def _start(self, y: torch.Tensor, weight: torch.Tensor | None, levels: tuple[float, ...]) -> tuple[torch.Tensor, torch.Tensor, float]:
        """Head offset, head scale and increment scale, so that the network starts at the empirical quantiles.

        Without non-crossing the outputs are the quantiles: offset = empirical quantiles, scale =
        the MAD. With it, column 1 is the base quantile (offset q_1, scale the MAD) and columns
        j > 1 are increments in units of the MAD: offset softplus^{-1}((q_j - q_{j-1}) / MAD),
        scale 1, so that each increment output stays of order one (see noncrossing_quantiles).
        """
        _, spread = robust_location_scale(y, weight)
        w = torch.ones_like(y) if weight is None else weight
        # weighted step quantiles: a weight of 2 starts the fit where a duplicated row does
        q = weighted_quantile(y, w, torch.as_tensor(levels, dtype=torch.float64)).numpy()
        scale = np.full(len(levels), spread)
        if self.noncrossing:
            gaps = np.maximum(np.diff(q) / spread, 1e-3)
            q = np.concatenate([q[:1], gaps + np.log(-np.expm1(-gaps))])  # softplus^{-1}(gap / spread)
            scale[1:] = 1.0
        return torch.as_tensor(q, dtype=torch.float64), torch.as_tensor(scale, dtype=torch.float64), spread

    # ------------------------------------------------------------------ summary
    def _summary_fit_rows(self) -> dict[str, Any]:
        return {"objective": "pinball loss", "quantile levels": ", ".join(f"{q:g}" for q in self.quantiles_)}

    def _summary_test_rows(self, X: Any, y: Any) -> dict[str, Any]:
        """Mean pinball loss over the levels and, per level, the share of ``y`` at or below its quantile."""
        pred = self._quantile_matrix(X)
        target = self._encode_target(y, fitting=False).double().numpy().reshape(-1)
        self._check_lengths(pred.shape[0], target.shape[0])
        levels = np.asarray(self.quantiles_)
        residual = target[:, None] - pred
        pinball = np.maximum(levels * residual, (levels - 1.0) * residual)
        rows: dict[str, Any] = {"test mean pinball loss": float(pinball.mean())}
        for j, level in enumerate(levels):  # calibrated quantiles: about `level` of y at or below them
            rows[f"test share of y <= q{level:g}"] = float(np.mean(target <= pred[:, j]))
        return rows

    # ------------------------------------------------------------------ predict
    def _quantile_matrix(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "module_")
        return self.loss_.quantile_predictions(self._eta(X)).detach().cpu().numpy().astype(np.float64)

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

    def linear_coefficients(self) -> pd.DataFrame:
        """Per-level coefficients of a linear model (``network="linear"``, ``noncrossing=False``).

        Returns
        -------
        pandas.DataFrame
            One row per level (named ``"q0.1"`` ...), columns "Intercept" and the inputs, on the
            original scale (comparable with statsmodels' ``QuantReg`` params).

        Raises
        ------
        ValueError
            If the network has hidden layers or ``noncrossing=True`` (the outputs are increments).
        """
        check_is_fitted(self, "module_")
        if self.noncrossing:
            raise ValueError(
                "`noncrossing` of DeepQuantileRegressor must be False for linear_coefficients: with non-crossing "
                "outputs the network's outputs are softplus increments, not quantiles. Got True instead."
            )
        table = super().linear_coefficients()
        return table.set_axis([f"q{t:g}" for t in self.quantiles_], axis=0)

    def _require_family(self, method: str) -> Any:
        check_is_fitted(self, "module_")
        raise ValueError(
            f"{type(self).__name__}.{method} needs a likelihood family; a quantile regression defines quantiles "
            "only. Use predict_quantiles / predict_interval, or DeepRegressor(family=...)."
        )


