"""The one training engine of deepstat: batches by index, optimisers, penalties, early
stopping, schedules, checkpoints and DDP (see DESIGN.md, train/)."""

from deepstat.train.callbacks import Callback
from deepstat.train.checkpoint import load_checkpoint, save_checkpoint
from deepstat.train.config import TrainConfig
from deepstat.train.data import Batch, BatchSource, SubsetBatches, TensorBatches, n_rows, split_validation, take
from deepstat.train.distributed import init_distributed, is_main_process
from deepstat.train.engine import ConvergenceWarning, NoImprovementWarning, Objective, TrainingDivergedError, default_objective, fit_module
from deepstat.train.history import History
from deepstat.train.optim import make_optimizer, make_scheduler, penalized_parameters, penalty_term
from deepstat.train.progress import EpochProgress
from deepstat.train.splits import MaskSplit, RandomSplit, Splitter, StratifiedSplit, TemporalSplit

__all__ = [
    "Batch",
    "BatchSource",
    "Callback",
    "EpochProgress",
    "History",
    "SubsetBatches",
    "TensorBatches",
    "TrainConfig",
    "NoImprovementWarning",
    "TrainingDivergedError",
    "fit_module",
    "ConvergenceWarning",
    "default_objective",
    "Objective",
    "take",
    "n_rows",
    "init_distributed",
    "is_main_process",
    "load_checkpoint",
    "make_optimizer",
    "make_scheduler",
    "penalized_parameters",
    "penalty_term",
    "save_checkpoint",
    "split_validation",
    "Splitter",
    "RandomSplit",
    "StratifiedSplit",
    "TemporalSplit",
    "MaskSplit",
]
