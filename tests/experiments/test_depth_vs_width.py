"""Depth vs width on the seed's sawtooth m^(n) (seed, "Motivation for Deep Learning")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepstat.experiments.depth_vs_width import (
    deep_sawtooth_network,
    run_depth_vs_width,
    sawtooth,
    shallow_sawtooth_network,
)


def test_sawtooth_has_2_to_the_n_minus_1_teeth() -> None:
    n = 5
    x = np.arange(2**n + 1) / 2**n  # the knots j / 2^n
    values = sawtooth(x, n)
    assert values.tolist() == [float(j % 2) for j in range(2**n + 1)]  # 0, 1, 0, ...: 2^(n-1) peaks
    assert sawtooth(np.array([-0.5, 1.5]), n).tolist() == [0.0, 0.0]  # m is 0 outside [0, 1]


@pytest.mark.parametrize("n", [1, 4, 10])
def test_hand_built_networks_are_exact(n: int, global_random_seed: int) -> None:
    x = torch.rand(5000, dtype=torch.float64, generator=torch.Generator().manual_seed(global_random_seed))
    target = torch.from_numpy(sawtooth(x.numpy(), n))
    deep = deep_sawtooth_network(n)
    hidden = [m for m in deep if isinstance(m, torch.nn.Linear)][:-1]
    assert len(hidden) == n and all(m.out_features == 2 for m in hidden)  # depth n, width 2: 3n + 1 nodes
    with torch.no_grad():
        assert (deep(x[:, None]).squeeze(-1) - target).abs().max() < 1e-6  # the tolerance
        assert (shallow_sawtooth_network(n)(x[:, None]).squeeze(-1) - target).abs().max() < 1e-6
    assert shallow_sawtooth_network(n)[0].out_features == 2**n + 1


def test_experiment_claims(tmp_path) -> None:
    res = run_depth_vs_width(n_max=10, n_trained=4, units=(2, 4, 7), max_epochs=300, n_grid=2**12 + 1)
    assert res.claims == {"deep_exact": True, "shallow_exact": True, "narrow_shallow_fails": True}
    exact = res.tables["exact"]
    assert exact["deep_nodes"].tolist() == [3 * n + 1 for n in range(1, 11)]  # the seed's 3n + 1
    assert (exact["deep_sup_error"] < 1e-6).all() and (exact["shallow_sup_error"] < 1e-6).all()
    # fewer than (2^4 - 1) / 2 = 7.5 units cannot get within 1/2 (module docstring's argument)
    assert (res.tables["trained"]["sup_error"] >= 0.5 - 1e-12).all()
    assert len(res.save(tmp_path)) == 3


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`n` of deep_sawtooth_network must be an integer >= 1"):
        deep_sawtooth_network(0)
    with pytest.raises(ValueError, match="`units` of run_depth_vs_width"):
        run_depth_vs_width(units=())
