"""The names of the files a saved model folder holds, and the clean-up that keeps one folder one model.

A single estimator's folder holds ``model.safetensors`` and ``config.json``; an ensemble's holds
``ensemble.json`` and one estimator folder per member (``member_0``, ``member_1`` ...). Saving one kind
over the other removes what the other kind left, so that a folder never holds two models at once and
``deepstat.load`` cannot pick up a stale one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_FILE",
    "ENSEMBLE_FILE",
    "WEIGHTS_FILE",
    "SafetensorsHeader",
    "member_folder",
    "move_into_place",
    "read_safetensors_header",
    "remove_ensemble_files",
    "read_json_file",
    "remove_stale_members",
    "staging_folder",
]

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


# ------------------------------------------------------------------ reading a weights file safely
# safetensors: 8 bytes little-endian N, then N bytes of JSON header, then the raw tensor bytes.
_MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit
_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
_PICKLE_PROTOCOLS = {2, 3, 4, 5}


@dataclass(frozen=True)
class SafetensorsHeader:
    """What a safetensors file declares, read without loading a tensor: ``{name: (dtype, shape)}`` and metadata."""

    tensors: dict[str, tuple[str, tuple[int, ...]]]
    metadata: dict[str, str]


def _looks_like_pickle(head: bytes) -> str | None:
    """A name for what ``head`` (the first bytes of a file) is, when it may hold a pickle; else None."""
    if len(head) >= 2 and head[0] == 0x80 and head[1] in _PICKLE_PROTOCOLS:
        return "a pickle"
    if head[:4] == b"PK\x03\x04":
        return "a zip archive (torch.save's format, which holds a pickle)"
    return None


def read_safetensors_header(data: bytes, name: str, caller: str) -> SafetensorsHeader:
    """Parse and check the header of the safetensors file whose bytes are ``data``; decode no tensor.

    Every declared tensor must have a known dtype, a shape of non-negative ints and a byte range
    inside the file that matches its dtype and shape, so that nothing built from the header can
    ask for more memory than the file holds.

    Raises
    ------
    ValueError
        If the file is a pickle (or a zip archive that may hold one) or not a valid safetensors file.
    """
    size = len(data)
    first = data[:8]
    n = int.from_bytes(first, "little") if len(first) == 8 else -1
    raw = data[8 : 8 + n] if 0 < n <= min(size - 8, _MAX_HEADER_BYTES) else b""
    where = f"`path` of {caller} must hold a safetensors file {name}"

    def refuse(reason: str) -> ValueError:
        kind = _looks_like_pickle(first)
        if kind is not None:
            return ValueError(f"{where}. Got {kind} instead; deepstat never unpickles.")
        return ValueError(f"{where}. Got an invalid file instead: {reason}.")

    if not raw.startswith(b"{"):
        raise refuse(f"no safetensors header (declared length {n} of a {size}-byte file)")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise refuse("the header is not JSON") from None
    if not isinstance(header, dict):
        raise refuse("the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise refuse("its __metadata__ is not a mapping of strings")
    data_bytes = size - 8 - n
    tensors: dict[str, tuple[str, tuple[int, ...]]] = {}
    for name, entry in header.items():
        if not isinstance(entry, dict):
            raise refuse(f"tensor {name!r:.80} has no description")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in _DTYPE_BYTES:
            raise refuse(f"tensor {name!r:.80} has dtype {dtype!r:.40}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise refuse(f"tensor {name!r:.80} has shape {shape!r:.80}")
        if (
            not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        ):
            raise refuse(f"tensor {name!r:.80} has data offsets {offsets!r:.80}")
        start, stop = offsets
        count = 1
        for d in shape:
            count *= d
        if not 0 <= start <= stop <= data_bytes or stop - start != count * _DTYPE_BYTES[dtype]:
            raise refuse(f"tensor {name!r:.80} of shape {tuple(shape)} does not fit its bytes {offsets} of {data_bytes}")
        tensors[name] = (dtype, tuple(shape))
    return SafetensorsHeader(tensors, dict(metadata))


# ------------------------------------------------------------------ writing a folder atomically
_MODEL_ENTRY = re.compile(r"member_\d+|.*\.tmp|\..*\.(saving|replaced)-[0-9a-f]+")


def staging_folder(out: Path) -> Path:
    """A new, empty sibling folder of ``out`` to write a model into before :func:`move_into_place`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.saving-{uuid.uuid4().hex[:16]}"
    staging.mkdir()
    return staging


def _holds_only_a_model(folder: Path) -> bool:
    names = {WEIGHTS_FILE, CONFIG_FILE, ENSEMBLE_FILE}
    return all(item.name in names or _MODEL_ENTRY.fullmatch(item.name) for item in folder.iterdir())


def move_into_place(staging: Path, out: Path, files: tuple[str, ...] = (WEIGHTS_FILE, CONFIG_FILE)) -> None:
    """Make the folder ``staging`` become ``out``, so that a reader sees the old model or the new one, never a mix.

    ``out`` absent: one rename. ``out`` holding only a saved model (or ensemble): it is renamed aside,
    ``staging`` renamed in and the old one removed; concurrent savers retry until one wins. ``out``
    holding other files too (the user's own, checkpoints): the model's ``files`` are replaced one by
    one (the model id in both files lets load refuse a mix) and an ensemble saved there is removed.
    """
    for _ in range(100):
        if not out.exists():
            try:
                os.rename(staging, out)
                return
            except OSError:  # another saver got there first
                continue
        if out.is_file():
            raise ValueError(f"`path` of save must be a directory. Got the file {os.fspath(out)!r} instead.")
        try:
            only_a_model = _holds_only_a_model(out)
        except (FileNotFoundError, NotADirectoryError):  # swapped away by another saver meanwhile
            continue
        if not only_a_model:
            for name in files:
                os.replace(staging / name, out / name)
            remove_ensemble_files(out)
            shutil.rmtree(staging, ignore_errors=True)
            return
        aside = out.parent / f".{out.name}.replaced-{uuid.uuid4().hex[:16]}"
        try:
            os.rename(out, aside)
        except OSError:  # moved by another saver meanwhile: look again
            continue
        try:
            os.rename(staging, out)
            return
        except OSError:
            continue
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    raise OSError(f"`path` of save could not be replaced: {os.fspath(out)!r} kept changing under 100 attempts (other processes saving there).")


def read_json_file(path: Path, caller: str, limit: int = 256_000_000) -> Any:
    """The JSON in ``path``, with one ValueError naming the file for bytes that are not UTF-8 JSON or nest too deep."""
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"`path` of {caller} must hold a JSON {path.name} under {limit} bytes. Got {size} bytes instead.")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"`path` of {caller} must hold a UTF-8 JSON {path.name}. Got bytes that are not text instead ({exc.reason} at byte {exc.start}).") from None
    except RecursionError:
        raise ValueError(f"`path` of {caller} must hold a JSON {path.name}. Got one nested too deeply to read instead.") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"`path` of {caller} must hold a JSON {path.name}. Got invalid JSON instead: {exc}.") from None
