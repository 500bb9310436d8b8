"""Objectives that are not (plain) likelihoods: robust, quantile, imbalanced-class and survival losses.

Each is a pure function with the formula in its docstring plus a small ``nn.Module`` with the
estimators' loss protocol ``loss(eta, y, *, weight=None, reduction="sum")``.
"""

from deepstat.losses.imbalance import (
    ClassBalancedLoss,
    CostSensitiveLoss,
    FocalLoss,
    WeightedCrossEntropyLoss,
    class_balanced_weights,
    cost_sensitive_cross_entropy,
    cost_weights,
    focal_loss,
    weighted_cross_entropy,
)
from deepstat.losses.quantile import PinballLoss, QuantileCrossingWarning, check_quantiles, noncrossing_quantiles, pinball_loss
from deepstat.losses.registry import CLASSIFICATION_LOSSES, REGRESSION_LOSSES, make_regression_loss
from deepstat.losses.robust import (
    BarronAdaptiveLoss,
    BarronLoss,
    HuberLoss,
    TukeyBiweightLoss,
    barron_log_partition,
    barron_loss,
    huber_loss,
    tukey_biweight_loss,
)
from deepstat.losses.robust_scale import huber_scale, mad_scale, weighted_median
from deepstat.losses.survival import CensoredNLLLoss, censored_nll, check_survival_data
from deepstat.losses.survival_cox import CoxPHLoss, CoxTimeVaryingLoss, cox_partial_nll, cox_partial_nll_counting
from deepstat.utils.survival_target import SurvivalTarget
from deepstat.losses.survival_discrete import (
    DeepHitLoss,
    LogisticHazardLoss,
    deephit_nll,
    deephit_ranking_loss,
    discretize_times,
    logistic_hazard_nll,
)

__all__ = [
    "huber_loss",
    "tukey_biweight_loss",
    "barron_loss",
    "barron_log_partition",
    "HuberLoss",
    "TukeyBiweightLoss",
    "BarronLoss",
    "BarronAdaptiveLoss",
    "weighted_median",
    "mad_scale",
    "huber_scale",
    "pinball_loss",
    "check_quantiles",
    "noncrossing_quantiles",
    "PinballLoss",
    "QuantileCrossingWarning",
    "weighted_cross_entropy",
    "cost_sensitive_cross_entropy",
    "cost_weights",
    "focal_loss",
    "class_balanced_weights",
    "WeightedCrossEntropyLoss",
    "CostSensitiveLoss",
    "FocalLoss",
    "ClassBalancedLoss",
    "REGRESSION_LOSSES",
    "CLASSIFICATION_LOSSES",
    "make_regression_loss",
    "cox_partial_nll",
    "cox_partial_nll_counting",
    "CoxPHLoss",
    "CoxTimeVaryingLoss",
    "logistic_hazard_nll",
    "discretize_times",
    "deephit_nll",
    "deephit_ranking_loss",
    "LogisticHazardLoss",
    "DeepHitLoss",
    "censored_nll",
    "CensoredNLLLoss",
    "check_survival_data",
    "SurvivalTarget",
]
