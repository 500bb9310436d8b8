"""Batches by index: the generic batch protocol of the training engine.

The engine never iterates over rows. Each epoch it draws one permutation of the positions
``0..n-1`` with a seeded ``torch.Generator``, cuts it into index tensors of ``batch_size``
positions, and asks the data source for those positions with :meth:`BatchSource.take`. For
in-memory tensors this is a single ``X[idx]`` gather per batch (:class:`TensorBatches`);
later data types (images on disk, padded sequences, PyTorch Geometric graphs) only need to
implement ``__len__`` and ``take``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor

from deepstat.data.batch import Batch, move, n_rows, take
from deepstat.train.splits import RandomSplit

__all__ = ["Batch", "BatchSource", "TensorBatches", "SubsetBatches", "split_validation", "take", "n_rows"]


# the batch, the recursive gather and the row count are defined once, in the data layer
_move, _take, _n_rows = move, take, n_rows


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
    target : Tensor or structured target
        Targets of shape ``(n, ...)``, or a structured target (a dataclass of such tensors, e.g.
        ``SurvivalTarget``; a tuple or dict of tensors), gathered field by field.
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
        structured = not isinstance(target, Tensor) and (
            dataclasses.is_dataclass(target) or isinstance(target, (tuple, list, Mapping))
        )
        if structured:
            named = [item for item in named if item[0] != "target"] + [("target", _first_tensor(target, "target"))]
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
        self._n = _n_rows(target)

    def __len__(self) -> int:
        return self._n

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
        return Batch(take(self.inputs, index), take(self.target, index), weight)


def _first_tensor(obj: Any, name: str) -> Tensor:
    """The first tensor of a structured target (its rows count the observations)."""
    if isinstance(obj, Tensor):
        return obj
    parts = (
        list(obj) if isinstance(obj, (tuple, list))
        else list(obj.values()) if isinstance(obj, Mapping)
        else [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    )
    for part in parts:
        if isinstance(part, Tensor) or dataclasses.is_dataclass(part) or isinstance(part, (tuple, list, Mapping)):
            return _first_tensor(part, name)
    raise TypeError(f"`{name}` of TensorBatches must hold at least one torch.Tensor. Got {type(obj).__name__} without one instead.")


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
    """Split ``source`` at random into a training part and a validation part (:class:`~deepstat.train.RandomSplit`).

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
    train_index, val_index = RandomSplit(fraction).split(n, generator)
    return SubsetBatches(source, train_index), SubsetBatches(source, val_index)
