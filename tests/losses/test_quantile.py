"""Pinball loss: hand values, the closed-form minimiser (STYLE 8.2), properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from deepstat.losses import PinballLoss, check_quantiles, noncrossing_quantiles, pinball_loss

f64 = torch.float64


def test_hand_values() -> None:
    # e = y - q = 3 - 1 = 2 at tau 0.1 -> 0.2; e = 3 - 2 = 1 at tau 0.9 -> 0.9; e = -1 at tau 0.9 -> 0.1
    out = pinball_loss(torch.tensor([[1.0, 2.0], [1.0, 4.0]]), torch.tensor([3.0, 3.0]), quantiles=[0.1, 0.9], reduction="none")
    torch.testing.assert_close(out, torch.tensor([[0.2, 0.9], [0.2, 0.1]]))
    total = pinball_loss(torch.tensor([[1.0, 2.0], [1.0, 4.0]]), torch.tensor([3.0, 3.0]), quantiles=[0.1, 0.9], reduction="mean")
    assert float(total) == pytest.approx((0.2 + 0.9 + 0.2 + 0.1) / 2)


def test_matches_sklearn_mean_pinball_loss(rng: np.random.Generator) -> None:
    from sklearn.metrics import mean_pinball_loss

    y, q = rng.normal(size=50), rng.normal(size=50)
    w = rng.uniform(size=50)
    for tau in (0.1, 0.5, 0.9):
        ours = pinball_loss(torch.as_tensor(q), torch.as_tensor(y), quantiles=tau, weight=torch.as_tensor(w))
        assert float(ours) == pytest.approx(mean_pinball_loss(y, q, alpha=tau, sample_weight=w), rel=1e-12)


def test_minimiser_is_the_empirical_quantile(rng: np.random.Generator) -> None:
    # STYLE 8.2: an intercept-only fit recovers the q-quantile; the pinball risk is minimised at an order statistic
    y = torch.as_tensor(rng.exponential(size=101))
    for tau in (0.1, 0.5, 0.9):
        risks = torch.stack([pinball_loss(c.expand(101), y, quantiles=tau, reduction="sum") for c in y])
        best = y[int(torch.argmin(risks))]
        assert float(best) == pytest.approx(float(np.quantile(y.numpy(), tau, method="inverted_cdf")))


@given(e=st.floats(-100, 100), tau=st.floats(0.01, 0.99))
def test_nonnegative_and_zero_at_truth(e: float, tau: float) -> None:
    q = torch.tensor([0.0, e], dtype=f64, requires_grad=True)
    out = pinball_loss(q, torch.tensor([0.0, 0.0], dtype=f64), quantiles=tau, reduction="none")
    assert float(out[0].detach()) == 0.0 and float(out[1].detach()) >= 0.0
    (g,) = torch.autograd.grad(out.sum(), q)
    assert torch.isfinite(g).all()


@given(eta=st.lists(st.floats(-30, 30), min_size=2, max_size=6))
def test_noncrossing_is_increasing(eta: list[float]) -> None:
    q = noncrossing_quantiles(torch.tensor([eta], dtype=f64))
    assert (q[0, 1:] >= q[0, :-1]).all()
    assert float(q[0, 0]) == eta[0]


def test_module(rng: np.random.Generator) -> None:
    eta = torch.as_tensor(rng.normal(size=(4, 3)))
    y = torch.as_tensor(rng.normal(size=4))
    loss = PinballLoss([0.1, 0.5, 0.9], noncrossing=True)
    assert loss.n_outputs == 3
    torch.testing.assert_close(loss(eta, y), pinball_loss(noncrossing_quantiles(eta), y, quantiles=[0.1, 0.5, 0.9], reduction="sum"))


@pytest.mark.parametrize(
    ("quantiles", "match"),
    [
        ([0.0, 0.5], r"`quantiles` of pinball_loss must be floats in \(0, 1\)"),
        ([0.5, 1.0], r"must be floats in \(0, 1\)"),
        ([0.9, 0.1], "must be strictly increasing. Got unsorted levels"),
        ([0.5, 0.5], "must be strictly increasing. Got repeated levels"),
        ([], "at least one level"),
    ],
)
def test_bad_quantiles(quantiles, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pinball_loss(torch.zeros(2, max(len(quantiles), 1)), torch.zeros(2), quantiles=quantiles)


@given(tau=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0)).filter(lambda v: v == v))
def test_levels_outside_unit_interval_rejected(tau: float) -> None:
    with pytest.raises(ValueError, match="`quantiles` of PinballLoss"):
        check_quantiles([tau], "PinballLoss")


def test_bad_shape() -> None:
    with pytest.raises(ValueError, match=r"`input` of pinball_loss must have shape \(3, 2\)"):
        pinball_loss(torch.zeros(3, 3), torch.zeros(3), quantiles=[0.1, 0.9])
