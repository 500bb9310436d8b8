"""The batch protocol's data structures: a recursive gather by index and the :class:`Batch` itself.

The one definition of a batch: the adapters' sources return it and the engine
(:mod:`deepstat.train`, which re-exports it) feeds it to the module and the objective.
``select`` marks the positions of the network's output that the loss reads (the scored nodes of
one graph, the valid steps of padded sequences), ``None`` meaning all of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

__all__ = ["take", "move", "n_rows", "Batch", "IndexedBatches"]


def take(obj: Any, index: Tensor) -> Any:
    """Gather the rows ``index`` of every tensor inside ``obj``.

    Parameters
    ----------
    obj : Tensor, tuple, list, dict, dataclass instance or None
        A tensor of shape ``(n, ...)``, or a container of such tensors at any depth: a tuple or
        list (the same type comes back), a dict (same keys), or a dataclass instance whose
        fields are tensors or containers (rebuilt with :func:`dataclasses.replace`, so a
        structured target such as ``SurvivalTarget`` keeps its type). ``None`` stays ``None``.
    index : Tensor
        1-D ``int64`` tensor of row positions.

    Returns
    -------
    object
        ``obj`` with every tensor ``t`` replaced by ``t[index]``.

    Raises
    ------
    TypeError
        If ``obj`` holds something that is none of these (a numpy array, a string).

    Examples
    --------
    >>> import torch
    >>> x, lengths = torch.arange(6.0).reshape(3, 2), torch.tensor([1, 2, 2])
    >>> take({"x": x, "parts": (lengths, None)}, torch.tensor([2, 0]))
    {'x': tensor([[4., 5.],
            [0., 1.]]), 'parts': (tensor([2, 1]), None)}
    """
    if obj is None:
        return None
    if isinstance(obj, Tensor):
        return obj[index]
    if isinstance(obj, (tuple, list)):
        return type(obj)(take(o, index) for o in obj)
    if isinstance(obj, dict):
        return {k: take(v, index) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: take(getattr(obj, f.name), index) for f in dataclasses.fields(obj) if f.init})
    raise TypeError(
        f"`obj` of take must be a tensor, or a tuple, list, dict or dataclass of tensors. Got {type(obj).__name__} instead."
    )


def move(obj: Any, device: torch.device | str) -> Any:
    """Move every tensor inside ``obj`` (the containers of :func:`take`, or anything with ``.to``) to ``device``."""
    if obj is None:
        return None
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, (tuple, list)):
        return type(obj)(move(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: move(v, device) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: move(getattr(obj, f.name), device) for f in dataclasses.fields(obj) if f.init})
    if hasattr(obj, "to"):  # a PyTorch Geometric Data or Batch
        return obj.to(device)
    return obj


def n_rows(obj: Any) -> int:
    """The first dimension of the first tensor inside ``obj`` (the number of observations)."""
    if isinstance(obj, Tensor):
        return int(obj.shape[0]) if obj.ndim else 1
    if isinstance(obj, (tuple, list)):
        return n_rows(obj[0])
    if isinstance(obj, dict):
        return n_rows(next(iter(obj.values())))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return n_rows(getattr(obj, dataclasses.fields(obj)[0].name))
    return len(obj)


@dataclass
class Batch:
    """One batch as the engine feeds it to the module and the objective.

    Parameters
    ----------
    inputs : Tensor or object
        What the network's ``forward`` reads: images ``(n, C, H, W)``, a tuple ``(x, lengths)``
        or ``(x, mask)``, a PyTorch Geometric ``Batch`` or one whole graph.
    target : Tensor or object
        The loss's second argument, one entry per observation.
    weight : Tensor or None, default=None
        Per-observation weights of shape ``(n,)``; ``None`` means all ones.
    select : Tensor or None, default=None
        1-D ``int64`` positions of the network's output that the loss reads, in the order of
        ``target``: the scored nodes when ``inputs`` is one whole graph. ``None`` reads all.

    Examples
    --------
    >>> import torch
    >>> b = Batch(torch.zeros(3, 2), torch.ones(3))
    >>> len(b), b.total_weight()
    (3, 3)
    """

    inputs: Any
    target: Any
    weight: Tensor | None = None
    select: Tensor | None = None

    def to(self, device: torch.device | str) -> Batch:
        """Return the batch with every tensor moved to ``device``."""
        return Batch(move(self.inputs, device), move(self.target, device), move(self.weight, device), move(self.select, device))

    def __len__(self) -> int:
        """Number of observations: the length of ``weight``, else of ``target``."""
        if self.weight is not None:
            return int(self.weight.shape[0])
        return n_rows(self.target)

    def total_weight(self) -> Tensor | int:
        """Sum of the weights, or the number of observations when ``weight`` is None."""
        return len(self) if self.weight is None else self.weight.sum()


def check_rows(name: str, value: Any, n: int, caller: str) -> None:
    """Raise ValueError unless ``value`` (a tensor or container of tensors) has ``n`` rows."""
    try:
        found = n_rows(value)
    except (TypeError, IndexError, StopIteration):
        raise TypeError(
            f"`{name}` of {caller} must be a tensor, or a tuple, dict or dataclass of tensors. "
            f"Got {type(value).__name__} instead."
        ) from None
    if found != n:
        raise ValueError(f"`{name}` of {caller} must have {n} rows, one per observation. Got {found} instead.")


class IndexedBatches:
    """In-memory inputs, targets and weights batched by index with :func:`take`.

    Parameters
    ----------
    inputs : Tensor or container of Tensor
        Model-ready inputs with ``n`` rows (an adapter's ``transform``).
    target : Tensor or container of Tensor
        Targets with ``n`` rows.
    weight : Tensor or None, default=None
        Per-observation weights of shape ``(n,)``.
    caller : str, default="IndexedBatches"
        Named in error messages.

    Raises
    ------
    ValueError
        If the parts do not have the same number of rows, or ``weight`` is not 1-D.

    Examples
    --------
    >>> import torch
    >>> source = IndexedBatches((torch.zeros(4, 3, 2), torch.tensor([1, 3, 2, 3])), torch.arange(4.0))
    >>> batch = source.take(torch.tensor([3, 1]))
    >>> batch.inputs[1], batch.target
    (tensor([3, 3]), tensor([3., 1.]))
    """

    def __init__(self, inputs: Any, target: Any, weight: Tensor | None = None, caller: str = "IndexedBatches") -> None:
        n = n_rows(inputs)
        check_rows("target", target, n, caller)
        if weight is not None:
            if not isinstance(weight, Tensor) or weight.ndim != 1:
                shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
                raise ValueError(f"`weight` of {caller} must be a 1-D tensor of shape ({n},). Got {shape} instead.")
            check_rows("weight", weight, n, caller)
        self.inputs, self.target, self.weight, self.n = inputs, target, weight, n

    def __len__(self) -> int:
        return self.n

    def take(self, index: Tensor) -> Batch:
        """Return the batch of positions ``index`` (one gather per tensor)."""
        return Batch(take(self.inputs, index), take(self.target, index), take(self.weight, index))
