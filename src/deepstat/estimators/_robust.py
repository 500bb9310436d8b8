r"""Robust fits with an estimated residual scale, in rounds, as statsmodels' RLM and R's ``MASS::rlm``.

Huber's and Tukey's losses are tuned in units of the residual scale :math:`s`: the M-estimate
minimises :math:`\sum_i w_i\, \rho_c(r_i / s)` with :math:`c = 1.345` (Huber) or :math:`4.685`
(Tukey), both 95% efficient at the normal. Since :math:`s^2 \rho_c(r / s) = \rho_{cs}(r)` for
both losses, a fit at a fixed scale is a fit of :func:`~deepstat.losses.huber_loss` (or
:func:`~deepstat.losses.tukey_biweight_loss`) with ``delta = c * s``. When ``s`` is not given,
:func:`fit_robust` finds the fixed point :math:`\hat\beta = \arg\min \sum \rho_c(r_i(\beta)/\hat s)`,
:math:`\hat s = S(r(\hat\beta))` by rounds:

0. fit least squares (a network as any other fit: warm start for what follows);
1. estimate :math:`s` from the residuals: ``scale_est="mad"``, :math:`\operatorname{median}|r_i| / 0.6745`
   (RLM's default), or ``"huber"``, Huber's proposal 2 (RLM's ``HuberScale()``);
2. refit the loss at that fixed scale, starting from the current network;
3. re-estimate :math:`s`; stop when it changed by less than ``tol`` (relative), else go to 2.

RLM alternates one weighted least-squares step with one scale update; each round here runs
the fit at a fixed scale to its end, so both stop at the same fixed point. ``tol`` is 1e-8 for
L-BFGS fits (full batch, deterministic: the linear predictor then gives RLM's coefficients)
and 1e-2 for stochastic ones, whose scale moves by optimisation noise from round to round
(far less than its standard error, about :math:`s / \sqrt{2n}`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
from torch import Tensor

from deepstat.losses import BarronAdaptiveLoss, BarronLoss, make_regression_loss
from deepstat.losses.robust_scale import huber_scale, mad_scale
from deepstat.train import ConvergenceWarning, TensorBatches
from deepstat.utils.config import torch_threads
from deepstat.utils.validation import user_stacklevel

__all__ = ["ROBUST_SCALE_LOSSES", "TUNING_CONSTANTS", "fit_robust", "residual_scale"]

#: Tuning constants in units of the residual scale: 95% efficiency at the normal (Huber 1981; Beaton & Tukey 1974),
#: the defaults of statsmodels' HuberT / TukeyBiweight and of MASS's psi.huber / psi.bisquare.
TUNING_CONSTANTS = {"huber": 1.345, "tukey": 4.685}
#: The named losses whose scale is estimated when ``loss_params`` give none.
ROBUST_SCALE_LOSSES = (*TUNING_CONSTANTS, "barron_adaptive")
SCALE_ESTIMATORS = ("mad", "huber")
MAX_ROUNDS = 30


def residual_scale(residuals: Tensor, weight: Tensor | None, scale_est: str, df_resid: float | None = None) -> float:
    """The scale of ``residuals``: RLM's ``mad(r, center=0)`` for "mad", ``HuberScale()(df_resid, n, r)`` for "huber"."""
    if scale_est == "mad":
        return mad_scale(residuals, weight, center=0.0)
    return huber_scale(residuals, weight, df_resid=df_resid)


def _residuals(estimator: Any, X: Any, y: Tensor) -> Tensor:
    """``y - eta[:, 0]`` of the fitted module on the training rows, in float64."""
    estimator.module_.eval()
    with torch.no_grad(), torch_threads():
        eta = estimator._module_eta(X)
    return (y.double() - eta[..., 0].double()).flatten()


def _df_resid(estimator: Any, weight: Tensor | None, n: int) -> float | None:
    """n - p for the linear predictor (p coefficients, intercept included); None (no correction) for a network."""
    if not estimator.network_.is_linear:
        return None
    n_w = float(n if weight is None else weight.double().sum())
    p = sum(q.numel() for q in estimator.module_.body.parameters())
    return n_w - p if n_w > p else None


class _PerScale:
    r"""``loss / scale**2`` = :math:`\sum_i w_i \rho_c(r_i / s)` for ``loss`` = :math:`\rho_{cs}`: what the engine minimises.

    The same minimiser as ``loss``, but free of the units of ``y``, so that L-BFGS's gradient
    tolerance means the same on any data (in units of ``y``, a warm start on data in the
    hundreds sits above it for ever, at a gradient of the order of float64 rounding).
    """

    n_outputs = 1

    def __init__(self, loss: Any, scale: float) -> None:
        self.loss, self.factor = loss, 1.0 / scale**2

    def __call__(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: str = "sum") -> Tensor:
        return self.factor * self.loss(eta, y, weight=weight, reduction=reduction)


def _round_settings(params: dict[str, Any], caller: str) -> tuple[str, int]:
    """Pop and check ``scale_est`` and ``max_rounds`` from the loss parameters."""
    scale_est = params.pop("scale_est", "mad")
    if scale_est not in SCALE_ESTIMATORS:
        raise ValueError(f"`loss_params['scale_est']` of {caller} must be one of {list(SCALE_ESTIMATORS)}. Got {scale_est!r} instead.")
    max_rounds = params.pop("max_rounds", MAX_ROUNDS)
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise ValueError(f"`loss_params['max_rounds']` of {caller} must be an int >= 1. Got {max_rounds!r} instead.")
    return scale_est, max_rounds


