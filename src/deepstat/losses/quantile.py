r"""The pinball (check) loss for one or several quantile levels, and non-crossing quantiles."""

from __future__ import annotations

import math

from collections.abc import Sequence
from numbers import Real

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from deepstat.losses._common import Reduction, reduce_loss

__all__ = ["pinball_loss", "check_quantiles", "noncrossing_quantiles", "PinballLoss", "QuantileCrossingWarning"]


class QuantileCrossingWarning(UserWarning):
    """Fitted quantiles cross: a lower level's quantile lies above a higher level's for some rows."""


def check_quantiles(quantiles: float | Sequence[float], caller: str) -> tuple[float, ...]:
    """Validate quantile levels: floats in (0, 1), strictly increasing; returns them as a tuple.

    Raises
    ------
    ValueError
        If a level lies outside (0, 1), or the levels are unsorted or repeated.
    """
    levels = (quantiles,) if isinstance(quantiles, Real) else tuple(quantiles)
    if not levels:
        raise ValueError(f"`quantiles` of {caller} must hold at least one level. Got {quantiles!r} instead.")
    for q in levels:
        if isinstance(q, bool) or not isinstance(q, Real) or not 0.0 < float(q) < 1.0:
            raise ValueError(f"`quantiles` of {caller} must be floats in (0, 1). Got {q!r} in {quantiles!r} instead.")
    levels = tuple(float(q) for q in levels)
    if any(b <= a for a, b in zip(levels, levels[1:])):
        problem = "repeated" if len(set(levels)) < len(levels) else "unsorted"
        raise ValueError(
            f"`quantiles` of {caller} must be strictly increasing. Got {problem} levels {list(levels)} instead; "
            f"use {sorted(set(levels))}."
        )
    return levels


def pinball_loss(
    input: Tensor,
    target: Tensor,
    *,
    quantiles: float | Sequence[float],
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""The pinball (check) loss of predicted quantiles, summed over the levels.

    .. math::

        \ell(q, y) = \sum_{j=1}^m \rho_{\tau_j}(y - q_j), \qquad
        \rho_\tau(e) = \max(\tau e, (\tau - 1) e) = e\,(\tau - 1\{e < 0\}).

    Parameters
    ----------
    input : Tensor of shape (n, m), or (n,) for one level
        Predicted quantiles, column ``j`` for level ``quantiles[j]``.
    target : Tensor of shape (n,)
    quantiles : float or sequence of floats
        Levels :math:`\tau_j` in (0, 1), strictly increasing.
    weight : Tensor of shape (n,), optional
    reduction : {"mean", "sum", "none"}, default="mean"
        "mean": weighted mean over observations of the sum over levels; "sum": the weighted
        sum; "none": the weighted (n, m) (or (n,)) elementwise losses.

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        For invalid levels or shapes.

    Notes
    -----
    The seed prints the quantile loss as :math:`\max(\tau e, (1 - \tau) e)`; the check function
    of Koenker & Bassett, whose minimiser is the :math:`\tau`-quantile, is
    :math:`\max(\tau e, (\tau - 1) e)`, used here (the seed's version is negative for :math:`e < 0`).

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. *Econometrica* 46, 33-50.

    Examples
    --------
    >>> import torch
    >>> pinball_loss(torch.tensor([[1.0, 2.0]]), torch.tensor([3.0]), quantiles=[0.1, 0.9], reduction="none")
    tensor([[0.2000, 0.9000]])
    """
    levels = check_quantiles(quantiles, "pinball_loss")
    m = len(levels)
    n = target.shape[0]
    if target.ndim != 1 or not (input.shape == (n, m) or (m == 1 and input.shape == (n,))):
        raise ValueError(
            f"`input` of pinball_loss must have shape ({n}, {m}) for {m} level(s) and a target of shape (n,). "
            f"Got input {tuple(input.shape)} and target {tuple(target.shape)} instead."
        )
    tau = input.new_tensor(levels) if input.ndim == 2 else input.new_tensor(levels[0])
    e = (target[:, None] if input.ndim == 2 else target) - input
    per_obs = torch.maximum(tau * e, (tau - 1.0) * e)
    return reduce_loss(per_obs, weight, reduction, "pinball_loss")


def noncrossing_quantiles(eta: Tensor, increment_scale: float = 1.0) -> Tensor:
    r"""Monotone quantiles from unconstrained outputs: a base quantile plus softplus increments.

    .. math:: q_1 = \eta_1, \qquad q_j = q_{j-1} + c \operatorname{softplus}(\eta_j), \quad j = 2, \dots, m.

    Parameters
    ----------
    eta : Tensor of shape (n, m)
    increment_scale : float, default=1.0
        :math:`c`, in the units of the target (an estimator passes the target's spread), so that
        the increment outputs stay of order one: in the units of a target with a spread of
        hundreds a unit step of :math:`\eta_j` would jump into softplus' flat left tail, where
        an increment can no longer grow (the gradient vanishes).

    Returns
    -------
    Tensor of shape (n, m)
        Strictly increasing along each row, whatever ``eta`` is.

    Examples
    --------
    >>> import torch
    >>> noncrossing_quantiles(torch.tensor([[1.0, 0.0, 0.0]]))
    tensor([[1.0000, 1.6931, 2.3863]])
    """
    increments = increment_scale * F.softplus(eta[:, 1:])
    return torch.cat([eta[:, :1], eta[:, :1] + increments.cumsum(dim=1)], dim=1)


class PinballLoss(nn.Module):
    """:func:`pinball_loss` as a module with the estimators' loss protocol, ``n_outputs = len(quantiles)``.

    Parameters
    ----------
    quantiles : sequence of float
        Strictly increasing levels in (0, 1).
    noncrossing : bool, default=False
        Map ``eta`` through :func:`noncrossing_quantiles` before the loss.
    increment_scale : float, default=1.0
        Scale of the non-crossing increments (see :func:`noncrossing_quantiles`).

    Examples
    --------
    >>> import torch
    >>> PinballLoss([0.1, 0.9])(torch.tensor([[1.0, 2.0]]), torch.tensor([3.0]))
    tensor(1.1000)
    """

    def __init__(self, quantiles: Sequence[float], noncrossing: bool = False, increment_scale: float = 1.0) -> None:
        super().__init__()
        self.quantiles = check_quantiles(quantiles, "PinballLoss")
        self.noncrossing = bool(noncrossing)
        if not (isinstance(increment_scale, (int, float)) and math.isfinite(increment_scale) and increment_scale > 0):
            raise ValueError(f"`increment_scale` of PinballLoss must be a positive float. Got {increment_scale!r} instead.")
        self.increment_scale = float(increment_scale)
        self.n_outputs = len(self.quantiles)

    def quantile_predictions(self, eta: Tensor) -> Tensor:
        """The predicted quantiles (n, m) from the network's ``eta``."""
        return noncrossing_quantiles(eta, self.increment_scale) if self.noncrossing else eta

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return pinball_loss(self.quantile_predictions(eta), y, quantiles=self.quantiles, weight=weight, reduction=reduction)

