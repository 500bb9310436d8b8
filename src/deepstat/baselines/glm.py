"""GLMBaseline: the classical generalised linear model behind deepstat's prediction API."""

from __future__ import annotations

import warnings

from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import Tensor

from deepstat.baselines._weighted import fit_weighted_nb2
from deepstat.baselines.base import StatsmodelsBaseline, statsmodels_api
from deepstat.families import get_family
from deepstat.data.table import split_offset
from deepstat.utils.tabular import validate_numeric

__all__ = ["GLM_FAMILIES", "GLMBaseline"]

#: deepstat family names a GLMBaseline fits, with the statsmodels model behind each
GLM_FAMILIES: dict[str, str] = {
    "normal": "GLM(family=Gaussian()), identity link (coefficients = OLS)",
    "poisson": "GLM(family=Poisson()), log link",
    "negative_binomial": 'NegativeBinomial(loglike_method="nb2"), log link, full MLE of mean and alpha',
    "gamma": "GLM(family=Gamma(link=Log())), log link",
    "bernoulli": "GLM(family=Binomial()), logit link",
}


class GLMBaseline(RegressorMixin, StatsmodelsBaseline):
    r"""A generalised linear model fitted by statsmodels, predicting a deepstat family's distribution.

    The classical counterpart of ``DeepRegressor(family=...)``: the mean's link is linear in the
    (encoded) inputs, :math:`g(\mu_i) = x_i^\top\beta`, and the other parameters are constants.
    ``predict_distribution``, ``predict_quantiles``, ``predict_interval``, ``sample`` and
    ``log_likelihood`` work exactly as for the deep estimators, so the two compare on equal terms.

    Parameters
    ----------
    family : {"normal", "poisson", "negative_binomial", "gamma", "bernoulli"}, default="normal"
        The response distribution; see :data:`GLM_FAMILIES` for the statsmodels model of each.
    offset, exposure : str or None, default=None
        A column of ``X`` (a DataFrame) added to the linear predictor (statsmodels' ``offset=``), or a
        positive exposure whose log is (``exposure=``); not a covariate. As :class:`~deepstat.estimators.DeepRegressor`.
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
    - gamma: ``[log mu, softplus^-1(1 / phi)]`` with :math:`\phi` = ``scale``, the Pearson
      estimate :math:`\chi^2 / (n - p)`, as statsmodels uses for its ``llf``;
    - negative binomial (NB2): ``[log mu, log alpha]``, both by maximum likelihood;
    - poisson: ``[log mu]``; bernoulli: ``[logit p]``.

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
        family: Literal["normal", "poisson", "negative_binomial", "gamma", "bernoulli"] = "normal",
        offset: str | None = None,
        exposure: str | None = None,
        fit_intercept: bool = True,
    ) -> None:
        self.family = family
        self.offset = offset
        self.exposure = exposure
        self.fit_intercept = fit_intercept

    def _split_offset(self, X: Any) -> tuple[Any, np.ndarray | None]:
        """``X`` without its offset column, and the offsets (``log`` of an exposure), as DeepRegressor reads them."""
        return split_offset(X, self.offset, self.exposure, type(self).__name__)

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
        X, self._offset = self._split_offset(X)
        Z = self._design(X, fitting=True)
        self.family_ = get_family(self.family)
        target = self._encode_target(y, fitting=True).numpy()
        self._check_lengths(Z.shape[0], target.shape[0], fitting=True)
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
            "gamma": lambda: sm.families.Gamma(link=sm.families.links.Log()),
            "bernoulli": sm.families.Binomial,
        }
        return sm.GLM(y, Z, family=families[self.family](), freq_weights=weight, offset=self._offset).fit()

    def _extra_params(self, params: np.ndarray) -> dict[str, float]:
        if self.family == "normal":
            return {"scale": float(np.sqrt(self.result_.scale))}
        if self.family == "gamma":
            return {"concentration": float(1 / self.result_.scale)}
        if self.family == "negative_binomial":
            return {"dispersion": float(params[-1])}  # statsmodels appends alpha to the coefficients
        return {}

    # ------------------------------------------------------------------ the prediction API
    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:
        caller = type(self).__name__
        if y is None:
            raise ValueError(f"`y` of {caller} must be given: requires y to be passed, but the target y is None.")
        if not fitting:
            check_is_fitted(self, "result_")
        arr = validate_numeric(y, "y", caller)
        if arr.ndim == 2 and arr.shape[1] != 1:
            raise ValueError(f"`y` of {caller} must be 1-D. Got shape {arr.shape} instead.")
        return self.family_.prepare_target(column_or_1d(arr, warn=True), dtype=torch.float64)

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
        return torch.stack(columns, dim=1)  # (n, n_params)

    def predict(self, X: Any) -> np.ndarray:
        """The mean of the predictive distribution (for "bernoulli": the probability of 1).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._eta(X)  # checks that the model is fitted
        return self.family_.mean(eta).numpy()
