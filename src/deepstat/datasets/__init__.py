"""Real data that ships inside installed packages (scikit-learn, statsmodels, scikit-survival, lifelines): no network needed.

>>> from deepstat import datasets
>>> datasets.load("engel").family
'gamma'

``datasets.list()`` (an alias of :func:`list_datasets`) tabulates what is registered; new data
sets are added with :func:`register`.
"""

from deepstat.datasets import sklearn_data, statsmodels_data, survival_data  # noqa: F401  (registers the loaders)
from deepstat.datasets.base import TASKS, Dataset
from deepstat.datasets.registry import dataset_names, list_datasets, load, register
from deepstat.datasets.survival_data import SURVIVAL_DATASETS

#: ``deepstat.datasets.list()``, as issue 3 asks; shadows the builtin only in this namespace.
list = list_datasets

__all__ = ["SURVIVAL_DATASETS", "TASKS", "Dataset", "dataset_names", "list", "list_datasets", "load", "register"]
