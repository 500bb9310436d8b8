"""Losses by name, for the estimators' ``loss="..."`` strings."""

from __future__ import annotations

from typing import Any

from torch import nn

from deepstat.losses.robust import BarronAdaptiveLoss, BarronLoss, HuberLoss, TukeyBiweightLoss

__all__ = ["REGRESSION_LOSSES", "CLASSIFICATION_LOSSES", "make_regression_loss"]

REGRESSION_LOSSES: dict[str, type[nn.Module]] = {
    "huber": HuberLoss,
    "tukey": TukeyBiweightLoss,
    "barron": BarronLoss,
    "barron_adaptive": BarronAdaptiveLoss,
}
CLASSIFICATION_LOSSES = ("cross_entropy", "focal", "cost_sensitive", "class_balanced")


def make_regression_loss(name: str, params: dict[str, Any] | None = None, caller: str = "make_regression_loss") -> nn.Module:
    """The regression loss module called ``name``, built from ``params``.

    Raises
    ------
    ValueError
        For an unknown name or parameters the loss does not take.

    Examples
    --------
    >>> make_regression_loss("huber", {"delta": 1.345})
    HuberLoss(delta=1.345)
    """
    if name not in REGRESSION_LOSSES:
        raise ValueError(f"`loss` of {caller} must be one of {sorted(REGRESSION_LOSSES)} or a callable. Got {name!r} instead.")
    try:
        return REGRESSION_LOSSES[name](**(params or {}))
    except TypeError as exc:
        raise ValueError(f"`loss_params` of {caller} must be keyword arguments of {REGRESSION_LOSSES[name].__name__}: {exc}.") from None
