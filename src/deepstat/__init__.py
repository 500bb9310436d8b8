"""deepstat: deep learning methods for advanced statistical problems.

The likelihood recipe as an API: a network for the input type, a family for the output,
fitted by negative log-likelihood, predicting whole distributions.

>>> from deepstat import DeepRegressor, DeepClassifier, families
"""

from deepstat import baselines, datasets, families, metrics
from deepstat._version import __version__
from deepstat._load import load
from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.evaluation import compare
from deepstat.utils.config import config_context, get_config, set_config

__all__ = [
    "DeepRegressor",
    "DeepClassifier",
    "families",
    "datasets",
    "baselines",
    "metrics",
    "compare",
    "load",
    "config_context",
    "get_config",
    "set_config",
    "__version__",
]
