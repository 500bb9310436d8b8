"""Any network x any family at the user level (issue 10, item 5), with small networks written for these tests only.

Each pairing fits through the estimator, predicts distributions, saves, loads and predicts the same
after loading. The real CNNs, RNNs and GNNs come in their own issues; these exist to prove that the
spine (network configs, input adapters, families over batches, the one engine) carries them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.datasets import load_digits
from torch import nn

from deepstat import DeepClassifier, DeepCoxPH, DeepRegressor, load
from deepstat.nn import InputSpec, NetworkConfig, register_network

FAST = dict(max_epochs=40, lr=1e-2, batch_size=64, random_state=0, verbose=0)


# ------------------------------------------------------------------ the test networks
class _ConvBody(nn.Module):
    def __init__(self, channels: int, width: int, n_outputs: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.output_layer = nn.Linear(width, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_layer(self.features(x))


@register_network
@dataclass
class TinyConv(NetworkConfig):
    """Two 3x3 convolutions, global average pooling, a linear output: images (n, C, H, W) -> (n, k)."""

    name = "test_tiny_conv"
    input_kinds = ("image",)
    width: int = 8

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _ConvBody(input_spec.n_features, self.width, n_outputs)


class _GRUBody(nn.Module):
    def __init__(self, n_features: int, hidden: int, n_outputs: int) -> None:
        super().__init__()
        self.gru = nn.GRU(n_features, hidden, batch_first=True)
        self.output_layer = nn.Linear(hidden, n_outputs)

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, lengths = inputs
        h, _ = self.gru(x)  # (n, T, hidden)
        last = h[torch.arange(x.shape[0]), lengths - 1]  # the state after each sequence's last valid step
        return self.output_layer(last)


@register_network
@dataclass
class TinyGRU(NetworkConfig):
    """A one-layer GRU read at each sequence's last valid step: padded sequences -> (n, k)."""

    name = "test_tiny_gru"
    input_kinds = ("sequence",)
    hidden: int = 16

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _GRUBody(input_spec.n_features, self.hidden, n_outputs)


class _SumPoolBody(nn.Module):
    def __init__(self, n_features: int, hidden: int, n_outputs: int) -> None:
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU())
        self.output_layer = nn.Linear(hidden, n_outputs)

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, mask = inputs
        pooled = (self.phi(x) * mask.unsqueeze(-1)).sum(dim=1)  # padding contributes nothing
        return self.output_layer(pooled)


@register_network
@dataclass
class SumPoolSet(NetworkConfig):
    """DeepSets with sum pooling: rho(sum_i phi(x_i)) over the valid elements -> (n, k)."""

    name = "test_sum_pool_set"
    input_kinds = ("set",)
    hidden: int = 16

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _SumPoolBody(input_spec.n_features, self.hidden, n_outputs)


class _GCNBody(nn.Module):
    def __init__(self, n_features: int, hidden: int, n_outputs: int) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv = GCNConv(n_features, hidden)
        self.output_layer = nn.Linear(hidden, n_outputs)

    def forward(self, data) -> torch.Tensor:
        return self.output_layer(torch.relu(self.conv(data.x, data.edge_index)))  # (n_nodes, k)


@register_network
@dataclass
class TinyGCN(NetworkConfig):
    """One GCN layer (PyTorch Geometric's GCNConv) and a linear output per node: one graph -> (n_nodes, k)."""

    name = "test_tiny_gcn"
    input_kinds = ("nodes",)
    hidden: int = 16

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _GCNBody(input_spec.n_features, self.hidden, n_outputs)


