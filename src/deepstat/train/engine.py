"""The one training loop of deepstat: batches by index in, weighted mean objective out.

Every estimator calls :func:`fit_module`. The hot path is plain torch: one seeded
``randperm`` per epoch, one gather per batch, no per-batch ``.item()`` (the epoch's losses
stay tensors until the epoch ends), a copy of the weights only when the monitored loss
improves, and no per-parameter NaN scan in the epochs that do not need one (see ``_end_epoch``).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from torch.nn.parallel import DistributedDataParallel

from deepstat.train import distributed as dist_utils
from deepstat.train.callbacks import Callback
from deepstat.train.checkpoint import load_checkpoint
from deepstat.train.config import TrainConfig
from deepstat.train.data import Batch, BatchSource, SubsetBatches, split_validation
from deepstat.train.splits import Splitter
from deepstat.train.history import History
from deepstat.train.optim import _penalty, make_optimizer, make_scheduler, penalized_parameters
from deepstat.train.progress import EpochProgress
from deepstat.train.state import restore_training_state, write_training_state
from deepstat.utils import resolve_seed, torch_threads
from deepstat.utils.validation import user_stacklevel

__all__ = ["fit_module", "default_objective", "Objective", "ConvergenceWarning", "NoImprovementWarning", "TrainingDivergedError"]

LossFn = Callable[..., Tensor]
# objective(module, batch) -> (loss_sum, weight_sum): the summed loss of the batch and what it is a sum over
Objective = Callable[[nn.Module, Batch], tuple[Tensor, Tensor]]


def default_objective(loss: LossFn) -> Objective:
    """The engine's objective for ``loss``: ``loss(module(batch.inputs)[batch.select], batch.target, weight)``.

    Returns ``(loss_sum, weight_sum)``: the summed loss of the batch's scored outputs and their
    total weight (their number without weights). An ELBO or a denoising objective is another
    function with the same signature (in :mod:`deepstat.losses`), passed as ``objective=``.

    Examples
    --------
    >>> import torch
    >>> sse = lambda eta, y, *, weight=None, reduction="sum": ((eta[:, 0] - y) ** 2).sum()
    >>> batch = Batch(torch.zeros(4, 1), torch.ones(2), select=torch.tensor([0, 3]))
    >>> default_objective(sse)(torch.nn.Identity(), batch)
    (tensor(2.), tensor(2.))
    """

    def objective(module: nn.Module, batch: Batch) -> tuple[Tensor, Tensor]:
        eta = module(batch.inputs)
        if batch.select is not None:
            eta = eta[batch.select]
        total = loss(eta, batch.target, weight=batch.weight, reduction="sum")
        weight = batch.weight.sum() if batch.weight is not None else torch.tensor(float(len(batch)), dtype=total.dtype, device=total.device)
        return total, weight

    return objective



def _finite_value_and_gradient(value: Tensor, params: list[Tensor]) -> bool:
    """Whether the objective and every gradient entry are finite (one reduction per parameter)."""
    if not bool(torch.isfinite(value)):
        return False
    grads = [p.grad for p in params if p.grad is not None]
    return not grads or bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())

class ConvergenceWarning(SklearnConvergenceWarning):
    """An L-BFGS fit ended (``max_epochs``) before its gradient reached ``grad_tol``: not the maximum-likelihood estimate."""


class NoImprovementWarning(UserWarning):
    """Early stopping kept the starting weights: no epoch improved their validation loss."""


class TrainingDivergedError(FloatingPointError, RuntimeError):
    """Training produced a NaN or infinite loss or weight.

    A ``FloatingPointError`` (an ``ArithmeticError``) and a ``RuntimeError``: the input was
    valid, the optimisation blew up. When it is raised the module already holds the best
    weights seen so far, and the partial :class:`History` is attached as ``.history``.
    """

    history: History | None = None


def _check_arguments(module: Any, loss: Any, train: Any, config: Any, validation: Any, callbacks: Any, objective: Any = None) -> None:
    if not isinstance(module, nn.Module):
        raise TypeError(f"`module` of fit_module must be a torch.nn.Module. Got {type(module).__name__} instead.")
    if objective is not None and not callable(objective):
        raise TypeError(f"`objective` of fit_module must be callable (module, batch) -> (loss_sum, weight_sum). Got {type(objective).__name__} instead.")
    if objective is None and not callable(loss):
        raise TypeError(f"`loss` of fit_module must be callable. Got {type(loss).__name__} instead.")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"`config` of fit_module must be a TrainConfig. Got {type(config).__name__} instead.")
    for name, source in (("train", train), ("validation", validation)):
        if source is None and name == "validation":
            continue
        if not isinstance(source, BatchSource):
            raise TypeError(
                f"`{name}` of fit_module must be a BatchSource (with __len__ and take(index)), such as "
                f"TensorBatches. Got {type(source).__name__} instead."
            )
        if len(source) < 1:
            raise ValueError(f"`{name}` of fit_module must hold at least one observation. Got {len(source)} instead.")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"`callbacks` of fit_module must hold Callback instances. Got {type(cb).__name__} instead.")
    if not any(p.requires_grad for p in module.parameters()):
        raise ValueError("`module` of fit_module must have trainable parameters. Got a module without any instead.")


def fit_module(
    module: nn.Module,
    loss: LossFn,
    train: BatchSource,
    config: TrainConfig,
    *,
    validation: BatchSource | None = None,
    callbacks: Sequence[Callback] = (),
    objective: Objective | None = None,
    splitter: Splitter | None = None,
) -> History:
    r"""Train ``module`` in place by minimising the weighted mean of ``loss`` (plus a penalty).

    Parameters
    ----------
    module : nn.Module
        Maps ``batch.inputs`` to ``eta``. Trained in place; moved to ``config.device``.
    loss : callable
        ``loss(eta, target, *, weight=None, reduction="sum")`` returning the **sum** over the
        batch of the (weighted) per-observation losses, as a family's ``neg_log_likelihood``.
    train : BatchSource
        Training data, e.g. :class:`~deepstat.train.TensorBatches`.
    config : TrainConfig
        All settings (optimiser, batch size, penalties, early stopping, schedule, seeds ...).
    validation : BatchSource or None, default=None
        Validation data. When None, ``config.early_stopping`` is True and
        ``config.validation_fraction > 0``, a seeded random ``validation_fraction`` of
        ``train`` is split off instead.
    callbacks : sequence of Callback, default=()
        Hooks called after each epoch; their exceptions propagate.
    objective : callable or None, default=None
        ``objective(module, batch) -> (loss_sum, weight_sum)`` replacing "``loss`` of the module's
        output": each step minimises ``loss_sum / weight_sum`` (global sums under DDP) plus the
        penalty, and the recorded losses are ``sum(loss_sum) / sum(weight_sum)``. ``loss`` may be
        None then. None: :func:`default_objective` of ``loss``, which scores the outputs
        ``batch.select`` marks (all of them without it).
    splitter : Splitter or None, default=None
        How to split ``train`` when ``validation`` is None: an object with
        ``split(n, generator) -> (train_index, val_index)`` (:class:`~deepstat.train.RandomSplit`,
        :class:`~deepstat.train.StratifiedSplit`, :class:`~deepstat.train.TemporalSplit`,
        :class:`~deepstat.train.MaskSplit`), called with the fit's seeded generator. Given, it
        always splits (``validation_fraction`` is not used) and the validation part is monitored,
        for early stopping when ``config.early_stopping``. None: ``RandomSplit(validation_fraction)``
        when ``config.early_stopping`` and ``validation_fraction > 0``, as before. It is an argument
        of the fit, not a ``TrainConfig`` field, because it may hold data (labels, masks) that a
        config saved as JSON cannot.

    Returns
    -------
    History
        Per-epoch training and validation losses, the best epoch and whether training
        stopped early.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a data source is empty, ``splitter`` leaves a part empty or is given with
        ``validation``, or a checkpoint to resume from was made with another optimiser or schedule.
    TrainingDivergedError
        If a loss or a weight becomes NaN or infinite; the best weights are restored first.

    Notes
    -----
    Each step minimises

    .. math:: \frac{\sum_{i \in B} w_i \, \ell(\eta_i, y_i)}{\sum_{i \in B} w_i} + P(\theta)

    over the batch :math:`B` (:math:`w_i = 1` without weights) with the penalty
    :math:`P` of :func:`~deepstat.train.penalty_term`. Under DDP the denominator is the
    global batch's weight and the local objective is multiplied by the number of processes,
    so DDP's gradient averaging reproduces the single-process gradient.

    The monitored loss is the weighted mean validation loss when there is validation data,
    else the training loss. With ``early_stopping`` the fit stops after ``patience`` epochs
    without an improvement larger than ``min_delta`` and the module ends with the best
    epoch's weights; without it the module keeps the last epoch's weights (as scikit-learn's
    MLP does) and ``History.best_epoch`` is for information.

    The fit runs inside :func:`deepstat.utils.torch_threads` and ``torch.random.fork_rng``:
    the global RNG is seeded from ``random_state`` (plus the rank under DDP, so dropout
    masks differ across processes) and restored afterwards. ``batch_size=None`` and
    ``"lbfgs"`` train on the full batch in a fixed order; L-BFGS ignores ``clip_grad_norm``
    (clipping would break its line search) and its recorded training loss is the one at the
    start of the epoch. Checkpoints are bitwise resumable in one process; under DDP only
    rank 0's global RNG is saved, which matters only for dropout.

    Examples
    --------
    >>> import torch
    >>> from deepstat.train import TensorBatches, TrainConfig
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(200, 3, generator=g, dtype=torch.float64)
    >>> y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 1.0
    >>> def sse(eta, target, *, weight=None, reduction="sum"):
    ...     return 0.5 * ((eta.squeeze(-1) - target) ** 2).sum()
    >>> net = torch.nn.Linear(3, 1).double()
    >>> cfg = TrainConfig(optimizer="lbfgs", lr=1.0, max_epochs=5, early_stopping=False, verbose=0)
    >>> history = fit_module(net, sse, TensorBatches(X, y), cfg)
    >>> torch.allclose(net.bias, torch.tensor([1.0], dtype=torch.float64))
    True
    """
    _check_arguments(module, loss, train, config, validation, callbacks, objective)
    if splitter is not None and not callable(getattr(splitter, "split", None)):
        raise TypeError(
            f"`splitter` of fit_module must have a split(n, generator) method, such as RandomSplit. "
            f"Got {type(splitter).__name__} instead."
        )
    if splitter is not None and validation is not None:
        raise ValueError("`splitter` of fit_module must be None when `validation` is given. Got both instead; pass one.")
    device = torch.device(config.device)
    module.to(device)
    checkpoint = load_checkpoint(config.checkpoint_dir) if config.resume else None
    seed = int(checkpoint[1]["seed"]) if checkpoint is not None else resolve_seed(config.random_state)
    fork_devices = [device.index or 0] if device.type == "cuda" else []
    with torch_threads(), torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(seed + dist_utils.rank())
        generator = torch.Generator().manual_seed(seed)
        if splitter is not None:
            train, validation = _split(train, splitter, generator)
        elif validation is None and config.early_stopping and config.validation_fraction > 0:
            train, validation = split_validation(train, config.validation_fraction, generator)
        trainer = _Trainer(module, loss, train, validation, config, generator, seed, objective)
        return trainer.run(checkpoint, callbacks)


def _split(source: BatchSource, splitter: Splitter, generator: torch.Generator) -> tuple[SubsetBatches, SubsetBatches]:
    """The training and validation parts of ``source`` by ``splitter``, neither empty."""
    train_index, val_index = splitter.split(len(source), generator)
    if len(train_index) < 1 or len(val_index) < 1:
        raise ValueError(
            f"`splitter` of fit_module must leave at least one observation in each part. Got {splitter!r} with "
            f"{len(train_index)} training and {len(val_index)} validation observation(s) of {len(source)} instead."
        )
    return SubsetBatches(source, train_index), SubsetBatches(source, val_index)


class _Trainer:
    """State of one fit; ``run`` is the loop. Private: fit_module is the interface."""

    def __init__(
        self,
        module: nn.Module,
        loss: LossFn,
        train: BatchSource,
        validation: BatchSource | None,
        config: TrainConfig,
        generator: torch.Generator,
        seed: int,
        objective: Objective | None = None,
    ) -> None:
        self.module, self.loss, self.train, self.validation = module, loss, train, validation
        # a given objective reports its own weight sums; the default path keeps its row counts (bit for bit)
        self.custom = objective
        self.config, self.generator, self.seed = config, generator, seed
        self.device = torch.device(config.device)
        self.world = dist_utils.world_size()
        self.n = len(train)
        full = config.batch_size is None or config.optimizer == "lbfgs"
        self.batch_size = self.n if full else min(config.batch_size, self.n)  # type: ignore[type-var]
        self.params = [p for p in module.parameters() if p.requires_grad]
        self.penalized = penalized_parameters(module) if config.penalty != "none" and config.alpha > 0 else []
        self.optimizer = make_optimizer(config.optimizer, self.params, config)
        self.scheduler = make_scheduler(config.lr_schedule, self.optimizer, config)
        self.history = History()
        self.best_state = self._snapshot()
        self.bad_epochs = self.tol_bad = 0
        self.converged, self.grad_max = False, math.nan  # L-BFGS with grad_tol: the gradient reached it
        self.best_train = math.inf
        self.epoch = 0
        self.stopped = False
        self._full_batch: Batch | None = None
        self._weight_sums: list[Tensor] = []  # a custom objective's weight sums of the epoch
        self._val_index: Tensor | None = None
        self._val_batch: Batch | None = None  # the validation data when it is one chunk, gathered once
        self._val_weight: Tensor | None = None  # its (global) total weight, constant over the fit
        self.has_batch_norm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())
        # train/eval switches twice an epoch: set each submodule's flag directly instead of nn.Module.train's
        # recursion through __setattr__ (a tenth of a small full-batch epoch), unless a module overrides train()
        submodules = list(module.modules())
        self._modes = None if any(type(m).train is not nn.Module.train for m in submodules) else submodules
        if self.has_batch_norm and self.n < 2:
            raise ValueError(
                f"The training data of fit_module must have at least 2 rows for a module with batch norm. Got {self.n} instead."
            )

    # -- helpers -------------------------------------------------------------------------
    def _set_training(self, mode: bool) -> None:
        """``module.train(mode)``, the same flags set without the recursion (see __init__)."""
        if self._modes is None:
            self.module.train(mode)
            return
        for submodule in self._modes:
            object.__setattr__(submodule, "training", mode)

    def _snapshot(self) -> dict[str, Tensor]:
        return {k: v.detach().clone() for k, v in self.module.state_dict().items()}

    def _batch(self, index: Tensor) -> Batch:
        batch = self.train.take(dist_utils.shard(index))
        return batch if self.device.type == "cpu" else batch.to(self.device)

    def _denominator(self, batch: Batch, n_global: int, weight_sum: Tensor | None = None) -> Tensor | float:
        """Global batch weight divided by the number of processes (see fit_module Notes)."""
        if weight_sum is None and batch.weight is None and batch.select is None:
            return n_global / self.world
        total = (weight_sum if weight_sum is not None else batch.weight.sum() if batch.weight is not None
                 else torch.tensor(float(len(batch)))).detach()
        if self.world > 1:
            total = dist_utils.all_reduce_sum(total.clone()) / self.world
        # a batch whose weights are all 0 has a loss sum of 0: make it 0 / tiny = 0, not 0 / 0 = NaN
        return total.clamp_min(torch.finfo(total.dtype).tiny)

    def _objective(self, model: nn.Module, batch: Batch, n_global: int) -> tuple[Tensor, Tensor]:
        weight_sum = None
        if self.custom is not None:
            data_loss, weight_sum = self.custom(model, batch)
            self._weight_sums.append(weight_sum.detach())
        else:
            eta = model(batch.inputs)  # (n_local, n_params)
            if batch.select is not None:  # the scored outputs only (padded steps, unlabelled nodes are not)
                eta = eta[batch.select]
            data_loss = self.loss(eta, batch.target, weight=batch.weight, reduction="sum")
        objective = data_loss / self._denominator(batch, n_global, weight_sum)
        if self.penalized:
            cfg = self.config
            objective = objective + _penalty(self.penalized, cfg.penalty, cfg.alpha, cfg.l1_ratio)
        return objective, data_loss.detach()

    # -- one epoch -----------------------------------------------------------------------
    def _train_epoch(self, model: nn.Module) -> tuple[Tensor, Tensor]:
        """Run one epoch; return per-batch (global) loss sums and the epoch's global weight."""
        cfg, opt = self.config, self.optimizer
        sums: list[Tensor] = []
        weights: list[Tensor] = []
        norms: list[Tensor] = []
        self._weight_sums = []
        if self.batch_size >= self.n:
            if self._full_batch is None:
                self._full_batch = self._batch(torch.arange(self.n))
            batches: Any = [None]
        else:
            perm = torch.randperm(self.n, generator=self.generator) if cfg.shuffle else torch.arange(self.n)
            batches = perm.split(self.batch_size)
            if self.has_batch_norm and batches[-1].shape[0] == 1:
                # batch norm cannot normalise a batch of one row: the last row joins the previous batch
                batches = (*batches[:-2], torch.cat(batches[-2:]))
        for index in batches:
            batch = self._full_batch if index is None else self._batch(index)
            n_global = self.n if index is None else int(index.shape[0])
            if cfg.optimizer == "lbfgs":
                self._lbfgs_step(model, batch, n_global, sums)
            else:
                opt.zero_grad(set_to_none=True)
                objective, data_loss = self._objective(model, batch, n_global)
                objective.backward()
                if cfg.clip_grad_norm is not None:  # its gradient norm, free, feeds the NaN guard
                    norms.append(nn.utils.clip_grad_norm_(self.params, cfg.clip_grad_norm))
                opt.step()
                sums.append(data_loss)
            if self.custom is None and batch.weight is not None:
                weights.append(batch.weight.sum())
            elif self.custom is None and batch.select is not None:
                weights.append(torch.tensor(float(len(batch))))
        if self.custom is not None:  # one weight sum per recorded loss sum (L-BFGS records its first evaluation)
            weights = self._weight_sums[: len(sums)] if cfg.optimizer != "lbfgs" else self._weight_sums[:1]
        if norms and not bool(torch.isfinite(norm := torch.stack(norms)).all()):
            b = int((~torch.isfinite(norm)).nonzero()[0, 0])
            raise self._diverged(f"the gradient norm of batch {b + 1} of {norm.numel()} was {float(norm[b])!r}")
        per_batch = dist_utils.all_reduce_sum(torch.stack(sums).to(torch.float64))
        if weights:
            total_weight = dist_utils.all_reduce_sum(torch.stack(weights).sum().to(torch.float64))
        else:
            total_weight = torch.tensor(float(self.n), dtype=torch.float64)
        return per_batch, total_weight

    def _lbfgs_step(self, model: nn.Module, batch: Batch, n_global: int, sums: list[Tensor]) -> None:
        start: list[float] = []  # the objective where this step starts

        def closure() -> Tensor:
            self.optimizer.zero_grad(set_to_none=True)
            objective, data_loss = self._objective(model, batch, n_global)
            objective.backward()
            if not sums:
                sums.append(data_loss)
            value = objective.detach()
            if self.world > 1:  # every process must see the same objective in the line search
                value = dist_utils.all_reduce_sum(value.clone()) / self.world
            if not start:
                start.append(float(value))  # not finite: left as it is, for the NaN guard to report
            elif math.isfinite(start[0]) and not _finite_value_and_gradient(value, self.params):
                # A trial point of the line search left the domain (an identity or inverse link giving a
                # mean <= 0): a +inf or NaN loss. torch's strong-Wolfe search would interpolate with it
                # and step to NaN; a finite loss above the start with a zero gradient makes it bracket
                # the step and back off towards the last valid point instead. Accepted points stay valid:
                # the search returns its lowest point, never this one.
                for p in self.params:
                    if p.grad is not None:
                        p.grad.zero_()
                value = value.new_tensor(start[0] + abs(start[0]) + 1.0)
            return value

        self.optimizer.step(closure)
        if self.config.grad_tol is not None:  # the gradient at the new iterate: converged when small enough
            self.optimizer.zero_grad(set_to_none=True)
            objective, _ = self._objective(model, batch, n_global)
            objective.backward()
            grads = [p.grad.abs().max() for p in self.params if p.grad is not None]
            self.grad_max = float(torch.stack(grads).max()) if grads else 0.0
            if self.world > 1:
                self.grad_max = float(dist_utils.all_reduce_sum(torch.tensor(self.grad_max)) / self.world)
            self.converged = self.grad_max <= self.config.grad_tol

    @torch.no_grad()
    def _evaluate(self) -> float:
        source = self.validation
        if source is None:
            return math.nan
        if self._val_index is None:  # the same positions every epoch
            self._val_index = dist_utils.shard(torch.arange(len(source)))
        index = self._val_index
        if self.custom is not None:
            return self._evaluate_objective(source, index)
        if self._val_weight is None:  # first call: the weight, and the batch when it is a single chunk
            weight = torch.zeros((), dtype=torch.float64, device=self.device)
            for chunk in index.split(self.batch_size):
                weight += source.take(chunk).to(self.device).total_weight()
            self._val_weight = dist_utils.all_reduce_sum(weight)
            if index.shape[0] <= self.batch_size:
                self._val_batch = source.take(index).to(self.device)
        self._set_training(False)
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        chunks = index.split(self.batch_size)
        batches = [self._val_batch] if self._val_batch is not None else (source.take(c).to(self.device) for c in chunks)
        for batch in batches:
            eta = self.module(batch.inputs)
            if batch.select is not None:
                eta = eta[batch.select]
            total += self.loss(eta, batch.target, weight=batch.weight, reduction="sum").to(torch.float64)
        self._set_training(True)
        both = torch.stack([dist_utils.all_reduce_sum(total), self._val_weight])
        if not both[1] > 0:
            self.module.load_state_dict(self.best_state)
            raise ValueError(
                "The validation rows of fit_module must have a positive total weight. Got all-zero weights instead: "
                "give some validation rows a positive sample_weight, pass explicit validation data (eval_set), or "
                "set validation_fraction=0."
            )
        return float(both[0] / both[1])

    def _evaluate_objective(self, source: BatchSource, index: Tensor) -> float:
        """The validation loss under a custom objective: its summed loss over its summed weight."""
        self._set_training(False)
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        weight = torch.zeros((), dtype=torch.float64, device=self.device)
        if self._val_batch is None and index.shape[0] <= self.batch_size:
            self._val_batch = source.take(index).to(self.device)
        batches = [self._val_batch] if self._val_batch is not None else (source.take(c).to(self.device) for c in index.split(self.batch_size))
        for batch in batches:
            loss_sum, weight_sum = self.custom(self.module, batch)
            total += loss_sum.detach().to(torch.float64)
            weight += weight_sum.detach().to(torch.float64)
        self._set_training(True)
        both = torch.stack([dist_utils.all_reduce_sum(total), dist_utils.all_reduce_sum(weight)])
        if not both[1] > 0:
            self.module.load_state_dict(self.best_state)
            raise ValueError("The validation data of fit_module must have a positive total weight under its objective. Got 0 instead.")
        return float(both[0] / both[1])

    # -- divergence ----------------------------------------------------------------------
    def _diverged(self, message: str) -> TrainingDivergedError:
        self.module.load_state_dict(self.best_state)
        lr = self.optimizer.param_groups[0]["lr"]
        error = TrainingDivergedError(
            f"Training diverged at epoch {self.epoch}: {message}. The module was restored to the best weights "
            f"(epoch {self.history.best_epoch}). Use a smaller learning rate (`lr` is {lr!r}) "
            f"or gradient clipping (`clip_grad_norm`)."
        )
        error.history = self.history
        return error

    def _check_finite(self, per_batch: Tensor, val_loss: float) -> None:
        """The per-epoch NaN guard: the loss scalars (the gradient norms are checked when clipping).

        A non-finite gradient or step makes the weights non-finite, which the validation loss of
        the same epoch or the training loss of the next one shows; the weights themselves are
        scanned only where no later loss would (``_check_weights``).
        """
        bad = ~torch.isfinite(per_batch)
        if bad.any():
            b = int(bad.nonzero()[0, 0])
            raise self._diverged(
                f"the training loss of batch {b + 1} of {per_batch.numel()} was {float(per_batch[b])!r}"
            )
        if self.validation is not None and not math.isfinite(val_loss):
            raise self._diverged(f"the validation loss was {val_loss!r}")

    def _check_weights(self) -> None:
        if not bool(torch.stack([torch.isfinite(p).all() for p in self.params]).all()):
            raise self._diverged("the weights became NaN or infinite in the last batch")

    # -- bookkeeping ---------------------------------------------------------------------
    def _end_epoch(self, train_loss: float, val_loss: float) -> bool:
        """Update best weights and stopping counters; return True when training must stop."""
        cfg = self.config
        monitored = val_loss if self.validation is not None else train_loss
        improved = monitored < self.history.best_loss - cfg.min_delta
        self.bad_epochs = 0 if improved else self.bad_epochs + 1
        stop = cfg.early_stopping and self.bad_epochs >= cfg.patience
        if cfg.tol is not None:
            self.tol_bad = self.tol_bad + 1 if train_loss > self.best_train - cfg.tol else 0
            self.best_train = min(self.best_train, train_loss)
            stop = stop or self.tol_bad >= cfg.patience
        checkpoint = cfg.checkpoint_dir is not None and self.epoch % cfg.checkpoint_every == 0
        if self.validation is None and (improved or stop or checkpoint or self.epoch == cfg.max_epochs):
            # the training loss was computed before the last step: scan the weights that will be kept
            self._check_weights()
        if improved:
            self.history.best_loss, self.history.best_epoch = monitored, self.epoch
            self.best_state = self._snapshot()
        if self.scheduler is not None:
            if cfg.lr_schedule == "plateau":
                self.scheduler.step(monitored)
            else:
                self.scheduler.step()
        return stop

    # -- the loop ------------------------------------------------------------------------
    def run(
        self, checkpoint: tuple[dict[str, Tensor], dict[str, Any]] | None, callbacks: Sequence[Callback]
    ) -> History:
        cfg, module = self.config, self.module
        was_training = module.training
        if checkpoint is not None:
            restore_training_state(self, *checkpoint)
        model: nn.Module = module
        if self.world > 1:
            device_ids = [self.device.index or 0] if self.device.type == "cuda" else None
            model = DistributedDataParallel(module, device_ids=device_ids)
        main = dist_utils.is_main_process()
        module.train()
        if checkpoint is None and cfg.early_stopping and self.validation is not None:
            # epoch 0: the starting weights are a candidate, so that a fit that only ever gets worse
            # (a learning rate far too large) ends where it started, not at its least bad epoch
            start_loss = self._evaluate()
            if math.isfinite(start_loss):
                self.history.best_loss = start_loss
        for cb in callbacks:
            cb.on_train_begin(module)
        with EpochProgress(cfg.max_epochs, cfg.verbose if main else 0, start=self.epoch) as progress:
            while not self.stopped and self.epoch < cfg.max_epochs:
                self.epoch += 1
                start = time.perf_counter()
                lr = float(self.optimizer.param_groups[0]["lr"])
                per_batch, total_weight = self._train_epoch(model)
                if not total_weight > 0:
                    self.module.load_state_dict(self.best_state)
                    raise ValueError(
                        "The training rows of fit_module must have a positive total weight. Got all-zero weights "
                        "instead (after the validation split): check sample_weight."
                    )
                val_loss = self._evaluate()
                self._check_finite(per_batch, val_loss)
                train_loss = float(per_batch.sum() / total_weight)
                record = {"epoch": self.epoch, "train_loss": train_loss, "val_loss": val_loss, "lr": lr}
                self.stopped = self._end_epoch(train_loss, val_loss) or self.converged
                record["time"] = time.perf_counter() - start
                self.history.records.append(record)
                last = self.stopped or self.epoch == cfg.max_epochs
                if cfg.checkpoint_dir is not None and main and (self.epoch % cfg.checkpoint_every == 0 or last):
                    write_training_state(self)
                progress.update(record)
                for cb in callbacks:
                    cb.on_epoch_end(self.epoch, record, module)
        self.history.stopped_early = self.stopped
        if cfg.grad_tol is not None and cfg.optimizer == "lbfgs" and not self.converged and main and not (
            cfg.early_stopping and self.history.stopped_early
        ):
            warnings.warn(
                f"The L-BFGS fit of fit_module did not converge in {self.history.n_epochs} epoch(s): the largest absolute "
                f"gradient is {self.grad_max:.3g}, above grad_tol={cfg.grad_tol:g}, so the weights are not the "
                "maximum-likelihood estimate. Increase max_epochs; if the gradient does not fall, look for perfectly "
                "separated classes, collinear columns or an unbounded likelihood.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        n = self.history.n_epochs
        if (
            cfg.early_stopping and self.validation is not None and main and n > 1 and not self.stopped
            and self.history.best_epoch == n and n == cfg.max_epochs and cfg.optimizer != "lbfgs"
        ):  # stopped by the epoch budget while the validation loss was still falling: say what to change
            warnings.warn(
                f"fit_module ran out of epochs (max_epochs={cfg.max_epochs}) with the validation loss still falling: "
                f"its best, {self.history.best_loss:.6g}, is at the last epoch, so a longer fit would likely be better. "
                "Increase max_epochs (or the learning rate).",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        if cfg.early_stopping:
            module.load_state_dict(self.best_state)
            if self.history.best_epoch == 0 and self.history.n_epochs > 0 and main:
                warnings.warn(
                    f"No epoch of fit_module improved the validation loss of the starting weights "
                    f"({self.history.best_loss:.6g}) in {self.history.n_epochs} epoch(s): the module keeps its starting "
                    f"weights (close to the null, intercept-only model for deepstat's estimators). The learning rate may be too large "
                    f"(`lr` is {float(self.optimizer.param_groups[0]['lr'])!r}), the epochs too few, or the inputs may "
                    "carry nothing the validation data confirm.",
                    NoImprovementWarning,
                    stacklevel=user_stacklevel(),
                )
        module.train(was_training)
        for cb in callbacks:
            cb.on_train_end(module, self.history)
        return self.history
