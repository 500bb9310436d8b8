"""Proper scores and task metrics: functions of (prediction, truth) returning floats or numpy arrays.

Inputs are array-likes (numpy, pandas or torch tensors). Each metric is checked against a reference
implementation (scikit-learn, scipy, statsmodels) or a closed form in the tests.
"""

from deepstat.metrics.calibration import (
    coverage_by_group,
    interval_coverage,
    interval_score,
    mean_interval_width,
    pit_ks_test,
    pit_values,
)
from deepstat.metrics.classification import (
    balanced_accuracy,
    brier_score,
    expected_calibration_error,
    log_loss,
    roc_auc,
)
from deepstat.metrics.comparison import PairedTestResult, diebold_mariano
from deepstat.metrics.regression import mean_absolute_error, r2_score, root_mean_squared_error
from deepstat.metrics.scoring import crps_discrete, crps_from_cdf, crps_from_samples, crps_normal
from deepstat.metrics.survival_baseline import breslow_cumulative_hazard, breslow_hazard
from deepstat.metrics.survival import (
    concordance_index_antolini,
    concordance_index_harrell,
    concordance_index_uno,
    cumulative_dynamic_auc,
)
from deepstat.metrics.survival_bootstrap import BootstrapResult, PairedBootstrapResult, bootstrap_ci, paired_bootstrap_test
from deepstat.metrics.survival_kaplan_meier import KaplanMeierResult, kaplan_meier
from deepstat.metrics.survival_scores import (
    DCalibrationResult,
    binomial_log_likelihood,
    d_calibration,
    d_calibration_at_times,
    integrated_binomial_log_likelihood,
    integrated_brier_score,
    survival_brier_score,
)

__all__ = [
    "breslow_cumulative_hazard",
    "breslow_hazard",
    "root_mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "crps_normal",
    "crps_from_cdf",
    "crps_discrete",
    "crps_from_samples",
    "pit_values",
    "pit_ks_test",
    "interval_coverage",
    "mean_interval_width",
    "interval_score",
    "coverage_by_group",
    "log_loss",
    "brier_score",
    "roc_auc",
    "balanced_accuracy",
    "expected_calibration_error",
    "PairedTestResult",
    "diebold_mariano",
    "kaplan_meier",
    "KaplanMeierResult",
    "concordance_index_harrell",
    "concordance_index_uno",
    "concordance_index_antolini",
    "cumulative_dynamic_auc",
    "survival_brier_score",
    "integrated_brier_score",
    "binomial_log_likelihood",
    "integrated_binomial_log_likelihood",
    "d_calibration",
    "d_calibration_at_times",
    "DCalibrationResult",
    "bootstrap_ci",
    "paired_bootstrap_test",
    "BootstrapResult",
    "PairedBootstrapResult",
]
