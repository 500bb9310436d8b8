"""Shared machinery of the classical baselines: the design matrix, statsmodels, and the coefficient table.

A baseline is a statsmodels model behind deepstat's prediction API: it encodes ``X`` into a
design matrix with an intercept, fits by maximum likelihood, and exposes ``_eta(X)`` so that
``family_.distribution(eta)`` is the fitted model's predictive distribution
(:class:`~deepstat.estimators.PredictiveMixin` does the rest).
"""

from __future__ import annotations

from numbers import Real
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from deepstat.estimators.predictive import PredictiveMixin
from deepstat.utils.tabular import TabularPreprocessor, validate_numeric

__all__ = ["StatsmodelsBaseline"]


def statsmodels_api() -> ModuleType:
    """``statsmodels.api``, imported on first use (statsmodels is the optional ``stats`` extra)."""
    try:
        import statsmodels.api as sm
    except ImportError as exc:  # pragma: no cover - statsmodels is installed in the test environment
        raise ImportError("The classical baselines need statsmodels. Install it with `pip install deepstat[stats]`.") from exc
    return sm


class StatsmodelsBaseline(PredictiveMixin, BaseEstimator):
    """Base class of the statsmodels baselines (not used directly).

    Fitted attributes common to all subclasses:

    - ``result_``: the statsmodels results object;
    - ``family_``: the deepstat family of the predictive distribution;
    - ``preprocessor_``: the input encoding (columns and categories; no scaling);
    - ``design_columns_``: names of the design matrix columns, ``"Intercept"`` first (unless
      ``fit_intercept=False``);
    - ``n_features_in_`` and, for DataFrame input, ``feature_names_in_``.

    Notes
    -----
    Categorical DataFrame columns become indicator columns of all levels but the first
    (sorted) one, which is the reference level absorbed by the intercept, as R's
    ``contr.treatment`` and statsmodels' formulas do. Numeric columns enter unscaled, so the
    coefficients are on the scale of the data.
    """

    #: predictions are computed in float64, the precision of the statsmodels fit
    dtype = "float64"

    # ------------------------------------------------------------------ design matrix
    def _design(self, X: Any, *, fitting: bool) -> np.ndarray:
        """Validate and encode ``X``: intercept + numeric columns + treatment-coded categories, (n, p).

        Without the intercept (``fit_intercept=False``) the first column is left out; categories stay
        treatment coded, as in the deep estimators' linear predictor.
        """
        caller = type(self).__name__
        intercept = bool(getattr(self, "fit_intercept", True))
        if fitting:
            if not isinstance(getattr(self, "fit_intercept", True), (bool, np.bool_)):
                raise TypeError(f"`fit_intercept` of {caller} must be a bool. Got {self.fit_intercept!r} instead.")
            self.preprocessor_ = TabularPreprocessor(standardize=False)
            Z = self.preprocessor_.fit_transform(X, caller)
            # names and counts of the input columns, with scikit-learn's bookkeeping
            validate_data(self, X, reset=True, skip_check_array=True)
            reference = {f"{col}[{levels[0]}]" for col, levels in self.preprocessor_.categories.items() if levels}
            self._keep = [j for j, name in enumerate(self.preprocessor_.columns_out) if name not in reference]
            self.design_columns_ = ["Intercept"] * intercept + [self.preprocessor_.columns_out[j] for j in self._keep]
        else:
            check_is_fitted(self, "result_")
            Z = self.preprocessor_.transform(X, caller)
        Z = np.asarray(Z, dtype=np.float64)[:, self._keep]
        return np.hstack([np.ones((Z.shape[0], 1)), Z]) if intercept else Z

    def _numeric_target(self, y: Any, *, fitting: bool, fitted: str) -> np.ndarray:
        """``y`` validated as a 1-D numeric array (a column vector warns, as scikit-learn's do).

        ``fitted`` is the attribute that says the model is fitted, checked when not ``fitting``.
        """
        caller = type(self).__name__
        if y is None:
            raise ValueError(f"`y` of {caller} must be given: requires y to be passed, but the target y is None.")
        if not fitting:
            check_is_fitted(self, fitted)
        arr = validate_numeric(y, "y", caller)
        if arr.ndim == 2 and arr.shape[1] != 1:
            raise ValueError(f"`y` of {caller} must be 1-D. Got shape {arr.shape} instead.")
        return column_or_1d(arr, warn=True)

    def _design_frame(self, Z: np.ndarray) -> pd.DataFrame:
        """The design matrix with named columns, so that statsmodels labels its parameters."""
        return pd.DataFrame(Z, columns=self.design_columns_)

    # ------------------------------------------------------------------ reporting
    def _coefficient_arrays(self) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Names, estimates, standard errors, z statistics and p-values, one entry per parameter."""
        res = self.result_  # fitted on a named design frame: its statistics are labelled Series
        return res.params.index, res.params.to_numpy(), res.bse.to_numpy(), res.tvalues.to_numpy(), res.pvalues.to_numpy()

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        r"""The coefficient table, as statsmodels' ``summary()`` reports it.

        Parameters
        ----------
        alpha : float in (0, 1), default=0.05
            The confidence intervals have level ``1 - alpha``.

        Returns
        -------
        pandas.DataFrame
            One row per parameter (``"Intercept"`` first; for multinomial models one block per
            non-reference class), columns "coef", "std err", "z", "P>|z|" and the interval bounds
            ``"[0.025"`` and ``"0.975]"`` (named after ``alpha``).

        Raises
        ------
        ValueError
            If ``alpha`` is not in (0, 1).
        sklearn.exceptions.NotFittedError
            Before ``fit``.

        Notes
        -----
        Wald statistics and intervals, :math:`\hat\beta \pm z_{1-\alpha/2}\,\mathrm{se}`, with the
        standard errors of the statsmodels fit (the model-based covariance).
        """
        if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
            raise ValueError(f"`alpha` of {type(self).__name__}.summary must be a float in (0, 1). Got {alpha!r} instead.")
        check_is_fitted(self, "result_")
        index, coef, se, z, p = self._coefficient_arrays()
        half = scipy.stats.norm.ppf(1 - alpha / 2) * se
        return pd.DataFrame(
            {"coef": coef, "std err": se, "z": z, "P>|z|": p, f"[{alpha / 2:g}": coef - half, f"{1 - alpha / 2:g}]": coef + half},
            index=index,
        )
