"""The record of a fit: one dict per epoch, plus the best epoch and why training stopped."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["History"]

COLUMNS = ("epoch", "train_loss", "val_loss", "lr", "time")


@dataclass
class History:
    """Per-epoch losses of a fit, returned by :func:`~deepstat.train.fit_module`.

    Parameters
    ----------
    records : list of dict
        One dict per epoch with keys ``epoch`` (1-based), ``train_loss`` (weighted mean
        training loss over the epoch's batches, penalty excluded), ``val_loss`` (weighted mean
        validation loss after the epoch; NaN without validation data), ``lr`` (learning rate
        used in the epoch) and ``time`` (seconds).
    best_epoch : int, default=0
        Epoch with the lowest monitored loss (validation loss if any, else training loss).
        0 means the starting weights: with early stopping and validation data their loss is
        measured before the first epoch, and no epoch improved on it (then ``best_loss`` is
        not among the ``records``).
    best_loss : float, default=inf
        That loss.
    stopped_early : bool, default=False
        Whether early stopping or ``tol`` ended the fit before ``max_epochs``.

    Examples
    --------
    >>> h = History([{"epoch": 1, "train_loss": 2.0, "val_loss": 2.5, "lr": 0.1, "time": 0.01}], 1, 2.5)
    >>> h.n_epochs, list(h.to_frame().columns)
    (1, ['epoch', 'train_loss', 'val_loss', 'lr', 'time'])
    >>> History.from_dict(h.to_dict()) == h
    True
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    best_loss: float = math.inf
    stopped_early: bool = False

    @property
    def n_epochs(self) -> int:
        """Number of epochs run."""
        return len(self.records)

    def to_frame(self) -> pd.DataFrame:
        """Return the records as a DataFrame.

        Returns
        -------
        pandas.DataFrame
            Columns ``epoch, train_loss, val_loss, lr, time``, one row per epoch.
        """
        return pd.DataFrame(self.records, columns=list(COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (NaN/inf kept as floats, which ``json`` writes).

        Returns
        -------
        dict
            Keys ``records, best_epoch, best_loss, stopped_early``.
        """
        return {
            "records": [dict(r) for r in self.records],
            "best_epoch": self.best_epoch,
            "best_loss": self.best_loss,
            "stopped_early": self.stopped_early,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Rebuild a History from :meth:`to_dict`'s output.

        Parameters
        ----------
        data : dict
            As returned by :meth:`to_dict` (possibly through ``json``).

        Returns
        -------
        History

        Raises
        ------
        ValueError
            If a key is missing.
        """
        missing = {"records", "best_epoch", "best_loss", "stopped_early"} - set(data)
        if missing:
            raise ValueError(
                f"`data` of History.from_dict must have the keys of History.to_dict(). Got {sorted(data)!r} "
                f"(missing {sorted(missing)!r}) instead."
            )
        return cls(
            records=[dict(r) for r in data["records"]],
            best_epoch=int(data["best_epoch"]),
            best_loss=float(data["best_loss"]),
            stopped_early=bool(data["stopped_early"]),
        )
