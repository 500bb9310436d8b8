"""The engine's objective hook and ``Batch.select`` (issue 10, item 4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepstat.families import Normal
from deepstat.train import Batch, TensorBatches, TrainConfig, default_objective, fit_module, take


def _nll(eta, y, *, weight=None, reduction="sum"):
    return Normal().neg_log_likelihood(eta, y, weight=weight, reduction=reduction)


class _Padded:
    """Sequences of one feature, padded to T steps: the module sees all steps, the loss only the valid ones."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> None:
        self.x, self.y, self.lengths = x, y, lengths

    def __len__(self) -> int:
        return self.x.shape[0]

    def take(self, index: torch.Tensor) -> Batch:
        x, y, lengths = self.x[index], self.y[index], self.lengths[index]
        valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]  # (b, T) mask of the scored steps
        return Batch(x, y[valid], select=valid)


def _config(**kw):
    return TrainConfig(**{"optimizer": "lbfgs", "lr": 1.0, "max_epochs": 20, "early_stopping": False, "verbose": 0, "random_state": 0, **kw})


def test_select_scores_only_the_valid_steps() -> None:
    """A per-step Normal on padded sequences equals the same model fitted on the valid steps alone."""
    g = torch.Generator().manual_seed(0)
    n, T = 40, 6
    x = torch.randn(n, T, 1, generator=g, dtype=torch.float64)
    lengths = torch.randint(1, T + 1, (n,), generator=g)
    y = 2.0 * x[..., 0] + 0.5 + 0.3 * torch.randn(n, T, generator=g, dtype=torch.float64)
    valid = torch.arange(T)[None, :] < lengths[:, None]
    y_padded = torch.where(valid, y, torch.full_like(y, 1e6))  # garbage in the padding must not matter
    torch.manual_seed(0)
    per_step = torch.nn.Linear(1, 2).double()
    flat = torch.nn.Linear(1, 2).double()
    flat.load_state_dict(per_step.state_dict())
    h1 = fit_module(per_step, _nll, _Padded(x, y_padded, lengths), _config())
    h2 = fit_module(flat, _nll, TensorBatches(x[valid], y[valid]), _config())
    for a, b in zip(per_step.parameters(), flat.parameters()):
        torch.testing.assert_close(a, b)
    np.testing.assert_allclose(h1.to_frame()["train_loss"], h2.to_frame()["train_loss"], rtol=1e-10)


def test_the_default_objective_is_the_engine_s_own_path() -> None:
    g = torch.Generator().manual_seed(1)
    X = torch.randn(120, 3, generator=g)
    y = X[:, 0] - X[:, 1] + 0.5 * torch.randn(120, generator=g)
    w = torch.rand(120, generator=g) + 0.5
    runs = []
    for objective in (None, default_objective(_nll)):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
        cfg = TrainConfig(optimizer="adam", lr=1e-2, batch_size=32, max_epochs=5, validation_fraction=0.25, verbose=0, random_state=0)
        history = fit_module(net, _nll, TensorBatches(X, y, w), cfg, objective=objective)
        runs.append((history.to_frame(), [p.detach().clone() for p in net.parameters()]))
    np.testing.assert_allclose(runs[0][0]["train_loss"], runs[1][0]["train_loss"], rtol=1e-6)
    np.testing.assert_allclose(runs[0][0]["val_loss"], runs[1][0]["val_loss"], rtol=1e-6)
    for a, b in zip(runs[0][1], runs[1][1]):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_a_custom_objective_is_minimised_with_its_own_weight() -> None:
    """An objective that is not "loss of the output": a denoising-style target made inside the objective."""
    g = torch.Generator().manual_seed(2)
    X = torch.randn(200, 2, generator=g, dtype=torch.float64)

    def reconstruct(module, batch):
        noise = 0.1 * torch.randn(batch.inputs.shape, dtype=batch.inputs.dtype)
        err = ((module(batch.inputs + noise) - batch.inputs) ** 2).sum()
        return err, torch.tensor(float(batch.inputs.numel()), dtype=err.dtype)  # a mean per coordinate

    net = torch.nn.Linear(2, 2).double()
    history = fit_module(net, None, TensorBatches(X, torch.zeros(200)), _config(optimizer="adam", lr=0.05, max_epochs=60), objective=reconstruct)
    frame = history.to_frame()
    assert frame["train_loss"].iloc[-1] < 0.2 * frame["train_loss"].iloc[0]
    torch.testing.assert_close(net.weight, torch.eye(2, dtype=torch.float64), atol=0.1, rtol=0)


def test_objective_must_be_callable() -> None:
    with pytest.raises(TypeError, match=r"`objective` of fit_module must be callable \(module, batch\) -> \(loss_sum, weight_sum\)"):
        fit_module(torch.nn.Linear(1, 1), None, TensorBatches(torch.zeros(4, 1), torch.zeros(4)), _config(), objective=3)
    with pytest.raises(TypeError, match=r"`loss` of fit_module must be callable"):
        fit_module(torch.nn.Linear(1, 1), None, TensorBatches(torch.zeros(4, 1), torch.zeros(4)), _config())


def test_take_is_recursive_and_keeps_structured_targets() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Target:
        time: torch.Tensor
        event: torch.Tensor
        start: torch.Tensor | None = None

    target = Target(torch.tensor([3.0, 1.0, 2.0]), torch.tensor([1, 0, 1]))
    got = take({"t": target, "x": (torch.eye(3),)}, torch.tensor([2, 0]))
    assert isinstance(got["t"], Target) and got["t"].start is None
    assert got["t"].time.tolist() == [2.0, 3.0] and got["x"][0].tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    source = TensorBatches(torch.zeros(3, 2), target)
    assert len(source) == 3 and source.take(torch.tensor([1])).target.event.tolist() == [0]
