"""Classical survival baselines: the Kaplan-Meier curve and the linear Cox proportional hazards model.

Both take ``y`` as scikit-survival's structured array (``sksurv.util.Surv.from_arrays(event, time)``),
a two-column array or DataFrame ``(time, event)``, or a tuple ``(time, event)``, and predict survival
curves as DataFrames with one row per time and one column per sample (lifelines' convention).
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.stats
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from deepstat.estimators._params import ColumnNames, validate_params
from deepstat.metrics.survival_kaplan_meier import _kaplan_meier, step_function
from deepstat.utils.survival import StrataLevels, check_survival_target, check_time_event
from deepstat.utils.tabular import TabularPreprocessor, validate_numeric
from deepstat.metrics.survival_baseline import breslow_hazard

__all__ = ["CoxPHBaseline", "KaplanMeierBaseline"]


def _check_alpha(alpha: float, caller: str) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"`alpha` of {caller} must be a float in (0, 1). Got {alpha!r} instead.")
    return float(alpha)


def _curve_frame(values: np.ndarray, times: np.ndarray, columns: Any) -> pd.DataFrame:
    """(n_times, n_samples) values as a DataFrame indexed by time, lifelines' layout."""
    return pd.DataFrame(values, index=pd.Index(times, name="time"), columns=columns)


def _check_weight(sample_weight: Any, n: int, caller: str) -> np.ndarray:
    """Case weights as a float64 (n,) array: ones when None; non-negative with a positive sum."""
    if sample_weight is None:
        return np.ones(n)
    w = validate_numeric(sample_weight, "sample_weight", caller)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"`sample_weight` of {caller} must have shape ({n},). Got shape {w.shape} instead.")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError(
            f"`sample_weight` of {caller} must be non-negative with a positive sum. "
            f"Got {int((w < 0).sum())} negative weight(s) and sum {w.sum():g} instead."
        )
    return np.asarray(w, dtype=np.float64)


def _median(times: np.ndarray, survival: np.ndarray) -> np.ndarray:
    """First time with S(t) <= 1/2 per column of ``survival`` (n_times, k); inf where the curve stays above."""
    below = survival <= 0.5
    first = np.argmax(below, axis=0)
    return np.where(below.any(axis=0), times[first], np.inf)