class _ResidualBody(nn.Module):
    def __init__(self, n_features: int, width: int, n_outputs: int) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Linear(n_features, width), nn.Tanh(), nn.Linear(width, n_features))
        self.output_layer = nn.Linear(n_features, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_layer(x + self.block(x))


@register_network
@dataclass
class ResidualTable(NetworkConfig):
    """A residual block on a table (not an MLP): x + f(x), then a linear output."""

    name = "test_residual_table"
    width: int = 8

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _ResidualBody(input_spec.n_features, self.width, n_outputs)


# ------------------------------------------------------------------ helpers
def _null_log_likelihood(family: str, y_train: np.ndarray, y_test: np.ndarray) -> float:
    """The held-out mean log-likelihood of the intercept-only fit (the reference every model must beat)."""
    if family == "poisson":
        return float(stats.poisson(y_train.mean()).logpmf(y_test).mean())
    if family == "gamma":
        a, _, scale = stats.gamma.fit(y_train, floc=0)
        return float(stats.gamma(a, scale=scale).logpdf(y_test).mean())
    if family == "student_t":
        df, loc, scale = stats.t.fit(y_train)
        return float(stats.t(df, loc, scale).logpdf(y_test).mean())
    raise AssertionError(family)


def _round_trip(model, X_test, tmp_path) -> None:
    model.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.network_ == model.network_
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    else:
        np.testing.assert_array_equal(loaded.predict_interval(X_test, alpha=0.1), model.predict_interval(X_test, alpha=0.1))


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    images = data.images[:, None, :, :].astype(np.float32) / 16.0  # (1797, 1, 8, 8)
    return images, data.target


# ------------------------------------------------------------------ images
def test_conv_net_with_a_poisson_family_on_digit_images(digits, tmp_path) -> None:
    images, _ = digits
    rng = np.random.default_rng(0)
    ink_top = images[:, 0, :4, :].mean(axis=(1, 2))  # ink in the upper half of the digit
    y = rng.poisson(np.exp(0.5 + 3.0 * ink_top))
    train, test = np.arange(1400), np.arange(1400, 1797)
    model = DeepRegressor(family="poisson", network=TinyConv(), **FAST).fit(images[train], y[train])
    dist = model.predict_distribution(images[test])
    assert isinstance(dist, torch.distributions.Poisson) and dist.mean.shape == (len(test),)
    assert model.log_likelihood(images[test], y[test]) > _null_log_likelihood("poisson", y[train], y[test]) + 0.05
    assert model.summary().loc["network", "value"].startswith("TinyConv")
    _round_trip(model, images[test], tmp_path)


def test_conv_net_classifies_digits(digits, tmp_path) -> None:
    images, labels = digits
    train, test = np.arange(1400), np.arange(1400, 1797)
    clf = DeepClassifier(network=TinyConv(width=16), **FAST).fit(images[train], labels[train])
    proba = clf.predict_proba(images[test])
    assert proba.shape == (len(test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert (clf.predict(images[test]) == labels[test]).mean() > 0.8
    _round_trip(clf, images[test], tmp_path)


def test_a_table_network_on_images_names_both() -> None:
    with pytest.raises(ValueError, match=r"must be 2-D \(n_samples, n_features\) for its network: MLP reads table input. Got an array of shape \(10, 1, 8, 8\)"):
        DeepRegressor(max_epochs=1, verbose=0).fit(np.zeros((10, 1, 8, 8)), np.zeros(10))
    with pytest.raises((TypeError, ValueError), match=r"`X` of DeepRegressor must be nodes input for its network: TinyGCN reads nodes input"):
        DeepRegressor(network=TinyGCN(), max_epochs=1, verbose=0).fit(np.zeros((10, 3)), np.zeros(10))


# ------------------------------------------------------------------ sequences
def test_gru_with_a_per_sequence_student_t(tmp_path) -> None:
    rng = np.random.default_rng(1)
    lengths = rng.integers(3, 12, size=500)
    seqs = [rng.normal(size=(t, 2)) for t in lengths]
    y = np.array([s[:, 0].sum() for s in seqs]) + 0.3 * rng.standard_t(4, size=500)
    model = DeepRegressor(family="student_t", network=TinyGRU(), **{**FAST, "max_epochs": 60}).fit(seqs[:400], y[:400])
    test = seqs[400:]
    dist = model.predict_distribution(test)
    assert isinstance(dist, torch.distributions.StudentT) and dist.loc.shape == (100,)
    assert model.log_likelihood(test, y[400:]) > _null_log_likelihood("student_t", y[:400], y[400:]) + 0.3
    _round_trip(model, test, tmp_path)


# ------------------------------------------------------------------ sets
def test_sum_pooling_set_network_with_a_gamma_family(tmp_path) -> None:
    rng = np.random.default_rng(2)
    sizes = rng.integers(2, 9, size=600)
    sets = [rng.uniform(0, 1, size=(m, 3)) for m in sizes]
    mean = np.exp(0.2 + 0.25 * np.array([s[:, 0].sum() for s in sets]))
    y = rng.gamma(4.0, mean / 4.0)
    model = DeepRegressor(family="gamma", network=SumPoolSet(), **FAST).fit(sets[:500], y[:500])
    # a set is a set: permuting its elements changes nothing
    shuffled = [s[rng.permutation(len(s))] for s in sets[500:]]
    np.testing.assert_allclose(model.predict(shuffled), model.predict(sets[500:]), rtol=1e-5)
    assert model.log_likelihood(sets[500:], y[500:]) > _null_log_likelihood("gamma", y[:500], y[500:]) + 0.05
    _round_trip(model, sets[500:], tmp_path)


# ------------------------------------------------------------------ one graph's nodes
def test_gcn_with_a_node_level_poisson_and_node_masks(tmp_path) -> None:
    from torch_geometric.data import Data

    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=(n, 2)).astype(np.float32)
    src = rng.integers(0, n, size=1600)
    dst = rng.integers(0, n, size=1600)
    edge_index = torch.as_tensor(np.stack([np.concatenate([src, dst]), np.concatenate([dst, src])]))
    neighbour_mean = np.zeros(n)
    np.add.at(neighbour_mean, dst, x[src, 0])
    counts = np.bincount(dst, minlength=n).clip(min=1)
    y_all = rng.poisson(np.exp(0.3 + 0.8 * neighbour_mean / counts))
    graph = Data(x=torch.as_tensor(x), edge_index=edge_index)
    train_mask = torch.as_tensor(rng.random(n) < 0.7)
    test_mask = ~train_mask
    model = DeepRegressor(family="poisson", network=TinyGCN(), **{**FAST, "batch_size": None, "max_epochs": 80})
    model.fit((graph, train_mask), y_all[train_mask.numpy()])
    pred = model.predict((graph, test_mask))
    assert pred.shape == (int(test_mask.sum()),)
    y_test = y_all[test_mask.numpy()]
    assert model.log_likelihood((graph, test_mask), y_test) > _null_log_likelihood("poisson", y_all[train_mask.numpy()], y_test) + 0.02
    _round_trip(model, (graph, test_mask), tmp_path)


# ------------------------------------------------------------------ survival with a network that is not an MLP
def test_deep_cox_with_a_residual_network(tmp_path) -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 3))
    hazard = np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1])
    time = rng.exponential(1 / hazard)
    censor = rng.exponential(2.0, size=400)
    event, observed = time <= censor, np.minimum(time, censor)
    model = DeepCoxPH(network=ResidualTable(), max_epochs=100, random_state=0, verbose=0).fit(X[:300], (observed[:300], event[:300]))
    assert model.network_ == ResidualTable() and model.summary().loc["network", "value"].startswith("ResidualTable")
    assert model.score(X[300:], (observed[300:], event[300:])) > 0.65  # Harrell's C; the truth is about 0.72
    curves = model.predict_survival_function(X[300:305], times=[0.5, 1.0])
    assert curves.shape == (5, 2) and (np.diff(curves.to_numpy(), axis=1) <= 0).all()  # rows: samples
    model.save(tmp_path / "cox")
    loaded = load(tmp_path / "cox")
    np.testing.assert_array_equal(loaded.predict_risk(X[300:]), model.predict_risk(X[300:]))


