"""Batches by index: the generic batch protocol of the training engine.

The engine never iterates over rows. Each epoch it draws one permutation of the positions
``0..n-1`` with a seeded ``torch.Generator``, cuts it into index tensors of ``batch_size``
positions, and asks the data source for those positions with :meth:`BatchSource.take`. For
in-memory tensors this is a single ``X[idx]`` gather per batch (:class:`TensorBatches`);
later data types (images on disk, padded sequences, PyTorch Geometric graphs) only need to
implement ``__len__`` and ``take``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor

__all__ = ["Batch", "BatchSource", "TensorBatches", "SubsetBatches", "split_validation"]


def _move(obj: Any, device: torch.device | str) -> Any:
    """Move a tensor, a tuple/list of tensors, or any object with ``.to`` to ``device``."""
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_move(o, device) for o in obj)
    if hasattr(obj, "to"):
        return obj.to(device)
    return obj


def _take(obj: Any, index: Tensor) -> Any:
    """Gather rows ``index`` of a tensor, or of every tensor in a tuple/list."""
    if isinstance(obj, (tuple, list)):
        return type(obj)(o[index] for o in obj)
    return obj[index]


def _n_rows(obj: Any) -> int:
    if isinstance(obj, (tuple, list)):
        return int(obj[0].shape[0])
    return int(obj.shape[0])


@dataclass
class Batch:
    """One batch as the engine feeds it to the module and the loss.

    Parameters
    ----------
    inputs : Tensor or object
        What the module's ``forward`` accepts: a tensor of shape ``(n, ...)``, a tuple of
        tensors, or any object (a PyTorch Geometric ``Batch``, a padded sequence tuple).
    target : Tensor or object
        What the loss takes as its second argument, usually a tensor of shape ``(n, ...)``.
    weight : Tensor or None, default=None
        Per-observation weights of shape ``(n,)``; ``None`` means all ones.

    Examples
    --------
    >>> import torch
    >>> b = Batch(torch.zeros(3, 2), torch.ones(3), None)
    >>> len(b)
    3
    """

    inputs: Any
    target: Any
    weight: Tensor | None = None

    def to(self, device: torch.device | str) -> Batch:
        """Return the batch with every tensor moved to ``device``.

        Parameters
        ----------
        device : torch.device or str
            Target device.

        Returns
        -------
        Batch
            A new batch (tensors already on ``device`` are not copied).
        """
        weight = None if self.weight is None else self.weight.to(device)
        return Batch(_move(self.inputs, device), _move(self.target, device), weight)

    def __len__(self) -> int:
        """Number of observations: the length of ``weight``, else of ``target``."""
        if self.weight is not None:
            return int(self.weight.shape[0])
        if isinstance(self.target, Tensor):
            return int(self.target.shape[0])
        return len(self.target)

    def total_weight(self) -> Tensor | int:
        """Sum of the weights, or the number of observations when ``weight`` is None."""
        return len(self) if self.weight is None else self.weight.sum()


@runtime_checkable
class BatchSource(Protocol):
    """The generic batch protocol: anything with a length that returns batches by position.

    ``__len__`` is the number of observations (rows, images, graphs) and ``take(index)``
    returns the :class:`Batch` of the positions in ``index``, a 1-D ``int64`` tensor.
    """

    def __len__(self) -> int: ...

    def take(self, index: Tensor) -> Batch: ...


class TensorBatches:
    """In-memory tensors (tabular data, images) batched by index.

    Parameters
    ----------
    inputs : Tensor or sequence of Tensor
        Inputs of shape ``(n, ...)``, or several such tensors (passed to the module as a tuple).
    target : Tensor
        Targets of shape ``(n, ...)``.
    weight : Tensor or None, default=None
        Per-observation weights of shape ``(n,)``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    ValueError
        If the arguments do not share their first dimension, or ``weight`` is not 1-D.

    Examples
    --------
    >>> import torch
    >>> data = TensorBatches(torch.arange(10.0).reshape(5, 2), torch.arange(5.0))
    >>> len(data)
    5
    >>> data.take(torch.tensor([4, 0])).target
    tensor([4., 0.])
    """

    def __init__(
        self,
        inputs: Tensor | Sequence[Tensor],
        target: Tensor,
        weight: Tensor | None = None,
    ) -> None:
        tensors = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
        named = [("inputs", t) for t in tensors] + [("target", target)]
        if weight is not None:
            named.append(("weight", weight))
        for name, value in named:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"`{name}` of TensorBatches must be a torch.Tensor. Got {type(value).__name__} instead."
                )
            if value.ndim == 0:
                raise ValueError(
                    f"`{name}` of TensorBatches must have at least one dimension. "
                    f"Got shape {tuple(value.shape)} instead."
                )
        n = tensors[0].shape[0]
        for name, value in named:
            if value.shape[0] != n:
                raise ValueError(
                    f"`{name}` of TensorBatches must have {n} rows, as `inputs` has. "
                    f"Got shape {tuple(value.shape)} instead."
                )
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"`weight` of TensorBatches must be 1-D of shape ({n},). Got shape {tuple(weight.shape)} instead."
            )
        self.inputs = tuple(tensors) if isinstance(inputs, (tuple, list)) else inputs
        self.target = target
        self.weight = weight

    def __len__(self) -> int:
        return _n_rows(self.target)

    def take(self, index: Tensor) -> Batch:
        """Return the batch of rows ``index`` (one gather per tensor).

        Parameters
        ----------
        index : Tensor
            1-D ``int64`` tensor of row positions.

        Returns
        -------
        Batch
        """
        weight = None if self.weight is None else self.weight[index]
        return Batch(_take(self.inputs, index), self.target[index], weight)


class SubsetBatches:
    """The observations of ``source`` at positions ``index``, itself a :class:`BatchSource`.

    Parameters
    ----------
    source : BatchSource
        The full data.
    index : Tensor
        1-D ``int64`` tensor of positions in ``source``.

    Examples
    --------
    >>> import torch
    >>> full = TensorBatches(torch.arange(6.0)[:, None], torch.arange(6.0))
    >>> sub = SubsetBatches(full, torch.tensor([1, 3, 5]))
    >>> sub.take(torch.tensor([0, 2])).target
    tensor([1., 5.])
    """

    def __init__(self, source: BatchSource, index: Tensor) -> None:
        self.source = source
        self.index = index

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def take(self, index: Tensor) -> Batch:
        """Return the batch of positions ``index`` of the subset."""
        return self.source.take(self.index[index])


def split_validation(
    source: BatchSource, fraction: float, generator: torch.Generator
) -> tuple[SubsetBatches, SubsetBatches]:
    """Split ``source`` at random into a training part and a validation part.

    Parameters
    ----------
    source : BatchSource
        The data to split.
    fraction : float
        Share of the observations in the validation part, in (0, 1); the validation part has
        ``ceil(fraction * n)`` observations, as in ``sklearn.model_selection.train_test_split``.
    generator : torch.Generator
        Seeded generator that draws the permutation.

    Returns
    -------
    train, validation : SubsetBatches
        Both index tensors are sorted, so gathers stay memory-local.

    Raises
    ------
    ValueError
        If either part would be empty.
    """
    n = len(source)
    n_val = math.ceil(fraction * n)
    if n_val < 1 or n - n_val < 1:
        raise ValueError(
            f"`validation_fraction` of TrainConfig must leave at least one observation in each part. "
            f"Got {fraction!r} with {n} observations instead."
        )
    perm = torch.randperm(n, generator=generator)
    val_index, _ = perm[:n_val].sort()
    train_index, _ = perm[n_val:].sort()
    return SubsetBatches(source, train_index), SubsetBatches(source, val_index)
