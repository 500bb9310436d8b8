"""Settings of one fit: a frozen dataclass validated on construction (STYLE 4.4, 7.5)."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

import torch

__all__ = ["TrainConfig", "OPTIMIZERS", "PENALTIES", "SCHEDULES"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs")
PENALTIES = ("none", "l1", "l2", "elasticnet")
SCHEDULES = ("none", "step", "cosine", "plateau")


def _fail(name: str, constraint: str, value: Any) -> ValueError:
    return ValueError(f"`{name}` of TrainConfig must be {constraint}. Got {value!r} instead.")


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of the training engine, shared by every estimator.

    Parameters
    ----------
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"}, default="adam"
        Optimiser by name (see :func:`~deepstat.train.make_optimizer`). ``"lbfgs"`` always
        trains on the full batch; give it ``lr=1.0`` (its line search starts from ``lr``).
    lr : float, default=1e-3
        Learning rate, > 0.
    momentum : float, default=0.9
        Momentum of ``"momentum"`` and ``"nesterov"``, in [0, 1).
    weight_decay : float, default=0.0
        Weight decay passed to the optimiser (decoupled for ``"adamw"``), >= 0. It acts on
        every parameter; use ``penalty`` to penalise weights only.
    batch_size : int or None, default=256
        Global batch size (summed over processes under DDP); ``None`` is the full batch.
    max_epochs : int, default=100
        Maximum number of passes over the training data, >= 1.
    shuffle : bool, default=True
        Draw a new seeded permutation of the rows each epoch.
    penalty : {"none", "l1", "l2", "elasticnet"}, default="none"
        Penalty on weights (not biases or normalisation layers), see :func:`penalty_term`.
    alpha : float, default=0.0
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        Elastic-net mixing in [0, 1]; ignored for ``"l1"`` (1) and ``"l2"`` (0).
    early_stopping : bool, default=True
        Stop when the monitored loss has not improved by more than ``min_delta`` for
        ``patience`` epochs, and restore the best weights at the end.
    validation_fraction : float, default=0.1
        Share of the training data split off (seeded) for validation when ``early_stopping``
        is True and no validation data is given, in [0, 1); 0 monitors the training loss.
    patience : int, default=10
        Epochs without improvement before stopping, >= 1.
    min_delta : float, default=0.0
        Minimum decrease of the monitored loss that counts as an improvement, >= 0.
    lr_schedule : {"none", "step", "cosine", "plateau"}, default="none"
        Learning-rate schedule, stepped once per epoch (see :func:`make_scheduler`).
    step_size : int, default=30
        Epochs between decays of the ``"step"`` schedule, and the patience of ``"plateau"``.
    gamma : float, default=0.1
        Decay factor of ``"step"`` and ``"plateau"``, in (0, 1).
    clip_grad_norm : float or None, default=None
        Clip the global gradient 2-norm to this value before each step, > 0.
    lbfgs_max_iter : int, default=20
        Inner L-BFGS iterations per epoch, >= 1.
    tol : float or None, default=None
        Also stop when the training loss improves by less than ``tol`` for ``patience`` epochs.
    grad_tol : float or None, default=None
        With ``"lbfgs"``: stop when the largest absolute gradient of the objective is at most
        ``grad_tol`` (the maximum-likelihood estimate is reached), and warn with a
        :class:`~deepstat.train.ConvergenceWarning` naming the gradient when ``max_epochs``
        ends first. ``None``: run the epochs (or early stopping) only.
    random_state : int or None, default=None
        Seed of the shuffling, the validation split, and the global torch RNG (dropout) inside
        the fit. Estimators turn numpy generators into an int with ``resolve_seed`` first.
    verbose : {0, 1, 2}, default=1
        0 silent; 1 a transient rich progress bar; 2 also one ``logging`` line per epoch.
    checkpoint_dir : str or None, default=None
        Directory for atomic checkpoints (``checkpoint.safetensors`` + ``checkpoint.json``).
    checkpoint_every : int, default=1
        Write a checkpoint at the end of every this many epochs, >= 1.
    resume : bool, default=False
        Continue from the checkpoint in ``checkpoint_dir`` when there is one.
    device : str, default="cpu"
        Device that the module and the batches live on.

    Raises
    ------
    ValueError
        Naming the first field that is out of range, with its value.

    Examples
    --------
    >>> TrainConfig(optimizer="sgd", lr=0.1).batch_size
    256
    >>> TrainConfig(lr=-1)
    Traceback (most recent call last):
    ...
    ValueError: `lr` of TrainConfig must be a positive float. Got -1 instead.
    """

    optimizer: Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"] = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int | None = 256
    max_epochs: int = 100
    shuffle: bool = True
    penalty: Literal["none", "l1", "l2", "elasticnet"] = "none"
    alpha: float = 0.0
    l1_ratio: float = 0.5
    early_stopping: bool = True
    validation_fraction: float = 0.1
    patience: int = 10
    min_delta: float = 0.0
    lr_schedule: Literal["none", "step", "cosine", "plateau"] = "none"
    step_size: int = 30
    gamma: float = 0.1
    clip_grad_norm: float | None = None
    lbfgs_max_iter: int = 20
    tol: float | None = None
    grad_tol: float | None = None
    random_state: int | None = None
    verbose: int = 1
    checkpoint_dir: str | None = None
    checkpoint_every: int = 1
    resume: bool = False
    device: str = "cpu"

    def __post_init__(self) -> None:
        for name, options in (("optimizer", OPTIMIZERS), ("penalty", PENALTIES), ("lr_schedule", SCHEDULES)):
            if getattr(self, name) not in options:
                raise _fail(name, f"one of {options}", getattr(self, name))
        for name in ("shuffle", "early_stopping", "resume"):
            if not isinstance(getattr(self, name), bool):
                raise _fail(name, "a bool", getattr(self, name))
        # (name, lower, lower inclusive, upper, upper inclusive, words)
        reals = (
            ("lr", 0.0, False, math.inf, False, "a positive float"),
            ("momentum", 0.0, True, 1.0, False, "a float in [0, 1)"),
            ("weight_decay", 0.0, True, math.inf, False, "a non-negative float"),
            ("alpha", 0.0, True, math.inf, False, "a non-negative float"),
            ("l1_ratio", 0.0, True, 1.0, True, "a float in [0, 1]"),
            ("validation_fraction", 0.0, True, 1.0, False, "a float in [0, 1)"),
            ("min_delta", 0.0, True, math.inf, False, "a non-negative float"),
            ("gamma", 0.0, False, 1.0, False, "a float in (0, 1)"),
        )
        for name, low, low_in, high, high_in, words in reals:
            value = getattr(self, name)
            ok = _is_real(value) and (value >= low if low_in else value > low)
            ok = ok and (value <= high if high_in else value < high)
            if not ok:
                raise _fail(name, words, value)
        for name in ("clip_grad_norm", "tol", "grad_tol"):
            value = getattr(self, name)
            positive = name == "clip_grad_norm"
            if value is not None and not (_is_real(value) and (value > 0 if positive else value >= 0)):
                words = "a positive float or None" if positive else "a non-negative float or None"
                raise _fail(name, words, value)
        for name in ("max_epochs", "patience", "step_size", "lbfgs_max_iter", "checkpoint_every"):
            value = getattr(self, name)
            if not (_is_int(value) and value >= 1):
                raise _fail(name, "a positive integer", value)
        if self.batch_size is not None and not (_is_int(self.batch_size) and self.batch_size >= 1):
            raise _fail("batch_size", "a positive integer or None", self.batch_size)
        if self.random_state is not None and not (_is_int(self.random_state) and self.random_state >= 0):
            raise _fail("random_state", "a non-negative integer or None", self.random_state)
        if not (_is_int(self.verbose) and self.verbose in (0, 1, 2)):
            raise _fail("verbose", "0, 1 or 2", self.verbose)
        if self.checkpoint_dir is not None and not isinstance(self.checkpoint_dir, (str, os.PathLike)):
            raise _fail("checkpoint_dir", "a path (str) or None", self.checkpoint_dir)
        if self.resume and self.checkpoint_dir is None:
            raise _fail("checkpoint_dir", "set when `resume` is True", self.checkpoint_dir)
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError):
            raise _fail("device", "a torch device string such as 'cpu' or 'cuda:0'", self.device) from None

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-serialisable dict.

        Returns
        -------
        dict
            Field name to value (``checkpoint_dir`` as a string).
        """
        out = dataclasses.asdict(self)
        if out["checkpoint_dir"] is not None:
            out["checkpoint_dir"] = os.fspath(out["checkpoint_dir"])
        return out
