"""Tests of deepstat.nn.heads: the DistributionalHead acts on the last dimension of any batch."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from deepstat.families import Normal, StudentT
from deepstat.nn import DistributionalHead

# offsets / scales of a 3-parameter family (Student-t: loc, scale, df), one column modelled
OFFSET = [0.5, -1.0, 2.0]
SCALE = [3.0, 1.0, 1.0]


def _head(n_modelled: int, seed: int) -> DistributionalHead:
    torch.manual_seed(seed)
    head = DistributionalHead(nn.Linear(4, n_modelled), n_params=3, n_modelled=n_modelled, offset=OFFSET, scale=SCALE)
    if head.constants is not None:
        with torch.no_grad():
            head.constants.copy_(torch.linspace(-0.3, 0.4, 3 - n_modelled))
    return head.double()


def _formula(head: DistributionalHead, x: torch.Tensor) -> torch.Tensor:
    """eta_j = o_j + s_j g_j(x), written out one entry at a time over a 2-D input (the docstring's equation)."""
    W, b = head.body.weight.detach(), head.body.bias.detach()
    out = torch.empty(x.shape[0], head.n_params, dtype=x.dtype)
    for i in range(x.shape[0]):
        for j in range(head.n_params):
            g = x[i] @ W[j] + b[j] if j < head.n_modelled else head.constants[j - head.n_modelled].detach()
            out[i, j] = head.offset[j] + head.scale[j] * g
    return out


@pytest.mark.parametrize("n_modelled", [1, 2, 3])
def test_head_on_a_3d_body_output_matches_the_flattened_one(n_modelled: int, global_random_seed: int) -> None:
    head = _head(n_modelled, global_random_seed)
    x = torch.randn(4, 5, 4, generator=torch.Generator().manual_seed(global_random_seed), dtype=torch.float64)
    eta = head(x)  # body output (4, 5, n_modelled)
    assert eta.shape == (4, 5, 3)
    flat = head(x.reshape(-1, 4))
    torch.testing.assert_close(eta, flat.reshape(4, 5, 3), rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(flat, _formula(head, x.reshape(-1, 4)), rtol=1e-12, atol=1e-12)


def test_head_output_feeds_a_family_over_the_batch(global_random_seed: int) -> None:
    head = _head(2, global_random_seed)
    x = torch.randn(4, 5, 4, generator=torch.Generator().manual_seed(global_random_seed + 1), dtype=torch.float64)
    family, y = StudentT(), torch.zeros(4, 5, dtype=torch.float64)
    eta = head(x)
    torch.testing.assert_close(family.log_prob(y, eta), family.log_prob(y.reshape(-1), eta.reshape(-1, 3)).reshape(4, 5))
    loss = family.neg_log_likelihood(eta, y)
    loss.backward()  # the constants get gradients through the broadcast
    assert head.constants.grad is not None and bool(torch.isfinite(head.constants.grad).all())


def test_head_keeps_the_2d_behaviour(global_random_seed: int) -> None:
    head = DistributionalHead(nn.Identity(), n_params=2, n_modelled=1, offset=[1.0, 0.5], scale=[2.0, 1.0]).double()
    x = torch.tensor([[0.0], [1.0], [-2.0]], dtype=torch.float64)
    expected = torch.tensor([[1.0, 0.5], [3.0, 0.5], [-3.0, 0.5]], dtype=torch.float64)  # 1 + 2 x, then 0.5 + 0
    torch.testing.assert_close(head(x), expected, rtol=0, atol=0)
    torch.testing.assert_close(Normal().mean(head(x)), expected[:, 0], rtol=0, atol=0)
