"""Tests of deepstat.nn.mlp: shapes, layer order, modes, initialisation, config, validation."""

from __future__ import annotations

import json
import math

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from torch import nn

from deepstat.nn import MLPModule as MLP, MLPModuleConfig as MLPConfig


def _types(module: nn.Module) -> list[type]:
    return [type(m) for m in module]


@pytest.mark.parametrize(
    ("in_features", "out_features", "hidden_sizes"),
    [(20, 2, (64, 64)), (1, 1, ()), (5, 3, (7,)), (3, 13, (4, 8, 2))],
)
def test_output_shape(global_random_seed: int, in_features: int, out_features: int, hidden_sizes: tuple) -> None:
    net = MLP(in_features, out_features, hidden_sizes)
    assert net(torch.randn(9, in_features)).shape == (9, out_features)


def test_no_hidden_layers_is_a_linear_predictor(global_random_seed: int) -> None:
    net = MLP(4, 2, hidden_sizes=())
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert linears == [net.output_layer]
    assert len(net.hidden) == 0
    x = torch.randn(6, 4)
    torch.testing.assert_close(net(x), x @ net.output_layer.weight.T + net.output_layer.bias)


def test_layer_order_with_batch_norm_and_dropout() -> None:
    net = MLP(3, 1, (8, 4), batch_norm=True, dropout=0.2)
    assert _types(net.hidden) == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout] * 2
    assert net.hidden[3].p == 0.2
    assert [m.out_features for m in net.hidden if isinstance(m, nn.Linear)] == [8, 4]
    assert net.output_layer.in_features == 4


def test_plain_layers_without_batch_norm_or_dropout() -> None:
    net = MLP(3, 1, (8, 4), activation="tanh")
    assert _types(net.hidden) == [nn.Linear, nn.Tanh] * 2


def test_output_layer_is_the_intercept(global_random_seed: int) -> None:
    net = MLP(3, 2, (5,))
    assert [m for m in net.modules() if isinstance(m, nn.Linear)][-1] is net.output_layer
    x = torch.randn(4, 3)
    before = net(x).detach()
    with torch.no_grad():
        net.output_layer.bias += torch.tensor([1.5, -2.0])  # e.g. an intercept-only estimate
    torch.testing.assert_close(net(x).detach() - before, torch.tensor([[1.5, -2.0]]).expand(4, 2))


def test_dropout_is_random_in_train_mode_and_off_in_eval(global_random_seed: int) -> None:
    net = MLP(10, 3, (64,), dropout=0.5)
    x = torch.randn(32, 10)
    assert not torch.equal(net(x), net(x))  # 32 x 64 units: two identical masks have probability 2^-2048
    net.eval()
    torch.testing.assert_close(net(x), net(x), rtol=0, atol=0)
    # In eval mode dropout is the identity: the same network without dropout gives the same output.
    plain = MLP(10, 3, (64,))
    plain.load_state_dict(net.state_dict())
    torch.testing.assert_close(net(x), plain.eval()(x))


def test_batch_norm_uses_batch_statistics_in_train_and_running_ones_in_eval(global_random_seed: int) -> None:
    net = MLP(4, 1, (16,), batch_norm=True)
    x = 3.0 + 2.0 * torch.randn(64, 4)
    net(x)  # train mode: updates running statistics
    bn = net.hidden[1]
    assert bn.num_batches_tracked.item() == 1
    pre = net.hidden[0](x).detach()  # input of the batch norm
    # running_mean = (1 - momentum) * 0 + momentum * batch mean, momentum 0.1 (torch's default).
    torch.testing.assert_close(bn.running_mean, 0.1 * pre.mean(0), rtol=1e-5, atol=1e-6)
    net.eval()
    # With running statistics, each row's output no longer depends on the rest of the batch.
    torch.testing.assert_close(net(x[:1]), net(x)[:1], rtol=1e-5, atol=1e-6)


def test_init_and_bias_init_are_applied() -> None:
    net = MLP(3, 2, (5, 5), init="zeros", bias_init=0.3)
    out = net(torch.randn(4, 3))
    # Zero weights: the output is the output layer's bias.
    torch.testing.assert_close(out, torch.full((4, 2), 0.3))


def test_init_scheme_reaches_every_linear_layer(global_random_seed: int) -> None:
    net = MLP(6, 3, (8, 4), init="orthogonal")
    for layer in [m for m in net.modules() if isinstance(m, nn.Linear)]:
        w = layer.weight.detach().double()
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        torch.testing.assert_close(gram, torch.eye(min(w.shape), dtype=torch.float64), atol=1e-5, rtol=0)


def test_activation_params_and_fresh_instances() -> None:
    net = MLP(3, 1, (4, 4), activation="leaky_relu", activation_params={"negative_slope": 0.2})
    slopes = [m.negative_slope for m in net.hidden if isinstance(m, nn.LeakyReLU)]
    assert slopes == [0.2, 0.2]
    prelu = MLP(3, 1, (4, 4), activation="prelu")
    a, b = [m for m in prelu.hidden if isinstance(m, nn.PReLU)]
    assert a.weight is not b.weight


def test_activation_factory() -> None:
    net = MLP(3, 1, (4,), activation=nn.Mish)
    assert _types(net.hidden) == [nn.Linear, nn.Mish]


