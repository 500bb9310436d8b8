"""The thread setting: default 1, context manager restores, torch_threads applies it."""

from __future__ import annotations

import pytest
import torch

import deepstat
from deepstat.utils.config import torch_threads


def test_default_is_one_thread() -> None:
    assert deepstat.get_config()["num_threads"] == 1


def test_context_restores() -> None:
    with deepstat.config_context(num_threads=2):
        assert deepstat.get_config()["num_threads"] == 2
        with torch_threads():
            assert torch.get_num_threads() == 2
    assert deepstat.get_config()["num_threads"] == 1


def test_torch_threads_restores_torch_setting() -> None:
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_thread_count(bad) -> None:
    with pytest.raises(ValueError, match=r"`num_threads` of set_config must be a positive integer"):
        deepstat.set_config(num_threads=bad)


def test_environment_variable(monkeypatch) -> None:
    from deepstat.utils import config

    monkeypatch.setenv("DEEPSTAT_NUM_THREADS", "3")
    assert config._default_threads() == 3
    monkeypatch.setenv("DEEPSTAT_NUM_THREADS", "many")
    with pytest.raises(ValueError, match=r"DEEPSTAT_NUM_THREADS"):
        config._default_threads()
