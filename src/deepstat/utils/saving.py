"""The names of the files a saved model folder holds, and the clean-up that keeps one folder one model.

A single estimator's folder holds ``model.safetensors`` and ``config.json``; an ensemble's holds
``ensemble.json`` and one estimator folder per member (``member_0``, ``member_1`` ...). Saving one kind
over the other removes what the other kind left, so that a folder never holds two models at once and
``deepstat.load`` cannot pick up a stale one.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

__all__ = ["CONFIG_FILE", "ENSEMBLE_FILE", "WEIGHTS_FILE", "member_folder", "remove_ensemble_files", "remove_stale_members"]

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
ENSEMBLE_FILE = "ensemble.json"
_MEMBER = re.compile(r"member_(\d+)")


def member_folder(folder: Path, index: int) -> Path:
    """Where member ``index`` of an ensemble saved in ``folder`` lives."""
    return folder / f"member_{index}"


def _member_folders(folder: Path) -> list[tuple[int, Path]]:
    """The member folders of ``folder`` that hold a saved estimator (a config.json)."""
    found = []
    for item in folder.iterdir() if folder.is_dir() else []:
        match = _MEMBER.fullmatch(item.name)
        if match and item.is_dir() and (item / CONFIG_FILE).is_file():
            found.append((int(match.group(1)), item))
    return found


def remove_stale_members(folder: Path, keep: int) -> None:
    """Remove the member folders numbered ``keep`` and up (left by an earlier, larger ensemble)."""
    for index, item in _member_folders(folder):
        if index >= keep:
            shutil.rmtree(item)


def remove_ensemble_files(folder: Path) -> None:
    """Remove an ensemble's manifest and member folders from ``folder`` (before a single model is saved there)."""
    manifest = folder / ENSEMBLE_FILE
    if manifest.is_file():
        manifest.unlink()
    remove_stale_members(folder, 0)
