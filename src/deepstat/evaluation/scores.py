"""Score one fitted model on held-out data: proper scores, point errors, intervals, classification metrics.

Everything here works through the prediction API shared by deep estimators and classical
baselines (:class:`~deepstat.estimators.PredictiveMixin`: ``_eta``, ``family_``,
``_encode_target``, ``predict``, ``predict_interval``), so a deep model and its baseline are
scored by exactly the same code.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from sklearn.base import is_classifier
from torch import Tensor

from deepstat.families import Categorical, Family, Normal
from deepstat.metrics import (
    balanced_accuracy,
    brier_score,
    crps_discrete,
    crps_from_cdf,
    crps_normal,
    expected_calibration_error,
    interval_coverage,
    log_loss,
    mean_absolute_error,
    mean_interval_width,
    r2_score,
    roc_auc,
    root_mean_squared_error,
)

__all__ = [
    "REGRESSION_METRICS",
    "CLASSIFICATION_METRICS",
    "evaluate",
    "log_scores",
    "crps_scores",
    "pit",
]

#: metric names reported for regressors, in table order (lower is better except r2 and coverage)
REGRESSION_METRICS = ("nll", "crps", "rmse", "mae", "r2", "coverage", "interval_width")
#: metric names reported for classifiers, in table order (lower is better except auroc and balanced_accuracy)
CLASSIFICATION_METRICS = ("log_loss", "brier", "auroc", "balanced_accuracy", "ece")

# CRPS integration range: the predictive quantiles at these levels (tail mass beyond them is negligible)
_TAIL = 1e-6
# rows per chunk when a CRPS grid is evaluated (memory is grid points x rows)
_CHUNK = 1024


def _family(model: Any) -> Family:
    family = getattr(model, "family_", None)
    if family is None:
        raise ValueError(
            f"`model` {type(model).__name__} must be fitted with a likelihood family to be scored. "
            "Got a model without one (not fitted, or fitted with loss=...) instead."
        )
    return family


def _target(model: Any, y: Any, n: int) -> Tensor:
    target = model._encode_target(y, fitting=False)
    if target.shape[0] != n:
        raise ValueError(
            f"`X` and `y` of {type(model).__name__} must have the same number of samples. "
            f"Got {n} rows in X and {target.shape[0]} in y instead."
        )
    return target


def log_scores(model: Any, X: Any, y: Any) -> np.ndarray:
    r"""Per-observation log predictive density (log score) of a fitted model, constants included.

    Parameters
    ----------
    model : fitted estimator
        A deepstat estimator or baseline with a likelihood family.
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, d)

    Returns
    -------
    ndarray of shape (n_samples,)
        :math:`\log p(y_i \mid \hat\theta(x_i))`, float64. Larger is better; its mean is
        ``model.log_likelihood(X, y)``.

    Raises
    ------
    ValueError
        If the model has no family, or ``X`` and ``y`` differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)); y = X[:, 0] + rng.normal(size=100)
    >>> model = DeepRegressor(network="linear", max_epochs=5, random_state=0, verbose=0).fit(X, y)
    >>> bool(np.isclose(log_scores(model, X, y).mean(), model.log_likelihood(X, y), atol=1e-5))
    True
    """
    family = _family(model)
    eta = model._eta(X)  # (n, n_params)
    target = _target(model, y, eta.shape[0])
    with torch.no_grad():
        nll = family.neg_log_likelihood(eta, target.to(eta.dtype), reduction="none")  # (n,)
    return -nll.detach().cpu().numpy().astype(np.float64)


def _univariate_scored(family: Family) -> bool:
    """Whether a CRPS is defined: a univariate, ordered target (not nominal classes, not vectors)."""
    return family.event_shape == () and not isinstance(family, Categorical)


def crps_scores(model: Any, X: Any, y: Any) -> np.ndarray | None:
    r"""Per-observation continuous ranked probability score of a fitted model (lower is better).

    Normal predictions use the closed form; count families (Poisson, negative binomial,
    Bernoulli) the exact sum over the integers up to the largest ``1 - 1e-6`` predictive
    quantile of each chunk of rows; other continuous families integrate the predictive CDF
    numerically between each row's ``1e-6`` and ``1 - 1e-6`` quantiles.

    Parameters
    ----------
    model : fitted estimator
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)

    Returns
    -------
    ndarray of shape (n_samples,) or None
        ``None`` for families without a CRPS here: multivariate targets and nominal classes.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)); y = rng.poisson(np.exp(0.5 * X[:, 0]))
    >>> model = DeepRegressor(family="poisson", network="linear", max_epochs=5, random_state=0, verbose=0).fit(X, y)
    >>> crps_scores(model, X, y).shape
    (100,)
    """
    family = _family(model)
    if not _univariate_scored(family):
        return None
    eta = model._eta(X).detach().to(torch.float64)  # (n, n_params)
    obs = _target(model, y, eta.shape[0]).detach().cpu().numpy().astype(np.float64)
    if isinstance(family, Normal):
        params = family.split(eta)
        return crps_normal(params["loc"].numpy(), params["scale"].numpy(), obs)
    out = np.empty(obs.shape[0])
    for start in range(0, obs.shape[0], _CHUNK):
        rows = slice(start, start + _CHUNK)
        eta_c, y_c = eta[rows], obs[rows]

        def cdf(z: Tensor, eta_c: Tensor = eta_c) -> Tensor:
            return family.cdf(z, eta_c)

        if family.is_discrete:
            top = family.quantile(eta_c, [1 - _TAIL]).max().item()
            out[rows] = crps_discrete(cdf, y_c, upper=int(max(top, y_c.max())) + 1)
        else:
            bounds = family.quantile(eta_c, [_TAIL, 1 - _TAIL]).numpy()  # (n_chunk, 2)
            out[rows] = crps_from_cdf(cdf, y_c, lower=bounds[:, 0], upper=bounds[:, 1])
    return out


def pit(model: Any, X: Any, y: Any, *, random_state: int | None = 0) -> np.ndarray | None:
    """Probability integral transform values of ``y`` under a fitted model's predictive distributions.

    Discrete families give the randomised PIT (uniform between ``F(y - 1)`` and ``F(y)``).

    Parameters
    ----------
    model : fitted estimator
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    random_state : int or None, default=0
        Seed of the randomisation (discrete families only).

    Returns
    -------
    ndarray of shape (n_samples,) or None
        ``None`` for multivariate targets and nominal classes, where no CDF exists.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)); y = X[:, 0] + rng.normal(size=100)
    >>> model = DeepRegressor(network="linear", max_epochs=5, random_state=0, verbose=0).fit(X, y)
    >>> u = pit(model, X, y)
    >>> bool(((u >= 0) & (u <= 1)).all())
    True
    """
    family = _family(model)
    if not _univariate_scored(family):
        return None
    return model.predict_pit(X, y, random_state=random_state)  # the shared prediction API


def _regression_scores(model: Any, X: Any, y: Any, alpha: float) -> dict[str, float]:
    family = _family(model)
    scores = dict.fromkeys(REGRESSION_METRICS, math.nan)
    scores["nll"] = -float(np.mean(log_scores(model, X, y)))
    crps = crps_scores(model, X, y)
    if crps is not None:
        scores["crps"] = float(np.mean(crps))
    obs = model._encode_target(y, fitting=False).detach().cpu().numpy().astype(np.float64)
    pred = np.asarray(model.predict(X), dtype=np.float64)
    if family.event_shape != ():  # vector targets: errors over all entries, no R² or intervals
        scores["rmse"] = root_mean_squared_error(obs.ravel(), pred.ravel())
        scores["mae"] = mean_absolute_error(obs.ravel(), pred.ravel())
        return scores
    scores["rmse"] = root_mean_squared_error(obs, pred)
    scores["mae"] = mean_absolute_error(obs, pred)
    scores["r2"] = r2_score(obs, pred)
    if not isinstance(family, Categorical):
        bounds = model.predict_interval(X, alpha)  # (n, 2)
        scores["coverage"] = interval_coverage(obs, bounds[:, 0], bounds[:, 1])
        scores["interval_width"] = mean_interval_width(bounds[:, 0], bounds[:, 1])
    return scores


def _classification_scores(model: Any, X: Any, y: Any) -> dict[str, float]:
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)  # (n, k)
    codes = _target(model, y, proba.shape[0]).detach().cpu().numpy().astype(np.int64)
    return {
        "log_loss": log_loss(codes, proba),
        "brier": brier_score(codes, proba),
        # AUROC needs every class among the observations (one-vs-rest); a fold missing one reports NaN
        "auroc": roc_auc(codes, proba) if np.unique(codes).size == proba.shape[1] else math.nan,
        "balanced_accuracy": balanced_accuracy(codes, proba),
        "ece": expected_calibration_error(codes, proba),
    }


def evaluate(model: Any, X: Any, y: Any, *, alpha: float = 0.1) -> dict[str, float]:
    """All scores of a fitted model on held-out data, by metric name.

    Parameters
    ----------
    model : fitted estimator
        A deepstat estimator or baseline (regressor or classifier) with a likelihood family.
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, d)
    alpha : float in (0, 1), default=0.1
        Miscoverage of the central predictive intervals: 0.1 scores 90% intervals.

    Returns
    -------
    dict of str to float
        Regressors: :data:`REGRESSION_METRICS` — mean NLL (negative log score, constants
        included), mean CRPS, RMSE, MAE and R² of the predictive mean, coverage and mean width of
        the ``1 - alpha`` intervals. Classifiers: :data:`CLASSIFICATION_METRICS` — log-loss,
        Brier score, AUROC (one-vs-rest macro average for more than two classes), balanced
        accuracy and expected calibration error. NaN where a metric is undefined (CRPS, R² and
        intervals of multivariate targets; AUROC when ``y`` holds one class).

    Raises
    ------
    ValueError
        If the model has no likelihood family, ``alpha`` is outside (0, 1), or ``X`` and ``y``
        differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)); y = X[:, 0] + rng.normal(size=100)
    >>> model = DeepRegressor(network="linear", max_epochs=5, random_state=0, verbose=0).fit(X, y)
    >>> list(evaluate(model, X, y))
    ['nll', 'crps', 'rmse', 'mae', 'r2', 'coverage', 'interval_width']
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"`alpha` of evaluate must be a float in (0, 1). Got {alpha!r} instead.")
    if is_classifier(model):
        return _classification_scores(model, X, y)
    return _regression_scores(model, X, y, float(alpha))
