r"""Weighted maximum likelihood for the baselines whose statsmodels model takes no weights.

statsmodels' discrete ``Logit``, ``MNLogit`` and ``NegativeBinomial`` have no ``freq_weights``, so
with ``sample_weight`` the baselines maximise the weighted log-likelihood
:math:`\ell_w(\theta) = \sum_i w_i \ell_i(\theta)` here, by Newton's method with step halving on the
closed-form gradient and Hessian. With integer weights this is the fit of the data with row
``i`` repeated ``w_i`` times; with unit weights it is statsmodels' unweighted fit. Standard errors
come from the inverse of :math:`-\nabla^2 \ell_w`, the information of the repeated-rows data
(frequency weights, as statsmodels' ``GLM(freq_weights=)``).

:class:`WeightedFit` carries the labelled ``params``, ``bse``, ``tvalues`` and ``pvalues`` that
:meth:`~deepstat.baselines.base.StatsmodelsBaseline.summary` reads off a statsmodels result.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.special
import scipy.stats
from sklearn.exceptions import ConvergenceWarning

__all__ = ["WeightedFit", "fit_weighted_logit", "fit_weighted_mnlogit", "fit_weighted_nb2"]

Objective = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]]


@dataclass
class WeightedFit:
    """The weighted MLE, laid out as the statsmodels results the baselines read.

    ``params``, ``bse``, ``tvalues`` and ``pvalues`` are Series (one parameter vector) or DataFrames
    (one column per non-reference class), labelled as statsmodels labels them.
    """

    params: Any
    bse: Any
    tvalues: Any
    pvalues: Any
    llf: float
    converged: bool
    n_iter: int
    nobs: float
    covariance: np.ndarray = field(repr=False)

    def cov_params(self) -> np.ndarray:
        """Covariance of the flat parameter vector: the inverse weighted observed information."""
        return self.covariance


def newton(objective: Objective, start: np.ndarray, *, max_iter: int = 200, tol: float = 1e-10) -> tuple[np.ndarray, float, np.ndarray, bool, int]:
    """Maximise a concave-near-the-optimum ``objective(theta) -> (loglik, gradient, hessian)``.

    Each step solves ``H step = -g`` (Levenberg-damped where ``-H`` is not positive definite) and is
    halved until the log-likelihood does not fall. Converged when the largest component of the full
    step is below ``tol`` (statsmodels' Newton uses 1e-8 on the parameters).
    """
    theta = np.asarray(start, dtype=np.float64).copy()
    loglik, grad, hess = objective(theta)
    for n_iter in range(1, max_iter + 1):
        step = _ascent_direction(grad, hess)
        if np.abs(step).max() < tol:  # the full Newton step is negligible: converged
            theta = theta + step
            loglik, _, hess = objective(theta)
            return theta, loglik, hess, True, n_iter
        for _ in range(40):  # step halving: every accepted step is an ascent step
            new = objective(theta + step)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12 * max(1.0, abs(loglik)):
                break
            step = step / 2
        else:
            return theta, loglik, hess, False, n_iter
        theta = theta + step
        loglik, grad, hess = new
    return theta, loglik, hess, False, max_iter


def _ascent_direction(grad: np.ndarray, hess: np.ndarray) -> np.ndarray:
    """Newton's step, ``-H^{-1} g``; where ``-H`` is not positive definite, Levenberg's ``(-H + lam I)^{-1} g``."""
    information = -hess
    lam = 0.0
    scale = max(float(np.abs(np.diag(information)).max()), 1e-12)
    for _ in range(60):
        try:
            factor = np.linalg.cholesky(information + lam * np.eye(grad.shape[0]))
            return scipy.linalg.cho_solve((factor, True), grad)
        except np.linalg.LinAlgError:
            lam = scale * 1e-8 if lam == 0 else lam * 10
    return grad / scale  # a gradient step: the information is not finite


def _result(theta: np.ndarray, loglik: float, hess: np.ndarray, converged: bool, n_iter: int, nobs: float, label: Callable) -> WeightedFit:
    with np.errstate(all="ignore"):
        try:
            covariance = np.linalg.inv(-hess)
        except np.linalg.LinAlgError:
            covariance = np.full_like(hess, np.nan)
        bse = np.sqrt(np.diag(covariance))
        z = theta / bse
        p = 2 * scipy.stats.norm.sf(np.abs(z))
    return WeightedFit(label(theta), label(bse), label(z), label(p), float(loglik), converged, n_iter, nobs, covariance)


def _warn_if(converged: bool, model: str, n_iter: int) -> None:
    if not converged:
        warnings.warn(
            f"The weighted {model} fit did not converge in {n_iter} Newton steps; the estimates may diverge "
            "(separation, or no overdispersion for the negative binomial).",
            ConvergenceWarning,
            stacklevel=3,
        )


def fit_weighted_logit(Z: pd.DataFrame, y: np.ndarray, weight: np.ndarray, *, max_iter: int = 200) -> WeightedFit:
    r"""Weighted logistic regression: :math:`\sum_i w_i [y_i \eta_i - \log(1 + e^{\eta_i})]`, :math:`\eta = Z\beta`."""
    X = Z.to_numpy(dtype=np.float64)  # (n, p)

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        eta = X @ beta  # (n,)
        prob = scipy.special.expit(eta)
        loglik = float(np.sum(weight * (y * eta - np.logaddexp(0.0, eta))))
        grad = X.T @ (weight * (y - prob))
        hess = -(X * (weight * prob * (1 - prob))[:, None]).T @ X
        return loglik, grad, hess

    fitted = newton(objective, np.zeros(X.shape[1]), max_iter=max_iter)
    _warn_if(fitted[3], "logit", fitted[4])
    return _result(*fitted, float(weight.sum()), lambda v: pd.Series(v, index=Z.columns))


def fit_weighted_mnlogit(Z: pd.DataFrame, codes: np.ndarray, weight: np.ndarray, n_classes: int, *, max_iter: int = 200) -> WeightedFit:
    r"""Weighted multinomial logit, class 0 the reference: :math:`\sum_i w_i \log \mathrm{softmax}(0, Z_i\beta)_{y_i}`.

    The flat parameter vector stacks the (p,) blocks of classes 1 .. k-1 (statsmodels' order).
    """
    X = Z.to_numpy(dtype=np.float64)  # (n, p)
    n, p = X.shape
    m = n_classes - 1
    Y = np.zeros((n, m))
    rows = np.flatnonzero(codes > 0)
    Y[rows, codes[rows].astype(np.int64) - 1] = 1.0  # (n, k - 1) indicators of the non-reference classes

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        B = theta.reshape(m, p).T  # (p, k - 1)
        eta = np.column_stack([np.zeros(n), X @ B])  # (n, k)
        log_norm = scipy.special.logsumexp(eta, axis=1)
        P = np.exp(eta[:, 1:] - log_norm[:, None])  # (n, k - 1)
        loglik = float(np.sum(weight * (np.sum(Y * eta[:, 1:], axis=1) - log_norm)))
        grad = (X.T @ (weight[:, None] * (Y - P))).T.ravel()  # class blocks
        hess = np.empty((m * p, m * p))
        for j in range(m):
            for l in range(j, m):
                c = weight * P[:, j] * ((j == l) - P[:, l])
                block = -(X * c[:, None]).T @ X
                hess[j * p:(j + 1) * p, l * p:(l + 1) * p] = block
                hess[l * p:(l + 1) * p, j * p:(j + 1) * p] = block.T
        return loglik, grad, hess

    fitted = newton(objective, np.zeros(m * p), max_iter=max_iter)
    _warn_if(fitted[3], "multinomial logit", fitted[4])
    return _result(*fitted, float(weight.sum()), lambda v: pd.DataFrame(np.reshape(v, (m, p)).T, index=Z.columns))


def _nb2_objective(X: np.ndarray, y: np.ndarray, weight: np.ndarray, offset: np.ndarray) -> Objective:
    r"""NB2 log-likelihood in :math:`(\beta, \alpha)` with its gradient and Hessian.

    With :math:`r = 1/\alpha` and :math:`\mu = e^\eta`,
    :math:`\ell_i = \log\Gamma(y+r) - \log\Gamma(r) - \log y! + r\log r - (r+y)\log(r+\mu) + y\log\mu`:
    :math:`\partial_\eta \ell = (y-\mu) r/(r+\mu)`, :math:`\partial^2_\eta \ell = -(r+y) r\mu/(r+\mu)^2`,
    :math:`\partial_r \ell = \psi(y+r) - \psi(r) + \log r + 1 - \log(r+\mu) - (r+y)/(r+\mu)`,
    :math:`\partial^2_r \ell = \psi'(y+r) - \psi'(r) + 1/r - 1/(r+\mu) - (\mu-y)/(r+\mu)^2`,
    :math:`\partial_\eta\partial_r \ell = (y-\mu)\mu/(r+\mu)^2`; the chain rule with :math:`dr/d\alpha = -r^2`
    gives the :math:`\alpha` derivatives.
    """

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        beta, alpha = theta[:-1], theta[-1]
        if not alpha > 0:
            return -np.inf, np.zeros_like(theta), np.eye(theta.shape[0])
        r = 1.0 / alpha
        eta = X @ beta + offset
        with np.errstate(over="ignore"):
            mu = np.exp(eta)
        rm = r + mu
        ll = (
            scipy.special.gammaln(y + r) - scipy.special.gammaln(r) - scipy.special.gammaln(y + 1)
            + r * np.log(r) - (r + y) * np.log(rm) + y * eta
        )
        d_eta = (y - mu) * r / rm
        d_eta2 = -(r + y) * r * mu / rm**2
        d_r = scipy.special.digamma(y + r) - scipy.special.digamma(r) + np.log(r) + 1 - np.log(rm) - (r + y) / rm
        d_r2 = scipy.special.polygamma(1, y + r) - scipy.special.polygamma(1, r) + 1 / r - 1 / rm - (mu - y) / rm**2
        d_eta_r = (y - mu) * mu / rm**2
        # chain rule to alpha: dr/dalpha = -r^2, d2r/dalpha2 = 2 r^3
        d_a = -(r**2) * d_r
        d_a2 = r**4 * d_r2 + 2 * r**3 * d_r
        d_eta_a = -(r**2) * d_eta_r
        grad = np.append(X.T @ (weight * d_eta), np.sum(weight * d_a))
        hess = np.empty((theta.shape[0], theta.shape[0]))
        hess[:-1, :-1] = (X * (weight * d_eta2)[:, None]).T @ X
        hess[:-1, -1] = hess[-1, :-1] = X.T @ (weight * d_eta_a)
        hess[-1, -1] = np.sum(weight * d_a2)
        return float(np.sum(weight * ll)), grad, hess

    return objective


def fit_weighted_nb2(
    Z: pd.DataFrame, y: np.ndarray, weight: np.ndarray, offset: np.ndarray | None = None, *, max_iter: int = 200
) -> WeightedFit:
    r"""Weighted NB2 regression, :math:`\log\mu = Z\beta + \text{offset}`, :math:`\mathrm{Var}\,y = \mu + \alpha\mu^2`.

    Starts, as statsmodels does, from the (weighted) Poisson fit; ``params`` ends with ``"alpha"``.
    Newton runs on :math:`(\beta, \log\alpha)`, which keeps :math:`\alpha > 0`; the standard errors
    are those of :math:`(\beta, \alpha)`, statsmodels' parametrisation.
    """
    X = Z.to_numpy(dtype=np.float64)  # (n, p)
    offset = np.zeros(X.shape[0]) if offset is None else np.asarray(offset, dtype=np.float64)

    def poisson(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        eta = X @ beta + offset
        with np.errstate(over="ignore"):
            mu = np.exp(eta)
        loglik = float(np.sum(weight * (y * eta - mu - scipy.special.gammaln(y + 1))))
        return loglik, X.T @ (weight * (y - mu)), -(X * (weight * mu)[:, None]).T @ X

    start = np.zeros(X.shape[1])
    start[0] = np.log(max(np.average(y, weights=weight), 1e-8)) if np.allclose(X[:, 0], 1) else 0.0
    beta0 = newton(poisson, start, max_iter=max_iter)[0]
    natural = _nb2_objective(X, y, weight, offset)

    def on_log_alpha(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        alpha = np.exp(theta[-1])
        loglik, g, H = natural(np.append(theta[:-1], alpha))
        grad = g.copy()
        grad[-1] = g[-1] * alpha
        hess = H.copy()
        hess[:-1, -1] = hess[-1, :-1] = H[:-1, -1] * alpha
        hess[-1, -1] = H[-1, -1] * alpha**2 + g[-1] * alpha
        return loglik, grad, hess

    theta, _, _, converged, n_iter = newton(on_log_alpha, np.append(beta0, np.log(0.1)), max_iter=max_iter)
    params = np.append(theta[:-1], np.exp(theta[-1]))
    loglik, _, hess = natural(params)
    _warn_if(converged, "negative binomial (NB2)", n_iter)
    return _result(params, loglik, hess, converged, n_iter, float(weight.sum()), lambda v: pd.Series(v, index=[*Z.columns, "alpha"]))
