"""The seed's activations (panels a-f) and hand-written derivatives against autograd."""

from __future__ import annotations

import pytest
import torch

from deepstat.experiments.activations import (
    ACTIVATION_PANELS,
    closed_forms,
    run_activations,
)
from deepstat.nn import ACTIVATIONS


def test_every_activation_of_the_seed_is_checked() -> None:
    res = run_activations()
    assert res.claims == {"values_match_modules": True, "derivatives_match_autograd": True}
    assert {name for _, name, _ in ACTIVATION_PANELS} == set(ACTIVATIONS)
    assert sorted({panel for panel, _, _ in ACTIVATION_PANELS}) == list("abcdef")  # the seed's six panels
    assert len(res.tables["checks"]) == len(ACTIVATION_PANELS)


def test_derivative_values() -> None:
    x = torch.tensor([-1.0, 2.0], dtype=torch.float64)
    assert closed_forms("sigmoid", {})[1](torch.tensor(0.0)).item() == 0.25  # sigma(0)(1 - sigma(0))
    assert closed_forms("elu", {"alpha": 0.5})[1](x).tolist() == pytest.approx([0.5 * torch.e**-1, 1.0])
    assert closed_forms("swish", {"beta": 0.0})[1](x).tolist() == [0.5, 0.5]  # beta = 0: x / 2


def test_unknown_name() -> None:
    with pytest.raises(ValueError, match="`name` of closed_forms"):
        closed_forms("mish", {})
