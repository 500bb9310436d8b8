"""Inputs that are not a table: the estimator's link to the data layer's adapters.

A table goes through :class:`~deepstat.utils.tabular.TabularPreprocessor` (formulas, one-hot coding,
scaling, scikit-learn's feature checks). Any other input goes to the adapter of the kind of input
the network reads (``network.input_kinds``): images to :class:`~deepstat.data.ImageAdapter`,
sequences, sets, graphs and one graph's nodes to theirs. The estimator then holds an
:class:`EncodedInputs` instead of a tensor: its length is the number of observations, and
:meth:`EncodedInputs.source` gives the engine a batch source.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepstat.data import ADAPTERS, Batch, InputAdapter
from deepstat.nn import NetworkConfig

__all__ = ["EncodedInputs", "adapter_for", "split_side_information"]


class EncodedInputs:
    """Structured inputs with their fitted adapter; ``shape[0]`` and ``len()`` count the observations.

    With ``per_step`` (a sequence network whose output has one row per time step, ``(n, T, k)``),
    the observations are the valid steps, in order: sequence 0's steps, then sequence 1's ...; the
    engine still batches whole sequences and ``Batch.select`` marks their valid steps.
    """

    def __init__(self, adapter: InputAdapter, X: Any, side: dict[str, Any], caller: str, per_step: bool = False) -> None:
        self.adapter, self.X, self.side, self.caller, self.per_step = adapter, X, side, caller, per_step
        self.n = int(adapter.n_samples(X, **side))  # sequences, images, sets, graphs or masked nodes
        if per_step:
            _, self.lengths = adapter.transform(X, caller, **side)
            self.n_scored = int(self.lengths.sum())
        else:
            self.n_scored = self.n
        self.shape = (self.n_scored,)

    def __len__(self) -> int:
        return self.n_scored

    def steps(self, y: Any, name: str = "y") -> Any:
        """A per-step target given as one array per sequence, as one array of the valid steps in order.

        Raises
        ------
        ValueError
            If ``y`` is not one array per sequence, each as long as its sequence.
        """
        if not self.per_step or not isinstance(y, (list, tuple)):
            return y
        if len(y) != self.n:
            raise ValueError(f"`{name}` of {self.caller} must hold one array per sequence ({self.n}). Got {len(y)} instead.")
        parts = [np.asarray(v) for v in y]
        for i, (part, length) in enumerate(zip(parts, self.lengths.tolist())):
            if part.ndim < 1 or part.shape[0] != length:
                raise ValueError(
                    f"`{name}[{i}]` of {self.caller} must have one value per step of sequence {i} ({length}). "
                    f"Got shape {part.shape} instead."
                )
        return np.concatenate(parts)

    def source(self, target: Any, weight: Tensor | None = None) -> Any:
        """The batch source of these inputs with ``target`` (one entry per observation) and ``weight``."""
        if self.per_step:
            x, lengths = self.adapter.transform(self.X, self.caller, **self.side)
            return _StepBatches(x, lengths, target, weight)
        return self.adapter.batches(self.X, target, weight, self.caller, **self.side)

    def eta(self, module: torch.nn.Module, chunk: int) -> Tensor:
        """``module``'s output for every observation, in order (the scored outputs only), in chunks."""
        source = self.source(torch.zeros(self.n_scored))
        parts = []
        for index in torch.arange(self.n).split(chunk):
            batch = source.take(index)
            eta = module(batch.inputs)
            parts.append(eta if batch.select is None else eta[batch.select])
        return torch.cat(parts)


class _StepBatches:
    """Padded sequences batched by sequence, scored by step: ``take`` marks the valid steps in ``select``."""

    def __init__(self, x: Tensor, lengths: Tensor, target: Tensor, weight: Tensor | None) -> None:
        valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]  # (n, T)
        self.x, self.lengths, self.valid = x, lengths, valid
        self.target = _padded(target, valid)
        self.weight = None if weight is None else _padded(weight, valid)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, index: Tensor) -> Batch:
        valid = self.valid[index]
        weight = None if self.weight is None else self.weight[index][valid]
        return Batch((self.x[index], self.lengths[index]), self.target[index][valid], weight, select=valid)


def _padded(values: Tensor, valid: Tensor) -> Tensor:
    """Per-step values (the valid steps in order) laid out as (n, T, ...) with zeros in the padding."""
    out = torch.zeros((*valid.shape, *values.shape[1:]), dtype=values.dtype)
    out[valid] = values
    return out


def split_side_information(X: Any) -> tuple[Any, dict[str, Any]]:
    """``(graph, node_mask)``, ``(padded, lengths)`` or ``(padded, mask)`` as the input and its side information."""
    if isinstance(X, tuple) and len(X) == 2:
        first, second = X
        if type(first).__name__ == "Data" and hasattr(first, "edge_index"):
            return first, {"mask": second}
        if getattr(first, "ndim", 0) == 3 and getattr(second, "ndim", 0) in (1, 2):
            return first, {"lengths" if getattr(second, "ndim", 0) == 1 else "mask": second}
    return X, {}


def adapter_for(network: NetworkConfig, X: Any, dtype: str, caller: str) -> tuple[InputAdapter, Any, dict[str, Any]]:
    """The fitted adapter for the input kind ``network`` reads, with ``X`` and its side information.

    Raises
    ------
    ValueError, TypeError
        If ``X`` is not input of that kind: the message names the network and the kind it reads.
    """
    kinds = [k for k in network.input_kinds if k != "table"]
    if not kinds:  # pragma: no cover - table networks take the table path
        raise ValueError(f"`network` of {caller} reads tables only. Got {type(network).__name__} instead.")
    kind = kinds[0]
    if len(kinds) > 1:  # a network that reads several kinds: the input's form decides
        kind = _kind_of(X, kinds)
    X, side = split_side_information(X)
    adapter = ADAPTERS[kind](dtype=dtype)
    if kind == "set" and "lengths" in side:
        side = {"mask": side.pop("lengths")}
    try:
        adapter.fit(X, caller, **side)
    except (TypeError, ValueError) as exc:
        raise type(exc)(
            f"`X` of {caller} must be {kind} input for its network: {type(network).__name__} reads {kind} input. {exc}"
        ) from None
    return adapter, X, side


def _kind_of(X: Any, kinds: list[str]) -> str:
    X, _ = split_side_information(X)
    if type(X).__name__ == "Data" and "nodes" in kinds:
        return "nodes"
    if isinstance(X, (list, tuple)) and X and type(X[0]).__name__ == "Data" and "graph" in kinds:
        return "graph"
    if getattr(X, "ndim", 0) in (4, 5) and "image" in kinds:
        return "image"
    return kinds[0]
