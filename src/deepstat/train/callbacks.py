"""Hooks into the training loop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import nn

if TYPE_CHECKING:
    from deepstat.train.history import History

__all__ = ["Callback"]


class Callback:
    """Base class of training callbacks: every hook is a no-op; override the ones you need.

    Exceptions raised by a hook propagate out of :func:`~deepstat.train.fit_module` (the
    checkpoint of that epoch, if any, is already written, so ``resume`` continues from it).
    Hooks run on every process under DDP.

    Examples
    --------
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, record, module):
    ...         print(epoch, round(record["train_loss"], 2))
    """

    def on_train_begin(self, module: nn.Module) -> None:
        """Called once before the first epoch (after a resume has loaded its checkpoint).

        Parameters
        ----------
        module : nn.Module
            The module being trained (unwrapped from DDP).
        """

    def on_epoch_end(self, epoch: int, record: dict[str, Any], module: nn.Module) -> None:
        """Called after each epoch, once its record, schedule step and checkpoint are done.

        Parameters
        ----------
        epoch : int
            The 1-based epoch just finished.
        record : dict
            Its history record (``epoch, train_loss, val_loss, lr, time``).
        module : nn.Module
            The module being trained, with the epoch's final weights.
        """

    def on_train_end(self, module: nn.Module, history: History) -> None:
        """Called once after training ends normally (best weights already restored).

        Parameters
        ----------
        module : nn.Module
            The trained module.
        history : History
            The complete history.
        """
