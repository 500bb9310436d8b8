"""Reporting: deep-vs-classical comparisons, diagnostic plots and the self-contained HTML report."""

from deepstat.report.compare import ComparisonResult, compare, compare_fitted
from deepstat.report.console import print_comparison
from deepstat.report.evaluation import CLASSIFICATION_METRICS, REGRESSION_METRICS, crps_scores, evaluate, log_scores, pit
from deepstat.report.html import write_html
from deepstat.report.survival import SURVIVAL_METRICS, compare_survival, compare_survival_fitted, evaluation_grid, survival_matrix
from deepstat.report.survival_html import plot_survival_by_risk_group, plot_survival_calibration, write_survival_html
from deepstat.report.plots import (
    plot_calibration,
    plot_coverage_by_group,
    plot_pit_histogram,
    plot_predicted_vs_observed,
    plot_training_curves,
)

__all__ = [
    "compare",
    "write_html",
    "ComparisonResult",
    "compare_fitted",
    "print_comparison",
    "evaluate",
    "log_scores",
    "crps_scores",
    "pit",
    "REGRESSION_METRICS",
    "CLASSIFICATION_METRICS",
    "plot_training_curves",
    "plot_pit_histogram",
    "plot_predicted_vs_observed",
    "plot_coverage_by_group",
    "plot_calibration",
    "SURVIVAL_METRICS",
    "compare_survival",
    "compare_survival_fitted",
    "evaluation_grid",
    "survival_matrix",
    "write_survival_html",
    "plot_survival_by_risk_group",
    "plot_survival_calibration",
]
