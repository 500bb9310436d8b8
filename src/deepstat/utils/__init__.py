"""Lowest layer: settings and validation helpers shared by every other layer."""

from deepstat.utils.config import config_context, get_config, set_config, torch_threads
from deepstat.utils.survival import check_survival_target, check_time_event
from deepstat.utils.survival_target import SurvivalTarget
from deepstat.utils.tabular import TabularPreprocessor, validate_numeric
from deepstat.utils.validation import check_finite, format_values, resolve_seed

__all__ = [
    "config_context",
    "get_config",
    "set_config",
    "torch_threads",
    "check_finite",
    "format_values",
    "resolve_seed",
    "TabularPreprocessor",
    "validate_numeric",
    "check_survival_target",
    "check_time_event",
    "SurvivalTarget",
]
