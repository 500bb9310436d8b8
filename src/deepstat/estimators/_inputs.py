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

import torch
from torch import Tensor

from deepstat.data import ADAPTERS, InputAdapter
from deepstat.nn import NetworkConfig

__all__ = ["EncodedInputs", "adapter_for", "split_side_information"]


class EncodedInputs:
    """Structured inputs with their fitted adapter; ``shape[0]`` and ``len()`` count the observations."""

    def __init__(self, adapter: InputAdapter, X: Any, side: dict[str, Any], caller: str) -> None:
        self.adapter, self.X, self.side, self.caller = adapter, X, side, caller
        self.n = int(adapter.n_samples(X, **side))
        self.shape = (self.n,)

    def __len__(self) -> int:
        return self.n

    def source(self, target: Any, weight: Tensor | None = None) -> Any:
        """The batch source of these inputs with ``target`` (one entry per observation) and ``weight``."""
        return self.adapter.batches(self.X, target, weight, self.caller, **self.side)

    def eta(self, module: torch.nn.Module, chunk: int) -> Tensor:
        """``module``'s output for every observation, in order (the scored outputs only), in chunks."""
        source = self.source(torch.zeros(self.n))
        parts = []
        for index in torch.arange(self.n).split(chunk):
            batch = source.take(index)
            eta = module(batch.inputs)
            parts.append(eta if batch.select is None else eta[batch.select])
        return torch.cat(parts)


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
