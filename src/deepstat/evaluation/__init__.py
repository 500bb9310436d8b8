"""Model selection: deep and classical models fitted and scored on the same splits, with paired tests.

``compare(models, X, y, cv=...)`` (survival models too: concordance and the integrated Brier score
with bootstrap intervals), ``compare_fitted`` on held-out data, and the per-model scores behind them
(``evaluate``, ``log_scores``, ``crps_scores``, ``pit``). :mod:`deepstat.report` draws the results.
"""

from deepstat.evaluation.compare import compare, compare_fitted
from deepstat.evaluation.result import ComparisonResult
from deepstat.evaluation.scores import CLASSIFICATION_METRICS, REGRESSION_METRICS, crps_scores, evaluate, log_scores, pit
from deepstat.evaluation.survival import SURVIVAL_METRICS, compare_survival, compare_survival_fitted, evaluation_grid, survival_matrix

__all__ = [
    "compare",
    "compare_fitted",
    "ComparisonResult",
    "evaluate",
    "log_scores",
    "crps_scores",
    "pit",
    "REGRESSION_METRICS",
    "CLASSIFICATION_METRICS",
    "SURVIVAL_METRICS",
    "compare_survival",
    "compare_survival_fitted",
    "evaluation_grid",
    "survival_matrix",
]
