"""Calibrated uncertainty on top of any fitted estimator: conformal prediction, deep ensembles, MC dropout.

The wrappers use estimators by duck typing only (``fit``, ``predict``, ``predict_quantiles``,
``predict_interval``, ``predict_proba``, ``predict_distribution``, ``get_params``), so they
work with deepstat's estimators, scikit-learn's, and each other (a conformal wrapper around a
:class:`DeepEnsemble`, say).
"""

from deepstat.inference._checks import conformal_quantile
from deepstat.inference.classification import ConformalClassifier, class_scores
from deepstat.inference.conformal import SplitConformalRegressor
from deepstat.inference.cqr import ConformalQuantileRegressor
from deepstat.inference.ensemble import DeepEnsemble
from deepstat.inference.mc_dropout import MCDropout
from deepstat.inference.mixture import EqualMixture
from deepstat.inference.survival_ensemble import SurvivalEnsemble

__all__ = [
    "ConformalClassifier",
    "ConformalQuantileRegressor",
    "DeepEnsemble",
    "EqualMixture",
    "MCDropout",
    "SplitConformalRegressor",
    "SurvivalEnsemble",
    "class_scores",
    "conformal_quantile",
]
