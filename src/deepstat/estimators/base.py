"""The base class of every deepstat estimator: data in, network + family, the engine, predictions out.

Subclasses (``DeepRegressor``, ``DeepClassifier``) say how the target is encoded and which
family applies; everything else (input encoding, the network, training, the prediction API,
saving) is written once here.
"""

from __future__ import annotations


import copy
import math
import os
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import Tensor

from deepstat.nn import MLP, NETWORKS, InputSpec, NetworkConfig, resolve_network
from deepstat.nn.heads import DistributionalHead
from deepstat.nn.skip import LinearSkipModule
from deepstat.train import BatchSource, History, TensorBatches, TrainConfig, fit_module, split_validation
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
    RegistryKey,
)
from deepstat.data import TableAdapter
from deepstat.data.table import check_table
from deepstat.data.batch import n_rows
from deepstat.estimators._linear_start import fit_linear_start, keep_network_if_it_helps, network_on_linear_start
from deepstat.estimators._inputs import EncodedInputs, adapter_for, split_side_information
from deepstat.estimators._intercept import drop_intercept, fits_intercept, formula_intercept
from deepstat.estimators._registry import register_estimator
from deepstat.estimators._rows import merge_duplicate_rows
from deepstat.estimators.predictive import _DTYPES, PredictiveMixin
from deepstat.estimators.standard_errors import LinearInferenceMixin
from deepstat.estimators.summary import SummaryMixin

__all__ = ["DeepstatEstimator"]

_PREDICT_CHUNK = 65536

BOOL = InstanceOf((bool, np.bool_), "a bool")

# The shared hyperparameters, declared once: every estimator's ``__init__`` takes exactly these names with
# these defaults (tests/nn/test_networks.py checks each signature against this table). The survival
# models train longer with more patience on a larger validation part (issue 5, item 8); the Cox models
# train full batch (their likelihood couples the rows through the risk sets).
SHARED_DEFAULTS: dict[str, Any] = {
    "network": "mlp", "standardize": True, "optimizer": "auto", "lr": None, "batch_size": 256, "max_epochs": 200,
    "penalty": "none", "alpha": 0.0, "l1_ratio": 0.5, "early_stopping": "auto", "validation_fraction": 0.1,
    "patience": 10, "lr_schedule": "none", "clip_grad_norm": None, "random_state": None, "verbose": 1,
    "checkpoint_dir": None, "resume": False, "dtype": "auto",
}
SURVIVAL_DEFAULTS: dict[str, Any] = {**SHARED_DEFAULTS, "max_epochs": 500, "validation_fraction": 0.2, "patience": 20}
COX_DEFAULTS: dict[str, Any] = {**SURVIVAL_DEFAULTS, "batch_size": None}

