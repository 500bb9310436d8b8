"""The course's foundations as runnable, checked experiments (issue 6).

Each experiment reproduces a slide of the course's foundations module and checks its
numerical claim: ``run(name)`` returns an :class:`ExperimentResult` with tables, figures and
a ``claims`` dict of booleans. ``deepstat experiment NAME`` runs one from the command line.
"""

from deepstat.experiments.registry import EXPERIMENTS, list_experiments, run
from deepstat.experiments.result import ExperimentResult

__all__ = ["EXPERIMENTS", "ExperimentResult", "list_experiments", "run"]
