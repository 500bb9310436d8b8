"""DeepQuantileRegressor: one network for several conditional quantiles, fitted by the pinball loss."""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from deepstat.estimators._params import Options, validate_params, store_params
from deepstat.estimators._quantile_api import QuantilePredictionMixin
from deepstat.estimators._quantile_lp import pinball_objective, quantile_regression_lp
from deepstat.estimators.base import BOOL, COMMON_CONSTRAINTS, _DTYPES
from deepstat.estimators.regressor import DeepRegressor, robust_location_scale
from deepstat.nn import InputSpec, NetworkConfig
from deepstat.nn.heads import DistributionalHead
from deepstat.families.estimation import weighted_quantile
from deepstat.losses import PinballLoss, QuantileCrossingWarning, check_quantiles
from deepstat.train import History
from deepstat.utils.config import torch_threads
from deepstat.utils.validation import resolve_seed

__all__ = ["DeepQuantileRegressor"]


def _auto_noncrossing(network: NetworkConfig) -> bool:
    """noncrossing="auto": only for networks without a linear part (see DeepQuantileRegressor)."""
    return not network.is_linear and not getattr(network, "linear_skip", False)


class DeepQuantileRegressor(QuantilePredictionMixin, DeepRegressor):
    r"""A neural network predicting several conditional quantiles at once (pinball loss).

    One network emits ``m = len(quantiles)`` outputs per row and is fitted by the pinball loss
    summed over the levels, :math:`\sum_i w_i \sum_j \rho_{\tau_j}(y_i - q_j(x_i))`. With
    ``noncrossing=True`` the outputs are a base quantile plus softplus increments
    (:func:`deepstat.losses.noncrossing_quantiles`), so the predicted quantiles never cross.
    With ``network="linear"`` (and the default settings) each level is the classical linear
    quantile regression (Koenker & Bassett 1978), solved exactly as a linear programme: the
    coefficients of statsmodels' ``QuantReg`` at every level, from one ``fit``.

    Parameters
    ----------
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Strictly increasing levels in (0, 1).
    noncrossing : bool or "auto", default="auto"
        Enforce ordered quantiles by construction (a base quantile plus softplus increments).
        "auto": False for networks with a linear part, the linear predictor (the classical model
        fits each level on its own) and the default MLP, whose linear skip starts at that classical
        fit (which softplus increments cannot represent); True otherwise. Without it, a network's
        predicted quantiles are rearranged (sorted in each row: never crossing, and never further
        from the true quantiles, Chernozhukov, Fernandez-Val and Galichon 2010), and the linear
        predictor's fitted quantiles that cross on the training rows raise a
        :class:`~deepstat.losses.QuantileCrossingWarning`.
    optimizer : str, default="auto"
        As in :class:`DeepRegressor`, plus "linprog": the exact minimum-pinball fit of a linear
        predictor, one linear programme per level (the dual of Koenker & Bassett's problem, by
        HiGHS through ``scipy.optimize.linprog``); ``lr``, ``batch_size``, ``max_epochs`` and the
        schedule do not apply to it. "auto": "linprog" for ``network="linear"`` without
        non-crossing outputs, a penalty or early stopping; "adam" otherwise.
    fit_intercept : bool, default=True
        False: every quantile is :math:`x^\top\beta_\tau`, without a constant (as in
        :class:`DeepRegressor`); needs ``noncrossing=False``, whose increments are positive constants
        plus the network.
    network, standardize, lr, batch_size,
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
    of its MAD. With ``optimizer_ == "linprog"`` the history holds one record, the minimum mean
    pinball loss (summed over the levels). There is no predictive distribution: ``predict_distribution``, ``sample`` and
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
    # pinball losses are not smooth: L-BFGS stalls on them; the linear model's classical fit is a linear
    # programme instead (optimizer_ = "linprog", _resolve_settings below), and it has no observed information
    _linear_is_classical = False

    _constraints = {
        **COMMON_CONSTRAINTS,
        "noncrossing": [BOOL, Options(frozenset({"auto"}))],
        "optimizer": [Options(COMMON_CONSTRAINTS["optimizer"][0].values | {"linprog"})],
        "fit_intercept": [BOOL],
    }

    def __init__(
        self,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        noncrossing: bool | str = "auto",
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
            If ``quantiles`` are outside (0, 1), unsorted or repeated, ``optimizer="linprog"``
            is asked for a fit that is not a linear programme, or ``fit_intercept=False`` with
            ``noncrossing=True``.

        Warns
        -----
        QuantileCrossingWarning
            If, without non-crossing outputs, the fitted quantiles cross on a training row.
        """
        validate_params(self, self._constraints)
        levels = check_quantiles(self.quantiles, type(self).__name__)
        self._reset_fitted()
        X_t = self._encode_X(X, fitting=True, sample_weight=sample_weight)
        if not self.fit_intercept and self.noncrossing_:
            raise ValueError(
                f"`fit_intercept` of {type(self).__name__} must be True with noncrossing=True (the non-crossing "
                "increments are a positive constant plus the network). Got False instead; set noncrossing=False."
            )
        self.family_ = None
        y_t = self._encode_target(y, fitting=True)
        self._check_lengths(X_t.shape[0], y_t.shape[0], fitting=True)
        w_t, self._weight = self._weight, None
        validation = self._eval_batches(eval_set)
        self.quantiles_ = levels
        offset, scale, self.increment_scale_ = self._start(y_t.double(), None if w_t is None else w_t.double(), levels)
        self.loss_ = PinballLoss(levels, noncrossing=self.noncrossing_, increment_scale=self.increment_scale_)
        if self.optimizer_ == "linprog":
            self._fit_linear_programme(X_t, y_t, w_t, levels, offset, scale)
        else:
            self._fit_network(X_t, y_t, w_t, validation, len(levels), self.loss_, offset, scale)
        if not self.noncrossing_:
            self._warn_if_crossing(X_t)
        return self

    def _resolve_settings(self, network: NetworkConfig) -> None:
        """``noncrossing_`` and the "auto" settings: the linear programme for a plain linear predictor."""
        caller = type(self).__name__
        self.noncrossing_ = _auto_noncrossing(network) if self.noncrossing == "auto" else bool(self.noncrossing)
        problems = [
            why for why, bad in (
                ("a linear network", not network.is_linear),
                ("noncrossing=False (non-crossing outputs are not linear)", self.noncrossing_),
                ('penalty="none"', self.penalty != "none"),
                ("no early stopping (the programme uses every row)", self.early_stopping is True),
            ) if bad
        ]
        if self.optimizer == "linprog" and problems:
            raise ValueError(
                f"`optimizer` of {caller} may be 'linprog' only with " + ", ".join(problems) + ". Got optimizer='linprog' "
                f"with network={network!r}, noncrossing={self.noncrossing!r}, penalty={self.penalty!r}, "
                f"early_stopping={self.early_stopping!r} instead; use optimizer='adam'."
            )
        if self.optimizer in ("auto", "linprog") and not problems:
            self.optimizer_, self.early_stopping_ = "linprog", False
            self.dtype_ = "float64" if self.dtype == "auto" else self.dtype
            return
        super()._resolve_settings(network)

    def _fit_linear_programme(
        self, X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | None, levels: tuple[float, ...],
        offset: torch.Tensor, scale: torch.Tensor,
    ) -> None:
        """The exact minimum-pinball linear predictor, level by level, written into the head's weights."""
        self.seed_ = resolve_seed(self.random_state)
        n, n_in = int(X.shape[0]), int(X.shape[1])
        self.input_spec_ = InputSpec("table", n_in, (n_in,))
        self.network_.check_input(self.input_spec_, type(self).__name__)
        m = len(levels)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed_)
            body = self.network_.build(self.input_spec_, m)
        intercept = bool(self.fit_intercept)
        columns = [np.ones(n)] if intercept else []
        design = np.column_stack([*columns, X.double().numpy()])  # the encoded (standardised) columns
        y64 = y.double().numpy()
        w64 = None if weight is None else weight.double().numpy()
        start = time.perf_counter()
        beta = np.stack([quantile_regression_lp(design, y64, tau, w64) for tau in levels])  # (m, 1 + n_in)
        elapsed = time.perf_counter() - start
        o, s = (offset.double() if intercept else torch.zeros_like(offset, dtype=torch.float64)), scale.double()
        coef = torch.as_tensor(beta, dtype=torch.float64)
        if not intercept:  # a zero intercept column, so that the copy below reads the same
            coef = torch.cat([torch.zeros(m, 1, dtype=torch.float64), coef], dim=1)
        # in the fitted dtype first: weights copied into a float32 layer would be rounded
        self.module_ = DistributionalHead(body, m, m, o.tolist(), s.tolist()).to(_DTYPES[self.dtype_])
        layer = self.module_.body.output_layer
        with torch.no_grad():  # eta_j = o_j + s_j (W_j z + b_j) must equal beta_j0 + beta_j' z
            layer.weight.copy_(coef[:, 1:] / s[:, None])
            layer.bias.copy_((coef[:, 0] - o) / s)
        layer.bias.requires_grad_(intercept)
        total = sum(pinball_objective(design, y64, b, tau, w64) for b, tau in zip(beta, levels))
        mean = total / (n if w64 is None else float(w64.sum()))
        record = {"epoch": 1, "train_loss": mean, "val_loss": math.nan, "lr": math.nan, "time": elapsed}
        self.history_ = History([record], best_epoch=1, best_loss=mean)
        self.n_epochs_, self.n_train_, self.n_validation_, self.coef_cov_ = 1, n, 0, None

    def _warn_if_crossing(self, X: Any) -> None:
        """A QuantileCrossingWarning when a lower level's fitted quantile exceeds a higher level's on a training row.

        The linear predictor only: a network's predictions are rearranged (see _quantile_matrix).
        """
        if not self.network_.is_linear:
            return
        self.module_.eval()
        with torch.no_grad(), torch_threads():
            q = self.loss_.quantile_predictions(self._module_eta(X)).double().cpu().numpy()  # (n, m)
        tolerance = 1e-9 * self.increment_scale_  # rounding of exactly tied fits is not a crossing
        crossed = (np.diff(q, axis=1) < -tolerance).any(axis=1)
        if crossed.any():
            warnings.warn(
                f"The fitted quantiles of {type(self).__name__} cross on {int(crossed.sum())} of {q.shape[0]} training rows "
                "(a lower level above a higher one). Use noncrossing=True for ordered quantiles, or fewer, wider-spaced levels.",
                QuantileCrossingWarning,
                stacklevel=3,
            )

    def _restore_fitted(self) -> None:
        """Rebuild ``quantiles_``, ``noncrossing_`` and ``loss_`` from the hyperparameters (after loading a saved model)."""
        self.quantiles_ = check_quantiles(self.quantiles, type(self).__name__)
        self.noncrossing_ = _auto_noncrossing(self.network_) if self.noncrossing == "auto" else bool(self.noncrossing)
        self.loss_ = PinballLoss(self.quantiles_, noncrossing=self.noncrossing_, increment_scale=self.increment_scale_)

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
        if self.noncrossing_:
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
        q = self.loss_.quantile_predictions(self._eta(X)).detach().cpu().numpy().astype(np.float64)
        # a network without non-crossing outputs: its quantiles rearranged (sorted) row by row, which
        # never crosses and never moves them further from the true ones (Chernozhukov et al. 2010);
        # the linear predictor's are the classical fit's, as they are
        return q if self.noncrossing_ or self.network_.is_linear else np.sort(q, axis=1)

    def linear_coefficients(self) -> pd.DataFrame:
        """Per-level coefficients of a linear model (``network="linear"``, without non-crossing outputs).

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
        if self.noncrossing_:
            raise ValueError(
                "`noncrossing` of DeepQuantileRegressor must be False for linear_coefficients: with non-crossing "
                f"outputs the network's outputs are softplus increments, not quantiles. Got {self.noncrossing!r} instead."
            )
        table = super().linear_coefficients()
        return table.set_axis([f"q{t:g}" for t in self.quantiles_], axis=0)