COMMON_CONSTRAINTS: dict[str, list[Any]] = {
    "network": [InstanceOf((NetworkConfig,), "a network config (deepstat.nn.MLP(...), Linear(), ...)"), RegistryKey(NETWORKS)],
    "standardize": [BOOL],
    "optimizer": [Options(frozenset({"auto", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"}))],
    "lr": [POS_REAL, NONE],
    "batch_size": [POS_INT, NONE],
    "max_epochs": [POS_INT],
    "penalty": [Options(frozenset({"none", "l1", "l2", "elasticnet"}))],
    "alpha": [NONNEG_REAL],
    "l1_ratio": [Interval(Real, 0, 1)],
    "early_stopping": [BOOL, Options(frozenset({"auto"}))],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "patience": [POS_INT],
    "lr_schedule": [Options(frozenset({"none", "step", "cosine", "plateau"}))],
    "clip_grad_norm": [POS_REAL, NONE],
    "random_state": [InstanceOf((Integral, np.random.RandomState, np.random.Generator, type(None)), "None, an int or a numpy random generator")],
    "verbose": [Interval(Integral, 0, 2)],
    "checkpoint_dir": [InstanceOf((str, os.PathLike, type(None)), "None or a directory path")],
    "resume": [BOOL],
    "dtype": [Options(frozenset({"auto", *_DTYPES}))],
}


class DeepstatEstimator(LinearInferenceMixin, SummaryMixin, PredictiveMixin, BaseEstimator):
    """Shared machinery of deepstat's estimators (not used directly).

    Fitted attributes common to all subclasses:

    - ``module_``: the fitted ``nn.Module`` mapping encoded inputs to ``eta`` (n, n_params);
    - ``family_``: the :class:`~deepstat.families.Family` of the predictive distribution;
    - ``history_``: the :class:`~deepstat.train.History` of train/validation losses;
    - ``preprocessor_``: the input encoding (columns, categories, centring and scaling);
    - ``n_features_in_`` and, for DataFrame input, ``feature_names_in_``.
    """

    _constraints: dict[str, list[Any]] = COMMON_CONSTRAINTS
    # a base class sets ``_abstract = True`` in its own body: it is not registered for loading
    _abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("_abstract", False) and not cls.__name__.startswith("_"):
            register_estimator(cls)  # persistence finds it by name (estimators/_registry.py)
    # what ``network="mlp"`` (the default) means for this estimator; survival models use a smaller net
    _default_network: NetworkConfig = MLP(hidden_sizes=(64, 64))

    def _resolve_network(self) -> NetworkConfig:
        """The fitted network config: ``network`` itself (copied), or this estimator's default for "mlp"."""
        return resolve_network(self.network, type(self).__name__, {"mlp": self._default_network})

    # Whether "auto" means the classical fit for a linear predictor (DeepQuantileRegressor: not yet, its
    # pinball loss is not smooth enough for L-BFGS; issue 11 item 1 remains for it).
    _linear_is_classical = True

    def _resolve_settings(self, network: NetworkConfig) -> None:
        """What the "auto" settings mean for this fit (``optimizer_``, ``early_stopping_``, ``dtype_``).

        With a linear predictor the default fit is the classical maximum-likelihood fit: L-BFGS with a
        strong-Wolfe line search on the full batch, no early stopping, float64, iterated until the
        gradient is below ``grad_tol`` (a ConvergenceWarning otherwise). Any other network gets the
        deep-learning defaults: Adam, early stopping on a validation split, float32.
        """
        classical = network.is_linear and self._linear_is_classical
        self.optimizer_ = ("lbfgs" if classical else "adam") if self.optimizer == "auto" else self.optimizer
        self.early_stopping_ = (not classical) if self.early_stopping == "auto" else bool(self.early_stopping)
        self.dtype_ = ("float64" if classical else "float32") if self.dtype == "auto" else self.dtype

    def _describe_network(self) -> str:
        """The fitted network in one line (``"MLP 5 -> 64 -> 64 -> 2 (relu)"``), for summaries and reports."""
        return self.network_.describe(self.input_spec_, self.module_.n_modelled)

    # ------------------------------------------------------------------ fitting
    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer=self.optimizer_,
            lr=self._learning_rate(),
            batch_size=self.batch_size,
            max_epochs=int(self.max_epochs),
            penalty=self.penalty,
            alpha=float(self.alpha),
            l1_ratio=float(self.l1_ratio),
            early_stopping=bool(self.early_stopping_),
            validation_fraction=float(self.validation_fraction),
            patience=int(self.patience),
            lr_schedule=self.lr_schedule,
            clip_grad_norm=self.clip_grad_norm,
            random_state=self.seed_,
            verbose=int(self.verbose),
            checkpoint_dir=None if self.checkpoint_dir is None else os.fspath(self.checkpoint_dir),
            resume=bool(self.resume),
            # L-BFGS iterates to the maximum-likelihood estimate: its gradient, not an epoch count, ends the fit
            grad_tol=(1e-7 if self.dtype_ == "float64" else 1e-4) if self.optimizer_ == "lbfgs" else None,
        )

    def _learning_rate(self) -> float:
        """``lr``, or its default: 1.0 for L-BFGS (a line search scales the step), 1e-3 otherwise."""
        if self.lr is not None:
            return float(self.lr)
        return 1.0 if self.optimizer_ == "lbfgs" else 1e-3

    def _encode_X(self, X: Any, *, fitting: bool, sample_weight: Any = None) -> Tensor | EncodedInputs:
        """Validate and encode ``X``; when fitting, also validate ``sample_weight`` (kept in ``_weight``).

        A table (the network reads tables) becomes a tensor through the tabular preprocessor; any
        other input goes to the adapter of the kind the network reads (:mod:`deepstat.estimators._inputs`).
        """
        caller = type(self).__name__
        network = self._resolve_network() if fitting else self.network_
        if fitting:
            self._resolve_settings(network)
        if "table" not in network.input_kinds:
            return self._encode_structured(X, network, fitting=fitting, sample_weight=sample_weight)
        X = check_table(X, caller, type(network).__name__)
        if not fitting and getattr(self, "formula_", None) is not None:
            X = self.formula_.transform(X, caller)
        names = getattr(self, "feature_names_in_", None)
        if not fitting and isinstance(X, pd.DataFrame) and names is not None:
            if set(map(str, X.columns)) == set(names) and list(map(str, X.columns)) != list(names):
                X = X.set_axis([str(c) for c in X.columns], axis=1)[list(names)]  # same columns, other order
        # feature names and counts, with scikit-learn's own messages (its checks match on them)
        validate_data(self, X, reset=fitting, skip_check_array=True)
        if fitting:
            self._weight = self._check_sample_weight(sample_weight, len(X))
            # a linear predictor gets reference (drop-first) coding, so its coefficients are identified as in a GLM
            adapter = TableAdapter(normalize=bool(self.standardize), drop_first=network.is_linear, dtype=self.dtype_)
            weight = None if self._weight is None else self._weight.double().numpy()
            Z = adapter.fit_transform(X, caller, weight, center=fits_intercept(self))
            self.network_, self.adapter_, self.preprocessor_ = network, adapter, adapter.preprocessor_
            return Z
        return self.adapter_.transform(X, caller)

    def _encode_structured(self, X: Any, network: NetworkConfig, *, fitting: bool, sample_weight: Any) -> EncodedInputs:
        """Images, sequences, sets, graphs or nodes through the fitted adapter of the network's input kind."""
        caller = type(self).__name__
        if fitting:
            adapter, X, side = adapter_for(network, X, self.dtype_, caller)
            self.network_, self.adapter_, self.preprocessor_ = network, adapter, None
            encoded = EncodedInputs(adapter, X, side, caller, per_step=bool(getattr(network, "per_step", False)))
            self.n_features_in_ = int(adapter.input_spec_.n_features)
            self._weight = self._check_sample_weight(sample_weight, len(encoded))
            return encoded
        if getattr(self, "adapter_", None) is None or isinstance(self.adapter_, TableAdapter):
            raise ValueError(f"`X` of {caller} must be a table, as in fit. Got {type(X).__name__} instead.")
        X, side = split_side_information(X)
        return EncodedInputs(self.adapter_, X, side, caller, per_step=bool(getattr(self.network_, "per_step", False)))

    def _module_eta(self, X: Tensor | EncodedInputs) -> Tensor:
        """The fitted module's output on encoded inputs, in chunks (eval mode is the caller's)."""
        if isinstance(X, EncodedInputs):
            return X.eta(self.module_, _PREDICT_CHUNK)
        module, dtype = self.module_, X.dtype
        if dtype == torch.float32:  # float32 matrix products depend on the batch: in float64, a row's
            module, X = copy.deepcopy(module).double(), X.double()  # prediction is that of the row alone
        eta = torch.cat([module(X[i : i + _PREDICT_CHUNK]) for i in range(0, len(X), _PREDICT_CHUNK)])
        return eta.to(dtype)

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
            structured = isinstance(X, EncodedInputs)
            n_in = int(X.shape[1]) - self._n_data_offsets() - self._n_data_trials() if not structured else 0
            self.input_spec_ = X.adapter.input_spec_ if structured else InputSpec("table", n_in, (n_in,))
            self.network_.check_input(self.input_spec_, type(self).__name__)  # a graph network on a table: say so
            body = self.network_.build(self.input_spec_, n_modelled)
            # The seed's advice: a smaller output layer, so that the fit starts near the marginal.
            output_layer = getattr(body, "output_layer", None)
            if isinstance(output_layer, torch.nn.Linear):
                with torch.no_grad():
                    output_layer.weight.mul_(0.1)
                    output_layer.bias.zero_()
        n_params = offset.numel()
        offset = drop_intercept(self, body, offset, n_modelled)
        module = DistributionalHead(body, n_params, n_modelled, offset.tolist(), scale.tolist(), data_offset=self._n_data_offsets() > 0,
                                    data_trials=self._n_data_trials() > 0)
        if isinstance(loss, torch.nn.Module) and any(p.requires_grad for p in loss.parameters()):
            # a loss with parameters (Barron's adaptive shape and scale) is trained with the network:
            # registered inside the fitted module, the engine's optimiser, early stopping and saving see it
            module.add_module("loss", loss)
        module = module.to(_DTYPES[self.dtype_])
        self.module_ = module
        train = self._training_rows(X, y, weight)
        config = self._train_config()
        # rows the weights were fitted on, and rows held out for early stopping (the engine's split: ceil(f n))
        n = len(train)
        split = validation is None and bool(self.early_stopping_) and float(self.validation_fraction) > 0
        self.n_validation_ = math.ceil(float(self.validation_fraction) * n) if split else (0 if validation is None else len(validation))
        self.n_train_ = n - self.n_validation_ if split else n
        if isinstance(body, LinearSkipModule):  # the classical model first, on the rows the network is trained on
            if split:
                train, validation = split_validation(train, float(self.validation_fraction), torch.Generator().manual_seed(self.seed_))
            family = getattr(self, "family_", None)
            n_linear = family.n_location_params if family is not None and loss == family.neg_log_likelihood else n_modelled
            classes = family is not None and family.name in ("bernoulli", "categorical", "binomial")
            normal = family is not None and family.name == "normal" and loss == family.neg_log_likelihood and n_linear == 1
            fit_linear_start(module, loss, train, validation, config, n_linear, early_stop=classes, residual_scale=normal)
            start = {k: v.detach().clone() for k, v in module.state_dict().items()}
            with network_on_linear_start(type(self).__name__):
                self.history_: History = fit_module(module, loss, train, config, validation=validation)
            if validation is not None and self.history_.best_epoch > 0:
                keep_network_if_it_helps(module, loss, validation, start, self.seed_, type(self).__name__, self.history_)
        else:
            self.history_ = fit_module(module, loss, train, config, validation=validation)
        self.n_epochs_ = self.history_.n_epochs
        self.coef_cov_ = self.coef_cov_hc0_ = None  # observed information; sandwich (standard_errors.py)
        if self._standard_errors_apply(loss) and not isinstance(X, EncodedInputs):
            self.coef_cov_ = self._coefficient_covariance(X, y, weight, loss)

    def _refit_network(self, X: Tensor, y: Tensor, weight: Tensor | None, validation: TensorBatches | None, loss: Any) -> None:
        """Train the fitted ``module_`` further with ``loss`` (a warm start): the rounds of estimators/_robust.py."""
        train = self._training_rows(X, y, weight)
        self.history_ = fit_module(self.module_, loss, train, self._train_config(), validation=validation)
        self.n_epochs_ = self.history_.n_epochs

    @staticmethod
    def _training_rows(X: Tensor | EncodedInputs, y: Any, weight: Tensor | None) -> BatchSource:
        """The rows the network is trained on: a table's as a weighted set (estimators/_rows.py), so that a
        weight of k is exactly k copies of a row; other inputs as they are."""
        if isinstance(X, EncodedInputs):
            return X.source(y, weight)
        if isinstance(y, Tensor):
            X, y, weight, _ = merge_duplicate_rows(X, y, weight)
        return TensorBatches(X, y, weight)

    def _n_data_offsets(self) -> int:
        """1 when the encoded table carries a per-observation offset as its last column (DeepRegressor(offset=...))."""
        return 0

    def _n_data_trials(self) -> int:
        """1 when the encoded table carries the binomial trials before any offset column (DeepRegressor(trials=...))."""
        return 0

    def _intercept_only_eta(self, family: Any, X: Tensor, y: Tensor, weight: Tensor | None) -> Tensor:
        """The family's intercept-only start; DeepRegressor(trials=...) gives the binomial its trials."""
        return family.init_eta(y, weight)

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
        self._check_lengths(X_v.shape[0], n_rows(y_v))  # a tensor or a structured target (SurvivalTarget)
        w_v = self._check_sample_weight(eval_set[2] if len(eval_set) == 3 else None, X_v.shape[0], "eval_set weights")
        if isinstance(X_v, EncodedInputs):
            return X_v.source(y_v, self._observation_weight(y_v, w_v))
        return TensorBatches(X_v, y_v, self._observation_weight(y_v, w_v))

    def _fit_family(
        self,
        X: Tensor,
        y: Tensor,
        weight: Tensor | None,
        validation: TensorBatches | None,
        *,
        heteroscedastic: bool,
        loss: Any = None,
    ) -> None:
        """Fit by the family's negative log-likelihood (or ``loss`` on its ``eta``), starting at the intercept-only fit."""
        family = self.family_
        w64 = None if weight is None else weight.double()
        offset = self._intercept_only_eta(family, X, y.double(), w64)
        scale = family.eta_scale(y.double(), w64)
        if self._n_data_offsets():  # start at the intercept-only fit given the offsets: remove their mean
            given = X[:, -1].double()
            offset = offset.clone()
            offset[0] -= float(given.mean() if w64 is None else (given * w64).sum() / w64.sum())
        n_modelled = family.n_params if heteroscedastic else family.n_location_params
        objective = family.neg_log_likelihood if loss is None else loss
        self._fit_network(X, y, weight, validation, n_modelled, objective, offset, scale)
        self.module_.eval()
        with torch.no_grad(), torch_threads():
            eta = self._module_eta(X)
            self.train_log_likelihood_ = -float(family.neg_log_likelihood(eta, y, weight=weight, reduction="mean"))

    def _reset_fitted(self) -> None:
        """Forget a previous fit, so that a refit that fails leaves an unfitted (not a stale) model."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)

    @classmethod
    def from_formula(
        cls, formula: str, data: pd.DataFrame, *, sample_weight: Any = None, eval_set: tuple | None = None, **params: Any
    ) -> DeepstatEstimator:
        """Fit a model given by a formula on a DataFrame (formulaic / patsy syntax).

        Parameters
        ----------
        formula : str
            ``"y ~ x1 + np.log(x2) + C(g)"``: the target on the left (a column or an expression),
            the inputs on the right; the intercept is implied, and ``0 +`` or ``- 1`` removes it
            (``fit_intercept=False``, for the estimators that take it).
        data : pandas.DataFrame
        sample_weight : array-like of shape (n_samples,), optional
        eval_set : tuple (data_val,) or (data_val, w_val), optional
            A validation DataFrame with the formula's columns (and its weights).
        **params
            Hyperparameters of the estimator (``family=``, ``network=`` ...).

        Returns
        -------
        estimator
            Fitted; it predicts from DataFrames with the same raw columns, and ``formula_``
            holds the design.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from deepstat import DeepRegressor
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"x": rng.uniform(1, 2, 100), "g": rng.choice(["a", "b"], 100)})
        >>> df["y"] = rng.gamma(2.0, df["x"] / 2.0)
        >>> model = DeepRegressor.from_formula("y ~ np.log(x) + C(g)", df, family="gamma", network="linear",
        ...                                    optimizer="lbfgs", max_epochs=10, early_stopping=False, verbose=0)
        >>> model.formula_.columns
        ['np.log(x)', 'C(g)[T.b]']
        >>> model.predict(df.head(2)).shape
        (2,)
        """
        from deepstat.data.formula import FormulaDesign

        design, X, y = FormulaDesign.fit(formula, data, cls.__name__)
        params = formula_intercept(cls, design, params)  # `0 +` / `- 1` -> fit_intercept=False
        if eval_set is not None:
            if not isinstance(eval_set, (tuple, list)) or len(eval_set) not in (1, 2):
                raise ValueError(
                    f"`eval_set` of {cls.__name__}.from_formula must be (data_val,) or (data_val, w_val). "
                    f"Got {type(eval_set).__name__} instead."
                )
            frame = eval_set[0]
            eval_set = (design.transform(frame, cls.__name__), design.target(frame, cls.__name__), *eval_set[1:])
        model = cls(**params)
        model.fit(X, y, sample_weight=sample_weight, eval_set=eval_set)
        model.formula_ = design
        return model

    # --------------------------------------------------------------- predicting
    def _eta(self, X: Any) -> Tensor:
        """Raw parameters ``eta`` (n, n_params) for new data, in eval mode, batched."""
        check_is_fitted(self, "module_")
        Z = self._encode_X(X, fitting=False)
        self.module_.eval()
        with torch.no_grad(), torch_threads():
            return self._module_eta(Z)

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
