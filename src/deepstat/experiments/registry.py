"""The course experiments by name: ``list_experiments`` and ``run`` (behind ``deepstat experiment``)."""

from __future__ import annotations

import importlib
from typing import Any

from deepstat.experiments.result import ExperimentResult

__all__ = ["EXPERIMENTS", "list_experiments", "run"]

# name -> (module, function); modules are imported on first use (each pulls in sklearn/matplotlib).
EXPERIMENTS: dict[str, tuple[str, str]] = {
    "depth_vs_width": ("deepstat.experiments.depth_vs_width", "run_depth_vs_width"),
    "universal_approximation": ("deepstat.experiments.universal_approximation", "run_universal_approximation"),
    "activations": ("deepstat.experiments.activations", "run_activations"),
    "optimizers": ("deepstat.experiments.optimizers", "run_optimizers"),
    "backprop": ("deepstat.experiments.backprop", "run_backprop"),
    "initialization": ("deepstat.experiments.initialization", "run_initialization"),
    "batch_norm": ("deepstat.experiments.batch_norm", "run_batch_norm"),
    "regularization": ("deepstat.experiments.regularization", "run_regularization"),
}
"""Experiment name -> (module, function), in the order of the course."""


def list_experiments() -> list[str]:
    """Names of the course experiments, in the order of the course.

    Returns
    -------
    list of str

    Examples
    --------
    >>> list_experiments()[:3]
    ['depth_vs_width', 'universal_approximation', 'activations']
    """
    return list(EXPERIMENTS)


def run(name: str, **kwargs: Any) -> ExperimentResult:
    """Run the course experiment ``name`` with its defaults, or the settings in ``kwargs``.

    Parameters
    ----------
    name : str
        One of :func:`list_experiments`.
    **kwargs
        Keyword arguments of that experiment's function (e.g. ``max_epochs``), see its
        docstring: ``deepstat.experiments.<name>.run_<name>``.

    Returns
    -------
    ExperimentResult
        Tables, figures, checked claims and a summary.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the experiments), or a setting is out of range.
    TypeError
        If ``kwargs`` holds a keyword the experiment does not take.

    Examples
    --------
    >>> res = run("backprop", n_samples=5)
    >>> res.name, res.all_claims_hold
    ('backprop', True)
    """
    if not isinstance(name, str) or name not in EXPERIMENTS:
        raise ValueError(f"`name` of run must be one of {', '.join(EXPERIMENTS)}. Got {name!r} instead.")
    module, function = EXPERIMENTS[name]
    return getattr(importlib.import_module(module), function)(**kwargs)
