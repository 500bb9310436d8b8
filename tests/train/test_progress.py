"""EpochProgress: silent at verbose=0, a bar at 1, log lines at 2."""

from __future__ import annotations

import logging
import math

import pytest

from deepstat.train import EpochProgress

RECORD = {"epoch": 1, "train_loss": 0.5, "val_loss": math.nan, "lr": 0.01, "time": 0.1}


def test_verbose_zero_is_silent(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="deepstat.train"), EpochProgress(2, verbose=0) as bar:
        bar.update(RECORD)
    assert capsys.readouterr() == ("", "") and caplog.records == []


def test_verbose_one_drives_a_bar() -> None:
    with EpochProgress(4, verbose=1, start=1) as bar:
        task = bar._progress.tasks[0]
        assert task.completed == 1 and task.total == 4  # resumed fits start part-way
        bar.update({**RECORD, "epoch": 2})
        assert task.completed == 2 and task.fields["losses"] == "train 0.5  val -"


def test_verbose_two_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="deepstat.train"), EpochProgress(2, verbose=2) as bar:
        bar.update(RECORD)
    assert caplog.records[0].getMessage().startswith("epoch 1/2  train 0.5  val -  lr 0.01")