def test_gradients_reach_every_parameter(global_random_seed: int) -> None:
    net = MLP(5, 2, (8, 8), activation="swish", activation_params={"learnable": True}, batch_norm=True)
    net(torch.randn(16, 5)).pow(2).sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_config_round_trip(global_random_seed: int) -> None:
    net = MLP(6, 2, [16, 8], "elu", activation_params={"alpha": 0.5}, batch_norm=True, dropout=0.1,
              init="lecun_normal", bias_init=0.01)  # fmt: skip
    cfg = net.config
    assert cfg.hidden_sizes == (16, 8)  # lists become tuples
    clone = MLP.from_config(cfg)
    assert clone.config == cfg
    clone.load_state_dict(net.state_dict())
    x = torch.randn(5, 6)
    torch.testing.assert_close(clone.eval()(x), net.eval()(x), rtol=0, atol=0)
    # JSON round trip (estimators save the config as JSON next to safetensors weights).
    assert MLPConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_config_normalises_numpy_types() -> None:
    cfg = MLPConfig(np.int64(3), 1, hidden_sizes=[np.int32(4)], dropout=np.float64(0.5))
    assert cfg == MLPConfig(3, 1, hidden_sizes=(4,), dropout=0.5)
    assert type(cfg.in_features) is int and type(cfg.hidden_sizes[0]) is int


BAD = [
    ({"in_features": 0}, r"`in_features` of MLPModule must be a positive integer\. Got 0 instead\."),
    ({"in_features": 2.5}, r"`in_features` of MLPModule must be a positive integer\. Got 2\.5"),
    ({"in_features": True}, r"`in_features` of MLPModule must be a positive integer\. Got True"),
    ({"out_features": -1}, r"`out_features` of MLPModule must be a positive integer\. Got -1"),
    ({"hidden_sizes": (64, 0)}, r"`hidden_sizes` of MLPModule must be a sequence of positive integers\. Got \(64, 0\)"),
    ({"hidden_sizes": (64, 2.0)}, r"`hidden_sizes` of MLPModule must be a sequence of positive integers\. Got \(64, 2\.0\)"),
    ({"hidden_sizes": 64}, r"`hidden_sizes` of MLPModule must be a sequence of positive integers \(use \(\) for a linear"),
    ({"hidden_sizes": "64"}, r"`hidden_sizes` of MLPModule must be a sequence .* Got '64'"),
    ({"dropout": 1.0}, r"`dropout` of MLPModule must be a real number in \[0, 1\)\. Got 1\.0"),
    ({"dropout": -0.1}, r"`dropout` of MLPModule must be a real number in \[0, 1\)\. Got -0\.1"),
    ({"dropout": math.nan}, r"`dropout` of MLPModule must be a real number in \[0, 1\)\. Got nan"),
    ({"batch_norm": "yes"}, r"`batch_norm` of MLPModule must be a bool\. Got 'yes'"),
    ({"init": "glorot"}, r"`init` of MLPModule must be one of zeros, .*orthogonal\. Got 'glorot'"),
    ({"bias_init": math.inf}, r"`bias_init` of MLPModule must be a finite real number\. Got inf"),
    ({"activation": "rleu"}, r"`name` of get_activation must be one of sigmoid, .* Got 'rleu'"),
    ({"activation_params": {"alpha": 1.0}}, r"must name parameters of 'relu' \(accepted: none\)\. Got 'alpha'"),
    ({"activation_params": [("alpha", 1.0)]}, r"`activation_params` of MLPModule must be a mapping or None"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD)
def test_bad_arguments_raise(kwargs: dict, match: str) -> None:
    args = {"in_features": 3, "out_features": 1} | kwargs
    with pytest.raises(ValueError, match=match):
        MLP(**args)


def test_config_validates_itself() -> None:
    with pytest.raises(ValueError, match=r"`dropout` of MLPModuleConfig must be a real number in \[0, 1\)\. Got 2"):
        MLPConfig(3, 1, dropout=2)
    with pytest.raises(TypeError, match=r"`config` of MLPModule.from_config must be an MLPModuleConfig\. Got dict"):
        MLP.from_config({"in_features": 3, "out_features": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(4, 2), (4,), (2, 4, 3)])
def test_forward_rejects_wrong_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"`x` of MLPModule.forward must have shape \(n, 3\)\. Got shape"):
        MLP(3, 1)(torch.zeros(shape))


@settings(max_examples=20, deadline=None)
@given(
    hidden_sizes=st.lists(st.integers(1, 12), max_size=3),
    n=st.integers(1, 8),
    in_features=st.integers(1, 6),
    out_features=st.integers(1, 4),
    batch_norm=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_shape_property(
    hidden_sizes: list[int], n: int, in_features: int, out_features: int, batch_norm: bool, seed: int
) -> None:
    torch.manual_seed(seed)
    net = MLP(in_features, out_features, hidden_sizes, batch_norm=batch_norm).eval()
    out = net(torch.randn(n, in_features))
    assert out.shape == (n, out_features)
    assert torch.isfinite(out).all()
    assert sum(isinstance(m, nn.Linear) for m in net.modules()) == len(hidden_sizes) + 1
