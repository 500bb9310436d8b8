"""Save and restore the complete state of a fit, for bitwise-exact ``resume``.

Saved: the module's weights, the best weights, the optimiser state (flattened into
tensors + JSON), the scheduler state, the shuffling generator's and the global torch RNG's
states, the epoch, the stopping counters and the history. Used by the engine only.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from deepstat.train.checkpoint import (
    flatten_state,
    module_state,
    save_checkpoint,
    state_tensors,
    unflatten_state,
)
from deepstat.train.history import History

# ``trainer`` below is the engine's private trainer object (train/engine.py), passed in by the engine;
# it is typed loosely so that this module does not import the engine back (no import circles).
_Trainer = Any

__all__ = ["write_training_state", "restore_training_state", "FORMAT_VERSION"]

FORMAT_VERSION = 1
# Settings that change what the saved state means; the others (max_epochs, verbose ...) may change on resume.
_MUST_MATCH = ("optimizer", "lr_schedule", "penalty", "batch_size", "shuffle", "validation_fraction", "early_stopping")


def write_training_state(trainer: _Trainer) -> None:
    """Write ``trainer``'s state to ``trainer.config.checkpoint_dir`` (atomically)."""
    tensors: dict[str, Tensor] = {}
    tensors.update(state_tensors(trainer.module.state_dict(), "module"))
    tensors.update(state_tensors(trainer.best_state, "best"))
    optimizer = flatten_state(trainer.optimizer.state_dict(), "optimizer", tensors)
    scheduler = None
    if trainer.scheduler is not None:
        scheduler = flatten_state(trainer.scheduler.state_dict(), "scheduler", tensors)
    tensors["rng.generator"] = trainer.generator.get_state()
    tensors["rng.torch"] = torch.get_rng_state()
    meta: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "epoch": trainer.epoch,
        "seed": trainer.seed,
        "stopped": trainer.stopped,
        "bad_epochs": trainer.bad_epochs,
        "tol_bad": trainer.tol_bad,
        "best_train": trainer.best_train,
        "history": trainer.history.to_dict(),
        "optimizer": optimizer,
        "scheduler": scheduler,
        "config": trainer.config.to_dict(),
        "tensor_keys": sorted(tensors),
    }
    save_checkpoint(trainer.config.checkpoint_dir, tensors, meta)  # type: ignore[arg-type]


def restore_training_state(trainer: _Trainer, tensors: dict[str, Tensor], meta: dict[str, Any]) -> None:
    """Load a checkpoint written by :func:`write_training_state` into ``trainer``.

    Raises
    ------
    ValueError
        If the checkpoint's format is unknown or it was made with different settings in
        ``_MUST_MATCH``.
    """
    if meta.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"`checkpoint_dir` of TrainConfig must hold a checkpoint of format {FORMAT_VERSION}. "
            f"Got format {meta.get('format')!r} instead."
        )
    saved = meta["config"]
    for name in _MUST_MATCH:
        if saved.get(name) != getattr(trainer.config, name):
            raise ValueError(
                f"`{name}` of TrainConfig must match the checkpoint being resumed ({saved.get(name)!r}). "
                f"Got {getattr(trainer.config, name)!r} instead. Use another `checkpoint_dir` to start afresh."
            )
    device = trainer.device
    trainer.module.load_state_dict(module_state(tensors, "module"))
    trainer.best_state = {k: v.to(device) for k, v in module_state(tensors, "best").items()}
    trainer.optimizer.load_state_dict(unflatten_state(meta["optimizer"], tensors))
    if trainer.scheduler is not None and meta["scheduler"] is not None:
        trainer.scheduler.load_state_dict(unflatten_state(meta["scheduler"], tensors))
    trainer.generator.set_state(tensors["rng.generator"])
    torch.set_rng_state(tensors["rng.torch"])
    trainer.epoch = int(meta["epoch"])
    trainer.stopped = bool(meta["stopped"])
    trainer.bad_epochs = int(meta["bad_epochs"])
    trainer.tol_bad = int(meta["tol_bad"])
    trainer.best_train = float(meta["best_train"])
    trainer.history = History.from_dict(meta["history"])
