"""Models without an intercept (``fit_intercept=False``; a formula's ``0 +`` or ``- 1``), issue 11 item 2.

The intercept of a deep estimator lives in two places: the head's fixed offset (the family's
intercept-only estimate, where the fit starts) and the bias of the network's output layer. Without an
intercept both are 0 for the modelled columns of ``eta`` and the bias is frozen, so that with the
linear network :math:`\\eta_j = x^\\top\\beta_j` exactly, R's ``glm(y ~ 0 + x)``. The inputs are then
scaled but not centred (centring would put an intercept back, see ``TabularPreprocessor``). Constant
parameters that are not modelled (a GLM's dispersion) keep theirs.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import Tensor, nn

from deepstat.nn.skip import LinearSkipModule

__all__ = ["drop_intercept", "fits_intercept", "formula_intercept"]


def fits_intercept(estimator: Any) -> bool:
    """``estimator.fit_intercept``; True for estimators without the argument (survival models: none needed)."""
    return bool(getattr(estimator, "fit_intercept", True))


def drop_intercept(estimator: Any, body: nn.Module, offset: Tensor, n_modelled: int) -> Tensor:
    """The head offset to use; without an intercept, 0 for the modelled columns and the output bias frozen at 0.

    Raises
    ------
    ValueError
        If the network has no linear output layer whose bias is the intercept.
    """
    if fits_intercept(estimator):
        return offset
    caller = type(estimator).__name__
    # the default MLP's linear skip has two biases, the linear part's and the network's output layer's
    layers = [body.linear, body.network.output_layer] if isinstance(body, LinearSkipModule) else [getattr(body, "output_layer", None)]
    for layer in layers:
        if not isinstance(layer, nn.Linear) or layer.bias is None:
            raise ValueError(
                f"`fit_intercept` of {caller} must be True for a network without a linear output layer "
                f"({type(body).__name__}): its intercept cannot be removed. Got False instead."
            )
        with torch.no_grad():
            layer.bias.zero_()
        layer.bias.requires_grad_(False)  # the engine trains only parameters that require gradients
    offset = offset.clone()
    offset[:n_modelled] = 0.0
    return offset


def formula_intercept(cls: type, design: Any, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with ``fit_intercept=False`` when the formula removes the intercept (``0 +`` / ``- 1``).

    The formula decides: ``"y ~ 0 + x"`` fits no intercept whatever ``fit_intercept`` says, and
    ``fit_intercept=False`` with ``"y ~ x"`` fits none either. Estimators without the argument
    (the Cox models, which have no intercept) are left as they are.
    """
    if design.has_intercept or "fit_intercept" not in inspect.signature(cls.__init__).parameters:
        return params
    return {**params, "fit_intercept": False}
