"""MultinomialLogitBaseline: (multinomial) logistic regression behind deepstat's prediction API."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import Tensor

from deepstat.baselines._weighted import fit_weighted_logit, fit_weighted_mnlogit
from deepstat.baselines.base import StatsmodelsBaseline, statsmodels_api
from deepstat.families import Bernoulli, Categorical
from deepstat.utils.validation import format_values

__all__ = ["MultinomialLogitBaseline"]


class MultinomialLogitBaseline(ClassifierMixin, StatsmodelsBaseline):
    r"""Logistic (2 classes) or multinomial logistic (k > 2 classes) regression fitted by statsmodels.

    The classical counterpart of :class:`~deepstat.estimators.DeepClassifier`:
    :math:`P(y = j \mid x) = \mathrm{softmax}(x^\top\beta_0, \ldots, x^\top\beta_{k-1})_j` with
    :math:`\beta_0 = 0` (the first class in ``classes_`` is the reference).

    Parameters
    ----------
    fit_intercept : bool, default=True
        False leaves the constant out of the design; categories stay treatment coded.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels; the model's target is their index.
    result_ : statsmodels results
        ``LogitResults`` (2 classes) or ``MultinomialResults`` (k > 2); a ``WeightedFit`` with weights.
    family_ : Family
        ``Bernoulli()`` for 2 classes (``eta`` = the logit of ``classes_[1]``), else
        ``Categorical(k)`` (``eta`` = the k linear predictors, column 0 identically 0).
    coef_ : ndarray of shape (n_design_columns, n_classes - 1)
        Coefficients of classes ``1 .. k-1`` against class 0 (rows named in ``design_columns_``).
    preprocessor_, design_columns_, n_features_in_, feature_names_in_
        As in :class:`~deepstat.baselines.base.StatsmodelsBaseline`.

    Notes
    -----
    Unweighted fits are statsmodels' ``Logit`` / ``MNLogit``. These take no observation weights, so
    with ``sample_weight`` (frequency weights) the weighted likelihood is maximised by Newton's method
    in :mod:`deepstat.baselines._weighted` (``result_`` is then a ``WeightedFit`` with the same
    ``params``, ``bse``, ``tvalues``, ``pvalues`` and ``llf``). Under (quasi-)complete separation the
    MLE does not exist: the fit warns (a ConvergenceWarning) and the coefficients diverge.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.baselines import MultinomialLogitBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> y = np.array(["a", "b", "c"])[(X[:, 0] + rng.logistic(size=300) > 0).astype(int) + (X[:, 1] > 1)]
    >>> clf = MultinomialLogitBaseline().fit(X, y)
    >>> clf.classes_.tolist(), clf.predict_proba(X[:4]).shape
    (['a', 'b', 'c'], (4, 3))
    >>> clf.summary().index.names
    FrozenList(['class', 'term'])
    """

    def __init__(self, fit_intercept: bool = True) -> None:
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MultinomialLogitBaseline:
        """Fit by maximum likelihood (Newton's method).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings), at least 2 distinct.
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights (non-negative): weight 2 = a duplicated row.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``y`` holds fewer than 2 classes or continuous values, the lengths differ, or the
            weights are negative or of the wrong shape.
        """
        Z = self._design(X, fitting=True)
        codes = self._encode_target(y, fitting=True).numpy()
        self._check_lengths(Z.shape[0], codes.shape[0], fitting=True)
        weight = self._check_sample_weight(sample_weight, Z.shape[0])
        frame, k = self._design_frame(Z), len(self.classes_)
        if weight is not None:  # statsmodels' Logit/MNLogit take no weights: the weighted MLE is ours
            w = weight.numpy()
            self.result_ = fit_weighted_logit(frame, codes, w) if k == 2 else fit_weighted_mnlogit(frame, codes, w, k)
        else:
            sm = statsmodels_api()
            model = sm.Logit(codes, frame) if k == 2 else sm.MNLogit(codes, frame)
            self.result_ = model.fit(method="newton", maxiter=200, disp=0)
        self.coef_ = np.array(self.result_.params, dtype=np.float64).reshape(Z.shape[1], -1)  # (p, k - 1)
        return self

    def _coefficient_arrays(self) -> tuple:
        if len(self.classes_) == 2:
            return super()._coefficient_arrays()
        res = self.result_  # MNLogit: (p, k - 1) tables, one column per non-reference class
        index = pd.MultiIndex.from_product([[str(c) for c in self.classes_[1:]], self.design_columns_], names=["class", "term"])
        flat = [np.asarray(a, dtype=np.float64).T.ravel() for a in (res.params, res.bse, res.tvalues, res.pvalues)]
        return (index, *flat)

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        table = super().summary(alpha)
        if len(self.classes_) == 2:  # one block, against classes_[0]
            table.index = pd.MultiIndex.from_product([[str(self.classes_[1])], table.index], names=["class", "term"])
        return table

    summary.__doc__ = StatsmodelsBaseline.summary.__doc__

    # ------------------------------------------------------------------ the prediction API
    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:
        caller = type(self).__name__
        if y is None:
            raise ValueError(f"`y` of {caller} must be given: requires y to be passed, but the target y is None.")
        labels = column_or_1d(np.asarray(y), warn=True)
        if labels.size == 0:
            raise ValueError(f"`y` of {caller} must be non-empty. Got 0 labels instead.")
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            raise ValueError(f"`y` of {caller} must contain only finite labels. Got NaN or infinite values instead.")
        if fitting:
            kind = type_of_target(labels, input_name="y")
            if kind not in ("binary", "multiclass"):
                unknown = "Unknown label type: " if kind == "unknown" else ""
                raise ValueError(
                    f"{unknown}`y` of {caller} must hold class labels (binary or multiclass). Got target type {kind!r} instead. "
                    "Use GLMBaseline for continuous targets."
                )
            self.classes_, codes = np.unique(labels, return_inverse=True)
            if len(self.classes_) < 2:
                raise ValueError(f"`y` of {caller} must contain at least 2 classes. Got 1 class {format_values(self.classes_)} instead.")
            k = len(self.classes_)
            self.family_ = Bernoulli() if k == 2 else Categorical(n_classes=k)
        else:
            check_is_fitted(self, "result_")
            codes = np.clip(np.searchsorted(self.classes_, labels), 0, len(self.classes_) - 1)
            unseen = self.classes_[codes] != labels
            if unseen.any():
                raise ValueError(
                    f"`y` of {caller} must hold classes seen in fit {format_values(self.classes_)}. "
                    f"Got {int(unseen.sum())} label(s) {format_values(np.unique(labels[unseen]))} instead."
                )
        return torch.as_tensor(codes, dtype=torch.float64)

    def _eta(self, X: Any) -> Tensor:
        Z = torch.as_tensor(self._design(X, fitting=False))  # (n, p)
        linear = Z @ torch.as_tensor(self.coef_)  # (n, k - 1)
        if len(self.classes_) == 2:
            return linear  # (n, 1): the logit of classes_[1]
        return torch.cat([torch.zeros_like(linear[:, :1]), linear], dim=1)  # (n, k), class 0 the reference

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        eta = self._eta(X)
        if len(self.classes_) == 2:
            return torch.cat([torch.sigmoid(-eta), torch.sigmoid(eta)], dim=1).numpy()
        return torch.softmax(eta, dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks that the model is fitted
        return self.classes_[np.argmax(proba, axis=1)]
