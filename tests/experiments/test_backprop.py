"""Backprop by hand on the seed's worked example equals autograd."""

from __future__ import annotations

import pytest
import torch

from deepstat.experiments.backprop import (
    PARAMETER_NAMES,
    backward_pass,
    forward_pass,
    run_backprop,
)


def test_hand_gradients_equal_autograd(global_random_seed: int) -> None:
    res = run_backprop(n_samples=50, random_state=global_random_seed)
    assert res.claims == {"hand_equals_autograd": True, "hand_equals_finite_differences": True}
    table = res.tables["gradients"]
    assert table["parameter"].tolist() == list(PARAMETER_NAMES)
    assert (table["rel_diff_autograd"] < 1e-10).all()


def test_gradient_at_the_optimum_is_zero() -> None:
    # y generated without noise from phi: the loss is 0 and so is every gradient
    phi = {k: torch.tensor(v, dtype=torch.float64) for k, v in zip(PARAMETER_NAMES, (1, 0.1, -0.4, 1, 0.2, 0.5, 0.3, 1.5))}
    x = torch.linspace(-2, 2, 7, dtype=torch.float64)
    y = forward_pass(phi, x, torch.zeros_like(x))["f3"]
    grads = backward_pass(phi, x, y, forward_pass(phi, x, y))
    assert all(float(g) == 0.0 for g in grads.values())


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`n_samples` of run_backprop"):
        run_backprop(n_samples=0)