class _StepGRUBody(nn.Module):
    def __init__(self, n_features: int, hidden: int, n_outputs: int) -> None:
        super().__init__()
        self.gru = nn.GRU(n_features, hidden, batch_first=True)
        self.output_layer = nn.Linear(hidden, n_outputs)

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, _ = inputs
        h, _ = self.gru(x)
        return self.output_layer(h)  # (n, T, k): one output row per step, the padded ones included


@register_network
@dataclass
class StepGRU(NetworkConfig):
    """A GRU with an output at every step (a per-step model): padded sequences -> (n, T, k)."""

    name = "test_step_gru"
    input_kinds = ("sequence",)
    hidden: int = 16
    per_step = True  # one observation per valid step; Batch.select drops the padded ones

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _StepGRUBody(input_spec.n_features, self.hidden, n_outputs)


def test_gru_with_a_per_step_normal_scores_only_the_valid_steps(tmp_path) -> None:
    """y_t = running mean of x up to t (the GRU must carry state), Normal noise; padding never scored."""
    rng = np.random.default_rng(5)
    lengths = rng.integers(2, 10, size=400)
    seqs = [rng.normal(size=(t, 1)) for t in lengths]
    ys = [np.cumsum(s[:, 0]) / np.arange(1, len(s) + 1) + 0.2 * rng.normal(size=len(s)) for s in seqs]
    model = DeepRegressor(family="normal", network=StepGRU(), **{**FAST, "max_epochs": 60}).fit(seqs[:300], ys[:300])
    pred = model.predict(seqs[300:])
    y_test = np.concatenate(ys[300:])
    assert pred.shape == y_test.shape  # one prediction per valid step, in order
    sd = y_test.std()
    assert model.log_likelihood(seqs[300:], ys[300:]) > float(stats.norm(y_test.mean(), sd).logpdf(y_test).mean()) + 0.5
    # the steps after a sequence's end do not change its predictions: pad one sequence with garbage steps
    longer = [np.vstack([seqs[300], rng.normal(size=(5, 1)) * 100])] + seqs[301:]
    np.testing.assert_allclose(model.predict(longer)[: lengths[300]], pred[: lengths[300]], rtol=1e-5)
    with pytest.raises(ValueError, match=r"`y\[0\]` of DeepRegressor must have one value per step of sequence 0"):
        DeepRegressor(network=StepGRU(), max_epochs=1, verbose=0).fit(seqs[:3], [y[:-1] for y in ys[:3]])
    _round_trip(model, seqs[300:], tmp_path)


