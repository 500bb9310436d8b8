"""Tests of deepstat.nn.init: empirical moments of each scheme against its formula."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import given, settings
from torch import nn

from deepstat.nn import INIT_SCHEMES, init_weights

# Kurtosis of the normal (3) and of the uniform (9/5): the sample variance of n draws has
# relative standard error sqrt((kurtosis - 1) / n) (e.g. Casella & Berger, ex. 5.8).
KURTOSIS = {"normal": 3.0, "uniform": 1.8}
N_SE = 5.0  # five standard errors: a seed fails with probability < 1e-6


def _check_moments(w: torch.Tensor, variance: float, kind: str) -> None:
    w = w.detach().double().ravel()
    n = w.numel()
    assert abs(w.mean().item()) < N_SE * math.sqrt(variance / n)
    rel_se = math.sqrt((KURTOSIS[kind] - 1.0) / n)
    assert w.var().item() == pytest.approx(variance, rel=N_SE * rel_se)


# Linear(800, 300): fan_in 800, fan_out 300, 240,000 weights (relative SE of the variance < 0.3%).
FAN_IN, FAN_OUT = 800, 300

# Formulas: the seed ("Initialization Techniques"), Glorot & Bengio (2010), He et al. (2015).
MOMENTS = [
    ("normal", 0.05**2, "normal"),  # std=0.05 passed below
    ("xavier_uniform", 2.0 / (FAN_IN + FAN_OUT), "uniform"),  # U(-a, a): a^2/3 = 2/(fan_in+fan_out)
    ("xavier", 2.0 / (FAN_IN + FAN_OUT), "uniform"),
    ("xavier_normal", 2.0 / (FAN_IN + FAN_OUT), "normal"),
    ("he", 2.0 / FAN_IN, "normal"),
    ("kaiming_normal", 2.0 / FAN_IN, "normal"),
    ("kaiming_uniform", 2.0 / FAN_IN, "uniform"),  # U(-sqrt(6/fan_in), sqrt(6/fan_in))
    ("lecun_normal", 1.0 / FAN_IN, "normal"),
]


@pytest.mark.parametrize(("scheme", "variance", "kind"), MOMENTS, ids=[m[0] for m in MOMENTS])
def test_linear_weight_variance_matches_formula(global_random_seed: int, scheme: str, variance: float, kind: str) -> None:
    layer = init_weights(nn.Linear(FAN_IN, FAN_OUT), scheme, std=0.05)
    _check_moments(layer.weight, variance, kind)


def test_uniform_schemes_respect_their_bounds(global_random_seed: int) -> None:
    bound = math.sqrt(6.0 / (FAN_IN + FAN_OUT))  # Glorot & Bengio (2010), eq. (16)
    w = init_weights(nn.Linear(FAN_IN, FAN_OUT), "xavier_uniform").weight
    assert w.abs().max().item() <= bound
    assert w.abs().max().item() > 0.99 * bound  # 240,000 draws reach the edge
    bound = math.sqrt(6.0 / FAN_IN)  # He et al. (2015), uniform variant
    w = init_weights(nn.Linear(FAN_IN, FAN_OUT), "kaiming_uniform").weight
    assert w.abs().max().item() <= bound
    assert w.abs().max().item() > 0.99 * bound


@pytest.mark.parametrize(
    ("scheme", "variance"),
    [("he", 2.0 / (32 * 3 * 3)), ("xavier_normal", 2.0 / (32 * 9 + 64 * 9)), ("lecun_normal", 1.0 / (32 * 9))],
)
def test_conv_fans_include_the_kernel(global_random_seed: int, scheme: str, variance: float) -> None:
    # Conv2d(32, 64, 3): fan_in = 32 * 3 * 3, fan_out = 64 * 3 * 3 (weight shape (64, 32, 3, 3)).
    conv = init_weights(nn.Conv2d(32, 64, kernel_size=3), scheme)
    _check_moments(conv.weight, variance, "normal")


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (40, 40)])
def test_orthogonal_gives_orthonormal_weights(global_random_seed: int, shape: tuple[int, int]) -> None:
    in_features, out_features = shape
    w = init_weights(nn.Linear(in_features, out_features), "orthogonal").weight.detach().double()
    # W has shape (out, in): orthonormal rows if out <= in (W W^T = I), else columns (W^T W = I).
    gram = w @ w.T if out_features <= in_features else w.T @ w
    torch.testing.assert_close(gram, torch.eye(min(shape), dtype=torch.float64), atol=1e-5, rtol=0)


@settings(max_examples=25, deadline=None)
@given(in_features=st.integers(1, 40), out_features=st.integers(1, 40), seed=st.integers(0, 2**31 - 1))
def test_orthogonal_property(in_features: int, out_features: int, seed: int) -> None:
    torch.manual_seed(seed)
    w = init_weights(nn.Linear(in_features, out_features), "orthogonal").weight.detach().double()
    gram = w @ w.T if out_features <= in_features else w.T @ w
    torch.testing.assert_close(gram, torch.eye(min(in_features, out_features), dtype=torch.float64), atol=1e-5, rtol=0)


def test_zeros_and_constant_bias() -> None:
    # Bias 0.01: the seed's example of a small positive bias ("Bias Initialization").
    net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Conv1d(4, 3, 2), nn.Conv3d(2, 2, 1, bias=False))
    out = init_weights(net, "zeros", bias=0.01)
    assert out is net
    for layer in (net[0], net[2], net[3]):
        assert torch.count_nonzero(layer.weight) == 0
    for layer in (net[0], net[2]):
        torch.testing.assert_close(layer.bias, torch.full_like(layer.bias, 0.01))
    assert net[3].bias is None


def test_other_layers_are_left_alone(global_random_seed: int) -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Embedding(10, 4))
    embedding = net[2].weight.detach().clone()
    init_weights(net, "normal", bias=0.5, std=0.1)
    torch.testing.assert_close(net[1].weight, torch.ones(4))  # BatchNorm1d default gamma = 1
    torch.testing.assert_close(net[1].bias, torch.zeros(4))  # and beta = 0
    torch.testing.assert_close(net[2].weight, embedding)
    torch.testing.assert_close(net[0].bias, torch.full((4,), 0.5))


@pytest.mark.parametrize(("alias", "scheme"), [("xavier", "xavier_uniform"), ("he", "kaiming_normal")])
def test_aliases_draw_the_same_weights(global_random_seed: int, alias: str, scheme: str) -> None:
    torch.manual_seed(global_random_seed)
    a = init_weights(nn.Linear(7, 5), alias).weight
    torch.manual_seed(global_random_seed)
    b = init_weights(nn.Linear(7, 5), scheme).weight
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_default_scheme_is_he(global_random_seed: int) -> None:
    torch.manual_seed(global_random_seed)
    a = init_weights(nn.Linear(7, 5)).weight
    torch.manual_seed(global_random_seed)
    b = init_weights(nn.Linear(7, 5), "he").weight
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_init_schemes_names() -> None:
    expected = {"zeros", "normal", "xavier_uniform", "xavier", "xavier_normal", "he", "kaiming_normal",
                "kaiming_uniform", "lecun_normal", "orthogonal"}  # fmt: skip
    assert set(INIT_SCHEMES) == expected


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scheme": "glorot"}, r"`scheme` of init_weights must be one of zeros, normal, .*orthogonal\. Got 'glorot'"),
        ({"scheme": None}, r"`scheme` of init_weights must be one of .* Got None"),
        ({"std": 0.0}, r"`std` of init_weights must be a positive finite real number\. Got 0\.0"),
        ({"std": math.nan}, r"`std` of init_weights must be a positive finite real number\. Got nan"),
        ({"bias": math.inf}, r"`bias` of init_weights must be a finite real number\. Got inf"),
        ({"bias": True}, r"`bias` of init_weights must be a finite real number\. Got True"),
    ],
)
def test_bad_arguments_raise(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        init_weights(nn.Linear(2, 2), **kwargs)


def test_bad_module_raises() -> None:
    with pytest.raises(TypeError, match=r"`module` of init_weights must be a torch.nn.Module\. Got list"):
        init_weights([nn.Linear(2, 2)])  # type: ignore[arg-type]


def test_lazy_layer_raises() -> None:
    with pytest.raises(ValueError, match=r"must have materialised weights\. Got the lazy layer '0'"):
        init_weights(nn.Sequential(nn.LazyLinear(3)))
