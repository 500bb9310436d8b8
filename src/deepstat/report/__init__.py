"""Reporting: console tables, diagnostic plots and the self-contained HTML report. It draws; it fits nothing.

The comparisons and scores it draws come from :mod:`deepstat.evaluation`.
"""

from deepstat.report.console import print_comparison
from deepstat.report.html import write_html
from deepstat.report.plots import (
    plot_calibration,
    plot_coverage_by_group,
    plot_pit_histogram,
    plot_predicted_vs_observed,
    plot_training_curves,
)
from deepstat.report.survival_html import plot_survival_by_risk_group, plot_survival_calibration, write_survival_html

__all__ = [
    "write_html",
    "print_comparison",
    "plot_training_curves",
    "plot_pit_histogram",
    "plot_predicted_vs_observed",
    "plot_coverage_by_group",
    "plot_calibration",
    "write_survival_html",
    "plot_survival_by_risk_group",
    "plot_survival_calibration",
]