class KaplanMeierBaseline(BaseEstimator):
    r"""The Kaplan-Meier curve as a baseline: every sample gets the same survival function.

    The covariate-free reference model of survival analysis: a deep model must beat it to show that the
    features carry information. Its C-index is 1/2 by construction.

    Parameters
    ----------
    alpha : float in (0, 1), default=0.05
        The pointwise confidence band has level ``1 - alpha``.

    Attributes
    ----------
    survival_function_ : pandas.Series
        :math:`\hat S(t)` at the distinct observed times (index "time").
    confidence_interval_ : pandas.DataFrame
        Lower and upper pointwise bounds (columns "lower", "upper"), exponential Greenwood (log-log) as lifelines.
    median_survival_time_ : float
        First time with :math:`\hat S(t) \le 1/2`; ``inf`` if the curve never gets there.
    n_events_, n_at_risk_ : ndarray
        Events and number at risk at each distinct time.

    Notes
    -----
    :math:`\hat S(t) = \prod_{t_k \le t}(1 - d_k / n_k)` (see :func:`deepstat.metrics.kaplan_meier`). The
    band is :math:`\hat S^{\exp(\pm z\, \hat\sigma / \log \hat S)}` with Greenwood's
    :math:`\hat\sigma^2 = \sum_{t_k \le t} d_k / (n_k (n_k - d_k))` (Kalbfleisch & Prentice 2002, 1.4), as
    lifelines' ``KaplanMeierFitter``, whose values it equals.

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). JASA 53(282), 457-481. Kalbfleisch, J. D. and Prentice, R. L. (2002).
    The Statistical Analysis of Failure Time Data, 2nd ed. Wiley.

    Examples
    --------
    >>> km = KaplanMeierBaseline().fit([1.0, 2.0, 2.0, 3.0, 4.0], [1, 1, 0, 1, 0])
    >>> km.survival_function_.round(2).tolist(), km.median_survival_time_
    ([0.8, 0.6, 0.3, 0.3], 3.0)
    >>> km.predict_survival_function(times=[0.5, 2.5]).iloc[:, 0].round(2).tolist()
    [1.0, 0.6]
    """

    def __init__(self, alpha: float = 0.05) -> None:
        self.alpha = alpha

    def fit(self, X: Any, y: Any = None) -> KaplanMeierBaseline:
        """Estimate the curve from ``fit(time, event)``, or from ``fit(X, y)`` with a survival target ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_features)
            The times (with ``y`` the event flags, both 1-d), or features, which are ignored.
        y : structured array, (n_samples, 2) array, tuple or 1-d array
            The survival target (see :func:`deepstat.utils.check_survival_target`), or the event flags.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If the times or events are invalid, or every observation is censored.
        """
        caller = type(self).__name__
        _check_alpha(self.alpha, caller)
        y_arr = None if y is None or isinstance(y, tuple) else np.asarray(y)
        if y_arr is not None and y_arr.dtype.names is None and y_arr.ndim == 1 and np.ndim(X) == 1:
            time, event = check_time_event(X, y, caller)
        else:
            if y is None:
                raise ValueError(f"`y` of {caller} must be given: fit(time, event) or fit(X, y). Got y=None instead.")
            time, event = check_survival_target(y, caller)
        km = _kaplan_meier(time, event)
        index = pd.Index(km.time, name="time")
        self.survival_function_ = pd.Series(km.survival, index=index, name="KM_estimate")
        self.n_events_, self.n_at_risk_ = km.n_events, km.n_at_risk
        d, r = km.n_events.astype(np.float64), km.n_at_risk.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            greenwood = np.cumsum(np.divide(d, r * (r - d), out=np.zeros_like(d), where=(d > 0) & (r > d)))
            z = scipy.stats.norm.ppf(1 - self.alpha / 2)
            log_s = np.log(km.survival)
            shift = z * np.sqrt(greenwood) / log_s
            # shift < 0 (log S < 0): subtracting it lowers the curve
            lower = np.exp(-np.exp(np.log(-log_s) - shift))
            upper = np.exp(-np.exp(np.log(-log_s) + shift))
        self.confidence_interval_ = pd.DataFrame({"lower": lower, "upper": upper}, index=index)
        self.median_survival_time_ = float(_median(km.time, km.survival[:, None])[0])
        return self

    def _rows(self, X: Any) -> int:
        return 1 if X is None else len(X)

    def predict_survival_function(self, X: Any = None, times: Any = None) -> pd.DataFrame:
        """The Kaplan-Meier curve, repeated for each row of ``X``.

        Parameters
        ----------
        X : array-like or None, default=None
            Only its number of rows is used; None gives one column.
        times : array-like, optional
            Times to evaluate at (default: the distinct observed times). Step function: 1 before the first
            observed time, the last value after the last.

        Returns
        -------
        pandas.DataFrame of shape (n_times, n_samples)
        """
        check_is_fitted(self, "survival_function_")
        grid = self.survival_function_.index.to_numpy()
        times = grid if times is None else np.atleast_1d(np.asarray(times, dtype=np.float64))
        values = step_function(grid, self.survival_function_.to_numpy(), times)
        return _curve_frame(np.repeat(values[:, None], self._rows(X), axis=1), times, range(self._rows(X)))

    def predict_risk(self, X: Any) -> np.ndarray:
        """A constant risk score (0 for every row): the Kaplan-Meier curve does not rank samples."""
        check_is_fitted(self, "survival_function_")
        return np.zeros(self._rows(X))

    def predict_median_survival(self, X: Any) -> np.ndarray:
        """``median_survival_time_`` for every row of ``X``, shape (n_samples,)."""
        check_is_fitted(self, "survival_function_")
        return np.full(self._rows(X), self.median_survival_time_)


