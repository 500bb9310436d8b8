"""Links: inverse maps reals into the parameter domain, forward inverts it."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.families import CholeskyLink, IdentityLink, LogitLink, LogLink, SoftplusLink

F64 = torch.float64
REALS = st.floats(min_value=-30, max_value=30, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(eta=REALS)
def test_round_trips(eta: float) -> None:
    x = torch.tensor([eta], dtype=F64)
    for link in (IdentityLink(), LogLink(), SoftplusLink()):
        torch.testing.assert_close(link.forward(link.inverse(x)), x, rtol=1e-9, atol=1e-9)
    # sigmoid(30) = 1 - 9e-14: storing p in float64 keeps ~3 significant digits of 1 - p
    torch.testing.assert_close(LogitLink().forward(LogitLink().inverse(x)), x, rtol=1e-3, atol=1e-9)


def test_reference_values() -> None:
    x = np.array([-40.0, -1.0, 0.0, 2.0, 700.0])
    t = torch.from_numpy(x)
    torch.testing.assert_close(SoftplusLink().inverse(t), torch.from_numpy(np.logaddexp(0, x)))  # log(1 + e^x)
    assert SoftplusLink().forward(torch.tensor([700.0], dtype=F64)).item() == pytest.approx(700.0)  # no overflow
    torch.testing.assert_close(LogitLink().inverse(t), torch.from_numpy(1 / (1 + np.exp(-x))))
    assert [link.name for link in (IdentityLink(), LogLink(), SoftplusLink(), LogitLink(), CholeskyLink(2))] == [
        "identity", "log", "softplus", "logit", "cholesky"
    ]


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(min_value=-50, max_value=50, allow_nan=False, width=32), min_size=6, max_size=6))
def test_cholesky_link_gives_valid_factors(values: list[float]) -> None:
    link = CholeskyLink(3)
    L = link.inverse(torch.tensor([values], dtype=torch.float32))
    assert L.shape == (1, 3, 3)
    assert bool(torch.distributions.constraints.lower_cholesky.check(L).all())
    eta = torch.tensor([values], dtype=F64).clamp(min=-30)  # the softplus inverse needs a representable diagonal
    torch.testing.assert_close(link.forward(link.inverse(eta)), eta, rtol=1e-7, atol=1e-7)


def test_equality() -> None:
    assert CholeskyLink(2) == CholeskyLink(2) and CholeskyLink(2) != CholeskyLink(3) and LogLink() != SoftplusLink()
