"""Optimisers and schedules by name, and the weight penalties."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from deepstat.train import (
    TensorBatches,
    TrainConfig,
    fit_module,
    make_optimizer,
    make_scheduler,
    penalized_parameters,
    penalty_term,
)

OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_reduces_the_loss(
    name: str, global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=128)
    net = make_mlp(global_random_seed)
    lr = {"lbfgs": 1.0, "adagrad": 0.1, "sgd": 0.05}.get(name, 0.01)  # L-BFGS's line search starts at lr; adagrad's steps shrink
    cfg = TrainConfig(optimizer=name, lr=lr, batch_size=32, max_epochs=8, early_stopping=False, verbose=0,
                      random_state=global_random_seed)  # fmt: skip
    history = fit_module(net, squared_error, TensorBatches(X, y), cfg)
    first, last = history.records[0]["train_loss"], history.records[-1]["train_loss"]
    assert last < 0.5 * first


def test_optimizer_types_and_settings() -> None:
    params = list(nn.Linear(2, 1).parameters())
    cfg = TrainConfig(lr=0.5, momentum=0.8, weight_decay=0.01)
    assert make_optimizer("momentum", params, cfg).param_groups[0]["momentum"] == 0.8
    assert make_optimizer("sgd", params, cfg).param_groups[0]["momentum"] == 0.0
    adamw = make_optimizer("adamw", params, cfg)
    assert isinstance(adamw, torch.optim.AdamW) and adamw.param_groups[0]["weight_decay"] == 0.01
    assert isinstance(make_optimizer("lbfgs", params, cfg), torch.optim.LBFGS)
    with pytest.raises(ValueError, match="`name` of make_optimizer must be one of"):
        make_optimizer("adamax", params, cfg)
    with pytest.raises(ValueError, match="`name` of make_scheduler must be one of"):
        make_scheduler("linear", adamw, cfg)


def test_lbfgs_fits_least_squares_to_closed_form(global_random_seed: int, squared_error, make_regression) -> None:
    X, y = make_regression(global_random_seed, n=200, p=5)
    lin = nn.Linear(5, 1).double()
    cfg = TrainConfig(optimizer="lbfgs", lr=1.0, max_epochs=5, early_stopping=False, verbose=0)
    fit_module(lin, squared_error, TensorBatches(X, y), cfg)
    design = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    closed_form = torch.linalg.lstsq(design, y[:, None]).solution.squeeze(-1)  # normal equations
    fitted = torch.cat([lin.weight.detach().squeeze(0), lin.bias.detach()])
    torch.testing.assert_close(fitted, closed_form, atol=1e-6, rtol=0)  # the 1e-6


def test_sample_weight_two_equals_duplicated_row(global_random_seed: int, squared_error, make_regression) -> None:
    # STYLE 8.3: weight 2 must give the fit of a duplicated row
    X, y = make_regression(global_random_seed, n=60, p=3)
    weight = torch.ones(60, dtype=X.dtype)
    weight[:10] = 2.0
    cfg = TrainConfig(optimizer="lbfgs", lr=1.0, max_epochs=4, early_stopping=False, verbose=0)
    weighted, duplicated = nn.Linear(3, 1).double(), nn.Linear(3, 1).double()
    duplicated.load_state_dict(weighted.state_dict())
    fit_module(weighted, squared_error, TensorBatches(X, y, weight), cfg)
    fit_module(duplicated, squared_error, TensorBatches(torch.cat([X, X[:10]]), torch.cat([y, y[:10]])), cfg)
    torch.testing.assert_close(weighted.weight, duplicated.weight, atol=1e-8, rtol=0)


def test_penalized_parameters_skip_biases_and_norm_layers() -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LayerNorm(4), nn.Linear(4, 2))
    assert [p is q for p, q in zip(penalized_parameters(net), [net[0].weight, net[3].weight])] == [True, True]


def test_penalty_value_elasticnet_form() -> None:
    lin = nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[3.0, -4.0]]))
        lin.bias.fill_(100.0)  # must not count
    # sklearn ElasticNet: alpha * (l1_ratio * |w|_1 + 0.5 * (1 - l1_ratio) * |w|_2^2) = 0.1 * (0.25 * 7 + 0.375 * 25)
    assert penalty_term(lin, "elasticnet", alpha=0.1, l1_ratio=0.25).item() == pytest.approx(0.1 * (0.25 * 7 + 0.375 * 25))
    assert penalty_term(lin, "l1", alpha=0.1, l1_ratio=0.25).item() == pytest.approx(0.7)
    assert penalty_term(lin, "l2", alpha=0.1).item() == pytest.approx(0.1 * 0.5 * 25)
    assert penalty_term(lin, "none", alpha=0.1).item() == 0.0
    with pytest.raises(ValueError, match="`penalty` of penalty_term must be one of"):
        penalty_term(lin, "l3", alpha=0.1)


def test_l2_gradient_is_alpha_w_and_biases_untouched(global_random_seed: int) -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1)).double()
    penalty_term(net, "l2", alpha=0.3).backward()
    torch.testing.assert_close(net[0].weight.grad, 0.3 * net[0].weight.detach())
    torch.testing.assert_close(net[2].weight.grad, 0.3 * net[2].weight.detach())
    assert net[0].bias.grad is None and net[1].weight.grad is None


def test_engine_adds_penalty_to_each_step(global_random_seed: int, make_regression) -> None:
    # with a zero data loss one full-batch SGD step is w <- w - lr * alpha * w, bias unchanged
    X, y = make_regression(global_random_seed, n=20, p=3)
    lin = nn.Linear(3, 1).double()
    before = {k: v.clone() for k, v in lin.state_dict().items()}

    def zero_loss(eta, target, *, weight=None, reduction="sum"):
        return 0.0 * eta.sum()

    cfg = TrainConfig(optimizer="sgd", lr=0.5, batch_size=None, max_epochs=1, penalty="l2", alpha=0.2,
                      early_stopping=False, verbose=0)  # fmt: skip
    fit_module(lin, zero_loss, TensorBatches(X, y), cfg)
    torch.testing.assert_close(lin.weight, before["weight"] * (1 - 0.5 * 0.2))
    assert torch.equal(lin.bias, before["bias"])


def test_l1_penalty_reaches_sklearn_lasso(global_random_seed: int, squared_error, make_regression) -> None:
    from sklearn.linear_model import Lasso

    X, y = make_regression(global_random_seed, n=100, p=5)  # beta = (1, -2, 0.5, 0, 0)
    lin = nn.Linear(5, 1).double()
    cfg = TrainConfig(optimizer="sgd", lr=0.05, batch_size=None, max_epochs=1500, penalty="l1", alpha=0.1,
                      early_stopping=False, verbose=0)  # fmt: skip
    fit_module(lin, squared_error, TensorBatches(X, y), cfg)
    lasso = Lasso(alpha=0.1, tol=1e-10).fit(X.numpy(), y.numpy())
    # subgradient descent hovers within about lr * alpha = 0.005 of the lasso solution
    torch.testing.assert_close(lin.weight.detach().squeeze(0), torch.as_tensor(lasso.coef_), atol=2e-2, rtol=0)
    assert abs(lin.bias.item() - lasso.intercept_) < 2e-2


def _lrs_of_torch(scheduler_factory, n_epochs: int, losses=None) -> list[float]:
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = scheduler_factory(opt)
    lrs = []
    for epoch in range(n_epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(losses[epoch]) if losses is not None else sched.step()
    return lrs


@pytest.mark.parametrize("schedule", ["step", "cosine", "plateau"])
def test_schedule_matches_torch(
    schedule: str, global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=64)
    cfg = TrainConfig(optimizer="sgd", lr=0.1, batch_size=16, max_epochs=7, lr_schedule=schedule, step_size=2,
                      gamma=0.5, early_stopping=False, verbose=0, random_state=global_random_seed)  # fmt: skip
    history = fit_module(make_mlp(global_random_seed), squared_error, TensorBatches(X, y), cfg)
    lrs = [r["lr"] for r in history.records]
    sched = torch.optim.lr_scheduler
    factories = {
        "step": lambda o: sched.StepLR(o, step_size=2, gamma=0.5),
        "cosine": lambda o: sched.CosineAnnealingLR(o, T_max=7),
        "plateau": lambda o: sched.ReduceLROnPlateau(o, factor=0.5, patience=2),
    }
    losses = [r["train_loss"] for r in history.records] if schedule == "plateau" else None
    assert lrs == pytest.approx(_lrs_of_torch(factories[schedule], 7, losses), rel=1e-12)
    if schedule != "plateau":
        assert len(set(lrs)) > 1
