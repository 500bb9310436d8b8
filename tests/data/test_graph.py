"""GraphAdapter (lists of Data) and NodeAdapter (one graph, node masks)."""

from __future__ import annotations

import builtins
import json

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from torch_geometric.data import Batch, Data

from deepstat.data import GraphAdapter, NodeAdapter, adapter_from_config


def _graph(gen, n_nodes, n_features=3, n_edges=None, n_edge_features=0):
    n_edges = 2 * n_nodes if n_edges is None else n_edges
    data = Data(
        x=torch.randn(n_nodes, n_features, generator=gen, dtype=torch.float64) * 2 + 1,
        edge_index=torch.randint(0, n_nodes, (2, n_edges), generator=gen),
    )
    if n_edge_features:
        data.edge_attr = torch.rand(n_edges, n_edge_features, generator=gen, dtype=torch.float64)
    return data


@pytest.fixture
def gen(global_random_seed):
    return torch.Generator().manual_seed(global_random_seed)


@pytest.fixture
def graphs(gen):
    return [_graph(gen, n, n_edge_features=2) for n in (3, 5, 1, 4, 6)]


def test_statistics_over_all_nodes_and_edges(graphs):
    adapter = GraphAdapter().fit(graphs)
    nodes = np.concatenate([g.x.numpy() for g in graphs])
    edges = np.concatenate([g.edge_attr.numpy() for g in graphs])
    np.testing.assert_allclose(adapter.mean_, nodes.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(adapter.scale_, nodes.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(adapter.edge_mean_, edges.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(adapter.edge_scale_, edges.std(axis=0), rtol=1e-12)
    spec = adapter.input_spec_
    assert (spec.kind, spec.n_features, spec.n_edge_features, spec.shape) == ("graph", 3, 2, ())
    assert adapter.n_samples(graphs) == 5


def test_take_equals_pyg_batch_of_the_selected_graphs(graphs):
    adapter = GraphAdapter().fit(graphs)
    y = torch.arange(5.0)
    source = adapter.batches(graphs, y, weight=torch.ones(5))
    assert len(source) == 5
    index = torch.tensor([4, 0, 2])
    batch = source.take(index)
    encoded = adapter.transform(graphs)
    expected = Batch.from_data_list([encoded[i] for i in index.tolist()])
    for key in ("x", "edge_index", "batch", "edge_attr"):
        assert torch.equal(getattr(batch.inputs, key), getattr(expected, key)), key
    assert torch.equal(batch.target, y[index]) and len(batch) == 3
    # the edges are the inputs' edges: standardisation leaves the structure alone
    raw = Batch.from_data_list([graphs[i] for i in index.tolist()])
    assert torch.equal(batch.inputs.edge_index, raw.edge_index) and torch.equal(batch.inputs.batch, raw.batch)


def test_round_trip_gives_identical_transforms(graphs, gen, json_round_trip):
    adapter = GraphAdapter(dtype="float32").fit(graphs)
    loaded = json_round_trip(adapter)
    new = [_graph(gen, 4, n_edge_features=2)]
    a, b = loaded.transform(new)[0], adapter.transform(new)[0]
    assert a.x.dtype == torch.float32
    assert torch.equal(a.x, b.x) and torch.equal(a.edge_attr, b.edge_attr) and torch.equal(a.edge_index, b.edge_index)


def test_graphs_without_edges_or_edge_features(gen):
    graphs = [Data(x=torch.ones(2, 1)), _graph(gen, 3, n_features=1)]
    adapter = GraphAdapter().fit(graphs)
    assert adapter.input_spec_.n_edge_features == 0 and adapter.edge_mean_ == []
    out = adapter.transform(graphs)
    assert out[0].edge_index.shape == (2, 0) and out[0].x.dtype == torch.float32


def test_invalid_graphs(gen):
    good = _graph(gen, 3)
    cases = [
        ([], ValueError, "must hold at least one graph"),
        (good, TypeError, "For one graph with node-level targets use NodeAdapter"),
        ([good, "g"], TypeError, r"`X\[1\]` of Caller must be a torch_geometric.data.Data"),
        ([Data(edge_index=good.edge_index)], ValueError, r"`X\[0\].x` of Caller must hold the node features"),
        ([Data(x=torch.zeros(0, 3))], ValueError, r"`X\[0\].x` of Caller must be 2-D .* Got shape \(0, 3\)"),
        ([good, _graph(gen, 3, n_features=2)], ValueError, r"`X\[1\].x` of Caller must have 3 node feature\(s\), as `X\[0\].x` has"),
        ([good, _graph(gen, 3, n_edge_features=1)], ValueError, r"`X\[1\].edge_attr` of Caller must match `X\[0\]`: no edge_attr"),
        ([Data(x=torch.zeros(3, 1), edge_index=torch.tensor([[0, 1], [2, 3]]))], ValueError,
         r"`X\[0\].edge_index` of Caller must hold node indices in 0..2 .* the first in edge 1 = \(1, 3\)"),
        ([Data(x=torch.zeros(3, 1), edge_index=torch.tensor([[0, -1], [2, 1]]))], ValueError, r"Got 1 outside, the first in edge 1"),
        ([Data(x=torch.zeros(3, 1), edge_index=torch.tensor([[0.0, 1.0], [2.0, 1.0]]))], TypeError, "must be an integer tensor"),
        ([Data(x=torch.zeros(3, 1), edge_index=torch.tensor([0, 1, 2]))], ValueError, r"must have shape \(2, n_edges\)"),
        ([Data(x=torch.zeros(3, 1), edge_index=torch.tensor([[0], [1]]), edge_attr=torch.zeros(2, 1))], ValueError,
         r"`X\[0\].edge_attr` of Caller must have shape \(1, n_edge_features\)"),
    ]
    for X, error, match in cases:
        with pytest.raises(error, match=match):
            GraphAdapter().fit(X, "Caller")


def test_nan_names_the_graph_and_node(gen):
    graphs = [_graph(gen, 3), _graph(gen, 4)]
    graphs[1].x[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"`X\[1\].x` of DeepRegressor must contain only finite values. .* node 2, feature 1"):
        GraphAdapter().fit(graphs, "DeepRegressor")
    g = _graph(gen, 3, n_edge_features=1)
    g.edge_attr[4, 0] = float("inf")
    with pytest.raises(ValueError, match=r"`X\[0\].edge_attr` .* edge 4, feature 0"):
        GraphAdapter().fit([g], "DeepRegressor")


def test_transform_features_must_match_fit(graphs, gen):
    adapter = GraphAdapter().fit(graphs)
    with pytest.raises(ValueError, match=r"`X\[0\].x` of DeepRegressor must have 3 node feature\(s\), as in fit. Got 2"):
        adapter.transform([_graph(gen, 3, n_features=2, n_edge_features=2)], "DeepRegressor")
    with pytest.raises(ValueError, match=r"`X\[0\].edge_attr` of DeepRegressor must have 2 edge feature\(s\), as in fit. Got None"):
        adapter.transform([_graph(gen, 3)], "DeepRegressor")
    with pytest.raises(NotFittedError):
        GraphAdapter().transform(graphs)


def test_tampered_configs_raise_value_error(graphs, check_tampers):
    config = GraphAdapter().fit(graphs).to_config()
    check_tampers(config, [(("edge_mean",), [0.0], "edge_mean"), (("edge_scale",), ..., "edge_scale"), (("input_spec", "shape"), [3], "input_spec.shape")])


def test_missing_torch_geometric_names_the_extra(monkeypatch, graphs):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("torch_geometric"):
            raise ImportError("No module named 'torch_geometric'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install 'deepstat\[graph\]'"):
        GraphAdapter().fit(graphs)


# -- node level ---------------------------------------------------------------------------------
@pytest.fixture
def big(gen):
    return _graph(gen, 10, n_features=4, n_edges=30)


def test_node_statistics_use_all_nodes(big):
    mask = torch.zeros(10, dtype=torch.bool)
    mask[[1, 4, 7]] = True
    adapter = NodeAdapter().fit(big, mask=mask)
    np.testing.assert_allclose(adapter.mean_, big.x.numpy().mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(adapter.scale_, big.x.numpy().std(axis=0), rtol=1e-12)
    assert adapter.input_spec_.kind == "nodes" and adapter.input_spec_.n_features == 4
    assert adapter.n_samples(big, mask=mask) == 3 and adapter.n_samples(big) == 10


def test_node_take_carries_the_whole_graph_and_the_selected_nodes(big):
    mask = torch.zeros(10, dtype=torch.bool)
    mask[[1, 4, 7, 8]] = True
    adapter = NodeAdapter().fit(big)
    y_all = torch.arange(10.0) * 10
    for target in (y_all, y_all[mask]):  # one per node, or one per masked node
        source = adapter.batches(big, target, mask=mask)
        assert len(source) == 4
        batch = source.take(torch.tensor([3, 0]))
        assert batch.select.tolist() == [8, 1] and batch.target.tolist() == [80.0, 10.0]
        assert torch.equal(batch.inputs.x, adapter.transform(big).x) and torch.equal(batch.inputs.edge_index, big.edge_index)
        assert len(batch) == 2
    eta = torch.arange(10.0)[:, None]  # a network scores every node; the loss reads eta[select]
    assert eta[batch.select, 0].tolist() == [8.0, 1.0]


def test_node_mask_is_checked(big):
    adapter = NodeAdapter().fit(big)
    y = torch.zeros(10)
    with pytest.raises(TypeError, match="`mask` of Caller must be a boolean array with one entry per node"):
        adapter.batches(big, y, mask=torch.tensor([0, 1, 2]), caller="Caller")
    with pytest.raises(TypeError, match="Got dtype object instead"):
        adapter.batches(big, y, mask=np.array([None] * 10), caller="Caller")
    with pytest.raises(ValueError, match=r"`mask` of Caller must have shape \(10,\)"):
        adapter.batches(big, y, mask=torch.ones(9, dtype=torch.bool), caller="Caller")
    with pytest.raises(ValueError, match="must select at least one node"):
        adapter.batches(big, y, mask=np.zeros(10, dtype=bool), caller="Caller")
    with pytest.raises(ValueError, match=r"`target` of Caller must have one entry per masked node \(3\) or per node of the graph \(10\). Got 4"):
        adapter.batches(big, torch.zeros(4), mask=torch.arange(10) < 3, caller="Caller")
    with pytest.raises(TypeError, match="must be one torch_geometric.data.Data graph"):
        NodeAdapter().fit([big], "Caller")


def test_node_round_trip_and_tampering(big, json_round_trip, check_tampers):
    adapter = NodeAdapter().fit(big)
    assert torch.equal(json_round_trip(adapter).transform(big).x, adapter.transform(big).x)
    config = adapter.to_config()
    check_tampers({**config, "name": "nodes"}, [(("input_spec", "kind"), "graph", "input_spec.kind")])
    with pytest.raises(ValueError, match="`adapter.name` of config.json must be one of"):
        adapter_from_config(json.loads(json.dumps({**config, "name": "os.system"})), "config.json")
