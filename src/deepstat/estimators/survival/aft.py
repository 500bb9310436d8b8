"""DeepAFT: a deep parametric survival model, any positive family fitted by the right-censored likelihood."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import torch

from deepstat.estimators._params import InstanceOf, validate_params, store_params
from deepstat.estimators.base import _DTYPES, BOOL
from deepstat.estimators.survival.base import SURVIVAL_CONSTRAINTS, SurvivalEstimator
from deepstat.families import Family, get_family
from deepstat.nn import NetworkConfig
from deepstat.losses import CensoredNLLLoss
from deepstat.utils.survival import check_survival_target
from deepstat.utils.survival_target import SurvivalTarget

__all__ = ["AFT_FAMILIES", "DeepAFT"]

#: The issue's spellings of the positive families, and the registry's own names.
AFT_FAMILIES = {
    "weibull": "weibull",
    "lognormal": "log_normal",
    "log_normal": "log_normal",
    "loglogistic": "log_logistic",
    "log_logistic": "log_logistic",
    "gamma": "gamma",
    "exponential": "exponential",
}


class DeepAFT(SurvivalEstimator):
    r"""Deep parametric survival (accelerated failure time) model: :math:`T \mid x \sim F(\theta(x))`.

    A network predicts the raw parameters :math:`\eta = f(x; \phi)` of a positive family
    (Weibull, log-normal, log-logistic, gamma, exponential), whose links map them to
    :math:`\theta`; :math:`\phi` maximises the right-censored likelihood

    .. math:: \ell(\phi) = \sum_i w_i \big[\delta_i \log f(t_i \mid \theta_i) + (1 - \delta_i) \log S(t_i \mid \theta_i)\big].

    With ``heteroscedastic=False`` (the default) only the scale (location of :math:`\log T`)
    depends on :math:`x` and the shape is one fitted constant: the classical AFT model, whose
    linear version (``network="linear"``) is lifelines' ``WeibullAFTFitter``, ``LogNormalAFTFitter``
    and ``LogLogisticAFTFitter``.

    Parameters
    ----------
    family : str or Family, default="weibull"
        "weibull", "lognormal", "loglogistic", "gamma" or "exponential" (the registry's
        "log_normal" and "log_logistic" too), or a Family instance with positive support.
    heteroscedastic : bool, default=False
        Let the shape depend on :math:`x` as well.
    network, standardize, optimizer, lr, batch_size, max_epochs,
    penalty, alpha, l1_ratio, early_stopping, validation_fraction, patience, lr_schedule,
    clip_grad_norm, random_state, verbose, checkpoint_dir, resume, dtype
        As in :class:`DeepCoxPH` (``batch_size`` defaults to 256 here: the likelihood is a sum
        over rows, so mini-batches are unbiased).

    Attributes
    ----------
    family_ : Family
    time_grid_ : ndarray
        Distinct training event times, the default grid of the curve methods.
    train_log_likelihood_ : float
        Mean censored log-likelihood per training row (constants included).
    module_, history_, preprocessor_, n_features_in_, feature_names_in_, n_epochs_

    Notes
    -----
    ``predict_distribution``, ``predict_quantiles``, ``predict_interval`` and ``sample`` give the
    distribution of the event time :math:`T \mid x` (uncensored); ``predict_median_survival``
    is its median in closed form, and ``predict_risk`` is minus its log.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepAFT
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); t = rng.weibull(1.5, 300) * np.exp(0.5 * X[:, 0])
    >>> c = rng.exponential(3.0, 300); time, event = np.minimum(t, c), t <= c
    >>> model = DeepAFT("weibull", network="linear", optimizer="lbfgs", max_epochs=30, early_stopping=False,
    ...                 dtype="float64", random_state=0, verbose=0).fit(X, (time, event))
    >>> round(float(model.linear_coefficients().loc["scale", "x0"]), 1)
    0.5
    >>> model.predict_median_survival(X[:2]).shape
    (2,)
    """

    _constraints = {
        **SURVIVAL_CONSTRAINTS,
        "family": [InstanceOf((str, Family), "a family name or a Family instance")],
        "heteroscedastic": [BOOL],
    }
    _saved_values = ("time_grid_",)
    _objective_label = "censored likelihood (log f for events, log S for censored times)"

    def __init__(
        self,
        family: str | Family = "weibull",
        heteroscedastic: bool = False,
        network: str | NetworkConfig = "mlp",
        standardize: bool = True,
        optimizer: str = "auto",
        lr: float | None = None,
        batch_size: int | None = 256,
        max_epochs: int = 500,
        penalty: str = "none",
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.2,
        patience: int = 20,
        lr_schedule: str = "none",
        clip_grad_norm: float | None = None,
        random_state: Any = None,
        verbose: int = 1,
        checkpoint_dir: str | os.PathLike | None = None,
        resume: bool = False,
        dtype: str = "auto",
    ) -> None:
        store_params(self, locals())  # every argument, unchanged (the scikit-learn contract)

    def _resolve_family(self) -> Family:
        caller = type(self).__name__
        if isinstance(self.family, Family):
            family = self.family
        elif self.family in AFT_FAMILIES:
            family = get_family(AFT_FAMILIES[self.family])
        else:
            raise ValueError(
                f"`family` of {caller} must be one of {sorted(set(AFT_FAMILIES))} or a Family instance. "
                f"Got {self.family!r} instead."
            )
        if family.event_shape or family.support_bounds[0] < 0:
            raise ValueError(
                f"`family` of {caller} must be a univariate family of positive times. Got {family.name!r}, with "
                f"support {family.support_text}, instead."
            )
        return family

    def _encode_target(self, y: Any, *, fitting: bool) -> SurvivalTarget:
        time, event = check_survival_target(y, type(self).__name__, positive=True)
        return SurvivalTarget(time=torch.as_tensor(time, dtype=_DTYPES[self.dtype_]), event=torch.as_tensor(event.astype(np.int64)))

    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: tuple | None = None) -> DeepAFT:
        """Fit the network by the right-censored negative log-likelihood.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : structured array, array-like of shape (n_samples, 2) or tuple
            As in :meth:`DeepCoxPH.fit`; times must be positive (the densities live on (0, inf)).
        sample_weight : array-like of shape (n_samples,), optional
        eval_set : tuple (X_val, y_val) or (X_val, y_val, w_val), optional

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For zero, negative, NaN or infinite times, event flags other than 0/1, no event, or a
            family that is not positive.
        """
        validate_params(self, self._constraints)
        self._reset_fitted()
        family = self._resolve_family()
        self._resolve_settings(self._resolve_network())  # the target's dtype follows from the network
        target = self._encode_target(y, fitting=True)
        Z = self._encode_X(X, fitting=True, sample_weight=sample_weight)
        weight, self._weight = self._weight, None
        self._check_lengths(Z.shape[0], len(target), fitting=True)
        self.family_ = family
        validation = self._eval_batches(eval_set)
        # start at the family's fit to all times (censoring ignored: a start, not an estimate)
        w64 = None if weight is None else weight.double()
        time = target.time.double()
        offset, scale = family.init_eta(time, w64), family.eta_scale(time, w64)
        n_modelled = family.n_params if self.heteroscedastic else family.n_location_params
        self._fit_objective(
            Z, target, weight, CensoredNLLLoss(family.log_prob, family.log_survival), n_modelled,
            strata=target.event.numpy(), validation=validation, offset=offset, scale=scale,
        )
        event = target.event.numpy() > 0
        self.time_grid_ = np.unique(target.time[event].double().numpy())
        with torch.no_grad():
            eta = self._eta_fitted(Z)
            nll = CensoredNLLLoss(family.log_prob, family.log_survival)(eta, target.to(dtype=eta.dtype), weight=weight, reduction="sum")
            total = len(target) if weight is None else float(weight.sum())
            self.train_log_likelihood_ = -float(nll) / total
        return self

    # ------------------------------------------------------------------ predict
    def predict_risk(self, X: Any) -> np.ndarray:
        """Minus the log of the predicted median event time (higher: earlier event).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -np.log(self.predict_median_survival(X))

    def predict_median_survival(self, X: Any) -> np.ndarray:
        """Median of :math:`T \\mid x` in closed form (the family's quantile at 1/2).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.predict_quantiles(X, 0.5)[:, 0]

    def _survival_matrix(self, X: Any, times: np.ndarray) -> np.ndarray:
        eta = self._eta(X).double()
        family = self.family_
        with torch.no_grad():
            columns = [family.log_survival(torch.full((eta.shape[0],), float(t), dtype=eta.dtype), eta) for t in times]
        return torch.exp(torch.stack(columns, dim=1)).numpy()

    def log_likelihood(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean right-censored log-likelihood per observation (log f for events, log S for censored times)."""
        eta = self._eta(X)
        target = self._encode_target(y, fitting=False).to(dtype=eta.dtype)
        self._check_lengths(eta.shape[0], len(target))
        weight = self._check_sample_weight(sample_weight, len(target))
        with torch.no_grad():
            nll = CensoredNLLLoss(self.family_.log_prob, self.family_.log_survival)(eta, target, weight=weight, reduction="sum")
        total = len(target) if weight is None else float(weight.sum())
        return -float(nll) / total

    def predict_pit(self, X: Any, y: Any = None, *, random_state: int | None = 0) -> np.ndarray:
        """Not defined for censored times (a censored PIT is an interval); raises ValueError."""
        raise ValueError(
            f"{type(self).__name__}.predict_pit is not defined for right-censored targets. Use "
            "predict_survival_function with a survival calibration metric (D-calibration) instead."
        )

    def linear_coefficients(self) -> pd.DataFrame:
        """Coefficients of a linear predictor (``network="linear"``), one row per raw parameter, as a GLM.

        The "scale" row of the Weibull family is lifelines' ``lambda_`` row of a ``WeibullAFTFitter``
        (log scale); constant parameters have only an intercept.
        """
        return self._linear_table()
