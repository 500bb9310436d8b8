"""scikit-learn compatible front doors: the likelihood recipe for tabular data."""

from deepstat.estimators.base import DeepstatEstimator
from deepstat.estimators.classifier import DeepClassifier
from deepstat.estimators.persistence import load_estimator as load
from deepstat.estimators.predictive import PredictiveMixin
from deepstat.estimators.regressor import DeepRegressor

__all__ = ["DeepstatEstimator", "DeepRegressor", "DeepClassifier", "PredictiveMixin", "load"]
