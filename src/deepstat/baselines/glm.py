"""GLMBaseline: the classical generalised linear model behind deepstat's prediction API."""

from __future__ import annotations

import warnings

from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import RegressorMixin
from torch import Tensor

from deepstat.baselines._weighted import fit_weighted_nb2
from deepstat.baselines.base import StatsmodelsBaseline, statsmodels_api
from deepstat.families import get_family
from deepstat.data.table import check_successes, split_offset, split_trials

__all__ = ["GLM_FAMILIES", "STATSMODELS_LINKS", "GLMBaseline"]

#: deepstat family names a GLMBaseline fits, with the statsmodels model behind each and its default link
#: (``link=`` chooses another, see :data:`STATSMODELS_LINKS`)
GLM_FAMILIES: dict[str, str] = {
    "normal": "GLM(family=Gaussian()), identity link (coefficients = OLS); or log",
    "poisson": "GLM(family=Poisson()), log link; or identity, sqrt",
    "negative_binomial": 'NegativeBinomial(loglike_method="nb2"), log link, full MLE of mean and alpha',
    "gamma": "GLM(family=Gamma(link=Log())), log link; or inverse (R's default), identity",
    "inverse_gaussian": "GLM(family=InverseGaussian(link=Log())), log link; or inverse_squared (R's default), inverse, identity",
    "bernoulli": "GLM(family=Binomial()), logit link; or probit, cloglog, cauchit",
    "binomial": "GLM(endog=[successes, failures], family=Binomial()), logit link; or probit, cloglog, cauchit (with trials=)",
}

#: deepstat link names -> statsmodels link classes (``statsmodels.genmod.families.links``)
STATSMODELS_LINKS: dict[str, str] = {
    "identity": "Identity", "log": "Log", "inverse": "InversePower", "inverse_squared": "InverseSquared",
    "sqrt": "Sqrt", "logit": "Logit", "probit": "Probit", "cloglog": "CLogLog", "cauchit": "Cauchy",
}


