"""The seed's update rules written out equal torch.optim step for step (float64)."""

from __future__ import annotations

import pytest
import torch

from deepstat.experiments.optimizers import (
    OPTIMIZER_RULES,
    compare_with_torch,
    hand_step,
    run_optimizers,
)


def test_all_rules_on_all_problems() -> None:
    res = run_optimizers(n_steps=100)
    table = res.tables["iterations"]
    assert res.claims == {"same_as_torch": True, "adaptive_escapes_saddle": True, "momentum_helps_ill_conditioned": True}
    assert (table["step_diff_vs_torch"] < 1e-6).all()  # the tolerance
    assert set(table["rule"]) == set(OPTIMIZER_RULES)
    assert set(table["problem"]) == {"rosenbrock", "saddle", "ill_conditioned_quadratic", "diabetes_least_squares"}


@pytest.mark.parametrize("rule", OPTIMIZER_RULES)
def test_free_running_trajectories_agree_on_a_quadratic(rule: str, global_random_seed: int) -> None:
    gen = torch.Generator().manual_seed(global_random_seed)
    H = torch.diag(torch.tensor([1.0, 10.0, 0.1], dtype=torch.float64))

    def loss(phi: torch.Tensor, t: int) -> torch.Tensor:
        return 0.5 * phi @ H @ phi

    x0 = torch.randn(3, generator=gen, dtype=torch.float64)
    _, step_diff, free_diff = compare_with_torch(rule, loss, x0, 0.05, 200)
    assert step_diff < 1e-12 and free_diff < 1e-6


def test_adam_first_step_is_lr_times_sign() -> None:
    # with bias correction, m~ = g and v~ = g^2 at t = 1, so the step is lr * g / (|g| + eps)
    phi = torch.tensor([1.0, -2.0], dtype=torch.float64)
    state = {"m": torch.zeros(2, dtype=torch.float64), "v": torch.zeros(2, dtype=torch.float64)}
    new = hand_step("adam", phi, state, 0, lambda p, t: 3.0 * p, lr=0.1)
    assert torch.allclose(new, torch.tensor([0.9, -1.9], dtype=torch.float64))


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="`rule` of hand_step"):
        hand_step("lion", torch.zeros(1), {"m": torch.zeros(1), "v": torch.zeros(1)}, 0, lambda p, t: p, 0.1)
