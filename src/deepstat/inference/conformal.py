"""Split conformal regression around any fitted point predictor (absolute or scale-normalised residuals)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from deepstat.inference._checks import (
    as_float_array,
    check_fitted,
    conformal_quantile,
    n_rows,
    require_method,
    split_indices,
    take_rows,
)

__all__ = ["SplitConformalRegressor"]

_SCORES = ("absolute", "scaled")


class SplitConformalRegressor(RegressorMixin, BaseEstimator):
    r"""Split conformal prediction intervals with finite-sample marginal coverage (Lei et al. 2018).

    A clone of ``estimator`` is fitted on part of the data; the rest (the calibration set) gives
    conformity scores :math:`s_i`, and the interval for a new ``x`` is

    - ``score="absolute"``: :math:`s_i = |y_i - \hat\mu(x_i)|`, interval :math:`\hat\mu(x) \pm \hat q`;
    - ``score="scaled"``: :math:`s_i = |y_i - \hat\mu(x_i)| / \hat\sigma(x_i)`, interval
      :math:`\hat\mu(x) \pm \hat q\,\hat\sigma(x)`, where :math:`\hat\sigma` is the standard deviation
      of the estimator's predictive distribution (``predict_distribution(X).stddev``), so the
      width adapts to the predicted noise (Lei et al. 2018, Sec. 5.2, "locally weighted").

    :math:`\hat q` is the :math:`\lceil (n+1)(1-\alpha) \rceil`-th smallest of the ``n``
    calibration scores (:func:`~deepstat.inference.conformal_quantile`).

    Parameters
    ----------
    estimator : estimator
        Any regressor with ``fit`` and ``predict`` (for ``score="scaled"`` also
        ``predict_distribution`` returning a distribution with ``stddev``): a deepstat estimator,
        a scikit-learn regressor, a :class:`DeepEnsemble`.
    score : {"absolute", "scaled"}, default="absolute"
    calibration_size : float in (0, 1) or int, default=0.25
        Fraction (or number) of the rows given to :meth:`fit` held out for calibration.
    random_state : int, numpy generator or None, default=None
        Seeds the train/calibration split.

    Attributes
    ----------
    estimator_ : estimator
        The fitted point predictor (``estimator`` itself after :meth:`calibrate`).
    scores_ : ndarray of shape (n_calibration,)
        Sorted calibration scores.
    n_calibration_ : int

    Notes
    -----
    Coverage :math:`P(y \in C(x)) \ge 1 - \alpha` holds on average over the calibration and test
    draws when the rows are exchangeable; it is marginal, not conditional on ``x``. Any ``alpha``
    can be asked for after one calibration, provided ``n >= ceil(1/alpha) - 1``.

    References
    ----------
    Lei, G'Sell, Rinaldo, Tibshirani & Wasserman (2018). Distribution-free predictive inference
    for regression. JASA 113(523), 1094-1111.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); y = X @ [1.0, -1.0] + rng.normal(size=400)
    >>> cp = SplitConformalRegressor(LinearRegression(), random_state=0).fit(X, y)
    >>> cp.n_calibration_
    100
    >>> lo_hi = cp.predict_interval(X[:3], alpha=0.1)
    >>> lo_hi.shape, bool(np.all(lo_hi[:, 0] < lo_hi[:, 1]))
    ((3, 2), True)
    """

    def __init__(
        self,
        estimator: Any,
        *,
        score: Literal["absolute", "scaled"] = "absolute",
        calibration_size: float = 0.25,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.score = score
        self.calibration_size = calibration_size
        self.random_state = random_state

    def _check_score(self) -> None:
        if self.score not in _SCORES:
            raise ValueError(f"`score` of {type(self).__name__} must be one of {list(_SCORES)}. Got {self.score!r} instead.")
        require_method(self.estimator, "predict", type(self).__name__)
        if self.score == "scaled":
            require_method(
                self.estimator, "predict_distribution", type(self).__name__,
                "score='scaled' divides residuals by predict_distribution(X).stddev; use score='absolute'.",
            )

    def fit(self, X: Any, y: Any, **fit_params: Any) -> SplitConformalRegressor:
        """Split off a calibration set, fit a clone of ``estimator`` on the rest, and calibrate.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params
            Passed to the estimator's ``fit`` (e.g. ``eval_set``; not row-aligned arguments).

        Returns
        -------
        self
        """
        self._check_score()
        require_method(self.estimator, "fit", type(self).__name__)
        train, cal = split_indices(n_rows(X), self.calibration_size, self.random_state, type(self).__name__)
        model = clone(self.estimator).fit(take_rows(X, train), take_rows(y, train), **fit_params)
        return self._calibrate(model, take_rows(X, cal), take_rows(y, cal))

    def calibrate(self, X_cal: Any, y_cal: Any) -> SplitConformalRegressor:
        """Calibrate an already fitted ``estimator`` (prefit mode) on held-out data.

        Parameters
        ----------
        X_cal : array-like or DataFrame of shape (n_calibration, n_features)
            Rows not used to fit the estimator.
        y_cal : array-like of shape (n_calibration,)

        Returns
        -------
        self
        """
        self._check_score()
        check_fitted(self.estimator, type(self).__name__)
        return self._calibrate(self.estimator, X_cal, y_cal)

    def _calibrate(self, model: Any, X_cal: Any, y_cal: Any) -> SplitConformalRegressor:
        caller = type(self).__name__
        y = as_float_array(y_cal, "y_cal", caller).ravel()
        mu, sigma = self._location_scale(model, X_cal)
        if mu.shape[0] != y.shape[0]:
            raise ValueError(f"`X_cal` and `y_cal` of {caller} must have the same number of rows. Got {mu.shape[0]} and {y.shape[0]} instead.")
        self.estimator_ = model
        self.scores_ = np.sort(np.abs(y - mu) / sigma)
        self.n_calibration_ = int(y.shape[0])
        return self

    def _location_scale(self, model: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
        caller = type(self).__name__
        mu = as_float_array(model.predict(X), "predict(X)", caller).ravel()
        if self.score == "absolute":
            return mu, np.ones_like(mu)
        stddev = model.predict_distribution(X).stddev
        sigma = as_float_array(stddev, "predict_distribution(X).stddev", caller).ravel()
        if np.any(sigma <= 0):
            raise ValueError(
                f"`estimator` of {caller} must predict a positive scale for score='scaled'. Got "
                f"{int(np.sum(sigma <= 0))} non-positive predict_distribution(X).stddev value(s) instead."
            )
        return mu, sigma

    def predict(self, X: Any) -> np.ndarray:
        """The fitted estimator's point prediction, shape (n_samples,)."""
        check_is_fitted(self, "scores_")
        return np.asarray(self.estimator_.predict(X), dtype=np.float64)

    def predict_interval(self, X: Any, alpha: float = 0.1) -> np.ndarray:
        """Conformal ``1 - alpha`` prediction intervals.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        alpha : float in (0, 1), default=0.1
            Miscoverage level.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Lower and upper bounds.

        Raises
        ------
        ValueError
            If ``alpha`` is outside (0, 1) or the calibration set is too small for it.
        """
        check_is_fitted(self, "scores_")
        q = conformal_quantile(self.scores_, alpha, f"{type(self).__name__}.predict_interval")
        mu, sigma = self._location_scale(self.estimator_, X)
        return np.column_stack([mu - q * sigma, mu + q * sigma])