class _GraphPoolBody(nn.Module):
    def __init__(self, n_features: int, hidden: int, n_outputs: int) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv = GCNConv(n_features, hidden)
        self.output_layer = nn.Linear(hidden, n_outputs)

    def forward(self, batch) -> torch.Tensor:
        from torch_geometric.nn import global_add_pool

        h = torch.relu(self.conv(batch.x, batch.edge_index))
        return self.output_layer(global_add_pool(h, batch.batch))  # one row per graph


@register_network
@dataclass
class GraphPool(NetworkConfig):
    """A GCN layer and sum pooling over each graph's nodes: a list of graphs -> (n_graphs, k)."""

    name = "test_graph_pool"
    input_kinds = ("graph",)
    hidden: int = 16

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        self.check_input(input_spec)
        return _GraphPoolBody(input_spec.n_features, self.hidden, n_outputs)


def test_graph_level_poisson_on_a_list_of_graphs(tmp_path) -> None:
    """Counts that grow with each graph's number of nodes carrying a feature: a graph-level Poisson."""
    from torch_geometric.data import Data

    rng = np.random.default_rng(6)
    graphs, y = [], []
    for _ in range(300):
        n = int(rng.integers(3, 12))
        x = rng.normal(size=(n, 2)).astype(np.float32)
        ring = np.arange(n)
        edge_index = torch.as_tensor(np.stack([np.r_[ring, (ring + 1) % n], np.r_[(ring + 1) % n, ring]]))
        graphs.append(Data(x=torch.as_tensor(x), edge_index=edge_index))
        y.append(rng.poisson(np.exp(0.2 + 0.15 * (x[:, 0] > 0).sum())))
    y = np.asarray(y)
    model = DeepRegressor(family="poisson", network=GraphPool(), **FAST).fit(graphs[:240], y[:240])
    assert model.predict(graphs[240:]).shape == (60,)
    assert model.log_likelihood(graphs[240:], y[240:]) > _null_log_likelihood("poisson", y[:240], y[240:]) + 0.02
    _round_trip(model, graphs[240:], tmp_path)
