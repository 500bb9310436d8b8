"""The classical model of each task behind deepstat's prediction API (statsmodels under the hood).

>>> from deepstat.baselines import baseline_for
>>> baseline_for("negative_binomial")
GLMBaseline(family='negative_binomial')
"""

from deepstat.baselines.base import StatsmodelsBaseline
from deepstat.baselines.glm import GLM_FAMILIES, GLMBaseline
from deepstat.baselines.multinomial import MultinomialLogitBaseline
from deepstat.baselines.quantile import QuantRegBaseline
from deepstat.baselines.registry import BASELINE_FAMILIES, baseline_for
from deepstat.baselines.survival import CoxPHBaseline, KaplanMeierBaseline

__all__ = [
    "BASELINE_FAMILIES",
    "GLM_FAMILIES",
    "CoxPHBaseline",
    "GLMBaseline",
    "KaplanMeierBaseline",
    "MultinomialLogitBaseline",
    "QuantRegBaseline",
    "StatsmodelsBaseline",
    "baseline_for",
]
