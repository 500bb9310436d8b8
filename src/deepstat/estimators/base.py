"""The base class of every deepstat estimator: data in, network + family, the engine, predictions out.

Subclasses (``DeepRegressor``, ``DeepClassifier``) say how the target is encoded and which
family applies; everything else (input encoding, the network, training, the prediction API,
saving) is written once here.
"""

from __future__ import annotations

import os
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import Tensor, nn

from deepstat.families import Family
from deepstat.nn import ACTIVATIONS, INIT_SCHEMES, MLP
from deepstat.nn.heads import DistributionalHead
from deepstat.train import History, TensorBatches, TrainConfig, fit_module
from deepstat.utils.config import torch_threads
from deepstat.utils.validation import resolve_seed

from deepstat.estimators._params import (
    NONE,
    NONNEG_REAL,
    POS_INT,
    POS_REAL,
    InstanceOf,
    Interval,
    Options,
    Sizes,
    validate_params,
)
from deepstat.utils.tabular import TabularPreprocessor, validate_numeric

__all__ = ["DeepstatEstimator"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_PREDICT_CHUNK = 65536

BOOL = InstanceOf((bool, np.bool_), "a bool")

COMMON_CONSTRAINTS: dict[str, list[Any]] = {
    "hidden_sizes": [Sizes()],
    "activation": [Options(frozenset(ACTIVATIONS)), InstanceOf((type,), "a module class")],
    "batch_norm": [BOOL],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "init": [Options(frozenset(INIT_SCHEMES))],
    "standardize": [BOOL],
    "optimizer": [Options(frozenset({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"}))],
    "lr": [POS_REAL, NONE],
    "batch_size": [POS_INT, NONE],
    "max_epochs": [POS_INT],
    "penalty": [Options(frozenset({"none", "l1", "l2", "elasticnet"}))],
    "alpha": [NONNEG_REAL],
    "l1_ratio": [Interval(Real, 0, 1)],
    "early_stopping": [BOOL],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "patience": [POS_INT],
    "lr_schedule": [Options(frozenset({"none", "step", "cosine", "plateau"}))],
    "clip_grad_norm": [POS_REAL, NONE],
    "random_state": [InstanceOf((Integral, np.random.RandomState, np.random.Generator, type(None)), "None, an int or a numpy random generator")],
    "verbose": [Interval(Integral, 0, 2)],
    "checkpoint_dir": [InstanceOf((str, os.PathLike, type(None)), "None or a directory path")],
    "resume": [BOOL],
    "dtype": [Options(frozenset(_DTYPES))],
}


class DeepstatEstimator(BaseEstimator):
    """Shared machinery of deepstat's estimators (not used directly).

    Fitted attributes common to all subclasses:

    - ``module_``: the fitted ``nn.Module`` mapping encoded inputs to ``eta`` (n, n_params);
    - ``family_``: the :class:`~deepstat.families.Family` of the predictive distribution;
    - ``history_``: the :class:`~deepstat.train.History` of train/validation losses;
    - ``preprocessor_``: the input encoding (columns, categories, centring and scaling);
    - ``n_features_in_`` and, for DataFrame input, ``feature_names_in_``.
    """

    _constraints: dict[str, list[Any]] = COMMON_CONSTRAINTS

    # ------------------------------------------------------------------ fitting
    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer=self.optimizer,
            lr=self._learning_rate(),
            batch_size=self.batch_size,
            max_epochs=int(self.max_epochs),
            penalty=self.penalty,
            alpha=float(self.alpha),
            l1_ratio=float(self.l1_ratio),
            early_stopping=bool(self.early_stopping),
            validation_fraction=float(self.validation_fraction),
            patience=int(self.patience),
            lr_schedule=self.lr_schedule,
            clip_grad_norm=self.clip_grad_norm,
            random_state=self.seed_,
            verbose=int(self.verbose),
            checkpoint_dir=None if self.checkpoint_dir is None else os.fspath(self.checkpoint_dir),
            resume=bool(self.resume),
        )

    def _learning_rate(self) -> float:
        """``lr``, or its default: 1.0 for L-BFGS (a line search scales the step), 1e-3 otherwise."""
        if self.lr is not None:
            return float(self.lr)
        return 1.0 if self.optimizer == "lbfgs" else 1e-3

    def _encode_X(self, X: Any, *, fitting: bool, sample_weight: Any = None) -> Tensor:
        """Validate and encode ``X``; when fitting, also validate ``sample_weight`` (kept in ``_weight``)."""
        caller = type(self).__name__
        if not isinstance(X, pd.DataFrame):
            if hasattr(X, "toarray") or hasattr(X, "tocsr"):
                raise TypeError(f"`X` of {caller} must be a dense array or DataFrame. Got sparse {type(X).__name__} instead.")
            X = validate_numeric(X, "X", caller)
            if X.ndim == 2 and X.shape[1] == 0:
                raise ValueError(
                    f"`X` of {caller} must have at least one feature. Got 0 feature(s) (shape={X.shape}) while a "
                    "minimum of 1 is required. For an intercept-only model pass a constant column."
                )
            if X.ndim != 2:
                raise ValueError(
                    f"`X` of {caller} must be 2-D (n_samples, n_features). Got an array of shape {X.shape} instead. "
                    "Reshape your data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single sample."
                )
        names = getattr(self, "feature_names_in_", None)
        if not fitting and isinstance(X, pd.DataFrame) and names is not None:
            if set(map(str, X.columns)) >= set(names) and list(map(str, X.columns)) != list(names):
                X = X.set_axis([str(c) for c in X.columns], axis=1)[list(names)]  # match columns by name
        # feature names and counts, with scikit-learn's own messages (its checks match on them)
        validate_data(self, X, reset=fitting, skip_check_array=True)
        if fitting:
            self._weight = self._check_sample_weight(sample_weight, len(X))
            self.preprocessor_ = TabularPreprocessor(standardize=bool(self.standardize))
            weight = None if self._weight is None else self._weight.double().numpy()
            Z = self.preprocessor_.fit_transform(X, caller, weight)
        else:
            Z = self.preprocessor_.transform(X, caller)
        return torch.as_tensor(Z, dtype=_DTYPES[self.dtype])

    def _check_sample_weight(self, sample_weight: Any, n: int, name: str = "sample_weight") -> Tensor | None:
        if sample_weight is None:
            return None
        caller = type(self).__name__
        w = validate_numeric(sample_weight, name, caller)
        if w.ndim != 1 or w.shape[0] != n:
            raise ValueError(f"`{name}` of {caller} must have shape ({n},). Got shape {w.shape} instead.")
        if (w < 0).any():
            raise ValueError(f"`{name}` of {caller} must be non-negative. Got {int((w < 0).sum())} negative weight(s) instead.")
        if w.sum() <= 0:
            raise ValueError(f"`{name}` of {caller} must have a positive sum. Got all-zero weights instead.")
        return torch.as_tensor(w, dtype=_DTYPES[self.dtype])

    def _check_lengths(self, n_X: int, n_y: int) -> None:
        if n_X != n_y:
            raise ValueError(
                f"`X` and `y` of {type(self).__name__} must have the same number of samples. "
                f"Got {n_X} rows in X and {n_y} in y instead."
            )
        if n_X < 2:
            raise ValueError(f"`X` of {type(self).__name__} must have at least 2 samples. Got 1 sample instead.")

    def _fit_network(
        self,
        X: Tensor,
        y: Tensor,
        weight: Tensor | None,
        validation: TensorBatches | None,
        n_modelled: int,
        loss: Any,
        offset: Tensor,
        scale: Tensor,
    ) -> None:
        """Build the network (seeded), wrap it in the head, and run the one engine."""
        self.seed_ = resolve_seed(self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed_)
            body = MLP(
                X.shape[1],
                n_modelled,
                tuple(self.hidden_sizes),
                self.activation,
                batch_norm=bool(self.batch_norm),
                dropout=float(self.dropout),
                init=self.init,
            )
            # The seed's advice: a smaller output layer, so that the fit starts near the marginal.
            with torch.no_grad():
                body.output_layer.weight.mul_(0.1)
                body.output_layer.bias.zero_()
        n_params = offset.numel()
        module = DistributionalHead(body, n_params, n_modelled, offset.tolist(), scale.tolist())
        module = module.to(_DTYPES[self.dtype])
        self.module_ = module
        self.history_: History = fit_module(
            module, loss, TensorBatches(X, y, weight), self._train_config(), validation=validation
        )
        self.n_epochs_ = self.history_.n_epochs

    def _observation_weight(self, target: Tensor, weight: Tensor | None) -> Tensor | None:
        """Per-observation weights entering the likelihood (the classifier multiplies in class weights)."""
        return weight

    def _eval_batches(self, eval_set: tuple | None) -> TensorBatches | None:
        """Validation data from ``eval_set = (X_val, y_val[, w_val])``, encoded as in fit."""
        if eval_set is None:
            return None
        caller = type(self).__name__
        if not isinstance(eval_set, (tuple, list)) or len(eval_set) not in (2, 3):
            raise ValueError(
                f"`eval_set` of {caller} must be a tuple (X_val, y_val) or (X_val, y_val, w_val). "
                f"Got {type(eval_set).__name__} instead."
            )
        X_v = self._encode_X(eval_set[0], fitting=False)
        y_v = self._encode_target(eval_set[1], fitting=False)
        self._check_lengths(X_v.shape[0], y_v.shape[0])
        w_v = self._check_sample_weight(eval_set[2] if len(eval_set) == 3 else None, X_v.shape[0], "eval_set weights")
        return TensorBatches(X_v, y_v, self._observation_weight(y_v, w_v))

    def _fit_family(
        self, X: Tensor, y: Tensor, weight: Tensor | None, validation: TensorBatches | None, *, heteroscedastic: bool
    ) -> None:
        """Fit by the family's negative log-likelihood, starting at the intercept-only fit."""
        family = self.family_
        w64 = None if weight is None else weight.double()
        offset = family.init_eta(y.double(), w64)
        scale = family.eta_scale(y.double(), w64)
        n_modelled = family.n_params if heteroscedastic else family.n_location_params
        self._fit_network(X, y, weight, validation, n_modelled, family.neg_log_likelihood, offset, scale)

    # --------------------------------------------------------------- predicting
    def _eta(self, X: Any) -> Tensor:
        """Raw parameters ``eta`` (n, n_params) for new data, in eval mode, batched."""
        check_is_fitted(self, "module_")
        Z = self._encode_X(X, fitting=False)
        self.module_.eval()
        with torch.no_grad(), torch_threads():
            return torch.cat([self.module_(Z[i : i + _PREDICT_CHUNK]) for i in range(0, len(Z), _PREDICT_CHUNK)])

    def _require_family(self, method: str) -> Family:
        check_is_fitted(self, "module_")
        if self.family_ is None:
            raise ValueError(
                f"{type(self).__name__}.{method} needs a likelihood family; this model was fitted with "
                f"loss={self.loss!r}, which defines no distribution. Fit with family=... instead."
            )
        return self.family_

    def predict_distribution(self, X: Any) -> torch.distributions.Distribution:
        """The predictive distribution for each row of ``X``.

        Returns
        -------
        torch.distributions.Distribution
            Batched over rows: ``batch_shape == (n_samples,)``; ``event_shape`` is the family's
            (``()`` for univariate targets, ``(d,)`` for multivariate ones).
        """
        family = self._require_family("predict_distribution")
        return family.distribution(self._eta(X))

    def predict_quantiles(self, X: Any, q: float | list[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the predictive distribution.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        q : float or sequence of floats in (0, 1)

        Returns
        -------
        ndarray of shape (n_samples, n_levels)
            Column ``j`` holds the ``q[j]`` quantile (integers for count families).
        """
        family = self._require_family("predict_quantiles")
        levels = np.atleast_1d(np.asarray(q, dtype=np.float64))
        return family.quantile(self._eta(X), torch.as_tensor(levels)).detach().cpu().numpy().astype(np.float64)

    def predict_interval(self, X: Any, alpha: float = 0.1) -> np.ndarray:
        """Central ``1 - alpha`` predictive interval (equal-tailed quantiles).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        alpha : float in (0, 1), default=0.1
            Miscoverage level: 0.1 gives a 90% interval.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Lower and upper bounds.
        """
        if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
            raise ValueError(f"`alpha` of {type(self).__name__}.predict_interval must be a float in (0, 1). Got {alpha!r} instead.")
        return self.predict_quantiles(X, [alpha / 2, 1 - alpha / 2])

    def sample(self, X: Any, n_samples: int = 1, random_state: int | None = None) -> np.ndarray:
        """Draw from the predictive distribution of each row.

        Returns
        -------
        ndarray of shape (n_samples, n_rows, *event_shape)
        """
        family = self._require_family("sample")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"`n_samples` of {type(self).__name__}.sample must be a positive int. Got {n_samples!r} instead.")
        generator = torch.Generator().manual_seed(resolve_seed(random_state))
        draws = family.sample(self._eta(X), int(n_samples), generator=generator)
        return draws.detach().cpu().numpy()

    def log_likelihood(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean log-likelihood per observation of ``y`` under the predictive distribution.

        Constants are included (STYLE 3.2), so the value is comparable with a GLM's
        ``llf / n`` and across families. With ``sample_weight`` it is the weighted mean.
        """
        family = self._require_family("log_likelihood")
        eta = self._eta(X)
        target = self._encode_target(y, fitting=False)
        self._check_lengths(eta.shape[0], target.shape[0])
        weight = self._check_sample_weight(sample_weight, target.shape[0])
        with torch.no_grad():
            nll = family.neg_log_likelihood(eta, target.to(eta.dtype), weight=weight, reduction="mean")
        return -float(nll)

    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ saving
    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model to the directory ``path`` (created if needed).

        The directory holds ``model.safetensors`` (weights) and ``config.json`` (hyperparameters,
        family, preprocessing state, training history). Nothing is pickled.
        """
        from deepstat.estimators.persistence import save_estimator

        save_estimator(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> DeepstatEstimator:
        """Load a model saved by :meth:`save`; never unpickles (safetensors + JSON only)."""
        from deepstat.estimators.persistence import load_estimator

        model = load_estimator(path)
        if not isinstance(model, cls):
            raise TypeError(f"`path` of {cls.__name__}.load holds a {type(model).__name__}, not a {cls.__name__}.")
        return model
