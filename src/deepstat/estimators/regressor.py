"""DeepRegressor: the likelihood recipe for any family, with scikit-learn's regressor contract."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import column_or_1d
from torch import Tensor

from deepstat.estimators._params import InstanceOf, Options, validate_params, store_params
from deepstat.data.table import check_successes, split_offset, split_trials
from deepstat.estimators._inputs import EncodedInputs
from deepstat.estimators._robust import ROBUST_SCALE_LOSSES, fit_robust
from deepstat.estimators.base import BOOL, COMMON_CONSTRAINTS, _DTYPES, DeepstatEstimator
from deepstat.utils.tabular import validate_numeric
from deepstat.nn import NetworkConfig
from deepstat.families import FAMILIES, Family, get_family
from deepstat.families.estimation import weighted_quantile
from deepstat.losses import REGRESSION_LOSSES, make_regression_loss
from deepstat.train import TensorBatches

__all__ = ["DeepRegressor", "robust_location_scale"]


def robust_location_scale(y: Tensor, weight: Tensor | None = None) -> tuple[float, float]:
    """Weighted median and normalised MAD (``1.4826 * median|y - median|``) of ``y``.

    The scale falls back to the weighted SD, then 1. Weighted step quantiles, so that a weight
    of 2 gives exactly what a duplicated row gives.
    """
    y64 = y.double().flatten()
    w = torch.ones_like(y64) if weight is None else torch.as_tensor(weight).double().flatten()
    half = torch.tensor(0.5, dtype=torch.float64)
    center = float(weighted_quantile(y64, w, half))
    spread = 1.4826 * float(weighted_quantile((y64 - center).abs(), w, half))
    if not spread > 0:
        mean = (w * y64).sum() / w.sum()
        spread = float(((w * (y64 - mean) ** 2).sum() / w.sum()).sqrt()) if y64.numel() > 1 else 0.0
    return center, spread if spread > 0 else 1.0


class DeepRegressor(RegressorMixin, DeepstatEstimator):
    r"""A neural network that predicts the parameters of a distribution (the course's likelihood recipe).

    The network maps ``x`` to raw parameters :math:`\eta = f(x; \phi)`, the family's links map
    :math:`\eta` to :math:`\theta`, and :math:`\phi` minimises the negative log-likelihood
    :math:`-\sum_i w_i \log p(y_i \mid \theta(x_i))`. Every prediction is a distribution.

    Parameters
    ----------
    family : str or Family, default="normal"
        Predictive family: "normal", "laplace", "student_t", "gaussian_mixture", "exponential",
        "gamma", "beta", "multivariate_normal", "von_mises", "poisson", "negative_binomial",
        "plackett_luce", ... or a :class:`~deepstat.families.Family` instance (e.g.
        ``GaussianMixture(n_components=3)``). Multivariate families take ``y`` of shape (n, d).
    loss : str, callable or None, default=None
        A task loss instead of a likelihood. A name: "huber", "tukey" (Tukey's biweight),
        "barron" or "barron_adaptive" (:mod:`deepstat.losses`), built from ``loss_params``;
        or a callable ``loss(eta, y, *, weight=None, reduction="sum")`` with an ``n_outputs``
        attribute (default 1). ``predict`` then returns ``eta[:, 0]`` and the distributional
        methods are unavailable. ``None`` uses ``family``.
    loss_params : dict or None, default=None
        Keyword arguments of the named loss (``{"alpha": 1.0, "scale": 2.0}`` for "barron", in
        the units of ``y``). "huber" and "tukey" are tuned in units of the residual scale, as
        statsmodels' RLM and R's ``MASS::rlm``: ``delta`` (default 1.345 for Huber, 4.685 for
        Tukey) times ``scale`` is the threshold in the units of ``y``. ``scale=None`` (the
        default) estimates it in rounds: least squares first, then the loss refitted at the
        scale of the residuals, re-estimated after each refit (warm started) until it changes by
        less than 1e-8 (L-BFGS) or 1e-2 (stochastic optimisers), at most ``max_rounds=30``
        rounds; ``scale_est="mad"`` (default, ``median|r| / 0.6745``) or ``"huber"`` (Huber's
        proposal 2) says how (see :mod:`deepstat.estimators._robust`). A number fixes it; a
        ``delta`` given without ``scale`` is a threshold in the units of ``y`` (scale 1).
        The fitted scale is ``scale_``, one per round in ``scale_history_``. For
        "barron_adaptive" the parameters are starting values; the scale starts at the MAD of
        the least-squares residuals unless given, and the fitted shape and scale are
        ``loss_.alpha_`` and ``loss_.scale_``. Named losses start the network at the median of
        ``y`` and learn on the scale of its MAD.
    network : str or network config, default="mlp"
        The network that maps the inputs to the family's parameters: a config from
        :mod:`deepstat.nn`, e.g. ``MLP(hidden_sizes=(64, 64), activation="relu", batch_norm=False,
        dropout=0.0, init="he")`` (what "mlp" means here) or ``Linear()``, the linear predictor
        (a GLM with the family's links); or a registered name ("mlp", "linear"). Its settings
        tune as ``network__hidden_sizes`` in a grid search.
    offset, exposure : str or None, default=None
        A column of ``X`` (a DataFrame, at fit and at prediction) holding a per-row offset on the link
        scale of the location, as R's ``glm(offset=)`` and statsmodels' ``GLM(offset=)``; or a positive
        exposure, whose log is the offset (a Poisson rate model: counts per unit of exposure). The
        column is not an input of the network. At most one of the two.
    trials : str or None, default=None
        For ``family="binomial"`` (required there, refused elsewhere): a column of ``X`` (a DataFrame,
        at fit and at prediction) holding each row's number of trials :math:`n`; ``y`` is then the
        number of successes out of :math:`n`, as R's ``glm(cbind(successes, failures) ~ ...)``. The
        column is not an input of the network; it is carried into the likelihood as ``offset=`` is.
        ``predict`` returns the mean :math:`n p` and :meth:`predict_proportion` the probability :math:`p`.
    heteroscedastic : bool or "auto", default="auto"
        If False, only the family's location/mean parameters depend on ``x``; its other
        parameters (scale, shape, dispersion) are single fitted constants, as in a GLM. "auto":
        False for the linear predictor and for the default MLP (its linear skip starts at the GLM,
        and the network refines the mean: a network's scale, extrapolated to an input unlike the
        training rows, can collapse and give one held-out row a log score of -478, measured on
        diabetes), True for other networks.
    fit_intercept : bool, default=True
        False fits no intercept: the output layer's bias and the head's offset are 0 for the
        modelled columns of ``eta`` (so that with ``network="linear"`` the fit is a GLM without a
        constant, R's ``y ~ 0 + x``), and numeric inputs are scaled but not centred. Categorical
        columns keep reference coding; a formula's ``0 +`` / ``- 1`` sets it (formulaic then codes
        the first factor with all its levels, as R does).
    standardize : bool, default=True
        Centre and scale numeric input columns (the fitted coefficients are reported on the
        original scale by :meth:`linear_coefficients`).
    optimizer : str, default="auto"
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw" or "lbfgs" (full batch,
        strong-Wolfe line search). "auto": "lbfgs" for a linear predictor (the classical
        maximum-likelihood fit, iterated until the largest gradient is below 1e-7, with a
        :class:`~deepstat.train.ConvergenceWarning` if ``max_epochs`` ends first), "adam" otherwise.
    lr : float or None, default=None
        Learning rate; ``None`` means 1e-3, or 1.0 for "lbfgs" (whose line search scales the step).
    batch_size : int or None, default=256
        ``None`` trains full batch.
    max_epochs : int, default=200
    penalty : {"none", "l1", "l2", "elasticnet"}, default="none"
        Penalty on weights (never biases or normalisation layers), strength ``alpha``.
    alpha : float, default=0.0
    l1_ratio : float in [0, 1], default=0.5
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the rows (or use ``eval_set``), stop after
        ``patience`` epochs without improvement and restore the best weights. "auto": False for
        a linear predictor (the maximum-likelihood fit uses every row), True otherwise.
    validation_fraction : float in [0, 1), default=0.1
    patience : int, default=10
    lr_schedule : {"none", "step", "cosine", "plateau"}, default="none"
    clip_grad_norm : float or None, default=None
    random_state : int, numpy generator or None, default=None
        Seeds initialisation, shuffling, the validation split and dropout.
    verbose : int, default=1
        0 silent, 1 progress bar, 2 also one log line per epoch.
    checkpoint_dir : path or None, default=None
        Write atomic checkpoints there; with ``resume=True`` continue from the last one.
    resume : bool, default=False
    dtype : {"auto", "float32", "float64"}, default="auto"
        "auto": float64 for a linear predictor (coefficients to 1e-4 and better), float32 otherwise.

    Attributes
    ----------
    module_, family_, history_, preprocessor_, n_features_in_, feature_names_in_, n_epochs_
    loss_, scale_, scale_history_ : the named loss as fitted, and for "huber", "tukey" and
        "barron_adaptive" the residual scale (RLM's ``scale``) and its value in each round.
        ``history_`` and ``n_epochs_`` are those of the last round (its losses are sums of
        :math:`\rho_c(r / s)`, free of the units of ``y``).

    See Also
    --------
    DeepClassifier : the same recipe with Bernoulli/categorical families and class weights.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = rng.poisson(np.exp(0.3 * X[:, 0]))
    >>> model = DeepRegressor(family="poisson", network="linear", optimizer="lbfgs",
    ...                       max_epochs=20, early_stopping=False, random_state=0, verbose=0)
    >>> model.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> model.predict_interval(X[:2], alpha=0.1).shape
    (2, 2)
    """

    _constraints = {
        **COMMON_CONSTRAINTS,
        "family": [InstanceOf((str, Family), "a family name or a Family instance")],
        "heteroscedastic": [BOOL, Options(frozenset({"auto"}))],
        "loss_params": [InstanceOf((Mapping, type(None)), "a dict or None")],
        "offset": [InstanceOf((str, type(None)), "None or the name of a column of X")],
        "exposure": [InstanceOf((str, type(None)), "None or the name of a column of X")],
        "trials": [InstanceOf((str, type(None)), "None or the name of a column of X")],
        "fit_intercept": [BOOL],
    }

    def __init__(
        self,
        family: str | Family = "normal",
        loss: Any = None,
        loss_params: Mapping[str, Any] | None = None,
        network: str | NetworkConfig = "mlp",
        heteroscedastic: bool | str = "auto",
        offset: str | None = None,
        exposure: str | None = None,
        trials: str | None = None,
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

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        family = self.family
        if isinstance(family, str) and family in FAMILIES:
            family = FAMILIES[family]
        multi = getattr(family, "event_rank", 0) > 0  # known on the class before it is sized
        tags.target_tags.multi_output = multi
        tags.target_tags.single_output = not multi
        tags.target_tags.required = True
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: tuple | None = None) -> DeepRegressor:
        """Fit the network by (weighted) negative log-likelihood.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric columns, and for DataFrames also categorical ones (one-hot encoded).
        y : array-like of shape (n_samples,) or (n_samples, d)
            Must lie in the family's support.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; weight 2 is the same as a duplicated row.
        eval_set : tuple (X_val, y_val) or (X_val, y_val, w_val), optional
            Validation data for early stopping instead of a random ``validation_fraction`` split.

        Returns
        -------
        self
        """
        validate_params(self, self._constraints)
        self._reset_fitted()
        X_t = self._encode_X(X, fitting=True, sample_weight=sample_weight)
        if y is None:
            raise ValueError("`y` of DeepRegressor must be given: requires y to be passed, but the target y is None.")
        if isinstance(X_t, EncodedInputs):  # a per-step network: one target array per sequence, checked against X
            y = X_t.steps(y)
        self.family_ = self._resolve_family(validate_numeric(y, "y", type(self).__name__))
        self._check_trials_family()
        y_t = self._encode_target(y, fitting=True)
        self._check_lengths(X_t.shape[0], y_t.shape[0], fitting=True)
        if self._n_data_trials():
            trials = X_t[:, -1 - self._n_data_offsets()]
            check_successes(y_t, trials, type(self).__name__)
            w = torch.ones_like(trials) if self._weight is None else self._weight.to(trials.dtype)
            self._mean_trials = max(1.0, float((w * trials).sum() / w.sum()))
        w_t, self._weight = self._weight, None
        validation = self._eval_batches(eval_set)
        if self.family_ is None:
            if isinstance(self.loss, str):
                self._fit_named_loss(X_t, y_t, w_t, validation)
                return self
            n_out = int(getattr(self.loss, "n_outputs", 1))
            self._fit_network(X_t, y_t, w_t, validation, n_out, self.loss, torch.zeros(n_out), torch.ones(n_out))
            return self
        self._fit_family(X_t, y_t, w_t, validation, heteroscedastic=self._heteroscedastic())
        return self

    def _n_data_offsets(self) -> int:
        return int(getattr(self, "offset", None) is not None or getattr(self, "exposure", None) is not None)

    def _n_data_trials(self) -> int:
        return int(getattr(self, "trials", None) is not None)

    def _encode_X(self, X: Any, *, fitting: bool, sample_weight: Any = None) -> Any:
        """The encoded table, then the trials (``trials=``) and the offset (``offset=`` or ``log(exposure=)``) as its
        last columns when they are named."""
        if not self._n_data_offsets() and not self._n_data_trials():
            return super()._encode_X(X, fitting=fitting, sample_weight=sample_weight)
        caller = type(self).__name__
        X, values = split_offset(X, self.offset, self.exposure, caller)
        X, trials = split_trials(X, getattr(self, "trials", None), caller)
        Z = super()._encode_X(X, fitting=fitting, sample_weight=sample_weight)
        extra = [column for column in (trials, values) if column is not None]
        return torch.cat([Z, *(torch.as_tensor(c, dtype=Z.dtype)[:, None] for c in extra)], dim=1)

    def _check_trials_family(self) -> None:
        """``trials=`` goes with the binomial family, and the binomial family needs it."""
        binomial = self.family_ is not None and getattr(self.family_, "n_data_columns", 0) > 0
        if binomial and not self._n_data_trials():
            raise ValueError(
                "`trials` of DeepRegressor must name the column of X with each row's number of trials for family "
                "'binomial'. Got None instead. For 0/1 outcomes use family='bernoulli'."
            )
        if self._n_data_trials() and not binomial:
            raise ValueError(
                f"`trials` of DeepRegressor must be None for family {getattr(self.family_, 'name', self.loss)!r}: "
                f"trials are the binomial's. Got {self.trials!r} instead; use family='binomial'."
            )

    def _train_config(self) -> Any:
        config = super()._train_config()
        if self._n_data_trials() and config.grad_tol is not None:
            # A row of n trials is n Bernoulli terms: the tolerance is per trial, as for 0/1 data. (With ~900 trials
            # a row, as in star98, float64 rounding of the objective stops L-BFGS at a gradient near 1e-6 > 1e-7.)
            config = dataclasses.replace(config, grad_tol=config.grad_tol * self._mean_trials)
        return config

    def _intercept_only_eta(self, family: Any, X: Tensor, y: Tensor, weight: Tensor | None) -> Tensor:
        if not self._n_data_trials():
            return super()._intercept_only_eta(family, X, y, weight)
        return family.init_eta(y, weight, trials=X[:, -1 - self._n_data_offsets()])

    def _standard_errors_apply(self, loss: Any) -> bool:
        """A likelihood fit (not a task loss) of the linear predictor."""
        return super()._standard_errors_apply(loss) and self.family_ is not None

    def _heteroscedastic(self) -> bool:
        """``heteroscedastic``; "auto" is False for a linear predictor (a GLM's constant dispersion) and for the
        default MLP with its linear skip (the GLM plus a network on its mean), True otherwise."""
        if self.heteroscedastic == "auto":
            if getattr(self.network_, "linear_skip", False) and not self.network_.is_linear:
                return False
            return not (self.network_.is_linear and self._linear_is_classical)
        return bool(self.heteroscedastic)

    def _fit_named_loss(self, X: Tensor, y: Tensor, weight: Tensor | None, validation: TensorBatches | None) -> None:
        """Fit with a loss given by name: start at the median of ``y``, learn on the scale of its MAD.

        Huber's, Tukey's and Barron's adaptive loss estimate their residual scale (estimators/_robust.py).
        """
        center, spread = robust_location_scale(y, weight)
        if self.loss in ROBUST_SCALE_LOSSES:
            fit_robust(self, X, y, weight, validation, center, spread)
            return
        params = dict(self.loss_params or {})
        if self.loss == "barron_adaptive":
            params.setdefault("scale", spread)
        self.loss_ = make_regression_loss(self.loss, params, type(self).__name__)
        self._fit_network(X, y, weight, validation, 1, self.loss_, torch.tensor([center]), torch.tensor([spread]))

    def _resolve_family(self, y: np.ndarray) -> Family | None:
        if self.loss is not None:
            if isinstance(self.loss, str):
                if self.loss not in REGRESSION_LOSSES:
                    raise ValueError(
                        f"`loss` of DeepRegressor must be one of {sorted(REGRESSION_LOSSES)}, a callable or None. "
                        f"Got {self.loss!r} instead."
                    )
                return None
            if not callable(self.loss):
                raise TypeError(f"`loss` of DeepRegressor must be None, a loss name or a callable loss. Got {self.loss!r} instead.")
            return None
        if isinstance(self.family, Family):
            return self.family
        name = self.family
        if name not in FAMILIES:
            return get_family(name)  # raises, listing the valid names
        if FAMILIES[name].event_rank > 0 and y.ndim != 2:
            raise ValueError(
                f"`y` of DeepRegressor must be 2-D (n_samples, d) for family {name!r}. Got shape {y.shape} instead."
            )
        # the family reads its size (classes, dimension, items) off y where it depends on it
        return FAMILIES[name].from_target(y, caller="DeepRegressor")

    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:
        caller = type(self).__name__
        if y is None:
            raise ValueError(f"`y` of {caller} must be given: requires y to be passed, but the target y is None.")
        family = self.family_
        if getattr(self.network_, "per_step", False) and isinstance(y, (list, tuple)) and y and np.ndim(y[0]) >= 1:
            y = np.concatenate([np.asarray(v) for v in y])  # one array per sequence: the valid steps in order
        y_arr = validate_numeric(y, "y", caller)
        multivariate = family is not None and len(family.event_shape) > 0
        if not multivariate:
            if y_arr.ndim == 2 and y_arr.shape[1] != 1:
                raise ValueError(
                    f"`y` of {caller} must be 1-D for family {getattr(family, 'name', 'loss')!r}. Got shape {y_arr.shape} instead. "
                    "Use family='multivariate_normal' for several continuous targets."
                )
            y_arr = column_or_1d(y_arr, warn=True)
        if family is None:
            return torch.tensor(y_arr, dtype=_DTYPES[self.dtype_])  # a copy: y may be read-only
        return family.prepare_target(y_arr, dtype=_DTYPES[self.dtype_])

    # ------------------------------------------------------------------ predict
    def predict(self, X: Any) -> np.ndarray:
        """The mean of the predictive distribution (for ``loss=...`` fits: the first output).

        For rankings (Plackett-Luce), whose mean is not defined, the most probable ranking.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, d) for multivariate families
        """
        eta = self._eta(X)
        if self.family_ is None:
            return eta[:, 0].detach().cpu().numpy().astype(np.float64)
        point = getattr(self.family_, self.family_.point_prediction)  # the mean; the modal ranking for rankings
        return point(eta).detach().cpu().numpy().astype(np.float64)

    def predict_proportion(self, X: Any) -> np.ndarray:
        """The success probability :math:`p` of each row, for ``family="binomial"`` (``predict`` is the mean :math:`n p`).

        Returns
        -------
        ndarray of shape (n_samples,)

        Raises
        ------
        ValueError
            If the family is not the binomial.
        """
        family = self._require_family("predict_proportion")
        if not hasattr(family, "proportion"):
            raise ValueError(
                f"`family` of DeepRegressor must be 'binomial' for predict_proportion. Got {family.name!r} instead; "
                "predict gives the mean."
            )
        return family.proportion(self._eta(X)).detach().cpu().numpy().astype(np.float64)

    def linear_coefficients(self):
        """Coefficients of a linear predictor (``network="linear"``) on the original input scale.

        Returns
        -------
        pandas.DataFrame
            One row per raw parameter ``eta_j`` (named after the family's parameters), columns
            "Intercept" and the encoded input columns. The coefficients of ``eta`` are on the
            link scale, exactly as a GLM reports them.

        Raises
        ------
        ValueError
            If the network has hidden layers (its weights are not coefficients).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "module_")
        if not self.network_.is_linear:
            raise ValueError(
                f"`network` of {type(self).__name__} must be the linear predictor (network=\"linear\") for "
                f"linear_coefficients: its weights are not coefficients. Got {self.network_!r} instead."
            )
        return self._coefficient_frame()
