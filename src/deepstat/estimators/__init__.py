"""scikit-learn compatible front doors: the likelihood recipe for tabular data."""

from deepstat.estimators.base import DeepstatEstimator
from deepstat.estimators.classifier import DeepClassifier
from deepstat.estimators.persistence import load_estimator as load
from deepstat.estimators.predictive import PredictiveMixin
from deepstat.estimators.quantile import DeepQuantileRegressor
from deepstat.estimators.regressor import DeepRegressor
from deepstat.estimators.survival_aft import DeepAFT
from deepstat.estimators.survival_cox import DeepCoxPH
from deepstat.estimators.survival_cox_tv import DeepCoxTimeVarying
from deepstat.estimators.survival_discrete import DeepHit, LogisticHazard

__all__ = ["DeepstatEstimator", "DeepRegressor", "DeepClassifier", "DeepQuantileRegressor", "DeepCoxPH", "DeepCoxTimeVarying", "DeepAFT", "LogisticHazard", "DeepHit", "PredictiveMixin", "load"]
