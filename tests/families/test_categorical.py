"""Categorical family against scipy.stats.multinomial(n=1) at one-hot labels."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from deepstat.families import Categorical

F64 = torch.float64


def test_log_prob_matches_scipy(global_random_seed: int) -> None:
    family = Categorical(n_classes=4)
    eta = 3 * torch.randn(8, 4, generator=torch.Generator().manual_seed(global_random_seed), dtype=F64)
    y = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0], dtype=F64)  # every label incl. both ends
    probs = scipy.special.softmax(eta.numpy(), axis=1)
    onehot = np.eye(4)[y.long().numpy()]
    expected = [float(scipy.stats.multinomial(n=1, p=p).logpmf(x)) for p, x in zip(probs, onehot)]
    torch.testing.assert_close(family.log_prob(y, eta), torch.tensor(expected, dtype=F64), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.split(eta)["probs"], torch.from_numpy(probs))


def test_ordered_label_summaries_match_a_discrete_distribution() -> None:
    family = Categorical(n_classes=3)
    eta = torch.log(torch.tensor([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]], dtype=F64))
    ref = [scipy.stats.rv_discrete(values=([0, 1, 2], p)) for p in ([0.2, 0.5, 0.3], [0.9, 0.05, 0.05])]
    torch.testing.assert_close(family.mean(eta), torch.tensor([r.mean() for r in ref], dtype=F64))
    torch.testing.assert_close(family.variance(eta), torch.tensor([r.var() for r in ref], dtype=F64))
    y = torch.tensor([1.0, 0.0], dtype=F64)
    torch.testing.assert_close(family.cdf(y, eta), torch.tensor([0.7, 0.9], dtype=F64))
    q = [0.1, 0.5, 0.95]
    expected = torch.tensor([[r.ppf(level) for level in q] for r in ref], dtype=F64)
    torch.testing.assert_close(family.quantile(eta, q), expected, rtol=0, atol=0)
    assert family.mode(eta).tolist() == [1, 0]


def test_init_eta_is_log_frequencies() -> None:
    y = torch.tensor([0.0, 1.0, 1.0, 2.0], dtype=F64)
    torch.testing.assert_close(Categorical(3).init_eta(y), torch.log(torch.tensor([0.25, 0.5, 0.25], dtype=F64)))
    # a class never observed gets half an observation so its logit stays finite
    assert bool(torch.isfinite(Categorical(4).init_eta(y)).all())


def test_check_target_message() -> None:
    with pytest.raises(ValueError, match=r"`y` of Categorical must lie in the support integer labels \{0, 1, \.\.\., 2\}\. Got 2 value\(s\) outside it: \[3\.0, 1\.5\] instead\. Encode"):
        Categorical(3).check_target(np.array([0, 3, 1.5, 2]))


@pytest.mark.parametrize(("value", "error"), [(1, ValueError), ("3", TypeError)])
def test_invalid_n_classes(value: object, error: type) -> None:
    with pytest.raises(error, match="`n_classes` of Categorical must be an integer >= 2"):
        Categorical(value)  # type: ignore[arg-type]


# ------------------------------------------------------------------ from_target
@pytest.mark.parametrize(
    ("y", "n_classes"),
    [
        (np.array([0.0, 2.0, 1.0, 2.0]), 3),  # k - 1 = largest label
        (np.array([1.0, 1.0, 0.0]), 2),
        (np.array([0.0, 0.0]), 2),  # one class seen: still at least two classes
        (np.array([[0.0], [3.0], [1.0], [2.0]]), 4),  # an (n, 1) column
        (torch.tensor([[0.0, 4.0, 1.0], [2.0, 3.0, 0.0]]), 5),  # a (2, 3) batch of labels
    ],
)
def test_from_target_reads_the_number_of_classes(y, n_classes: int) -> None:
    assert Categorical.from_target(y) == Categorical(n_classes=n_classes)


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (np.array([0.0, 1.0, 0.5]), r"`y` of DeepRegressor must hold integer labels 0, 1, ... for family 'categorical'. Got \[0(\.0)?, 0\.5, 1(\.0)?\] instead"),
        (np.array([0.0, -1.0, 1.0]), r"`y` of DeepRegressor must hold integer labels 0, 1, \.\.\. for family 'categorical'. Got \[-1"),
        (np.array([0.0, 1.0, np.nan]), r"`y` of DeepRegressor must hold integer labels"),
        (np.array([0.0, 1.0, 1e7]), r"`y` of DeepRegressor has label 10000000, more classes than rows \(3\). Pass family=deepstat.families.Categorical\(n_classes=k\)"),
    ],
)
def test_from_target_names_bad_labels(labels: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Categorical.from_target(labels, caller="DeepRegressor")


def test_from_target_default_caller_and_type_error() -> None:
    with pytest.raises(ValueError, match=r"`y` of Categorical.from_target must hold integer labels"):
        Categorical.from_target(np.array([0.5]))
    with pytest.raises(TypeError, match=r"`y` of Categorical.from_target must be numeric labels. Got list instead"):
        Categorical.from_target(["a", "b"])
