"""History: frame, JSON round trip, validation of from_dict."""

from __future__ import annotations

import json
import math

import pytest

from deepstat.train import History


def _history() -> History:
    records = [
        {"epoch": 1, "train_loss": 2.0, "val_loss": math.nan, "lr": 0.1, "time": 0.5},
        {"epoch": 2, "train_loss": 1.5, "val_loss": math.nan, "lr": 0.05, "time": 0.4},
    ]
    return History(records, best_epoch=2, best_loss=1.5, stopped_early=True)


def test_json_round_trip_keeps_nan() -> None:
    history = _history()
    back = History.from_dict(json.loads(json.dumps(history.to_dict())))
    assert (back.best_epoch, back.best_loss, back.stopped_early, back.n_epochs) == (2, 1.5, True, 2)
    assert math.isnan(back.records[0]["val_loss"]) and back.records[1]["lr"] == 0.05


def test_to_frame() -> None:
    frame = _history().to_frame()
    assert list(frame.columns) == ["epoch", "train_loss", "val_loss", "lr", "time"]
    assert frame["train_loss"].tolist() == [2.0, 1.5]
    assert list(History().to_frame().columns) == list(frame.columns) and History().n_epochs == 0


def test_from_dict_missing_key() -> None:
    with pytest.raises(ValueError, match=r"`data` of History.from_dict must have the keys.*missing \['best_loss'\]"):
        History.from_dict({"records": [], "best_epoch": 0, "stopped_early": False})
