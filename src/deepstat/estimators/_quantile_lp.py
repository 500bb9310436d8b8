r"""Linear quantile regression solved exactly, as a linear programme (HiGHS through scipy).

The minimum-pinball fit of a linear predictor,

.. math:: \hat\beta_\tau = \arg\min_\beta \sum_i w_i\, \rho_\tau(y_i - x_i^\top \beta),

is a linear programme (Koenker & Bassett 1978). Its dual, with :math:`d_i = a_i + (1 - \tau) w_i`,

.. math:: \max_d\; y^\top d \quad \text{s.t.} \quad X^\top d = (1 - \tau) X^\top w, \qquad 0 \le d_i \le w_i,

has ``n`` bounded variables and only ``p`` equality constraints; :math:`\hat\beta_\tau` is the vector
of their multipliers (Koenker 2005, section 6.2). The minimum of the primal equals
:math:`y^\top d^* - (1 - \tau)\, y^\top w` (strong duality), which is checked. A weight of 2 is a
duplicated row (it doubles the row's bound); a zero weight removes the row.

HiGHS meets its optimality conditions to a tolerance (about 1e-7), so its multipliers are a little
off the optimal vertex. An optimal vertex interpolates ``p`` observations (Koenker 2005, theorem
2.1): the solution is polished by solving exactly through the ``p`` rows with the smallest
residuals, and the polished coefficients are kept when their objective is not larger.

References
----------
Koenker, R. & Bassett, G. (1978). Regression quantiles. *Econometrica* 46, 33-50.
Koenker, R. (2005). *Quantile Regression*. Cambridge University Press.
"""

from __future__ import annotations

import numpy as np

__all__ = ["quantile_regression_lp", "pinball_objective"]


def pinball_objective(X: np.ndarray, y: np.ndarray, beta: np.ndarray, tau: float, weight: np.ndarray | None = None) -> float:
    r"""The weighted pinball loss :math:`\sum_i w_i \rho_\tau(y_i - x_i^\top\beta)` (a sum, not a mean)."""
    e = y - X @ beta
    w = np.ones_like(y) if weight is None else weight
    return float(np.sum(w * np.maximum(tau * e, (tau - 1.0) * e)))


def quantile_regression_lp(X: np.ndarray, y: np.ndarray, tau: float, weight: np.ndarray | None = None) -> np.ndarray:
    """The exact minimum-pinball coefficients of ``y`` on the columns of ``X`` at level ``tau``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_columns)
        The design, intercept column included (none is added).
    y : ndarray of shape (n_samples,)
    tau : float in (0, 1)
    weight : ndarray of shape (n_samples,), optional
        Non-negative sample weights (checked by the caller).

    Returns
    -------
    ndarray of shape (n_columns,)

    Raises
    ------
    RuntimeError
        If HiGHS does not report an optimal solution, or the solution's primal and dual objectives
        disagree (an inexact multiplier vector).
    """
    from scipy.optimize import linprog

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weight is None else np.asarray(weight, dtype=np.float64)
    bounds = np.column_stack([np.zeros_like(w), w])
    # minimise -y'd: the dual of the pinball problem; its equality multipliers are -beta
    result = linprog(-y, A_eq=X.T, b_eq=(1.0 - tau) * (X.T @ w), bounds=bounds, method="highs")
    if result.status != 0:
        raise RuntimeError(f"The quantile regression linear programme at tau={tau:g} was not solved: {result.message}")
    beta = -np.asarray(result.eqlin.marginals, dtype=np.float64)
    dual = float(-result.fun - (1.0 - tau) * (y @ w))
    primal = pinball_objective(X, y, beta, tau, w)
    if not abs(primal - dual) <= 1e-7 * max(1.0, abs(primal)):
        raise RuntimeError(
            f"The quantile regression linear programme at tau={tau:g} ended with a duality gap: primal {primal!r}, "
            f"dual {dual!r}. Use optimizer='adam' for this fit."
        )
    return _polish(X, y, w, beta, tau)


def _polish(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray, tau: float) -> np.ndarray:
    """The vertex through the ``p`` best-fitted rows of positive weight, if its pinball loss is not larger."""
    p = X.shape[1]
    rows = np.flatnonzero(w > 0)
    if rows.size < p:
        return beta
    basis = rows[np.argsort(np.abs(y[rows] - X[rows] @ beta), kind="stable")[:p]]
    if np.linalg.matrix_rank(X[basis]) < p:  # collinear columns or tied rows: keep HiGHS' answer
        return beta
    vertex = np.linalg.solve(X[basis], y[basis])
    return vertex if pinball_objective(X, y, vertex, tau, w) <= pinball_objective(X, y, beta, tau, w) else beta
