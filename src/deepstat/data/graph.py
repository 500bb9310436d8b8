"""Graphs: lists of PyTorch Geometric ``Data`` (graph-level) and one graph with node masks (node-level).

``torch_geometric`` is imported only inside these functions, so ``import deepstat`` works without it;
using a graph adapter without it raises an ImportError naming the extra to install.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepstat.data.base import InputAdapter, register_adapter
from deepstat.data.batch import Batch, check_rows, n_rows, take
from deepstat.data.validation import as_float_tensor, as_target, check_finite_at
from deepstat.nn.networks import InputSpec

__all__ = ["GraphAdapter", "NodeAdapter", "GraphBatches", "NodeBatches"]


def _pyg_data() -> Any:
    try:
        import torch_geometric.data as pyg_data
    except ImportError as exc:
        raise ImportError(
            "Graph inputs need PyTorch Geometric, which is not installed. Install it with: pip install 'deepstat[graph]'"
        ) from exc
    return pyg_data


def _read_graph(g: Any, name: str, caller: str) -> tuple[Tensor, Tensor, Tensor | None]:
    """``(x, edge_index, edge_attr)`` of one ``Data``, validated (no normalisation)."""
    pyg_data = _pyg_data()
    if not isinstance(g, pyg_data.Data):
        raise TypeError(f"`{name}` of {caller} must be a torch_geometric.data.Data. Got {type(g).__name__} instead.")
    if getattr(g, "x", None) is None:
        raise ValueError(f"`{name}.x` of {caller} must hold the node features (n_nodes, n_features). Got None instead.")
    x = as_float_tensor(g.x, f"{name}.x", caller, "node features (n_nodes, n_features)")
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"`{name}.x` of {caller} must be 2-D (n_nodes, n_features) with at least one node and feature. "
            f"Got shape {tuple(x.shape)} instead. Use x.view(-1, 1) for a single feature."
        )
    check_finite_at(x, f"{name}.x", caller, ("node",))
    n_nodes = x.shape[0]
    edge_index = getattr(g, "edge_index", None)
    if edge_index is None:
        edge_index = torch.empty((2, 0), dtype=torch.int64)
    if not isinstance(edge_index, Tensor) or edge_index.is_floating_point() or edge_index.is_complex() or edge_index.dtype == torch.bool:
        found = edge_index.dtype if isinstance(edge_index, Tensor) else type(edge_index).__name__
        raise TypeError(f"`{name}.edge_index` of {caller} must be an integer tensor of shape (2, n_edges). Got {found} instead.")
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"`{name}.edge_index` of {caller} must have shape (2, n_edges). Got shape {tuple(edge_index.shape)} instead.")
    out = (edge_index < 0) | (edge_index >= n_nodes)
    if bool(out.any()):
        j = int(torch.nonzero(out.any(dim=0))[0])
        raise ValueError(
            f"`{name}.edge_index` of {caller} must hold node indices in 0..{n_nodes - 1} (the graph has {n_nodes} node(s)). "
            f"Got {int(out.sum())} outside, the first in edge {j} = {tuple(edge_index[:, j].tolist())}, instead."
        )
    edge_attr = getattr(g, "edge_attr", None)
    if edge_attr is not None:
        edge_attr = as_float_tensor(edge_attr, f"{name}.edge_attr", caller, "edge features (n_edges, n_edge_features)")
        if edge_attr.ndim != 2 or edge_attr.shape[0] != edge_index.shape[1] or edge_attr.shape[1] == 0:
            raise ValueError(
                f"`{name}.edge_attr` of {caller} must have shape ({edge_index.shape[1]}, n_edge_features), one row per edge. "
                f"Got shape {tuple(edge_attr.shape)} instead."
            )
        check_finite_at(edge_attr, f"{name}.edge_attr", caller, ("edge",))
    return x, edge_index.cpu().to(torch.int64), edge_attr


class _GraphBase(InputAdapter):
    stat_fields = {"mean": "n_features", "scale": "n_features", "edge_mean": "n_edge_features", "edge_scale": "n_edge_features"}

    @classmethod
    def _check_spec(cls, spec: InputSpec) -> tuple[str, str] | None:
        return ("shape", "[] (graph sizes vary)") if spec.shape else None

    def _fit_parts(self, parts: list[tuple[Tensor, Tensor, Tensor | None]]) -> None:
        self.set_statistics(torch.cat([x.to(torch.float64) for x, _, _ in parts]))
        if parts[0][2] is None:
            self.edge_mean_, self.edge_scale_ = [], []
            n_edge = 0
        else:
            self.set_statistics(torch.cat([e.to(torch.float64) for _, _, e in parts]), prefix="edge_")
            n_edge = int(parts[0][2].shape[1])
        self.input_spec_ = InputSpec(self.kind, int(parts[0][0].shape[1]), (), n_edge)

    def _check_like_fit(self, parts: list[tuple[Tensor, Tensor, Tensor | None]], names: list[str], caller: str) -> None:
        spec = self.input_spec_
        for (x, _, e), name in zip(parts, names):
            if x.shape[1] != spec.n_features:
                raise ValueError(
                    f"`{name}.x` of {caller} must have {spec.n_features} node feature(s), as in fit. Got {x.shape[1]} instead."
                )
            found = 0 if e is None else e.shape[1]
            if found != spec.n_edge_features:
                raise ValueError(
                    f"`{name}.edge_attr` of {caller} must have {spec.n_edge_features} edge feature(s), as in fit. "
                    f"Got {'None' if e is None else found} instead."
                )

    def _encode(self, part: tuple[Tensor, Tensor, Tensor | None]) -> Any:
        x, edge_index, edge_attr = part
        data = _pyg_data().Data(x=self.standardise(x, self.out_dtype(x.dtype)), edge_index=edge_index)
        if edge_attr is not None:
            data.edge_attr = self.standardise(edge_attr, self.out_dtype(edge_attr.dtype), prefix="edge_")
        return data


@register_adapter
class GraphAdapter(_GraphBase):
    """Many graphs, one observation each (graph-level tasks), as PyTorch Geometric ``Data``.

    ``X`` is a list (or any iterable, such as a PyG dataset) of ``torch_geometric.data.Data``,
    each with ``x`` (n_nodes, F), ``edge_index`` (2, n_edges) of node indices (``None`` for no
    edges) and, for all graphs or none, ``edge_attr`` (n_edges, F_e). Other attributes (``y``,
    ``pos``) are not read: targets are passed to :meth:`batches`. The normaliser is the
    per-feature mean and standard deviation over all nodes (and all edges) of all graphs.

    ``transform`` returns a list of new ``Data`` with ``x``, ``edge_index`` and ``edge_attr``;
    ``batches(...).take(index)`` gives ``inputs = torch_geometric.data.Batch.from_data_list`` of
    the selected graphs (with its ``batch`` vector). ``input_spec_`` is
    ``InputSpec("graph", F, (), F_e)``.

    Parameters
    ----------
    normalize : bool, default=True
        Standardise node and edge features.
    dtype : {"float32", "float64"} or None, default=None
        See :class:`~deepstat.data.InputAdapter`.

    Raises
    ------
    ImportError
        If torch_geometric is not installed (``pip install 'deepstat[graph]'``).
    TypeError
        If ``X`` is not a list of ``Data``, or features or edges are not numeric.
    ValueError
        If ``X`` is empty, a graph has no nodes, NaN or inf (the message names graph, node and
        feature), ``edge_index`` out of range or of the wrong shape, ``edge_attr`` with the wrong
        number of rows, graphs disagree on their features, or the features differ from ``fit``.

    Examples
    --------
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> graphs = [Data(x=torch.randn(3, 2), edge_index=torch.tensor([[0, 1], [1, 2]])) for _ in range(4)]
    >>> adapter = GraphAdapter().fit(graphs)
    >>> adapter.input_spec_.n_features
    2
    >>> adapter.batches(graphs, torch.zeros(4)).take(torch.tensor([0, 3])).inputs.num_graphs
    2
    """

    name = "graph"
    kind = "graph"

    def _read(self, X: Any, caller: str) -> list[tuple[Tensor, Tensor, Tensor | None]]:
        pyg_data = _pyg_data()
        if isinstance(X, (pyg_data.Data, Tensor, np.ndarray)) or not hasattr(X, "__iter__"):
            hint = " For one graph with node-level targets use NodeAdapter." if isinstance(X, pyg_data.Data) else ""
            raise TypeError(f"`X` of {caller} must be a list of torch_geometric.data.Data graphs. Got {type(X).__name__} instead.{hint}")
        graphs = list(X)
        if not graphs:
            raise ValueError(f"`X` of {caller} must hold at least one graph. Got an empty {type(X).__name__} instead.")
        parts = [_read_graph(g, f"X[{i}]", caller) for i, g in enumerate(graphs)]
        x0, _, e0 = parts[0]
        for i, (x, _, e) in enumerate(parts):
            if x.shape[1] != x0.shape[1]:
                raise ValueError(f"`X[{i}].x` of {caller} must have {x0.shape[1]} node feature(s), as `X[0].x` has. Got {x.shape[1]} instead.")
            if (e is None) != (e0 is None) or (e is not None and e.shape[1] != e0.shape[1]):
                expected = "no edge_attr" if e0 is None else f"edge_attr with {e0.shape[1]} feature(s)"
                found = "None" if e is None else f"{e.shape[1]} feature(s)"
                raise ValueError(f"`X[{i}].edge_attr` of {caller} must match `X[0]`: {expected}. Got {found} instead.")
        return parts

    def _fit(self, X: Any, caller: str, **kwargs: Any) -> None:
        self._fit_parts(self._read(X, caller))

    def transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> list[Any]:
        """Return the graphs as a list of new ``Data`` with standardised ``x`` (and ``edge_attr``)."""
        caller = caller or type(self).__name__
        self.check_fitted(caller)
        parts = self._read(X, caller)
        self._check_like_fit(parts, [f"X[{i}]" for i in range(len(parts))], caller)
        return [self._encode(p) for p in parts]

    def n_samples(self, X: Any, **kwargs: Any) -> int:
        """Number of graphs."""
        return len(self._read(X, type(self).__name__))

    def batches(self, X: Any, target: Any, weight: Any = None, caller: str | None = None, **kwargs: Any) -> GraphBatches:
        """Batch source over ``transform(X)``; ``take(index)`` batches the selected graphs with PyG."""
        caller = caller or type(self).__name__
        return GraphBatches(self.transform(X, caller), as_target(target, "target", caller), as_target(weight, "weight", caller), caller)


class GraphBatches:
    """Graphs held in memory, batched by index with ``torch_geometric.data.Batch.from_data_list``.

    Parameters
    ----------
    graphs : list of torch_geometric.data.Data
        Model-ready graphs (:meth:`GraphAdapter.transform`), one per observation.
    target : Tensor or container of Tensor
        One entry per graph.
    weight : Tensor or None, default=None
        One weight per graph.
    caller : str, default="GraphBatches"
        Named in error messages.

    Raises
    ------
    ValueError
        If ``target`` or ``weight`` does not have one entry per graph.

    Examples
    --------
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> graphs = [Data(x=torch.ones(n, 1), edge_index=torch.zeros(2, 0, dtype=torch.long)) for n in (2, 3, 1)]
    >>> batch = GraphBatches(graphs, torch.tensor([0.0, 1.0, 2.0])).take(torch.tensor([2, 1]))
    >>> batch.inputs.batch, batch.target
    (tensor([0, 1, 1, 1]), tensor([2., 1.]))
    """

    def __init__(self, graphs: list[Any], target: Any, weight: Tensor | None = None, caller: str = "GraphBatches") -> None:
        n = len(graphs)
        check_rows("target", target, n, caller)
        if weight is not None:
            check_rows("weight", weight, n, caller)
        self.graphs, self.target, self.weight = graphs, target, weight
        self._batch = _pyg_data().Batch

    def __len__(self) -> int:
        return len(self.graphs)

    def take(self, index: Tensor) -> Batch:
        """The selected graphs as one PyG ``Batch`` (nodes stacked, ``batch`` vector) with their targets."""
        inputs = self._batch.from_data_list([self.graphs[i] for i in index.tolist()])
        return Batch(inputs, take(self.target, index), take(self.weight, index))


@register_adapter
class NodeAdapter(_GraphBase):
    """One graph whose nodes are the observations (node-level tasks), scored through a node mask.

    ``X`` is one ``torch_geometric.data.Data`` (read as in :class:`GraphAdapter`); ``mask=`` is a
    boolean array of one entry per node, True at the nodes that are observations (the training
    nodes); ``None`` means all nodes. The normaliser uses the features of all nodes, labelled or
    not (transductive learning sees them all).

    ``batches(X, target, mask=...)`` is a source of ``mask.sum()`` observations. Its
    ``take(index)`` returns the FULL graph as ``inputs`` every time, plus ``select``: the node ids
    of the positions ``index`` among the masked nodes. The network computes all nodes and the loss
    reads ``eta[select]`` against ``target``. ``target`` (and ``weight``) hold one entry per masked
    node in node order, or one per node of the graph (the masked ones are taken).
    ``input_spec_`` is ``InputSpec("nodes", F, (), F_e)``.

    Parameters
    ----------
    normalize : bool, default=True
        Standardise node and edge features.
    dtype : {"float32", "float64"} or None, default=None
        See :class:`~deepstat.data.InputAdapter`.

    Raises
    ------
    ImportError
        If torch_geometric is not installed (``pip install 'deepstat[graph]'``).
    TypeError
        If ``X`` is not a ``Data``, or ``mask`` is not boolean.
    ValueError
        As :class:`GraphAdapter` for the graph; if ``mask`` does not have one entry per node or
        selects no node; if ``target`` has neither length.

    Examples
    --------
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> g = Data(x=torch.randn(5, 3), edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]))
    >>> mask = torch.tensor([True, False, True, True, False])
    >>> source = NodeAdapter().fit(g).batches(g, torch.arange(5.0), mask=mask)
    >>> len(source)
    3
    >>> batch = source.take(torch.tensor([2, 0]))
    >>> batch.select, batch.target, batch.inputs.num_nodes
    (tensor([3, 0]), tensor([3., 0.]), 5)
    """

    name = "nodes"
    kind = "nodes"

    def _read(self, X: Any, caller: str) -> tuple[Tensor, Tensor, Tensor | None]:
        if not isinstance(X, _pyg_data().Data):
            raise TypeError(f"`X` of {caller} must be one torch_geometric.data.Data graph. Got {type(X).__name__} instead.")
        return _read_graph(X, "X", caller)

    def _fit(self, X: Any, caller: str, mask: Any = None, **kwargs: Any) -> None:
        part = self._read(X, caller)
        if mask is not None:
            _check_node_mask(mask, part[0].shape[0], caller)
        self._fit_parts([part])

    def transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> Any:
        """Return the graph as a new ``Data`` with standardised ``x`` (and ``edge_attr``)."""
        caller = caller or type(self).__name__
        self.check_fitted(caller)
        part = self._read(X, caller)
        self._check_like_fit([part], ["X"], caller)
        return self._encode(part)

    def n_samples(self, X: Any, mask: Any = None, **kwargs: Any) -> int:
        """Number of observations: the nodes in ``mask`` (all nodes when ``mask`` is None)."""
        caller = type(self).__name__
        n_nodes = self._read(X, caller)[0].shape[0]
        return n_nodes if mask is None else int(_check_node_mask(mask, n_nodes, caller).sum())

    def batches(self, X: Any, target: Any, weight: Any = None, caller: str | None = None, mask: Any = None, **kwargs: Any) -> NodeBatches:
        """Batch source over the masked nodes of ``transform(X)`` (see the class)."""
        caller = caller or type(self).__name__
        graph = self.transform(X, caller)
        n_nodes = int(graph.num_nodes)
        valid = torch.ones(n_nodes, dtype=torch.bool) if mask is None else _check_node_mask(mask, n_nodes, caller)
        nodes = torch.nonzero(valid).flatten()
        target, weight = as_target(target, "target", caller), as_target(weight, "weight", caller)
        return NodeBatches(graph, nodes, _per_masked(target, "target", nodes, n_nodes, caller), _per_masked(weight, "weight", nodes, n_nodes, caller))


def _per_masked(value: Any, name: str, nodes: Tensor, n_nodes: int, caller: str) -> Any:
    if value is None:
        return None
    try:
        found = n_rows(value)
    except (TypeError, IndexError, StopIteration):
        raise TypeError(f"`{name}` of {caller} must be a tensor or a container of tensors. Got {type(value).__name__} instead.") from None
    if found == len(nodes):
        return value
    if found == n_nodes:
        return take(value, nodes)
    raise ValueError(
        f"`{name}` of {caller} must have one entry per masked node ({len(nodes)}) or per node of the graph ({n_nodes}). "
        f"Got {found} instead."
    )


def _check_node_mask(mask: Any, n_nodes: int, caller: str) -> Tensor:
    arr = None if isinstance(mask, Tensor) else np.asarray(mask)
    dtype = mask.dtype if arr is None else arr.dtype
    if dtype not in (torch.bool, np.dtype(bool)):
        raise TypeError(
            f"`mask` of {caller} must be a boolean array with one entry per node (True at the scored nodes). "
            f"Got dtype {dtype} instead. For node ids use a mask: m = torch.zeros(n_nodes, dtype=torch.bool); m[ids] = True."
        )
    t = mask.detach().cpu() if arr is None else torch.from_numpy(arr)
    if tuple(t.shape) != (n_nodes,):
        raise ValueError(f"`mask` of {caller} must have shape ({n_nodes},), one entry per node of `X`. Got shape {tuple(t.shape)} instead.")
    if not bool(t.any()):
        raise ValueError(f"`mask` of {caller} must select at least one node. Got a mask with no True entry instead.")
    return t


class NodeBatches:
    """The nodes of one graph as observations: every batch carries the whole graph and ``select``.

    Parameters
    ----------
    graph : torch_geometric.data.Data
        The model-ready graph (:meth:`NodeAdapter.transform`).
    nodes : Tensor
        ``int64`` ids of the observed nodes, ``(n,)``.
    target : Tensor or container of Tensor
        One entry per observed node, in the order of ``nodes``.
    weight : Tensor or None, default=None
        One weight per observed node.

    Examples
    --------
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> g = Data(x=torch.ones(4, 1), edge_index=torch.tensor([[0, 1], [1, 2]]))
    >>> batch = NodeBatches(g, torch.tensor([1, 3]), torch.tensor([10.0, 30.0])).take(torch.tensor([1]))
    >>> batch.select, batch.target, batch.inputs is g
    (tensor([3]), tensor([30.]), True)
    """

    def __init__(self, graph: Any, nodes: Tensor, target: Any, weight: Tensor | None = None) -> None:
        self.graph, self.nodes, self.target, self.weight = graph, nodes, target, weight

    def __len__(self) -> int:
        return int(self.nodes.shape[0])

    def take(self, index: Tensor) -> Batch:
        """The whole graph, with ``select = nodes[index]`` and the targets of those nodes."""
        return Batch(self.graph, take(self.target, index), take(self.weight, index), select=self.nodes[index])
