"""Plackett-Luce distribution and family against the direct product formula."""

import itertools
import math

import numpy as np
import pytest
import torch

from deepstat.families import PlackettLuce, PlackettLuceDistribution

F64 = torch.float64


def _product_formula(scores: np.ndarray, ranking: list[int]) -> float:
    """log P(ranking) = sum_j [s_{r_j} - log sum over items not yet ranked], the definition (Plackett 1975)."""
    remaining = list(range(len(scores)))
    total = 0.0
    for item in ranking:
        if item < 0:
            break
        total += scores[item] - math.log(sum(math.exp(scores[i]) for i in remaining))
        remaining.remove(item)
    return total


def test_log_prob_matches_product_formula(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    scores = rng.normal(scale=2.0, size=(6, 5))
    rankings = [list(rng.permutation(5)) for _ in range(4)] + [[3, 1, -1, -1, -1], [4, -1, -1, -1, -1]]
    expected = [_product_formula(s, r) for s, r in zip(scores, rankings)]
    got = PlackettLuceDistribution(torch.from_numpy(scores)).log_prob(torch.tensor(rankings, dtype=F64))
    torch.testing.assert_close(got, torch.tensor(expected, dtype=F64), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.parametrize("m", ["full", 1, 2])
def test_probabilities_sum_to_one(k: int, m: str | int, global_random_seed: int) -> None:
    scores = torch.randn(k, generator=torch.Generator().manual_seed(global_random_seed + k), dtype=F64)
    top = k if m == "full" else min(int(m), k)
    rankings = [list(p) + [-1] * (k - top) for p in itertools.permutations(range(k), top)]
    value = torch.tensor(rankings, dtype=F64)
    total = PlackettLuceDistribution(scores.expand(len(rankings), k)).log_prob(value).exp().sum()
    assert total.item() == pytest.approx(1.0, rel=1e-12)


def test_top_k_minus_one_equals_full_ranking() -> None:
    dist = PlackettLuceDistribution(torch.tensor([[0.3, -1.0, 2.0]], dtype=F64))
    full, partial = dist.log_prob(torch.tensor([[2, 0, 1]])), dist.log_prob(torch.tensor([[2, 0, -1]]))
    torch.testing.assert_close(full, partial)


def test_expected_rank_matches_enumeration() -> None:
    scores = torch.tensor([1.0, -0.5, 0.2, 0.0], dtype=F64)
    perms = torch.tensor(list(itertools.permutations(range(4))))
    probs = PlackettLuceDistribution(scores.expand(len(perms), 4)).log_prob(perms).exp()
    positions = torch.argsort(perms, dim=1).to(F64)  # position of each item in each ranking
    expected = (probs[:, None] * positions).sum(0)
    torch.testing.assert_close(PlackettLuceDistribution(scores).expected_rank, expected)


def test_gumbel_sampler_matches_first_choice_probabilities(global_random_seed: int) -> None:
    family = PlackettLuce(n_items=3)
    eta = torch.tensor([[1.0, 0.0, -1.0]], dtype=F64)
    draws = family.sample(eta, n_samples=20000, generator=torch.Generator().manual_seed(global_random_seed))
    first = torch.bincount(draws[:, 0, 0].long(), minlength=3).to(F64) / 20000
    # 20000 draws: the standard error of each frequency is below 0.0036; allow about 4 of them
    torch.testing.assert_close(first, family.split(eta)["probs"][0], rtol=0, atol=0.015)
    family.check_target(draws[:, 0])


def test_mean_and_variance_raise() -> None:
    family = PlackettLuce(n_items=3)
    with pytest.raises(ValueError, match="`mean` of PlackettLuceDistribution must not be requested: a ranking has no mean"):
        family.mean(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="`variance` of PlackettLuceDistribution must not be requested"):
        family.variance(torch.zeros(1, 3))
    assert family.mode(torch.tensor([[0.0, 2.0, 1.0]])).tolist() == [[1, 2, 0]]


@pytest.mark.parametrize(
    "bad_row",
    [[0, 0, 1], [0, 3, 1], [-1, 0, 1], [0, -1, 1], [0.5, 1, 2], [-1, -1, -1], [0, 1, np.nan]],
    ids=["duplicate", "out-of-range", "leading-pad", "pad-in-middle", "non-integer", "empty", "nan"],
)
def test_check_target_rejects_invalid_rankings(bad_row: list[float]) -> None:
    y = np.array([[2, 0, 1], bad_row, [1, -1, -1]], dtype=float)
    with pytest.raises(ValueError, match=r"`y` of PlackettLuce must lie in the support rankings of the items 0\.\.2.* Got 1 ranking\(s\) outside it, rows \[1\]"):
        PlackettLuce(n_items=3).check_target(y)


def test_check_target_shape() -> None:
    with pytest.raises(ValueError, match=r"`y` of PlackettLuce must have shape \(n, 3\)\. Got shape \(2, 4\)"):
        PlackettLuce(n_items=3).check_target(np.zeros((2, 4)))


def test_init_eta_is_the_mle(global_random_seed: int) -> None:
    family = PlackettLuce(n_items=4)
    truth = torch.tensor([[1.0, 0.5, -0.5, -1.0]], dtype=F64)
    y = family.sample(truth, n_samples=3000, generator=torch.Generator().manual_seed(global_random_seed))[:, 0]
    y[::3, 2:] = -1  # a third of the rankings are top-2 only
    init = family.init_eta(y).requires_grad_(True)
    nll = family.neg_log_likelihood(init.expand(len(y), -1), y)
    (grad,) = torch.autograd.grad(nll, init)
    # stationary point of NLL + 1e-4 ||s||^2: the NLL gradient balances the ridge's
    torch.testing.assert_close(grad, -2e-4 * init.detach(), rtol=0, atol=1e-7)
    torch.testing.assert_close(init.detach(), truth[0], rtol=0, atol=0.1)
    assert init.sum().abs().item() < 1e-10  # centred


# ------------------------------------------------------------------ from_target
@pytest.mark.parametrize(("shape", "n_items"), [((6, 4), 4), ((3, 2, 5), 5)])
def test_from_target_reads_the_number_of_items_off_the_last_axis(shape: tuple[int, ...], n_items: int) -> None:
    y = np.broadcast_to(np.arange(n_items, dtype=float), shape)
    family = PlackettLuce.from_target(y)
    assert family == PlackettLuce(n_items=n_items)
    assert family.event_shape == (n_items,) and PlackettLuce.event_rank == 1 and PlackettLuce.sized_by_target


def test_from_target_names_a_1d_target_and_a_single_item() -> None:
    with pytest.raises(ValueError, match=r"`y` of PlackettLuce.from_target must be 2-D \(n_samples, d\), or \(\*batch, d\), for family 'plackett_luce'. Got shape \(3,\)"):
        PlackettLuce.from_target(np.arange(3.0))
    with pytest.raises(ValueError, match=r"`n_items` of PlackettLuce must be an integer >= 2. Got 1 instead"):
        PlackettLuce.from_target(np.zeros((4, 1)))
