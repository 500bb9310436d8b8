r"""Robust (sandwich, HC0) covariance of a maximum-likelihood fit (issue 11, item 3).

.. math:: \widehat{V}_{HC0} = H^{-1} \Big(\sum_i w_i^2\, s_i s_i^\top\Big) H^{-1}

with :math:`H` the observed information (Hessian of the summed, weighted negative log-likelihood)
and :math:`s_i` the score of observation :math:`i`. The scores are the mixed second derivative of the
objective :math:`L(\theta, w)` in the parameters and the case weights,
:math:`s_i = \partial^2 L / \partial\theta\,\partial w_i` at :math:`w = 1` (or the fitted weights): for
a likelihood that is a sum over rows, :math:`L = \sum_i w_i \ell_i(\theta)`, this is the gradient of the
row's own loss; for the Cox partial likelihood, whose rows enter each other's risk sets, it is the
score residual of Lin and Wei (1989) (the infinitesimal jackknife: :math:`H^{-1} s_i` is the change of
:math:`\hat\theta` per unit of weight on row :math:`i`), with Efron's ties and strata as in the loss.

Weights are treated as sampling (case) weights, as lifelines' ``robust=True`` does: the meat sums
:math:`(w_i s_i)(w_i s_i)^\top`. Without weights this is statsmodels' ``cov_type="HC0"`` (no small-
sample correction).

References
----------
White (1980), A heteroskedasticity-consistent covariance matrix estimator, Econometrica 48;
Lin and Wei (1989), The robust inference for the Cox proportional hazards model, JASA 84.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["COV_TYPES", "check_cov_type", "observation_scores", "sandwich_covariance"]

COV_TYPES = ("nonrobust", "HC0")


def check_cov_type(cov_type: object, caller: str) -> str:
    """``cov_type`` itself, or a ValueError naming it."""
    if not isinstance(cov_type, str) or cov_type not in COV_TYPES:
        raise ValueError(
            f"`cov_type` of {caller} must be one of 'nonrobust' (observed information), 'HC0' (sandwich). "
            f"Got {cov_type!r} instead."
        )
    return cov_type


def observation_scores(objective: Callable[[Tensor, Tensor], Tensor], theta: Tensor, weight: Tensor) -> Tensor:
    r"""Per-observation scores :math:`s_i = \partial^2 L(\theta, w) / \partial\theta\,\partial w_i`, shape (n, k).

    ``objective(theta, weight)`` is the summed (weighted) negative log-likelihood; one backward pass
    per parameter (k of them) through its gradient.
    """
    theta = theta.detach().clone().requires_grad_(True)
    w = weight.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(objective(theta, w), theta, create_graph=True)  # (k,)
    rows = []
    for j in range(gradient.shape[0]):
        (d,) = torch.autograd.grad(gradient[j], w, retain_graph=True, allow_unused=True)
        rows.append(torch.zeros_like(w) if d is None else d)
    return torch.stack(rows, dim=1).detach()  # (n, k)


def sandwich_covariance(hessian: Tensor, scores: Tensor, weight: Tensor) -> Tensor:
    """``H^{-1} (sum_i w_i^2 s_i s_i^T) H^{-1}`` (k, k) from the Hessian, the scores (n, k) and the weights (n,)."""
    u = scores * weight[:, None]  # (n, k): w_i s_i
    bread = torch.linalg.solve(hessian, u.T)  # (k, n): H^{-1} w_i s_i, the per-row influence
    return bread @ bread.T
