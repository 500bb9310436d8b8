"""Survival front doors: Cox PH (with strata and time-varying covariates), AFT and discrete-time models."""

from deepstat.estimators.survival.aft import DeepAFT
from deepstat.estimators.survival.base import SurvivalEstimator
from deepstat.estimators.survival.cox import DeepCoxPH
from deepstat.estimators.survival.cox_tv import DeepCoxTimeVarying
from deepstat.estimators.survival.discrete import DeepHit, LogisticHazard

__all__ = ["SurvivalEstimator", "DeepCoxPH", "DeepCoxTimeVarying", "DeepAFT", "LogisticHazard", "DeepHit"]
