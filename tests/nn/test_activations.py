"""Tests of deepstat.nn.activations: every activation against its closed form."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from scipy.special import expit, ndtr
from torch import nn

from deepstat.nn import ACTIVATIONS, Swish, get_activation

# Grid in float64 with the kink at 0 included; rtol 1e-12 is float64 round-off (STYLE 8.1).
X = np.concatenate([np.linspace(-6.0, 6.0, 241), [0.0, -1e-8, 1e-8]])
RTOL = 1e-12

# Constants of the SELU: Klambauer et al. (2017), "Self-normalizing neural networks",
# Section 3 (alpha_01 and lambda_01 for the fixed point (0, 1)).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


def _apply(module: nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module.double()(torch.from_numpy(x)).numpy()


def _f32(value: float) -> float:
    """The value a float32 parameter (PReLU slope, Swish beta) actually holds."""
    return float(np.float32(value))


def _elu(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(x))


# name, params, closed form f(x); parameter values are the seed's figure ("Activation
# Functions": PReLU 0.25, ELU 0.5 and 1.0, Swish 0.4, 1.0, 1.4) or torch's documented defaults.
CASES = [
    ("sigmoid", None, lambda x: 1.0 / (1.0 + np.exp(-x))),
    ("tanh", None, lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))),
    ("relu", None, lambda x: np.maximum(x, 0.0)),
    ("leaky_relu", None, lambda x: np.where(x > 0, x, 0.01 * x)),  # torch default slope 0.01
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("prelu", None, lambda x: np.where(x > 0, x, 0.25 * x)),
    ("prelu", {"init": 0.1}, lambda x: np.where(x > 0, x, _f32(0.1) * x)),
    ("softplus", None, lambda x: np.log1p(np.exp(x))),
    ("softplus", {"beta": 2.0}, lambda x: np.log1p(np.exp(2.0 * x)) / 2.0),
    ("gelu", None, lambda x: x * ndtr(x)),
    ("silu", None, lambda x: x * expit(x)),
    ("elu", {"alpha": 0.5}, lambda x: _elu(x, 0.5)),
    ("elu", {"alpha": 1.0}, lambda x: _elu(x, 1.0)),
    ("selu", None, lambda x: SELU_LAMBDA * _elu(x, SELU_ALPHA)),
    ("swish", {"beta": 0.4}, lambda x: x * expit(_f32(0.4) * x)),
    ("swish", {"beta": 1.0}, lambda x: x * expit(x)),
    ("swish", {"beta": 1.4}, lambda x: x * expit(_f32(1.4) * x)),
]


def test_activations_lists_the_seeds_functions() -> None:
    # The seed's figure "Activation Functions", panels a) to f).
    expected = {"sigmoid", "tanh", "relu", "leaky_relu", "prelu", "softplus", "gelu", "silu", "elu", "selu", "swish"}
    assert set(ACTIVATIONS) == expected
    assert len(ACTIVATIONS) == len(expected)


@pytest.mark.parametrize(("name", "params", "closed_form"), CASES, ids=[f"{n}-{p}" for n, p, _ in CASES])
def test_activation_matches_closed_form(name: str, params: dict | None, closed_form) -> None:
    np.testing.assert_allclose(_apply(get_activation(name, params), X), closed_form(X), rtol=RTOL, atol=1e-15)


def test_every_name_is_covered_by_a_closed_form() -> None:
    assert {name for name, _, _ in CASES} == set(ACTIVATIONS)


def test_swish_with_beta_one_equals_silu() -> None:
    np.testing.assert_allclose(_apply(Swish(1.0), X), _apply(nn.SiLU(), X), rtol=RTOL)


def test_get_activation_returns_a_new_module_each_call() -> None:
    a, b = get_activation("prelu"), get_activation("prelu")
    assert a is not b
    assert a.weight is not b.weight


@settings(max_examples=50, deadline=None)
@given(
    beta=st.floats(-5.0, 5.0, allow_nan=False),
    x=st.lists(st.floats(-20.0, 20.0, allow_nan=False), min_size=1, max_size=20),
)
def test_swish_odd_part_is_identity(beta: float, x: list[float]) -> None:
    # x sigma(bx) - (-x) sigma(-bx) = x (sigma(bx) + sigma(-bx)) = x, for every beta.
    t = torch.tensor(x, dtype=torch.float64)
    swish = Swish(beta).double()
    with torch.no_grad():
        np.testing.assert_allclose((swish(t) - swish(-t)).numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


def test_learnable_swish_trains_beta(global_random_seed: int) -> None:
    swish = Swish(beta=0.75, learnable=True).double()  # 0.75 is exact in float32
    assert [name for name, _ in swish.named_parameters()] == ["beta"]
    x = torch.randn(50, dtype=torch.float64)
    swish(x).sum().backward()
    # d/dbeta x sigma(beta x) = x^2 sigma(beta x) (1 - sigma(beta x)).
    s = torch.sigmoid(0.75 * x)
    expected = (x**2 * s * (1 - s)).sum()
    torch.testing.assert_close(swish.beta.grad, expected, rtol=1e-12, atol=1e-12)


def test_fixed_swish_beta_is_a_buffer() -> None:
    swish = Swish(beta=1.4)
    assert list(swish.parameters()) == []
    assert float(swish.state_dict()["beta"]) == pytest.approx(1.4)
    assert swish.double().beta.dtype == torch.float64


def test_swish_learnable_via_params() -> None:
    module = get_activation("swish", {"beta": 1.0, "learnable": True})
    assert isinstance(module.beta, nn.Parameter)


def test_callable_factory() -> None:
    assert isinstance(get_activation(nn.Mish), nn.Mish)
    hardtanh = get_activation(nn.Hardtanh, {"min_val": -2.0})
    assert hardtanh.min_val == -2.0


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"`name` of get_activation must be one of sigmoid, tanh, .*swish\. Got 'rleu'"):
        get_activation("rleu")


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("relu", {"alpha": 1.0}, r"must name parameters of 'relu' \(accepted: none\)\. Got 'alpha'"),
        ("elu", {"beta": 1.0}, r"accepted: 'alpha'\)\. Got 'beta'"),
        ("elu", {"alpha": math.nan}, r"`params\['alpha'\]` of get_activation must be a finite real number\. Got nan"),
        ("leaky_relu", {"negative_slope": "0.1"}, r"must be a finite real number\. Got '0\.1'"),
        ("softplus", {"beta": 0.0}, r"`params\['beta'\]` of get_activation must be positive for 'softplus'\. Got 0\.0"),
    ],
)
def test_bad_params_raise(name: str, params: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        get_activation(name, params)


def test_bad_name_types_raise() -> None:
    with pytest.raises(TypeError, match=r"`name` of get_activation must be a str or a callable"):
        get_activation(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"must return an nn.Module when called\. Got int"):
        get_activation(lambda: 1)  # type: ignore[arg-type, return-value]


def test_swish_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match=r"`beta` of Swish must be a finite real number\. Got inf"):
        Swish(beta=math.inf)
    with pytest.raises(TypeError, match=r"`learnable` of Swish must be a bool\. Got 'yes'"):
        Swish(learnable="yes")  # type: ignore[arg-type]
