"""Data-parallel training over processes with ``torch.distributed`` (DDP, launched by torchrun).

Launch a script that calls :func:`init_distributed` and then fits as usual::

    python -m torch.distributed.run --standalone --nproc_per_node=2 fit_script.py

Under DDP, :func:`~deepstat.train.fit_module` wraps the module in
``DistributedDataParallel``; every process draws the same seeded permutation and takes its
contiguous shard of each global batch (``batch_size`` is the global batch); the loss is
normalised by the all-reduced weight of the global batch, so the averaged gradients equal
the single-process gradients; validation and training losses are all-reduced; only rank 0
shows progress and writes checkpoints.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["init_distributed", "is_distributed", "is_main_process", "world_size", "rank", "all_reduce_sum", "shard"]

_TORCHRUN_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def init_distributed(backend: str = "gloo") -> bool:
    """Initialise the default process group from torchrun's environment variables.

    Parameters
    ----------
    backend : str, default="gloo"
        ``"gloo"`` for CPU, ``"nccl"`` for CUDA.

    Returns
    -------
    bool
        True when a process group is (now) initialised; False, doing nothing, when the script
        was not launched by torchrun or ``torch.distributed`` is unavailable.

    Examples
    --------
    >>> init_distributed()  # a plain python process
    False
    """
    if not dist.is_available():
        return False
    if dist.is_initialized():
        return True
    if not all(v in os.environ for v in _TORCHRUN_VARS):
        return False
    dist.init_process_group(backend=backend)
    return True


def is_distributed() -> bool:
    """Whether a process group with more than one process is initialised.

    Returns
    -------
    bool
    """
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def world_size() -> int:
    """Number of processes.

    Returns
    -------
    int
        1 when not distributed.
    """
    return dist.get_world_size() if is_distributed() else 1


def rank() -> int:
    """Rank of this process.

    Returns
    -------
    int
        0 when not distributed.
    """
    return dist.get_rank() if is_distributed() else 0


def is_main_process() -> bool:
    """Whether this is rank 0 (always True when not distributed).

    Returns
    -------
    bool

    Examples
    --------
    >>> is_main_process()
    True
    """
    return rank() == 0


def all_reduce_sum(tensor: Tensor) -> Tensor:
    """Sum ``tensor`` over processes (in place) and return it; a no-op when not distributed.

    Parameters
    ----------
    tensor : Tensor
        Same shape on every process.

    Returns
    -------
    Tensor
    """
    if is_distributed():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def shard(index: Tensor) -> Tensor:
    """This process's contiguous part of a global index tensor (``torch.tensor_split``).

    Parameters
    ----------
    index : Tensor
        Positions of the global batch, identical on every process.

    Returns
    -------
    Tensor
        The whole of ``index`` when not distributed.
    """
    if not is_distributed():
        return index
    return torch.tensor_split(index, dist.get_world_size())[dist.get_rank()]