class GLMBaseline(RegressorMixin, StatsmodelsBaseline):
    r"""A generalised linear model fitted by statsmodels, predicting a deepstat family's distribution.

    The classical counterpart of ``DeepRegressor(family=...)``: the mean's link is linear in the
    (encoded) inputs, :math:`g(\mu_i) = x_i^\top\beta`, and the other parameters are constants.
    ``predict_distribution``, ``predict_quantiles``, ``predict_interval``, ``sample`` and
    ``log_likelihood`` work exactly as for the deep estimators, so the two compare on equal terms.

    Parameters
    ----------
    family : {"normal", "poisson", "negative_binomial", "gamma", "inverse_gaussian", "bernoulli"}, default="normal"
        The response distribution; see :data:`GLM_FAMILIES` for the statsmodels model of each.
    link : str or None, default=None
        The link of the mean, R's names as the deepstat family's ``link=`` takes them: normal
        "identity" | "log"; poisson "log" | "identity" | "sqrt"; gamma "log" | "inverse" | "identity";
        inverse_gaussian "log" | "inverse_squared" | "inverse" | "identity"; bernoulli "logit" |
        "probit" | "cloglog" | "cauchit"; negative_binomial "log". ``None``: the deepstat family's
        default (the first of each list), which is what :func:`~deepstat.baselines.baseline_for` pairs
        with ``DeepRegressor(family=<name>)``. Fitted with the statsmodels link of
        :data:`STATSMODELS_LINKS`.
    offset, exposure : str or None, default=None
        A column of ``X`` (a DataFrame) added to the linear predictor (statsmodels' ``offset=``), or a
        positive exposure whose log is (``exposure=``); not a covariate. As :class:`~deepstat.estimators.DeepRegressor`.
    trials : str or None, default=None
        For ``family="binomial"`` (required there): the column of ``X`` with each row's number of trials;
        ``y`` is the successes, and statsmodels is given ``endog = [successes, trials - successes]``
        (R's ``cbind(successes, failures)``). ``predict`` is the mean :math:`n p`, :meth:`predict_proportion` :math:`p`.
    fit_intercept : bool, default=True
        False leaves the constant out of the design (R's ``y ~ 0 + x``); categories stay treatment coded.

    Attributes
    ----------
    result_ : statsmodels results
        The fitted statsmodels model (``GLMResults`` or ``NegativeBinomialResults``).
    family_ : Family
        ``deepstat.families.get_family(family)``.
    coef_ : ndarray of shape (n_design_columns,)
        Coefficients of the linear predictor, intercept first (names in ``design_columns_``).
    extra_params_ : dict of str to float
        The non-mean parameters of the predictive distribution, constant over rows: normal
        ``{"scale": sigma}``, gamma ``{"concentration": 1 / phi}``, negative binomial
        ``{"dispersion": alpha}``; empty for Poisson and Bernoulli.
    preprocessor_, design_columns_, n_features_in_, feature_names_in_
        As in :class:`~deepstat.baselines.base.StatsmodelsBaseline`.

    Notes
    -----
    ``eta`` has the deepstat family's column layout, so that ``family_.distribution(eta)`` is
    the fitted model's plug-in predictive distribution:

    - normal: ``[mu, softplus^-1(sigma)]`` with :math:`\sigma^2` = statsmodels' ``scale``
      = RSS / (n - p), the unbiased estimate, not the MLE RSS / n;
    - gamma, inverse gaussian: ``[g(mu), softplus^-1(1 / phi)]`` with :math:`\phi` = ``scale``, the
      Pearson estimate :math:`\chi^2 / (n - p)`, as statsmodels uses for its ``llf``;
    - negative binomial (NB2): ``[log mu, log alpha]``, both by maximum likelihood;
    - poisson: ``[g(mu)]``; bernoulli: ``[g(p)]`` (the logit by default).

    The first column is always the linear predictor :math:`g(\mu) = x^\top\beta` on the scale of
    the link, as in the deepstat family of the same ``link``.

    For normal and gamma, :meth:`log_likelihood` therefore uses these dispersion estimates: for
    the gamma it equals statsmodels' ``llf / n``; for the normal statsmodels' ``llf`` uses the
    MLE RSS / n instead, so the two differ slightly. The predictive distribution ignores the
    uncertainty of :math:`\hat\beta` (a plug-in, not a prediction interval from the t distribution).

    ``sample_weight`` are frequency weights (weight 2 = a duplicated row): statsmodels'
    ``freq_weights`` for the GLM families; for the negative binomial, whose statsmodels MLE takes no
    weights, the weighted NB2 likelihood is maximised by Newton's method
    (:func:`deepstat.baselines._weighted.fit_weighted_nb2`; ``result_`` is then its ``WeightedFit``).

    See Also
    --------
    MultinomialLogitBaseline : the classical counterpart of ``DeepClassifier``.
    baseline_for : the baseline of a deep family.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.baselines import GLMBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = rng.poisson(np.exp(0.5 + 0.3 * X[:, 0]))
    >>> glm = GLMBaseline(family="poisson").fit(X, y)
    >>> glm.summary().index.tolist()
    ['Intercept', 'x0', 'x1']
    >>> glm.predict_interval(X[:2], alpha=0.1).shape
    (2, 2)
    """

    def __init__(
        self,
        family: Literal["normal", "poisson", "negative_binomial", "gamma", "inverse_gaussian", "bernoulli", "binomial"] = "normal",
        link: str | None = None,
        offset: str | None = None,
        exposure: str | None = None,
        trials: str | None = None,
        fit_intercept: bool = True,
    ) -> None:
        self.family = family
        self.link = link
        self.offset = offset
        self.exposure = exposure
        self.trials = trials
        self.fit_intercept = fit_intercept

    def _split_offset(self, X: Any) -> tuple[Any, np.ndarray | None]:
        """``X`` without its offset and trials columns, and the offsets (``log`` of an exposure), as DeepRegressor reads them.

        The trials (``trials=``) are kept in ``_trials``.
        """
        caller = type(self).__name__
        X, offsets = split_offset(X, self.offset, self.exposure, caller)
        X, self._trials = split_trials(X, getattr(self, "trials", None), caller)
        return X, offsets

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GLMBaseline:
        """Fit the GLM by maximum likelihood (IRLS; Newton for the negative binomial).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric columns, and for DataFrames also categorical ones (treatment coded).
        y : array-like of shape (n_samples,)
            Must lie in the family's support (e.g. 0/1 for "bernoulli").
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights (non-negative).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``family`` is not one of :data:`GLM_FAMILIES`, ``y`` lies outside its support,
            the lengths differ, or the weights are negative or of the wrong shape.
        """
        caller = type(self).__name__
        if not isinstance(self.family, str) or self.family not in GLM_FAMILIES:
            raise ValueError(
                f"`family` of {caller} must be one of {list(GLM_FAMILIES)}. Got {self.family!r} instead."
                " For other families fit a DeepRegressor, or see deepstat.baselines.baseline_for."
            )
        self.family_ = self._resolve_family()
        if (self.family == "binomial") != (getattr(self, "trials", None) is not None):
            raise ValueError(
                f"`trials` of {caller} must name the column of X with each row's number of trials for family='binomial', "
                f"and be None for the other families. Got {self.trials!r} with family={self.family!r} instead."
            )
        X, self._offset = self._split_offset(X)
        Z = self._design(X, fitting=True)
        target = self._encode_target(y, fitting=True).numpy()
        self._check_lengths(Z.shape[0], target.shape[0], fitting=True)
        if self._trials is not None:
            check_successes(torch.as_tensor(target), torch.as_tensor(self._trials), caller)
            target = np.column_stack([target, self._trials - target])  # statsmodels' grouped endog: successes, failures
        weight = self._check_sample_weight(sample_weight, Z.shape[0])
        self.result_ = self._fit_statsmodels(self._design_frame(Z), target, None if weight is None else weight.numpy())
        params = np.asarray(self.result_.params, dtype=np.float64)
        self.coef_ = params[: Z.shape[1]].copy()
        self.extra_params_ = self._extra_params(params)
        return self

    def _fit_statsmodels(self, Z: Any, y: np.ndarray, weight: np.ndarray | None) -> Any:
        sm = statsmodels_api()
        if self.family == "negative_binomial" and weight is not None:
            # statsmodels' NegativeBinomial takes no weights: the weighted MLE is ours (baselines._weighted)
            result = fit_weighted_nb2(Z, y, weight, self._offset)
        elif self.family == "negative_binomial":
            model = sm.NegativeBinomial(y, Z, loglike_method="nb2", offset=self._offset)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # statsmodels' overflow chatter on the fits retried below
                result = model.fit(method="newton", maxiter=200, disp=0)
                if not np.all(np.isfinite(np.asarray(result.params, dtype=np.float64))):
                    # Without overdispersion the MLE of alpha sits on the boundary 0, where Newton's steps
                    # on log(alpha) diverge: restart a quasi-Newton fit from the Poisson GLM.
                    poisson = sm.GLM(y, Z, family=sm.families.Poisson(), offset=self._offset).fit()
                    start = np.append(np.asarray(poisson.params, dtype=np.float64), 0.1)
                    result = model.fit(start_params=start, method="bfgs", maxiter=1000, disp=0)
        if self.family == "negative_binomial":
            if not np.all(np.isfinite(np.asarray(result.params, dtype=np.float64))):
                raise ValueError(
                    "`y` of GLMBaseline(family='negative_binomial') gave no finite NB2 fit (statsmodels' Newton and BFGS "
                    "both failed); the counts may show no overdispersion: use GLMBaseline('poisson')."
                )
            return result
        families = {
            "normal": sm.families.Gaussian,
            "poisson": sm.families.Poisson,
            "gamma": sm.families.Gamma,
            "inverse_gaussian": sm.families.InverseGaussian,
            "bernoulli": sm.families.Binomial,
            "binomial": sm.families.Binomial,
        }
        link = getattr(sm.families.links, STATSMODELS_LINKS[self.family_.link])()
        with warnings.catch_warnings():
            # statsmodels' DomainWarning for a link whose range is not the mean's (identity for a Poisson
            # rate): the choice is the user's, and a mean outside the domain shows as a -inf log-likelihood
            warnings.filterwarnings("ignore", message=".*link function does not respect the domain")
            model = sm.GLM(y, Z, family=families[self.family](link=link), freq_weights=weight, offset=self._offset)
        return model.fit()

    def _resolve_family(self) -> Any:
        """The deepstat family with the link of ``link`` (its default for None), validated."""
        caller = type(self).__name__
        if self.family == "negative_binomial":
            if self.link not in (None, "log"):
                raise ValueError(
                    f"`link` of {caller} must be one of [None, 'log'] for family='negative_binomial' (statsmodels' NB2 "
                    f"has the log link only). Got {self.link!r} instead."
                )
            return get_family(self.family)
        family = get_family(self.family)
        if self.link is None:
            return family
        if not isinstance(self.link, str) or self.link not in family.link_choices:
            raise ValueError(
                f"`link` of {caller} must be None or one of {list(family.link_choices)} for family={self.family!r}. "
                f"Got {self.link!r} instead."
            )
        return get_family(self.family, link=self.link)

    def _extra_params(self, params: np.ndarray) -> dict[str, float]:
        if self.family == "normal":
            return {"scale": float(np.sqrt(self.result_.scale))}
        if self.family in ("gamma", "inverse_gaussian"):
            return {"concentration": float(1 / self.result_.scale)}
        if self.family == "negative_binomial":
            return {"dispersion": float(params[-1])}  # statsmodels appends alpha to the coefficients
        return {}

    # ------------------------------------------------------------------ the prediction API
    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:
        return self.family_.prepare_target(self._numeric_target(y, fitting=fitting, fitted="result_"), dtype=torch.float64)

    def _eta(self, X: Any) -> Tensor:
        X, offset = self._split_offset(X)
        Z = torch.as_tensor(self._design(X, fitting=False))  # (n, p)
        linear = Z @ torch.as_tensor(self.coef_)  # (n,) on the link scale of the mean
        if offset is not None:
            linear = linear + torch.as_tensor(offset)
        columns = [linear]
        for name, link in self.family_.eta_columns()[1:]:
            value = link.forward(torch.tensor(self.extra_params_[name], dtype=torch.float64))
            columns.append(value.expand_as(linear))
        if self._trials is not None:  # the binomial's eta carries each row's trials as its last column
            columns.append(torch.as_tensor(self._trials, dtype=torch.float64))
        return torch.stack(columns, dim=1)  # (n, n_params), (n, 2) for the binomial

    def predict_proportion(self, X: Any) -> np.ndarray:
        """The success probability :math:`p` of each row, for ``family="binomial"`` (``predict`` is the mean :math:`n p`).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._eta(X)
        if not hasattr(self.family_, "proportion"):
            raise ValueError(f"`family` of GLMBaseline must be 'binomial' for predict_proportion. Got {self.family!r} instead.")
        return self.family_.proportion(eta).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The mean of the predictive distribution (for "bernoulli": the probability of 1).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._eta(X)  # checks that the model is fitted
        return self.family_.mean(eta).numpy()
