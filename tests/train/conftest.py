"""Shared fixtures of the training-engine tests: seeds, small data, losses and networks."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn


@pytest.fixture
def global_random_seed() -> int:
    """One seed per run, as scikit-learn's fixture of that name; override with DEEPSTAT_TEST_SEED.

    Unlike tests/conftest.py's (seed 0) it defaults to 42, the seed the tolerances here were checked with.
    """
    return int(os.environ.get("DEEPSTAT_TEST_SEED", "42"))


def _squared_error(eta: Tensor, target: Tensor, *, weight: Tensor | None = None, reduction: str = "sum") -> Tensor:
    """0.5 * (y - eta)^2 summed: the loss of sklearn's Lasso/ElasticNet objective (1/(2n) ||y - Xw||^2)."""
    per_obs = 0.5 * (eta.squeeze(-1) - target) ** 2
    if weight is not None:
        per_obs = per_obs * weight
    return per_obs.sum() if reduction == "sum" else per_obs.mean()


def _gaussian_nll(eta: Tensor, target: Tensor, *, weight: Tensor | None = None, reduction: str = "sum") -> Tensor:
    """Hand-written Normal NLL with eta = (loc, log scale), constants included (STYLE 3.2)."""
    loc, log_scale = eta[:, 0], eta[:, 1]
    per_obs = 0.5 * ((target - loc) / log_scale.exp()) ** 2 + log_scale + 0.5 * torch.log(torch.tensor(2 * torch.pi))
    if weight is not None:
        per_obs = per_obs * weight
    return per_obs.sum() if reduction == "sum" else per_obs.mean()


def _make_regression(seed: int, n: int = 256, p: int = 4, noise: float = 0.1, dtype: torch.dtype = torch.float64):
    """Linear data y = X beta + 0.5 + noise with beta = (1, -2, 0.5, 0, ...)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, p, generator=g, dtype=dtype)
    beta = torch.zeros(p, dtype=dtype)
    beta[:3] = torch.tensor([1.0, -2.0, 0.5], dtype=dtype)
    y = X @ beta + 0.5 + noise * torch.randn(n, generator=g, dtype=dtype)
    return X, y


def _make_mlp(seed: int, p: int = 4, out: int = 1, dropout: float = 0.0, hidden: int = 16) -> nn.Module:
    """A small float64 MLP whose initial weights depend only on ``seed``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Linear(p, hidden), nn.Tanh(), nn.Dropout(dropout), nn.Linear(hidden, out))
    return net.double()


# The helpers are handed out as fixtures: under --import-mode=importlib tests cannot import conftest.
@pytest.fixture
def squared_error() -> Callable[..., Tensor]:
    return _squared_error


@pytest.fixture
def gaussian_nll() -> Callable[..., Tensor]:
    return _gaussian_nll


@pytest.fixture
def make_regression() -> Callable[..., tuple[Tensor, Tensor]]:
    return _make_regression


@pytest.fixture
def make_mlp() -> Callable[..., nn.Module]:
    return _make_mlp
