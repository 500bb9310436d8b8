"""Losses by name."""

from __future__ import annotations

import pytest

from deepstat.losses import REGRESSION_LOSSES, BarronAdaptiveLoss, HuberLoss, make_regression_loss


def test_every_name_builds() -> None:
    for name, cls in REGRESSION_LOSSES.items():
        assert isinstance(make_regression_loss(name), cls)
    assert make_regression_loss("huber", {"delta": 2.0}).delta == 2.0
    assert isinstance(make_regression_loss("barron_adaptive", {"scale": 3.0}), BarronAdaptiveLoss)
    assert HuberLoss().config() == {"delta": 1.0}


def test_bad_names_and_params() -> None:
    with pytest.raises(ValueError, match="`loss` of make_regression_loss must be one of"):
        make_regression_loss("l7")
    with pytest.raises(ValueError, match="`loss_params` of make_regression_loss must be keyword arguments of HuberLoss"):
        make_regression_loss("huber", {"c": 1.0})
