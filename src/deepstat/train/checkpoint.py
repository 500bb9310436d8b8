"""Atomic, pickle-free checkpoints: safetensors for tensors, JSON for everything else.

A checkpoint is ``checkpoint.safetensors`` (all tensors, with the JSON description embedded
in its metadata) plus ``checkpoint.json`` (the same description, for people and tools).
Each file is written to a temporary name in the same directory and moved into place with
``os.replace``, which is atomic on POSIX and Windows, so an interrupted write never leaves a
half-written checkpoint. Loading reads only the safetensors file, whose embedded JSON always
matches its tensors, so the pair can never be out of step.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor

__all__ = [
    "CHECKPOINT_NAME",
    "flatten_state",
    "unflatten_state",
    "save_checkpoint",
    "load_checkpoint",
    "state_tensors",
    "module_state",
]

CHECKPOINT_NAME = "checkpoint"
_META_KEY = "deepstat_checkpoint"


def flatten_state(obj: Any, prefix: str, tensors: dict[str, Tensor]) -> Any:
    """Replace every tensor in a nested dict/list/tuple by a reference, collecting the tensors.

    Parameters
    ----------
    obj : object
        A state dict (module, optimiser, scheduler) made of dicts, lists, tuples, tensors and
        JSON scalars. Non-string dict keys (optimiser states use ints) are kept, typed.
    prefix : str
        Name prefix of the collected tensors.
    tensors : dict
        Filled in place with ``name -> tensor`` (cloned, contiguous, on CPU).

    Returns
    -------
    object
        A JSON-serialisable mirror of ``obj``.

    Examples
    --------
    >>> import torch
    >>> store = {}
    >>> flatten_state({"step": torch.tensor(3.0), "lr": 0.1}, "opt", store)
    {'__dict__': [['step', {'__tensor__': 'opt.step'}], ['lr', 0.1]]}
    >>> unflatten_state(_, store)
    {'step': tensor(3.), 'lr': 0.1}
    """
    if isinstance(obj, Tensor):
        tensors[prefix] = obj.detach().to("cpu", copy=True).contiguous()
        return {"__tensor__": prefix}
    if isinstance(obj, dict):
        return {"__dict__": [[k, flatten_state(v, f"{prefix}.{k}", tensors)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [flatten_state(v, f"{prefix}.{i}", tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [flatten_state(v, f"{prefix}.{i}", tensors) for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"`obj` of flatten_state must hold only tensors and JSON scalars. Got {type(obj).__name__} instead."
    )


def unflatten_state(obj: Any, tensors: dict[str, Tensor]) -> Any:
    """Invert :func:`flatten_state`.

    Parameters
    ----------
    obj : object
        Output of :func:`flatten_state` (possibly through ``json``).
    tensors : dict
        The collected tensors.

    Returns
    -------
    object
        The original nested structure.
    """
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__tuple__" in obj:
            return tuple(unflatten_state(v, tensors) for v in obj["__tuple__"])
        return {k: unflatten_state(v, tensors) for k, v in obj["__dict__"]}
    if isinstance(obj, list):
        return [unflatten_state(v, tensors) for v in obj]
    return obj


def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_checkpoint(directory: str | os.PathLike[str], tensors: dict[str, Tensor], meta: dict[str, Any]) -> Path:
    """Atomically write ``tensors`` and ``meta`` to ``directory``.

    Parameters
    ----------
    directory : str or path
        Created if missing.
    tensors : dict of str to Tensor
        Contiguous tensors that share no memory.
    meta : dict
        JSON-serialisable description (epoch, history, scheduler state, config, key layout).

    Returns
    -------
    Path
        Path of ``checkpoint.safetensors``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(meta)
    st_path = directory / f"{CHECKPOINT_NAME}.safetensors"
    _atomic_write(st_path, lambda tmp: save_file(tensors, tmp, metadata={_META_KEY: text}))

    def write_json(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)

    _atomic_write(directory / f"{CHECKPOINT_NAME}.json", write_json)
    return st_path


def load_checkpoint(directory: str | os.PathLike[str]) -> tuple[dict[str, Tensor], dict[str, Any]] | None:
    """Read the checkpoint in ``directory`` without unpickling anything.

    Parameters
    ----------
    directory : str or path
        Directory written by :func:`save_checkpoint`.

    Returns
    -------
    (tensors, meta) or None
        ``None`` when the directory holds no checkpoint.

    Raises
    ------
    ValueError
        If the safetensors file lacks deepstat's metadata.
    """
    path = Path(directory) / f"{CHECKPOINT_NAME}.safetensors"
    if not path.exists():
        return None
    with safe_open(str(path), framework="pt") as fh:
        metadata = fh.metadata() or {}
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    if _META_KEY not in metadata:
        raise ValueError(
            f"`checkpoint_dir` of TrainConfig must hold a deepstat checkpoint. Got {str(path)!r} without "
            f"'{_META_KEY}' metadata instead."
        )
    return tensors, json.loads(metadata[_META_KEY])


def state_tensors(state: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    """Prefix the names of a module state dict, cloning each tensor to contiguous CPU memory.

    Parameters
    ----------
    state : dict of str to Tensor
        A ``state_dict()``.
    prefix : str
        Name prefix, e.g. ``"module"``.

    Returns
    -------
    dict of str to Tensor
    """
    return {f"{prefix}.{k}": v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()}


def module_state(tensors: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    """Inverse of :func:`state_tensors`: the tensors under ``prefix.``, prefix stripped.

    Parameters
    ----------
    tensors : dict of str to Tensor
        All tensors of a checkpoint.
    prefix : str
        Name prefix.

    Returns
    -------
    dict of str to Tensor
    """
    cut = len(prefix) + 1
    return {k[cut:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
