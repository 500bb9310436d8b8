"""DeepClassifier: Bernoulli / categorical likelihood with scikit-learn's classifier contract."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import Tensor

from deepstat.estimators._params import InstanceOf, Options, validate_params, store_params
from deepstat.estimators.base import BOOL, COMMON_CONSTRAINTS, _DTYPES, DeepstatEstimator
from deepstat.nn import NetworkConfig
from deepstat.families import Bernoulli, Categorical
from deepstat.losses import CLASSIFICATION_LOSSES, ClassBalancedLoss, CostSensitiveLoss, FocalLoss
from deepstat.utils.validation import format_values

__all__ = ["DeepClassifier"]


class DeepClassifier(ClassifierMixin, DeepstatEstimator):
    r"""A neural network classifier fitted by the Bernoulli or categorical likelihood.

    Two classes use the Bernoulli family (one logit), more use the categorical family (one
    logit per class, softmax link). ``predict_proba`` is the predictive distribution.

    Parameters
    ----------
    class_weight : dict, "balanced" or None, default=None
        Weights per class multiplying ``sample_weight`` (a weighted likelihood). "balanced"
        uses ``n_samples / (n_classes * bincount(y))`` as scikit-learn does.
    loss : {"cross_entropy", "focal", "cost_sensitive", "class_balanced"}, default="cross_entropy"
        The training objective on the logits (:mod:`deepstat.losses`): the likelihood
        (weighted by ``class_weight``); the focal loss (``loss_params``: ``gamma`` (2.0),
        ``alpha``); the cost-sensitive likelihood (``loss_params``: ``cost_matrix``, rows true
        and columns predicted classes in the order of ``classes_``); the class-balanced loss
        with weights from the effective number of training samples per class
        (``loss_params``: ``beta`` (0.999), ``gamma`` (0.0)). ``class_weight`` and
        ``sample_weight`` multiply any of them. ``predict_proba`` is always the softmax
        (sigmoid) of the fitted logits.
    loss_params : dict or None, default=None
        Keyword arguments of the loss.
    network, fit_intercept, standardize, optimizer, lr, batch_size,
    max_epochs, penalty, alpha, l1_ratio, early_stopping, validation_fraction, patience,
    lr_schedule, clip_grad_norm, random_state, verbose, checkpoint_dir, resume, dtype
        As in :class:`DeepRegressor`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    module_, family_, history_, preprocessor_, n_features_in_, feature_names_in_, n_epochs_

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); y = np.where(X[:, 0] + rng.normal(size=200) > 0, "yes", "no")
    >>> from deepstat.nn import MLP
    >>> clf = DeepClassifier(network=MLP(hidden_sizes=(8,)), max_epochs=30, random_state=0, verbose=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['no', 'yes']
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    _constraints = {
        **COMMON_CONSTRAINTS,
        "class_weight": [Options(frozenset({"balanced"})), InstanceOf((Mapping, type(None)), "a dict or None")],
        "loss": [Options(frozenset(CLASSIFICATION_LOSSES))],
        "loss_params": [InstanceOf((Mapping, type(None)), "a dict or None")],
        "fit_intercept": [BOOL],
    }

    def __init__(
        self,
        class_weight: Mapping[Any, float] | str | None = None,
        loss: str = "cross_entropy",
        loss_params: Mapping[str, Any] | None = None,
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

    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: tuple | None = None) -> DeepClassifier:
        """Fit by (weighted) Bernoulli / categorical negative log-likelihood.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings); at least two classes.
        sample_weight : array-like of shape (n_samples,), optional
        eval_set : tuple (X_val, y_val) or (X_val, y_val, w_val), optional

        Returns
        -------
        self
        """
        validate_params(self, self._constraints)
        self._reset_fitted()
        X_t = self._encode_X(X, fitting=True, sample_weight=sample_weight)
        y_t = self._encode_target(y, fitting=True)
        self._check_lengths(X_t.shape[0], y_t.shape[0], fitting=True)
        w_t, self._weight = self._weight, None
        if w_t is not None:  # a class whose rows all have weight 0 is absent from the fit (as from repeated rows)
            present = np.unique(y_t[w_t > 0].numpy()).astype(int)
            if len(present) < 2:
                raise ValueError(
                    f"`sample_weight` of DeepClassifier must give positive weight to rows of at least 2 classes. Got "
                    f"positive weight on class {format_values(self.classes_[present])} only instead."
                )
        self.class_weight_ = self._class_weights(y_t)
        w_t = self._observation_weight(y_t, w_t)
        validation = self._eval_batches(eval_set)
        objective = self._make_loss(y_t)
        self._fit_family(X_t, y_t, w_t, validation, heteroscedastic=True, loss=objective)
        return self

    def _standard_errors_apply(self, loss: Any) -> bool:
        """The Bernoulli / categorical likelihood (not focal or cost-sensitive losses) of the linear predictor."""
        return super()._standard_errors_apply(loss) and self.loss == "cross_entropy"

    _LOSS_ARGS = {
        "cross_entropy": frozenset(),
        "focal": frozenset({"alpha", "gamma"}),
        "cost_sensitive": frozenset({"cost_matrix"}),
        "class_balanced": frozenset({"beta", "gamma"}),
    }

    def _make_loss(self, codes: Tensor) -> Any:
        """The loss module for ``loss`` (kept in ``loss_``), or None for the family's likelihood."""
        params = dict(self.loss_params or {})
        unknown = sorted(set(params) - self._LOSS_ARGS[self.loss])
        if unknown:
            raise ValueError(
                f"`loss_params` of DeepClassifier must have keys among {sorted(self._LOSS_ARGS[self.loss])} for "
                f"loss={self.loss!r}. Got unknown key(s) {unknown} instead."
            )
        k = len(self.classes_)
        if self.loss == "cross_entropy":
            return None
        if self.loss == "focal":
            self.loss_ = FocalLoss(**params)
        elif self.loss == "cost_sensitive":
            if "cost_matrix" not in params:
                raise ValueError(
                    f"`loss_params` of DeepClassifier must give a cost_matrix of shape ({k}, {k}) for "
                    "loss='cost_sensitive'. Got none instead."
                )
            cost = np.asarray(params["cost_matrix"], dtype=np.float64)
            if cost.shape != (k, k):
                raise ValueError(
                    f"`cost_matrix` of DeepClassifier must have shape ({k}, {k}), one row and column per class in "
                    f"classes_ {format_values(self.classes_)}. Got shape {cost.shape} instead."
                )
            self.loss_ = CostSensitiveLoss(cost)
        else:
            counts = torch.bincount(codes.long(), minlength=k).double().numpy()
            self.loss_ = ClassBalancedLoss(counts, **params)
        # check the options now (alpha's shape needs the number of classes), not at the first batch
        self.loss_(torch.zeros(1, 1 if k == 2 else k), torch.zeros(1))
        return self.loss_

    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:
        caller = type(self).__name__
        if y is None:
            raise ValueError(f"`y` of {caller} must be given: requires y to be passed, but the target y is None.")
        y_arr = column_or_1d(np.asarray(y), warn=True)
        if y_arr.size == 0:
            raise ValueError(f"`y` of {caller} must be non-empty. Got 0 labels instead.")
        if y_arr.dtype.kind == "f" and not np.isfinite(y_arr).all():
            raise ValueError(
                f"`y` of {caller} must contain only finite labels. Got {int((~np.isfinite(y_arr)).sum())} NaN or infinite value(s) instead."
            )
        if y_arr.dtype.kind == "O" and any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y_arr):
            raise ValueError(f"`y` of {caller} must not contain missing labels (None or NaN).")
        if fitting:
            kind = type_of_target(y_arr, input_name="y")
            if kind not in ("binary", "multiclass"):
                unknown = "Unknown label type: " if kind == "unknown" else ""
                raise ValueError(
                    f"{unknown}`y` of {caller} must hold class labels (binary or multiclass). Got target type {kind!r} "
                    "instead. Use DeepRegressor for continuous targets."
                )
            try:
                self.classes_, codes = np.unique(y_arr, return_inverse=True)
            except TypeError:
                kinds = sorted({type(v).__name__ for v in y_arr})
                raise TypeError(f"`y` of {caller} must hold labels of one type that sort. Got a mix of {kinds} instead.") from None
            if len(self.classes_) < 2:
                raise ValueError(
                    f"`y` of {caller} must contain at least 2 classes. Got 1 class {format_values(self.classes_)} instead."
                )
            k = len(self.classes_)
            self.family_ = Bernoulli() if k == 2 else Categorical(n_classes=k)
        else:
            check_is_fitted(self, "classes_")
            codes = np.searchsorted(self.classes_, y_arr)
            codes = np.clip(codes, 0, len(self.classes_) - 1)
            unseen = self.classes_[codes] != y_arr
            if unseen.any():
                raise ValueError(
                    f"`y` of {caller} must hold classes seen in fit {format_values(self.classes_)}. "
                    f"Got {int(unseen.sum())} label(s) {format_values(np.unique(y_arr[unseen]))} instead."
                )
        return torch.as_tensor(codes, dtype=_DTYPES[self.dtype_])

    def _class_weights(self, codes: Tensor) -> Tensor | None:
        """Per-class weights (n_classes,) from ``class_weight`` and the training labels, or None."""
        if self.class_weight is None:
            return None
        k = len(self.classes_)
        if isinstance(self.class_weight, str):  # "balanced": n / (k * n_c), as scikit-learn
            counts = torch.bincount(codes.long(), minlength=k).to(codes.dtype)
            return len(codes) / (k * counts.clamp(min=1))
        known = set(self.classes_.tolist())
        unknown = [c for c in self.class_weight if c not in known]
        if unknown:
            raise ValueError(
                f"`class_weight` of DeepClassifier must have keys among the classes {format_values(self.classes_)}. "
                f"Got unknown key(s) {format_values(unknown)} instead."
            )
        values = [float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()]
        if any(not np.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"`class_weight` of DeepClassifier must have finite non-negative values. Got {values!r} instead.")
        return torch.as_tensor(values, dtype=codes.dtype)

    def _observation_weight(self, codes: Tensor, weight: Tensor | None) -> Tensor | None:
        # the class weights come from the training labels (class_weight_), also for validation data
        per_class = getattr(self, "class_weight_", None)
        if per_class is None:
            return weight
        w = per_class.to(codes.dtype)[codes.long()]
        return w if weight is None else w * weight

    def predict_quantiles(self, X: Any, q: float | list[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the label distribution, classes taken in the sorted order of ``classes_``.

        Meaningful for ordered classes only; returns labels from ``classes_``, shape (n_samples, n_levels).
        """
        codes = super().predict_quantiles(X, q)
        return self.classes_[codes.astype(np.int64)]

    def sample(self, X: Any, n_samples: int = 1, random_state: int | None = None) -> np.ndarray:
        """Draw class labels from the predictive distribution of each row.

        Returns
        -------
        ndarray of shape (n_samples, n_rows)
            Labels from ``classes_``.
        """
        codes = super().sample(X, n_samples=n_samples, random_state=random_state)
        return self.classes_[codes.astype(np.int64)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Computed in float64 from the logits (sigmoid or softmax).
        """
        eta = self._eta(X).double()
        if len(self.classes_) == 2:
            z = eta[:, 0]
            proba = torch.stack([torch.sigmoid(-z), torch.sigmoid(z)], dim=1)
        else:
            proba = torch.softmax(eta, dim=1)
        return proba.cpu().numpy()

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log(predict_proba(X))``, as scikit-learn defines it (``-inf`` where a probability underflows)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (the mode of the predictive distribution)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
