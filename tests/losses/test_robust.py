"""Robust losses against the seed's formulas, closed forms, numerical integration and autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from deepstat.losses import (
    BarronAdaptiveLoss,
    BarronLoss,
    HuberLoss,
    TukeyBiweightLoss,
    barron_log_partition,
    barron_loss,
    huber_loss,
    tukey_biweight_loss,
)

f64 = torch.float64
finite = st.floats(-50, 50, allow_nan=False)


def seed_huber(r: float, delta: float) -> float:
    # seed, "Huber Loss": 1/2 r^2 if |r| <= delta, delta |r| - delta^2 / 2 otherwise
    return 0.5 * r * r if abs(r) <= delta else delta * abs(r) - delta**2 / 2


def seed_tukey(r: float, delta: float) -> float:
    # seed, "Tukey's Biweight Loss": delta^2/6 (1 - (1 - r^2/delta^2)^3) if |r| <= delta, delta^2/6 otherwise
    return delta**2 / 6 * (1 - (1 - r * r / delta**2) ** 3) if abs(r) <= delta else delta**2 / 6


def paper_rho(x: float, alpha: float, c: float) -> float:
    # Barron (2019), eq. (1) and the seed's case table, written directly (no stabilisation)
    z2 = (x / c) ** 2
    if alpha == 2:
        return z2 / 2
    if alpha == 0:
        return math.log(z2 / 2 + 1)
    if alpha == -math.inf:
        return 1 - math.exp(-z2 / 2)
    b = abs(alpha - 2)
    return b / alpha * ((z2 / b + 1) ** (alpha / 2) - 1)


def test_huber_hand_values() -> None:
    r = torch.tensor([0.0, 0.5, -1.0, 3.0], dtype=f64)
    # by hand with delta = 1: 0, 0.125, 0.5 (boundary, quadratic side), 3 - 0.5 = 2.5
    out = huber_loss(torch.zeros(4, dtype=f64), r, delta=1.0, reduction="none")
    torch.testing.assert_close(out, torch.tensor([0.0, 0.125, 0.5, 2.5], dtype=f64))
    torch.testing.assert_close(out, torch.nn.functional.huber_loss(torch.zeros(4, dtype=f64), r, delta=1.0, reduction="none"))


@given(r=finite, delta=st.floats(0.01, 10))
def test_huber_matches_seed_formula(r: float, delta: float) -> None:
    out = huber_loss(torch.zeros(1, dtype=f64), torch.tensor([r], dtype=f64), delta=delta, reduction="sum")
    assert float(out) == pytest.approx(seed_huber(r, delta), rel=1e-12, abs=1e-12)
    assert float(out) >= 0


@given(r=finite, delta=st.floats(0.01, 10))
def test_tukey_matches_seed_formula(r: float, delta: float) -> None:
    out = tukey_biweight_loss(torch.zeros(1, dtype=f64), torch.tensor([r], dtype=f64), delta=delta, reduction="sum")
    assert float(out) == pytest.approx(seed_tukey(r, delta), rel=1e-10, abs=1e-12)
    assert 0 <= float(out) <= delta**2 / 6 + 1e-12


def test_tukey_matches_statsmodels_rho() -> None:
    from statsmodels.robust.norms import HuberT, TukeyBiweight

    z = np.linspace(-8, 8, 81)
    ours = tukey_biweight_loss(torch.zeros(81, dtype=f64), torch.as_tensor(z), delta=4.685, reduction="none")
    np.testing.assert_allclose(ours.numpy(), TukeyBiweight(c=4.685).rho(z), rtol=1e-12, atol=1e-12)
    ours = huber_loss(torch.zeros(81, dtype=f64), torch.as_tensor(z), delta=1.345, reduction="none")
    np.testing.assert_allclose(ours.numpy(), HuberT(t=1.345).rho(z), rtol=1e-12, atol=1e-12)


def test_weighted_reductions(rng: np.random.Generator) -> None:
    y = torch.as_tensor(rng.normal(size=6))
    w = torch.tensor([1.0, 2.0, 0.0, 1.0, 1.0, 3.0], dtype=f64)
    per = huber_loss(torch.zeros(6, dtype=f64), y, reduction="none")
    torch.testing.assert_close(huber_loss(torch.zeros(6, dtype=f64), y, weight=w, reduction="sum"), (w * per).sum())
    torch.testing.assert_close(huber_loss(torch.zeros(6, dtype=f64), y, weight=w, reduction="mean"), (w * per).sum() / w.sum())
    # weight 2 == a duplicated row (STYLE 8.3)
    dup = torch.repeat_interleave(y, w.long())
    torch.testing.assert_close(
        huber_loss(torch.zeros(len(dup), dtype=f64), dup, reduction="sum"),
        huber_loss(torch.zeros(6, dtype=f64), y, weight=w, reduction="sum"),
    )


@pytest.mark.parametrize("alpha", [2.0, 0.0, -math.inf, 1.0, -2.0, 0.5, 3.0, 4.0])
def test_barron_matches_paper_formula(alpha: float) -> None:
    x = np.linspace(-6, 6, 25)
    ours = barron_loss(torch.as_tensor(x), alpha, 1.7).numpy()
    np.testing.assert_allclose(ours, [paper_rho(v, alpha, 1.7) for v in x], rtol=1e-12, atol=1e-14)


def test_barron_limits_are_continuous() -> None:
    x = torch.linspace(-5, 5, 21, dtype=f64)
    l2, cauchy, welsch = x.square() / 2, torch.log1p(x.square() / 2), -torch.expm1(-x.square() / 2)
    for eps in (1e-4, 1e-8, 1e-12):
        torch.testing.assert_close(barron_loss(x, 2 - eps, 1.0), l2, rtol=2e-3 if eps == 1e-4 else 1e-6, atol=0)
        torch.testing.assert_close(barron_loss(x, 2 + eps, 1.0), l2, rtol=2e-3 if eps == 1e-4 else 1e-6, atol=0)
        torch.testing.assert_close(barron_loss(x, eps, 1.0), cauchy, rtol=10 * eps, atol=0)
        torch.testing.assert_close(barron_loss(x, -eps, 1.0), cauchy, rtol=10 * eps, atol=0)
    torch.testing.assert_close(barron_loss(x, -1e10, 1.0), welsch, rtol=1e-6, atol=1e-12)
    # alpha = 1 is Charbonnier / pseudo-Huber: sqrt(x^2 + 1) - 1 (Barron 2019, Sec. 2)
    torch.testing.assert_close(barron_loss(x, 1.0, 1.0), torch.sqrt(x.square() + 1) - 1)


@settings(max_examples=30, deadline=None)
@given(x=finite, alpha=st.floats(-10, 4), c=st.floats(0.1, 10))
def test_barron_properties(x: float, alpha: float, c: float) -> None:
    xt = torch.tensor([x, 0.0], dtype=f64, requires_grad=True)
    rho = barron_loss(xt, alpha, c)
    assert float(rho[1].detach()) == 0.0 and float(rho[0].detach()) >= 0
    (grad,) = torch.autograd.grad(rho.sum(), xt)
    assert torch.isfinite(grad).all()


@pytest.mark.parametrize("alpha", [-3.0, -1e-3, 1e-3, 0.7, 2 - 1e-3, 2 + 1e-3, 3.5])
def test_barron_gradcheck(alpha: float) -> None:
    x = torch.tensor([-2.5, -0.3, 0.4, 1.9], dtype=f64, requires_grad=True)
    a = torch.tensor(alpha, dtype=f64, requires_grad=True)
    c = torch.tensor(1.3, dtype=f64, requires_grad=True)
    assert torch.autograd.gradcheck(barron_loss, (x, a, c))


def test_barron_gradient_in_alpha_at_zero_is_exact() -> None:
    # d rho / d alpha at alpha = 0 from the series vs a central difference of the paper formula
    a = torch.tensor(0.0, dtype=f64, requires_grad=True)
    (g,) = torch.autograd.grad(barron_loss(torch.tensor(1.5, dtype=f64), a, 1.0), a)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50  # the paper formula in 50-digit arithmetic, differentiated numerically by mpmath
    rho = lambda a: abs(a - 2) / a * ((mpmath.mpf(1.5) ** 2 / abs(a - 2) + 1) ** (a / 2) - 1)  # noqa: E731
    reference = mpmath.diff(rho, mpmath.mpf(0), h=mpmath.mpf("1e-20"), direction=0)
    assert float(g) == pytest.approx(float(reference), rel=1e-10)


def integrated_log_partition(alpha: float) -> float:
    half, _ = quad(lambda x: math.exp(-paper_rho(x, alpha, 1.0)), 0, math.inf, epsrel=1e-12, limit=400)
    return math.log(2 * half)


@pytest.mark.parametrize("alpha", [0.013, 0.37, 1.3, 1.99, 2.004, 2.71, 3.93])
def test_log_partition_against_quadrature(alpha: float) -> None:
    ours = float(barron_log_partition(torch.tensor(alpha, dtype=f64)))
    assert ours == pytest.approx(integrated_log_partition(alpha), abs=1e-7)


def test_log_partition_closed_forms() -> None:
    logz = lambda a: float(barron_log_partition(torch.tensor(a, dtype=f64)))  # noqa: E731
    assert logz(2.0) == pytest.approx(0.5 * math.log(2 * math.pi), abs=1e-12)  # Gaussian
    assert logz(0.0) == pytest.approx(math.log(math.pi * math.sqrt(2)), abs=1e-12)  # int 1/(1+x^2/2) = pi sqrt 2
    # int exp(-(sqrt(x^2+1) - 1)) dx = 2 e K_1(1)  (Gradshteyn & Ryzhik 3.914.4)
    assert logz(1.0) == pytest.approx(math.log(2 * math.e * scipy.special.k1(1.0)), abs=1e-10)


def test_log_partition_is_differentiable() -> None:
    a = torch.tensor([0.2, 1.1, 2.6, 3.8], dtype=f64, requires_grad=True)
    assert torch.autograd.gradcheck(barron_log_partition, (a,))


def test_adaptive_nll_normalises() -> None:
    # the density exp(-nll) integrates to one at several (alpha, scale)
    for alpha, scale in [(0.5, 1.0), (1.0, 2.5), (3.0, 0.7)]:
        loss = BarronAdaptiveLoss(alpha=alpha, scale=scale).double()
        f = lambda y: math.exp(-float(loss(torch.zeros(1, 1, dtype=f64), torch.tensor([y], dtype=f64)).detach()))  # noqa: E731
        total = quad(f, -math.inf, math.inf, limit=400)[0]
        assert total == pytest.approx(1.0, abs=1e-6)
        assert float(loss.alpha_) == pytest.approx(alpha) and float(loss.scale_) == pytest.approx(scale)


def test_adaptive_learns_heavy_tails(rng: np.random.Generator) -> None:
    # Cauchy data (alpha = 0 is Cauchy-like): the fitted shape moves towards 0, Gaussian data towards >= 2
    fitted = {}
    for name, y in {"cauchy": rng.standard_cauchy(4000), "normal": rng.normal(size=4000)}.items():
        loss = BarronAdaptiveLoss(alpha=1.0, scale=1.0).double()
        opt = torch.optim.LBFGS(loss.parameters(), max_iter=200, line_search_fn="strong_wolfe")
        yt, eta = torch.as_tensor(y), torch.zeros(len(y), 1, dtype=f64)

        def closure():
            opt.zero_grad()
            value = loss(eta, yt, reduction="mean")
            value.backward()
            return value

        opt.step(closure)
        fitted[name] = float(loss.alpha_)
    assert fitted["cauchy"] < 0.3 and fitted["normal"] > 1.7


def test_modules_follow_the_protocol(rng: np.random.Generator) -> None:
    eta = torch.as_tensor(rng.normal(size=(5, 1)))
    y = torch.as_tensor(rng.normal(size=5))
    w = torch.as_tensor(rng.uniform(size=5))
    for module, fn in [
        (HuberLoss(0.7), lambda p: huber_loss(p, y, delta=0.7, weight=w, reduction="sum")),
        (TukeyBiweightLoss(2.0), lambda p: tukey_biweight_loss(p, y, delta=2.0, weight=w, reduction="sum")),
        (BarronLoss(0.5, 1.5), lambda p: (w * barron_loss(y - p, 0.5, 1.5)).sum()),
    ]:
        assert module.n_outputs == 1
        torch.testing.assert_close(module(eta, y, weight=w), fn(eta[:, 0]))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: huber_loss(torch.zeros(2), torch.zeros(2), delta=0.0), "`delta` of huber_loss must be a finite float > 0"),
        (lambda: tukey_biweight_loss(torch.zeros(2), torch.zeros(2), delta=-1.0), "`delta` of tukey_biweight_loss"),
        (lambda: huber_loss(torch.zeros(2), torch.zeros(3)), "same shape"),
        (lambda: huber_loss(torch.zeros(2), torch.zeros(2), reduction="avg"), "`reduction` of huber_loss"),
        (lambda: huber_loss(torch.zeros(2), torch.zeros(2), weight=torch.ones(3)), r"`weight` of huber_loss must have shape \(2,\)"),
        (lambda: barron_loss(torch.zeros(2), float("nan"), 1.0), "`alpha` of barron_loss"),
        (lambda: barron_loss(torch.zeros(2), 1.0, 0.0), "`scale` of barron_loss must be finite and > 0"),
        (lambda: barron_loss(torch.zeros(2), 1.0, -2.0), "`scale` of barron_loss"),
        (lambda: barron_log_partition(torch.tensor(-0.5)), r"`alpha` of barron_log_partition must lie in \[0, 4\]"),
        (lambda: barron_log_partition(torch.tensor(4.5)), r"`alpha` of barron_log_partition"),
        (lambda: BarronLoss(alpha=float("nan")), "`alpha` of BarronLoss"),
        (lambda: BarronAdaptiveLoss(alpha=4.0), r"`alpha` of BarronAdaptiveLoss must be a float in \(0.0, 4.0\)"),
        (lambda: BarronAdaptiveLoss(scale=0.0), "`scale` of BarronAdaptiveLoss"),
        (lambda: BarronAdaptiveLoss(alpha_hi=5.0), "`alpha_hi` of BarronAdaptiveLoss"),
    ],
)
def test_bad_input(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


@given(scale=st.floats(-10, 0))
def test_barron_rejects_nonpositive_scale(scale: float) -> None:
    with pytest.raises(ValueError, match="`scale` of barron_loss"):
        barron_loss(torch.zeros(1), 1.0, scale)
