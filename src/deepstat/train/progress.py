"""Progress reporting: a transient rich progress bar and optional per-epoch log lines."""

from __future__ import annotations

import logging
import math
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["EpochProgress"]

logger = logging.getLogger("deepstat.train")


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4g}"


class EpochProgress:
    """Context manager that shows one bar step per epoch (updated once per epoch, off the hot path).

    Parameters
    ----------
    total : int
        Maximum number of epochs.
    verbose : int
        0 shows nothing; 1 a transient rich bar on stderr with the epoch and the train and
        validation losses; 2 also logs one INFO line per epoch to the ``deepstat.train`` logger.
    start : int, default=0
        Epochs already done (after a resume).

    Examples
    --------
    >>> with EpochProgress(total=3, verbose=0) as bar:
    ...     bar.update({"epoch": 1, "train_loss": 1.0, "val_loss": float("nan"), "lr": 0.1, "time": 0.0})
    """

    def __init__(self, total: int, verbose: int, start: int = 0) -> None:
        self.total, self.verbose, self.start = total, verbose, start
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> EpochProgress:
        if self.verbose >= 1:
            self._progress = Progress(
                TextColumn("[bold]epoch"),
                MofNCompleteColumn(),
                BarColumn(),
                TextColumn("{task.fields[losses]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("fit", total=self.total, completed=self.start, losses="")
        return self

    def update(self, record: dict[str, Any]) -> None:
        """Advance by one epoch and show its losses.

        Parameters
        ----------
        record : dict
            The epoch's history record.
        """
        losses = f"train {_fmt(record['train_loss'])}  val {_fmt(record['val_loss'])}"
        if self._progress is not None:
            self._progress.update(self._task, completed=record["epoch"], losses=losses)
        if self.verbose >= 2:
            logger.info(
                "epoch %d/%d  %s  lr %.3g  %.2fs", record["epoch"], self.total, losses, record["lr"], record["time"]
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
