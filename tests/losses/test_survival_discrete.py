"""Logistic hazard and DeepHit losses against loops written from their definitions (and pycox's formulas)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.losses import (
    DeepHitLoss,
    LogisticHazardLoss,
    SurvivalTarget,
    deephit_nll,
    deephit_ranking_loss,
    discretize_times,
    logistic_hazard_nll,
)

F64 = torch.float64


def test_discretize_times_by_hand() -> None:
    cuts = torch.tensor([0.0, 1.0, 2.5, 4.0])
    # (c_j, c_{j+1}]: 1.0 closes interval 0, 2.5 closes interval 1; t = c_0 is in interval 0
    got = discretize_times(torch.tensor([0.0, 0.3, 1.0, 1.01, 2.5, 4.0]), cuts)
    assert got.tolist() == [0, 0, 0, 1, 1, 2]
    assert got.dtype == torch.long


def test_discretize_times_errors() -> None:
    cuts = torch.tensor([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"`time` of discretize_times must lie within \[cuts\[0\], cuts\[-1\]\] = \[0.0, 2.0\]\. Got 2 value\(s\) outside: \[2.5, 9.0\]"):
        discretize_times(torch.tensor([0.5, 2.5, 9.0]), cuts)
    with pytest.raises(ValueError, match=r"`cuts` of discretize_times must hold at least 2 finite, strictly increasing values\. Got \[0.0, 2.0, 1.0\]"):
        discretize_times(torch.tensor([0.5]), torch.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"`time` of discretize_times must be finite\. Got 1 NaN"):
        discretize_times(torch.tensor([0.5, np.nan]), cuts)


def naive_logistic_hazard_loglik(logits: np.ndarray, j: int, event: int) -> float:
    h = 1 / (1 + np.exp(-logits))
    return float(np.sum(np.log(1 - h[:j])) + (np.log(h[j]) if event else np.log(1 - h[j])))


def test_logistic_hazard_equals_definition_and_pycox(rng: np.random.Generator) -> None:
    n, K = 40, 6
    logits = torch.tensor(rng.normal(size=(n, K)) * 2)
    bins, event = torch.tensor(rng.integers(0, K, size=n)), torch.tensor(rng.integers(0, 2, size=n))
    got = logistic_hazard_nll(logits, bins, event, reduction="none")
    expected = [-naive_logistic_hazard_loglik(logits[i].numpy(), int(bins[i]), int(event[i])) for i in range(n)]
    torch.testing.assert_close(got, torch.tensor(expected, dtype=F64), rtol=1e-12, atol=1e-12)
    # pycox.models.loss.nll_logistic_hazard: BCE against a one-hot event target, cumulated up to the interval
    y_bce = torch.zeros(n, K, dtype=F64).scatter(1, bins[:, None], event[:, None].double())
    pycox = F.binary_cross_entropy_with_logits(logits, y_bce, reduction="none").cumsum(1).gather(1, bins[:, None])[:, 0]
    torch.testing.assert_close(got, pycox, rtol=1e-12, atol=1e-12)
    w = torch.tensor(rng.uniform(0, 2, size=n))
    torch.testing.assert_close(logistic_hazard_nll(logits, bins, event, weight=w), (w * got).sum() / w.sum())


def test_logistic_hazard_probabilities_sum_to_one(rng: np.random.Generator) -> None:
    # P(event in interval j) for every j, plus P(survive past the last interval), is a distribution
    K = 5
    logits = torch.tensor(rng.normal(size=(1, K))).expand(K + 1, K)
    bins = torch.tensor(list(range(K)) + [K - 1])
    event = torch.tensor([1] * K + [0])
    total = torch.exp(-logistic_hazard_nll(logits, bins, event, reduction="none")).sum()
    assert total.item() == pytest.approx(1.0, rel=1e-12)


def _naive_pmf(logits: np.ndarray) -> np.ndarray:
    flat = np.append(logits.ravel(), 0.0)  # the "no event by c_K" cell
    p = np.exp(flat - flat.max())
    return (p / p.sum())[:-1].reshape(logits.shape)


@pytest.mark.parametrize("n_causes", [1, 3])
def test_deephit_nll_equals_definition(rng: np.random.Generator, n_causes: int) -> None:
    n, K = 30, 5
    logits = torch.tensor(rng.normal(size=(n, n_causes, K)))
    bins, cause = torch.tensor(rng.integers(0, K, size=n)), torch.tensor(rng.integers(0, n_causes + 1, size=n))
    expected = []
    for i in range(n):
        p = _naive_pmf(logits[i].numpy())
        j, r = int(bins[i]), int(cause[i])
        expected.append(-np.log(p[r - 1, j]) if r else -np.log(1 - p[:, : j + 1].sum()))
    got = deephit_nll(logits if n_causes > 1 else logits[:, 0], bins, cause, reduction="none")
    torch.testing.assert_close(got, torch.tensor(expected, dtype=F64), rtol=1e-10, atol=1e-12)


def test_deephit_probabilities_sum_to_one(rng: np.random.Generator) -> None:
    R, K = 2, 4
    logits = torch.tensor(rng.normal(size=(1, R, K))).expand(R * K + 1, R, K)
    bins = torch.tensor([k for _ in range(R) for k in range(K)] + [K - 1])
    cause = torch.tensor([r + 1 for r in range(R) for _ in range(K)] + [0])
    total = torch.exp(-deephit_nll(logits, bins, cause, reduction="none")).sum()
    assert total.item() == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("n_causes", [1, 2])
def test_deephit_ranking_loss_equals_double_loop(rng: np.random.Generator, n_causes: int) -> None:
    n, K, sigma = 12, 4, 0.3
    logits = torch.tensor(rng.normal(size=(n, n_causes, K)))
    bins, cause = torch.tensor(rng.integers(0, K, size=n)), torch.tensor(rng.integers(0, n_causes + 1, size=n))
    bins[:3] = 1  # ties in time, some censored
    cif = np.cumsum(np.stack([_naive_pmf(logits[i].numpy()) for i in range(n)]), axis=2)
    expected = np.zeros(n)
    for i in range(n):  # pycox rank_loss_deephit_cr with pair_rank_mat, written as a loop
        if cause[i] == 0:
            continue
        r, j = int(cause[i]) - 1, int(bins[i])
        for m in range(n):
            if bins[i] < bins[m] or (bins[i] == bins[m] and cause[m] == 0):
                expected[i] += np.exp(-(cif[i, r, j] - cif[m, r, j]) / sigma) / n
    got = deephit_ranking_loss(logits, bins, cause, sigma=sigma, reduction="none")
    torch.testing.assert_close(got, torch.tensor(expected), rtol=1e-10, atol=1e-12)
    assert deephit_ranking_loss(logits, bins, cause, sigma=sigma).item() == pytest.approx(expected.mean(), rel=1e-10)


def test_loss_modules_follow_the_estimator_protocol(rng: np.random.Generator) -> None:
    n, R, K = 10, 2, 3
    eta = torch.tensor(rng.normal(size=(n, R * K)))
    bins, cause = torch.tensor(rng.integers(0, K, size=n)), torch.tensor(rng.integers(0, R + 1, size=n))
    time = torch.tensor(rng.uniform(size=n))  # not read: the losses read the interval index `bin`
    target = SurvivalTarget(time=time, event=cause, bin=bins)
    logits = eta.reshape(n, R, K)
    expected = 0.4 * deephit_nll(logits, bins, cause, reduction="sum") + 0.6 * deephit_ranking_loss(logits, bins, cause, sigma=0.5, reduction="sum")
    torch.testing.assert_close(DeepHitLoss(n_causes=R, alpha=0.4, sigma=0.5)(eta, target), expected)
    event = (cause > 0).long()
    torch.testing.assert_close(
        LogisticHazardLoss()(eta[:, :K], SurvivalTarget(time=time, event=event, bin=bins)),
        logistic_hazard_nll(eta[:, :K], bins, event, reduction="sum"),
    )
    with pytest.raises(ValueError, match=r"`eta` of DeepHitLoss must have shape \(n, n_causes \* K\) with n_causes = 4\. Got shape \(10, 6\)"):
        DeepHitLoss(n_causes=4)(eta, target)


def test_gradcheck(rng: np.random.Generator) -> None:
    logits = torch.tensor(rng.normal(size=(6, 2, 3)), requires_grad=True)
    bins, cause = torch.tensor([0, 1, 2, 1, 0, 2]), torch.tensor([1, 2, 0, 0, 2, 1])
    assert torch.autograd.gradcheck(lambda x: deephit_nll(x, bins, cause), (logits,))
    assert torch.autograd.gradcheck(lambda x: deephit_ranking_loss(x, bins, cause, sigma=0.5), (logits,))
    lh = torch.tensor(rng.normal(size=(6, 3)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: logistic_hazard_nll(x, bins, (cause > 0).long()), (lh,))


def test_errors() -> None:
    logits = torch.zeros(3, 4)
    with pytest.raises(ValueError, match=r"`bin_index` of logistic_hazard_nll must hold integers in 0\.\.3\. Got 2 other value\(s\): \[4, -1\]"):
        logistic_hazard_nll(logits, torch.tensor([4, 0, -1]), torch.tensor([1, 0, 1]))
    with pytest.raises(ValueError, match=r"`event` of logistic_hazard_nll must hold 0/1 or True/False\. Got 1 other value\(s\): \[2\]"):
        logistic_hazard_nll(logits, torch.tensor([0, 1, 2]), torch.tensor([1, 2, 0]))
    with pytest.raises(ValueError, match=r"`logits` of logistic_hazard_nll must be a tensor of shape \(n, K\)"):
        logistic_hazard_nll(torch.zeros(3), torch.tensor([0, 1, 2]), torch.tensor([1, 0, 0]))
    with pytest.raises(ValueError, match=r"`sigma` of deephit_ranking_loss must be a positive float\. Got 0"):
        deephit_ranking_loss(logits, torch.tensor([0, 1, 2]), torch.tensor([1, 0, 0]), sigma=0)
    with pytest.raises(ValueError, match=r"`alpha` of DeepHitLoss must lie in \[0, 1\]\. Got 1.5"):
        DeepHitLoss(alpha=1.5)
    # every row censored is a valid mini-batch for the decomposing losses (no error; estimators check the full data)
    assert bool(torch.isfinite(deephit_nll(logits, torch.tensor([0, 1, 2]), torch.zeros(3))))


@settings(max_examples=25, deadline=None)
@given(bad=st.lists(st.sampled_from([-1, 3, 4, 7]), min_size=1, max_size=4), n_ok=st.integers(0, 4))
def test_cause_codes_outside_range_are_counted(bad: list[int], n_ok: int) -> None:
    cause = torch.tensor([0, 1, 2, 1, 0][:n_ok] + bad)
    n = len(cause)
    with pytest.raises(ValueError, match=rf"`event` of deephit_nll must hold cause codes 0 \(censored\) to 2\. Got {len(bad)} other value"):
        deephit_nll(torch.zeros(n, 2, 3), torch.zeros(n, dtype=torch.long), cause)


@pytest.mark.parametrize("loss", [LogisticHazardLoss(), DeepHitLoss()], ids=["LogisticHazardLoss", "DeepHitLoss"])
def test_loss_modules_refuse_columns_and_need_the_bin(loss) -> None:
    name = type(loss).__name__
    eta, time, event, bins = torch.zeros(2, 3), torch.tensor([2.5, 0.5]), torch.tensor([1, 0]), torch.tensor([2, 0])
    with pytest.raises(TypeError, match=rf"`target` of {name} must be a SurvivalTarget, named fields rather than columns read by position\. Got Tensor instead\. Build one with deepstat.data.SurvivalTarget\(time=\.\.\., event=\.\.\., bin=discretize_times\(time, cuts\)\)"):
        loss(eta, torch.column_stack([bins, event]).double())
    with pytest.raises(ValueError, match=rf"`target` of {name} must have `bin`, the interval index of each row \(discretize_times\(time, cuts\)\)\. Got bin=None instead"):
        loss(eta, SurvivalTarget(time=time, event=event))
    with pytest.raises(ValueError, match=rf"`target` of {name} must have strata=None: the loss has no strata"):
        loss(eta, SurvivalTarget(time=time, event=event, bin=bins, strata=torch.tensor([0, 1])))