def _given_scale(value: Any, caller: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"`loss_params['scale']` of {caller} must be None (estimate it) or a finite float > 0. Got {value!r} instead.")
    return float(value)


def fit_robust(
    estimator: Any, X: Any, y: Tensor, weight: Tensor | None, validation: TensorBatches | None, center: float, spread: float
) -> None:
    """Fit ``estimator.loss`` ("huber", "tukey", "barron_adaptive") with a given or estimated residual scale.

    Sets ``loss_`` (the loss at the final scale, ``delta = c * scale_``), ``scale_`` (the scale of
    the final residuals, as RLM's ``scale``) and ``scale_history_`` (one scale per round, the
    least-squares start first). See the module docstring for the rounds.

    Raises
    ------
    ValueError
        For loss parameters the loss does not take, a ``scale`` that is not positive, an unknown
        ``scale_est`` or a ``max_rounds`` below 1 (before anything is fitted).
    """
    caller = type(estimator).__name__
    name = estimator.loss
    params = dict(estimator.loss_params or {})
    scale_est, max_rounds = _round_settings(params, caller)
    if name == "barron_adaptive":
        _fit_barron_adaptive(estimator, X, y, weight, validation, center, spread, params, scale_est)
        return
    # `delta` alone keeps its earlier meaning, a threshold in the units of y (scale 1)
    scale = _given_scale(params.pop("scale", 1.0 if "delta" in params else None), caller)
    c = params.pop("delta", TUNING_CONSTANTS[name])
    make_regression_loss(name, {**params, "delta": c}, caller)  # unknown keys or a bad delta fail before any fit
    if scale is not None:
        estimator.loss_ = make_regression_loss(name, {**params, "delta": c * scale}, caller)
        objective = _PerScale(estimator.loss_, scale)
        estimator._fit_network(X, y, weight, validation, 1, objective, torch.tensor([center]), torch.tensor([spread]))
        estimator.scale_, estimator.scale_history_ = scale, [scale]
        return
    # 0. least squares, rho = (r / spread)^2 / 2 (of the order of 1 whatever the units of y)
    estimator._fit_network(X, y, weight, validation, 1, BarronLoss(alpha=2.0, scale=spread), torch.tensor([center]), torch.tensor([spread]))
    df_resid = _df_resid(estimator, weight, int(y.shape[0]))
    tol = 1e-8 if estimator.optimizer_ == "lbfgs" else 1e-2
    history = [residual_scale(_residuals(estimator, X, y), weight, scale_est, df_resid)]  # 1. the start's scale
    change = math.inf
    for _ in range(max_rounds):
        scale = history[-1]
        if not scale > 0:  # more than half the residuals are 0: a perfect fit, nothing to reweight
            warnings.warn(
                f"The residual scale of {caller}(loss={name!r}) is 0: the fit is exact on most rows, so the "
                "robust rounds stop at the least-squares fit.", ConvergenceWarning, stacklevel=user_stacklevel(),
            )
            scale = spread * 1e-12
            estimator.loss_ = make_regression_loss(name, {**params, "delta": c * scale}, caller)
            change = 0.0
            break
        estimator.loss_ = make_regression_loss(name, {**params, "delta": c * scale}, caller)
        estimator._refit_network(X, y, weight, validation, _PerScale(estimator.loss_, scale))  # 2. refit at a fixed scale, warm start
        history.append(residual_scale(_residuals(estimator, X, y), weight, scale_est, df_resid))  # 3.
        change = abs(history[-1] - scale) / scale
        if change < tol:
            break
    if change >= tol:
        warnings.warn(
            f"The residual scale of {caller}(loss={name!r}) still changed by {change:.2g} (relative, tolerance "
            f"{tol:g}) in the last of {max_rounds} rounds; raise loss_params['max_rounds'] or give loss_params['scale'].",
            ConvergenceWarning, stacklevel=user_stacklevel(),
        )
    estimator.scale_, estimator.scale_history_ = history[-1], history


def _fit_barron_adaptive(
    estimator: Any, X: Any, y: Tensor, weight: Tensor | None, validation: TensorBatches | None,
    center: float, spread: float, params: dict[str, Any], scale_est: str,
) -> None:
    """Barron's adaptive loss: its scale starts at the scale of the least-squares residuals, unless given."""
    caller = type(estimator).__name__
    start = _given_scale(params.pop("scale", None), caller)
    make_regression_loss("barron_adaptive", params, caller)  # unknown keys or a bad alpha fail before any fit
    if start is None:
        estimator._fit_network(X, y, weight, validation, 1, BarronLoss(alpha=2.0, scale=spread), torch.tensor([center]), torch.tensor([spread]))
        start = residual_scale(_residuals(estimator, X, y), weight, scale_est, _df_resid(estimator, weight, int(y.shape[0])))
        start = start if start > 0 else spread
    estimator.loss_ = BarronAdaptiveLoss(**params, scale=start)
    estimator._fit_network(X, y, weight, validation, 1, estimator.loss_, torch.tensor([center]), torch.tensor([spread]))
    estimator.scale_, estimator.scale_history_ = float(estimator.loss_.scale_), [start]
