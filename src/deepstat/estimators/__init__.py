"""scikit-learn compatible front doors by task: the likelihood recipe (network x family) behind each."""

from deepstat.estimators.base import DeepstatEstimator
from deepstat.estimators.classifier import DeepClassifier
from deepstat.estimators.persistence import load_estimator as load
from deepstat.estimators.predictive import PredictiveMixin
from deepstat.estimators.quantile import DeepQuantileRegressor
from deepstat.estimators.regressor import DeepRegressor
from deepstat.estimators.survival import DeepAFT, DeepCoxPH, DeepCoxTimeVarying, DeepHit, LogisticHazard, SurvivalEstimator

__all__ = ["DeepstatEstimator", "DeepRegressor", "DeepClassifier", "DeepQuantileRegressor", "DeepCoxPH", "DeepCoxTimeVarying", "DeepAFT", "LogisticHazard", "DeepHit", "SurvivalEstimator", "PredictiveMixin", "load"]