class CoxPHBaseline(BaseEstimator):
    r"""Linear Cox proportional hazards model by Newton-Raphson, with Breslow's baseline hazard.

    The classical counterpart of a deep Cox model: :math:`h(t \mid x) = h_0(t) \exp(x^\top \beta)`.

    Parameters
    ----------
    ties : {"efron", "breslow"}, default="efron"
        Approximation of the partial likelihood at tied event times (Efron 1977, lifelines' and R's default).
    alpha : float in (0, 1), default=0.05
        Level of the confidence intervals in :meth:`summary`.
    tol : float, default=1e-9
        Newton stops when the largest step of the standardised coefficients is below ``tol``.
    max_iter : int, default=100
        Maximum number of Newton steps.
    strata : str or list of str, optional
        Columns of ``X`` (a DataFrame) whose value combinations are strata, as lifelines'
        ``CoxPHFitter(strata=...)``: each stratum has its own risk sets and baseline hazard, the
        coefficients are shared; the strata columns are not covariates.

    Attributes
    ----------
    coef_ : ndarray of shape (n_columns,)
        :math:`\hat\beta`, one per design column (names in ``design_columns_``).
    variance_matrix_ : ndarray of shape (n_columns, n_columns)
        Inverse observed information :math:`I(\hat\beta)^{-1}`.
    standard_errors_ : ndarray of shape (n_columns,)
    log_likelihood_ : float
        Partial log-likelihood at :math:`\hat\beta` (as lifelines' ``log_likelihood_``).
    baseline_hazard_, baseline_cumulative_hazard_, baseline_survival_ : pandas.Series or DataFrame
        Breslow estimates at the distinct training times, for covariates at their training means;
        with ``strata``, a DataFrame with one column per stratum (lifelines' layout).
    strata_levels_ : list of tuple
        With ``strata``: the strata seen in fit, sorted.
    design_columns_ : list of str
        Design matrix columns: numeric columns, then treatment-coded categories (first level dropped).
    n_iter_ : int
        Newton steps taken.
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Notes
    -----
    Efron's partial log-likelihood, with :math:`D_k` the :math:`d_k` events at the distinct event time
    :math:`t_k`, :math:`R_k` the risk set and :math:`w_j = \exp(x_j^\top\beta)`:

    .. math:: \ell(\beta) = \sum_k \Bigl[\sum_{i \in D_k} x_i^\top\beta - \sum_{l=0}^{d_k - 1}
              \log\Bigl(\sum_{j \in R_k} w_j - \tfrac{l}{d_k} \sum_{j \in D_k} w_j\Bigr)\Bigr]

    (Breslow's approximation drops the :math:`l/d_k` term). With case weights :math:`v_i` the risk
    scores become :math:`v_j w_j`, each :math:`x_i^\top\beta` counts :math:`v_i` times and each of the
    :math:`d_k` log terms counts the mean event weight of its tie group, lifelines' weighted Efron
    likelihood. For Breslow ties each event's term counts its own weight, so integer weights give the
    fit with rows repeated; Efron's approximation would treat a repeated row as tied with itself, the
    weighted Efron likelihood does not. Standard errors are the model-based ones (lifelines'
    ``robust=False``). Gradient and information are sums over
    samples of cumulative risk-set sums, :math:`O(n p^2)` per Newton step; the columns are centred and
    scaled during the iterations and the estimates mapped back, as lifelines does. Standard errors come from
    the inverse observed information; z, p and intervals are Wald's. The baseline hazard is Breslow's,
    :math:`\hat h_0(t_k) = d_k / \sum_{j \in R_k} \exp((x_j - \bar x)^\top\hat\beta)`, so curves are
    :math:`S(t \mid x) = \exp(-\hat H_0(t)\, e^{(x - \bar x)^\top\hat\beta})`: lifelines' convention, whose
    ``CoxPHFitter`` coefficients, standard errors, z, p, intervals and curves it equals. Between training
    times the curves are step functions (lifelines interpolates linearly).

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. JRSS B 34(2), 187-220. Efron, B. (1977). The
    efficiency of Cox's likelihood function for censored data. JASA 72(359), 557-565. Breslow, N. E. (1974).
    Covariance analysis of censored survival data. Biometrics 30(1), 89-99.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> t = rng.exponential(np.exp(-(0.8 * X[:, 0]))); c = rng.exponential(2.0, size=300)
    >>> cox = CoxPHBaseline().fit(X, (np.minimum(t, c), t <= c))
    >>> cox.summary().loc[:, ["coef", "se(coef)"]].round(2).to_numpy().tolist()
    [[0.92, 0.09], [-0.04, 0.07]]
    >>> cox.predict_survival_function(X[:2], times=[0.5, 1.0]).shape
    (2, 2)
    """

    def __init__(
        self,
        ties: Literal["efron", "breslow"] = "efron",
        alpha: float = 0.05,
        tol: float = 1e-9,
        max_iter: int = 100,
        strata: Any = None,
    ) -> None:
        self.ties, self.alpha, self.tol, self.max_iter, self.strata = ties, alpha, tol, max_iter, strata

    # ------------------------------------------------------------------ fitting
    def _strata(self) -> StrataLevels | None:
        if self.strata is None:
            return None
        return StrataLevels(self.strata, type(self).__name__, getattr(self, "strata_levels_", None))

    def _design(self, X: Any, *, fitting: bool) -> np.ndarray:
        caller = type(self).__name__
        strata = self._strata()
        if strata is not None:
            X = strata.drop(X)
        if fitting:
            self.preprocessor_ = TabularPreprocessor(standardize=False, drop_first=True)
            Z = self.preprocessor_.fit_transform(X, caller)
            validate_data(self, X, reset=True, skip_check_array=True)
            self.design_columns_ = list(self.preprocessor_.columns_out)
        else:
            check_is_fitted(self, "coef_")
            Z = self.preprocessor_.transform(X, caller)
        return np.asarray(Z, dtype=np.float64)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CoxPHBaseline:
        """Maximise the (weighted) partial likelihood and estimate the baseline hazard.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric columns, and for DataFrames categorical ones (treatment coded). No intercept.
        y : structured array, (n_samples, 2) array or (time, event) tuple
            The survival target (see :func:`deepstat.utils.check_survival_target`).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative case weights, as lifelines' ``CoxPHFitter(...).fit(weights_col=...)``
            (see Notes); rows of weight 0 are left out.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``ties`` is unknown, the weights are negative, all zero or of the wrong shape, the lengths differ, the target is invalid (negative or NaN times, events not
            0/1, no event), or a design column is constant (not identifiable: the Cox model has no intercept).
        """
        caller = type(self).__name__
        if self.ties not in ("efron", "breslow"):
            raise ValueError(f"`ties` of {caller} must be 'efron' or 'breslow'. Got {self.ties!r} instead.")
        _check_alpha(self.alpha, caller)
        validate_params(self, {"strata": [ColumnNames()]})  # the deep estimators' check of the same argument
        self.strata_levels_ = None  # a refit learns its levels afresh
        strata = self._strata()
        codes = None if strata is None else strata.fit(X)
        self.strata_levels_ = [] if strata is None else strata.levels
        Z = self._design(X, fitting=True)
        time, event = check_survival_target(y, caller)
        if time.shape[0] != Z.shape[0]:
            raise ValueError(f"`y` of {caller} must have one row per row of X ({Z.shape[0]}). Got {time.shape[0]} rows instead.")
        self.mean_ = Z.mean(axis=0)
        scale = Z.std(axis=0)
        if (scale == 0).any():
            constant = [c for c, s in zip(self.design_columns_, scale) if s == 0]
            raise ValueError(f"`X` of {caller} must have no constant column (the Cox model has no intercept). Got {constant!r} instead.")
        Zs = (Z - self.mean_) / scale
        codes = np.zeros(time.shape[0], dtype=np.int64) if codes is None else codes
        weight = _check_weight(sample_weight, time.shape[0], caller)
        keep = weight > 0  # a row of weight 0 is no row (lifelines would count it in Efron's tie fractions)
        Zs, time, event, codes, weight = Zs[keep], time[keep], event[keep], codes[keep], weight[keep]
        beta, info, loglik, self.n_iter_ = self._newton(Zs, time, event, codes, weight)
        self.coef_ = beta / scale
        self.variance_matrix_ = np.linalg.inv(info) / np.outer(scale, scale)
        self.standard_errors_ = np.sqrt(np.diag(self.variance_matrix_))
        self.log_likelihood_ = float(loglik)
        self._baseline(Zs @ beta, time, event, codes, weight)
        return self

    def _layout(self, time: np.ndarray, event: np.ndarray, weight: np.ndarray) -> dict[str, np.ndarray]:
        """Tie groups of one stratum's rows (sorted by time): what the likelihood needs of the data alone."""
        _, first, group = np.unique(time, return_index=True, return_inverse=True)
        group = group.reshape(-1)
        events = np.flatnonzero(event)
        d = np.bincount(group[events], minlength=first.shape[0])
        rank = np.arange(events.shape[0]) - (np.cumsum(d) - d)[group[events]]  # l = 0..d_k - 1
        if self.ties == "efron":
            frac = rank / d[group[events]]
            # lifelines' weights: each of the d_k Efron terms counts the tie group's mean event weight
            mean_weight = np.bincount(group[events], weights=weight[events], minlength=first.shape[0]) / np.maximum(d, 1)
            factor = mean_weight[group[events]]
        else:  # Breslow: each event's term counts its own weight (= the row repeated)
            frac, factor = np.zeros(events.shape[0]), weight[events]
        return {"first": first, "group": group, "events": events, "frac": frac, "event": event, "weight": weight, "factor": factor}

    @staticmethod
    def _efron(beta: np.ndarray, Z: np.ndarray, layout: dict[str, np.ndarray]) -> tuple[float, np.ndarray, np.ndarray]:
        """Partial log-likelihood, gradient and observed information at ``beta`` (one stratum, Z sorted by time)."""
        eta = Z @ beta  # (n,)
        shift = eta.max()
        w = layout["weight"] * np.exp(eta - shift)  # weighted risk scores
        group, first = layout["group"], layout["first"]  # distinct-time index of each row; first row of each group
        S0 = np.cumsum(w[::-1])[::-1][first]  # risk-set sums at each distinct time, (G,)
        S1 = np.cumsum((w[:, None] * Z)[::-1], axis=0)[::-1][first]  # (G, p)
        ev = layout["events"]  # rows with an event
        g = group[ev]
        T0 = np.bincount(g, weights=w[ev], minlength=first.shape[0])
        T1 = np.zeros_like(S1)
        np.add.at(T1, g, w[ev, None] * Z[ev])
        frac, c = layout["frac"], layout["factor"]  # l / d_k per event (0 for Breslow); each term's weight
        v = layout["weight"][ev]  # the events' own weights
        phi = S0[g] - frac * T0[g]  # (n_events,)
        mu = (S1[g] - frac[:, None] * T1[g]) / phi[:, None]  # (n_events, p)
        loglik = (v * eta[ev]).sum() - (c * (np.log(phi) + shift)).sum()
        grad = (v[:, None] * Z[ev]).sum(axis=0) - (c[:, None] * mu).sum(axis=0)
        # sum_k c_k S2_k / phi_k = sum_i w_i z_i z_i^T * (sum of c/phi over events at or before t_i)
        a = np.cumsum(np.bincount(g, weights=c / phi, minlength=first.shape[0]))[group]
        b = np.bincount(g, weights=c * frac / phi, minlength=first.shape[0])[group] * layout["event"]
        info = (Z * (w * (a - b))[:, None]).T @ Z - mu.T @ (c[:, None] * mu)
        return float(loglik), grad, info

    def _stratified(self, beta: np.ndarray, blocks: list[tuple[np.ndarray, dict[str, np.ndarray]]]) -> tuple[float, np.ndarray, np.ndarray]:
        """Sums over strata of the log-likelihood, gradient and information (each stratum its own risk sets)."""
        parts = [self._efron(beta, Z, layout) for Z, layout in blocks]
        return sum(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts)

    def _newton(
        self, Z: np.ndarray, time: np.ndarray, event: np.ndarray, codes: np.ndarray, weight: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float, int]:
        order = np.lexsort((time, codes))  # by stratum, then time
        Z, time, event, codes, weight = Z[order], time[order], event[order], codes[order], weight[order]
        bounds = np.flatnonzero(np.diff(codes)) + 1
        split = [np.split(a, bounds) for a in (Z, time, event, weight)]
        blocks = [(Zb, self._layout(tb, eb, wb)) for Zb, tb, eb, wb in zip(*split)]
        beta = np.zeros(Z.shape[1])
        loglik, grad, info = self._stratified(beta, blocks)
        for n_iter in range(1, self.max_iter + 1):
            step = np.linalg.solve(info, grad)
            for _ in range(30):  # step halving keeps every Newton step an ascent step
                new = self._stratified(beta + step, blocks)
                if np.isfinite(new[0]) and new[0] >= loglik - 1e-12:
                    break
                step = step / 2
            beta = beta + step
            loglik, grad, info = new
            if np.abs(step).max() < self.tol:
                break
        else:
            warnings.warn(
                f"{type(self).__name__} did not converge in {self.max_iter} Newton steps (last step "
                f"{np.abs(step).max():.2e}); increase max_iter, or check for separation (a covariate that orders the "
                "events perfectly).",
                ConvergenceWarning,
                stacklevel=3,
            )
        return beta, info, loglik, n_iter

    @staticmethod
    def _breslow(eta: np.ndarray, time: np.ndarray, event: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct times, Breslow's (weighted) hazard increments and cumulative hazard (one stratum)."""
        return breslow_hazard(time, event, eta, weight)

    def _baseline(self, eta: np.ndarray, time: np.ndarray, event: np.ndarray, codes: np.ndarray, weight: np.ndarray) -> None:
        """Breslow's baseline hazard at the distinct training times, for the centred linear predictor."""
        if not self.strata_levels_:
            unique, hazard, cumulative = self._breslow(eta, time, event, weight)
            index = pd.Index(unique, name="time")
            self.baseline_hazard_ = pd.Series(hazard, index=index, name="baseline hazard")
            self.baseline_cumulative_hazard_ = pd.Series(cumulative, index=index, name="baseline cumulative hazard")
            self.baseline_survival_ = pd.Series(np.exp(-cumulative), index=index, name="baseline survival")
            return
        unique = np.unique(time)
        hazard = np.zeros((unique.shape[0], len(self.strata_levels_)))
        for code in range(len(self.strata_levels_)):  # each stratum's jumps, on the union of training times
            mask = codes == code
            times_s, hazard_s, _ = self._breslow(eta[mask], time[mask], event[mask], weight[mask])
            hazard[np.searchsorted(unique, times_s), code] = hazard_s
        index = pd.Index(unique, name="time")
        names = [level[0] if len(level) == 1 else level for level in self.strata_levels_]
        self.baseline_hazard_ = pd.DataFrame(hazard, index=index, columns=names)
        self.baseline_cumulative_hazard_ = pd.DataFrame(np.cumsum(hazard, axis=0), index=index, columns=names)
        self.baseline_survival_ = np.exp(-self.baseline_cumulative_hazard_)

    # ------------------------------------------------------------------ prediction
    def predict_risk(self, X: Any) -> np.ndarray:
        r"""The log partial hazard :math:`(x - \bar x)^\top\hat\beta`, shape (n_samples,): higher = earlier event."""
        return (self._design(X, fitting=False) - self.mean_) @ self.coef_

    def predict_cumulative_hazard(self, X: Any, times: Any = None) -> pd.DataFrame:
        r""":math:`H(t \mid x) = \hat H_0(t)\, e^{(x - \bar x)^\top\hat\beta}`, shape (n_times, n_samples).

        ``times`` defaults to the distinct training times; elsewhere :math:`\hat H_0` is a step function
        (0 before the first training time, constant after the last).
        """
        partial = np.exp(self.predict_risk(X))
        grid = self.baseline_cumulative_hazard_.index.to_numpy()
        times = grid if times is None else np.atleast_1d(np.asarray(times, dtype=np.float64))
        H = self.baseline_cumulative_hazard_.to_numpy()
        if H.ndim == 1:
            h0 = step_function(grid, H, times, before=0.0)[:, None]  # (n_times, 1)
        else:  # one baseline per stratum, picked column by column
            per_stratum = np.stack([step_function(grid, H[:, k], times, before=0.0) for k in range(H.shape[1])], axis=1)
            h0 = per_stratum[:, self._strata().codes(X)]  # (n_times, n_samples)
        columns = X.index if isinstance(X, pd.DataFrame) else range(partial.shape[0])
        return _curve_frame(h0 * partial[None, :], times, columns)

    def predict_survival_function(self, X: Any, times: Any = None) -> pd.DataFrame:
        r"""Survival curves :math:`S(t \mid x) = \exp(-H(t \mid x))`: DataFrame, rows = times, columns = samples.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        times : array-like, optional
            Times (default: the distinct training times); see :meth:`predict_cumulative_hazard`.

        Returns
        -------
        pandas.DataFrame of shape (n_times, n_samples)
            ``.to_numpy().T`` is the (n_samples, n_times) matrix the survival metrics take.
        """
        return np.exp(-self.predict_cumulative_hazard(X, times))

    def predict_median_survival(self, X: Any) -> np.ndarray:
        """First training time with :math:`S(t \\mid x) \\le 1/2`, shape (n_samples,); ``inf`` if never."""
        surv = self.predict_survival_function(X)
        return _median(surv.index.to_numpy(), surv.to_numpy())

    # ------------------------------------------------------------------ reporting
    def summary(self, alpha: float | None = None) -> pd.DataFrame:
        """The coefficient table as lifelines' ``CoxPHFitter.summary`` prints it.

        Parameters
        ----------
        alpha : float in (0, 1), optional
            Interval level ``1 - alpha``; default: the ``alpha`` of the constructor.

        Returns
        -------
        pandas.DataFrame
            One row per design column (index "covariate"); columns "coef", "exp(coef)", "se(coef)",
            "coef lower 95%", "coef upper 95%", "exp(coef) lower 95%", "exp(coef) upper 95%", "cmp to", "z",
            "p", "-log2(p)" (the percentages follow ``alpha``).

        Raises
        ------
        ValueError
            If ``alpha`` is not in (0, 1).
        """
        check_is_fitted(self, "coef_")
        alpha = _check_alpha(self.alpha if alpha is None else alpha, f"{type(self).__name__}.summary")
        se = self.standard_errors_
        z = self.coef_ / se
        p = 2 * scipy.stats.norm.sf(np.abs(z))
        half = scipy.stats.norm.ppf(1 - alpha / 2) * se
        pct = f"{round(100 * (1 - alpha))}%"
        lower, upper = self.coef_ - half, self.coef_ + half
        table = pd.DataFrame(
            {
                "coef": self.coef_, "exp(coef)": np.exp(self.coef_), "se(coef)": se,
                f"coef lower {pct}": lower, f"coef upper {pct}": upper,
                f"exp(coef) lower {pct}": np.exp(lower), f"exp(coef) upper {pct}": np.exp(upper),
                "cmp to": 0.0, "z": z, "p": p, "-log2(p)": -np.log2(p),
            },
            index=pd.Index(self.design_columns_, name="covariate"),
        )
        return table
