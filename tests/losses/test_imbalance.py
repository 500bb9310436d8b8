"""Imbalanced-class losses: hand values, torch/sklearn references, the limits the issue names, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.losses import (
    ClassBalancedLoss,
    CostSensitiveLoss,
    FocalLoss,
    WeightedCrossEntropyLoss,
    class_balanced_weights,
    cost_sensitive_cross_entropy,
    cost_weights,
    focal_loss,
    weighted_cross_entropy,
)

f64 = torch.float64


def test_weighted_ce_matches_torch(rng: np.random.Generator) -> None:
    logits = torch.as_tensor(rng.normal(size=(20, 3)))
    y = torch.as_tensor(rng.integers(0, 3, 20))
    cw = [0.5, 2.0, 1.0]
    ref = torch.nn.functional.cross_entropy(logits, y, weight=torch.tensor(cw, dtype=f64), reduction="sum")
    torch.testing.assert_close(weighted_cross_entropy(logits, y, class_weight=cw, reduction="sum"), ref)


def test_binary_one_logit_is_bernoulli(rng: np.random.Generator) -> None:
    z = torch.as_tensor(rng.normal(size=(10, 1)))
    y = torch.as_tensor(rng.integers(0, 2, 10)).double()
    ref = torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], y, reduction="sum")
    torch.testing.assert_close(weighted_cross_entropy(z, y, reduction="sum"), ref)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(2, 5))
def test_focal_gamma_zero_is_weighted_ce(seed: int, k: int) -> None:
    g = np.random.default_rng(seed)
    logits = torch.as_tensor(g.normal(scale=3, size=(8, k)))
    y = torch.as_tensor(g.integers(0, k, 8))
    a = g.uniform(0.1, 2, size=k).tolist()
    torch.testing.assert_close(
        focal_loss(logits, y, alpha=a, gamma=0.0, reduction="none"),
        weighted_cross_entropy(logits, y, class_weight=a, reduction="none"),
    )
    out = focal_loss(logits.requires_grad_(), y, alpha=a, gamma=2.0, reduction="sum")
    (grad,) = torch.autograd.grad(out, logits)
    assert float(out.detach()) >= 0 and torch.isfinite(grad).all()


def test_focal_hand_value_and_torchvision_form() -> None:
    # p_t = sigmoid(2) for a positive; Lin et al. (2017) eq. (5) with alpha = 0.25, gamma = 2
    p = 1 / (1 + math.exp(-2.0))
    expected = -0.25 * (1 - p) ** 2 * math.log(p)
    out = focal_loss(torch.tensor([[2.0]], dtype=f64), torch.tensor([1.0]), alpha=0.25, gamma=2.0, reduction="sum")
    assert float(out) == pytest.approx(expected, rel=1e-12)
    # a negative gets weight 1 - alpha: p_t = 1 - sigmoid(2)
    out = focal_loss(torch.tensor([[2.0]], dtype=f64), torch.tensor([0.0]), alpha=0.25, gamma=2.0, reduction="sum")
    assert float(out) == pytest.approx(-0.75 * p**2 * math.log(1 - p), rel=1e-12)


def test_class_balanced_weights_hand_value() -> None:
    # (1 - 0.9) / (1 - 0.9^n): n = 1 -> 1, n = 2 -> 1/1.9, normalised to sum 2
    w = class_balanced_weights([1, 2], beta=0.9)
    raw = np.array([1.0, 0.1 / 0.19])
    np.testing.assert_allclose(w, 2 * raw / raw.sum(), rtol=1e-12)


def test_class_balanced_beta_to_one_is_inverse_frequency() -> None:
    counts = np.array([900.0, 97.0, 3.0])
    inverse = (1 / counts) * 3 / (1 / counts).sum()
    errors = [np.abs(class_balanced_weights(counts, beta) - inverse).max() for beta in (0.9, 0.999, 0.99999, 1 - 1e-9)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-6


def test_cost_sensitive_is_elkan_reweighting() -> None:
    # C[0, 1] = 1 (false positive), C[1, 0] = 5 (false negative): class weights 1 and 5 (Elkan 2001, Thm 1)
    C = [[0.0, 1.0], [5.0, 0.0]]
    np.testing.assert_array_equal(cost_weights(C), [1.0, 5.0])
    z = torch.tensor([[0.3], [-1.2]], dtype=f64)
    y = torch.tensor([0.0, 1.0])
    torch.testing.assert_close(
        cost_sensitive_cross_entropy(z, y, cost_matrix=C, reduction="sum"),
        weighted_cross_entropy(z, y, class_weight=[1.0, 5.0], reduction="sum"),
    )
    # the weighted-likelihood optimum of a constant logit: p = 5 n1 / (n0 + 5 n1), here n0 = 9, n1 = 1
    ys = torch.tensor([0.0] * 9 + [1.0])
    grid = torch.linspace(-4, 4, 8001, dtype=f64)
    risks = torch.stack([cost_sensitive_cross_entropy(g.expand(10, 1), ys, cost_matrix=C, reduction="sum") for g in grid])
    p = torch.sigmoid(grid[int(torch.argmin(risks))])
    assert float(p) == pytest.approx(5 / 14, abs=1e-3)


def test_modules(rng: np.random.Generator) -> None:
    logits = torch.as_tensor(rng.normal(size=(6, 3)))
    y = torch.as_tensor(rng.integers(0, 3, 6)).double()
    w = torch.as_tensor(rng.uniform(size=6))
    C = [[0, 1, 2], [3, 0, 1], [1, 1, 0]]
    torch.testing.assert_close(WeightedCrossEntropyLoss([1, 2, 3])(logits, y, weight=w), weighted_cross_entropy(logits, y, class_weight=[1, 2, 3], weight=w, reduction="sum"))
    torch.testing.assert_close(CostSensitiveLoss(C)(logits, y), weighted_cross_entropy(logits, y, class_weight=[3, 4, 2], reduction="sum"))
    torch.testing.assert_close(FocalLoss(gamma=1.5)(logits, y), focal_loss(logits, y, gamma=1.5, reduction="sum"))
    cb = class_balanced_weights([5, 3, 1], 0.99).tolist()
    torch.testing.assert_close(ClassBalancedLoss([5, 3, 1], 0.99)(logits, y), weighted_cross_entropy(logits, y, class_weight=cb, reduction="sum"))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: weighted_cross_entropy(torch.zeros(2, 3), torch.zeros(2), class_weight=[1, 2]), r"`class_weight` of weighted_cross_entropy must have shape \(3,\)"),
        (lambda: weighted_cross_entropy(torch.zeros(2, 2), torch.zeros(2), class_weight=[1, -2]), "must be finite and non-negative"),
        (lambda: cost_weights([[0, 1, 1], [1, 0, 1]]), r"`cost_matrix` of cost_weights must have shape"),
        (lambda: cost_sensitive_cross_entropy(torch.zeros(2, 1), torch.zeros(2), cost_matrix=[[0, 1, 1], [1, 0, 1], [1, 1, 0]]), r"must have shape \(2, 2\)"),
        (lambda: cost_weights([[0, -1], [1, 0]]), "finite non-negative costs"),
        (lambda: cost_weights([[0, 0], [1, 0]]), "positive cost of error"),
        (lambda: focal_loss(torch.zeros(2, 2), torch.zeros(2), gamma=-1.0), "`gamma` of focal_loss must be a finite float >= 0"),
        (lambda: focal_loss(torch.zeros(2, 3), torch.zeros(2), alpha=0.25), "`alpha` of focal_loss must be a float in"),
        (lambda: focal_loss(torch.zeros(2, 3), torch.zeros(2), alpha=[1, 2]), r"`alpha` of focal_loss must have shape \(3,\)"),
        (lambda: class_balanced_weights([10, 0], 0.9), "`counts` of class_balanced_weights must be finite and positive"),
        (lambda: class_balanced_weights([10, 5], 1.0), r"`beta` of class_balanced_weights must be a float in \[0, 1\)"),
    ],
)
def test_bad_input(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


@given(w=st.floats(max_value=-1e-9, allow_infinity=False))
def test_negative_class_weights_rejected(w: float) -> None:
    with pytest.raises(ValueError, match="`class_weight` of weighted_cross_entropy must be finite and non-negative"):
        weighted_cross_entropy(torch.zeros(1, 2), torch.zeros(1), class_weight=[1.0, w])
