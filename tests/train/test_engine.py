"""fit_module: batching, seeds, early stopping, clipping, the NaN guard, progress and errors."""

from __future__ import annotations

import logging
import math

import pytest
import torch
from torch import nn

from deepstat.train import Callback, TensorBatches, TrainConfig, TrainingDivergedError, fit_module


class WeightsPerEpoch(Callback):
    """Keeps a copy of the weights at the end of every epoch."""

    def __init__(self) -> None:
        self.states: dict[int, dict[str, torch.Tensor]] = {}

    def on_epoch_end(self, epoch, record, module) -> None:
        self.states[epoch] = {k: v.clone() for k, v in module.state_dict().items()}


def _quiet(**kwargs) -> TrainConfig:
    return TrainConfig(verbose=0, **kwargs)


def test_every_row_once_per_epoch(global_random_seed: int) -> None:
    n = 50
    seen: list[torch.Tensor] = []

    def recording_loss(eta, target, *, weight=None, reduction="sum"):
        seen.append(target.clone())
        return (eta.squeeze(-1) ** 2).sum()

    data = TensorBatches(torch.randn(n, 2, dtype=torch.float64), torch.arange(float(n), dtype=torch.float64))
    cfg = _quiet(optimizer="sgd", lr=1e-3, batch_size=7, max_epochs=3, early_stopping=False, random_state=global_random_seed)
    fit_module(nn.Linear(2, 1).double(), recording_loss, data, cfg)
    per_epoch = [torch.cat(seen[i * 8 : (i + 1) * 8]) for i in range(3)]  # ceil(50 / 7) = 8 batches per epoch
    assert len(seen) == 24 and all(len(b) <= 7 for b in seen)
    for order in per_epoch:
        assert torch.equal(order.sort().values, torch.arange(float(n), dtype=torch.float64))
    assert not torch.equal(per_epoch[0], per_epoch[1])  # reshuffled each epoch


def test_same_seed_same_weights_different_seed_different(
    global_random_seed: int, gaussian_nll, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=120)

    def fit(seed: int) -> nn.Module:
        net = make_mlp(global_random_seed, out=2, dropout=0.2)  # dropout: the global RNG matters too
        cfg = _quiet(optimizer="adam", lr=0.01, batch_size=16, max_epochs=4, random_state=seed)
        fit_module(net, gaussian_nll, TensorBatches(X, y), cfg)
        return net

    a, b, c = fit(global_random_seed), fit(global_random_seed), fit(global_random_seed + 1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_global_rng_is_not_disturbed(global_random_seed: int, squared_error, make_regression, make_mlp) -> None:
    X, y = make_regression(global_random_seed, n=40)
    state = torch.get_rng_state()
    fit_module(make_mlp(0, dropout=0.5), squared_error, TensorBatches(X, y), _quiet(max_epochs=2, random_state=1))
    assert torch.equal(torch.get_rng_state(), state)


def test_early_stopping_restores_best_epoch(global_random_seed: int, squared_error, make_regression, make_mlp) -> None:
    X, y = make_regression(global_random_seed, n=160)
    # validation rows of the same relationship, few and noisy: the fit improves on them, then overfits
    noise = torch.randn(32, generator=torch.Generator().manual_seed(global_random_seed)).reshape(y[:32].shape)
    val = TensorBatches(X[:32], y[:32] + 2.0 * noise)
    keeper = WeightsPerEpoch()
    cfg = _quiet(optimizer="adam", lr=0.05, batch_size=32, max_epochs=60, patience=3, random_state=global_random_seed)
    net = make_mlp(global_random_seed)
    history = fit_module(net, squared_error, TensorBatches(X[32:], y[32:]), cfg, validation=val, callbacks=[keeper])
    assert history.best_epoch >= 1
    assert history.n_epochs == min(history.best_epoch + 3, 60)
    val_losses = [r["val_loss"] for r in history.records]
    assert history.best_loss == min(val_losses) and val_losses.index(min(val_losses)) + 1 == history.best_epoch
    best = keeper.states[history.best_epoch]
    assert all(torch.equal(v, best[k]) for k, v in net.state_dict().items())


def test_a_fit_that_only_gets_worse_keeps_its_starting_weights(
    global_random_seed: int, squared_error, make_regression, make_mlp
) -> None:
    from deepstat.train import NoImprovementWarning

    X, y = make_regression(global_random_seed, n=128)
    # validation data from the opposite relationship: its loss gets worse from the first step on
    val = TensorBatches(X[:32], -y[:32])
    cfg = _quiet(optimizer="adam", lr=0.05, batch_size=32, max_epochs=50, patience=3, random_state=global_random_seed)
    net = make_mlp(global_random_seed)
    start = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.warns(NoImprovementWarning, match=r"No epoch of fit_module improved the validation loss of the starting"):
        history = fit_module(net, squared_error, TensorBatches(X, y), cfg, validation=val)
    assert history.best_epoch == 0 and history.stopped_early and history.n_epochs == 3
    assert history.best_loss < min(r["val_loss"] for r in history.records)
    assert all(torch.equal(v, start[k]) for k, v in net.state_dict().items())


def test_without_early_stopping_keeps_last_weights(
    global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=64)
    keeper = WeightsPerEpoch()
    net = make_mlp(global_random_seed)
    cfg = _quiet(lr=0.01, batch_size=16, max_epochs=4, early_stopping=False, random_state=0)
    history = fit_module(net, squared_error, TensorBatches(X, y), cfg, validation=TensorBatches(X[:8], y[:8]), callbacks=[keeper])
    assert history.n_epochs == 4 and not history.stopped_early
    assert all(not math.isnan(r["val_loss"]) for r in history.records)
    assert all(torch.equal(v, keeper.states[4][k]) for k, v in net.state_dict().items())


def test_validation_split_and_train_loss_monitoring(
    global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=100)
    cfg = _quiet(lr=0.01, batch_size=16, max_epochs=2, validation_fraction=0.2, random_state=0)
    history = fit_module(make_mlp(0), squared_error, TensorBatches(X, y), cfg)
    assert all(math.isfinite(r["val_loss"]) for r in history.records)
    cfg0 = _quiet(lr=0.01, batch_size=16, max_epochs=2, validation_fraction=0.0, random_state=0)
    history0 = fit_module(make_mlp(0), squared_error, TensorBatches(X, y), cfg0)
    assert all(math.isnan(r["val_loss"]) for r in history0.records)
    assert history0.best_loss == min(r["train_loss"] for r in history0.records)


def test_tol_stops_when_train_loss_stalls(global_random_seed: int, squared_error, make_regression) -> None:
    X, y = make_regression(global_random_seed, n=64)
    cfg = _quiet(optimizer="lbfgs", lr=1.0, max_epochs=50, tol=1e-4, patience=2, early_stopping=False)
    history = fit_module(nn.Linear(4, 1).double(), squared_error, TensorBatches(X, y), cfg)
    assert history.stopped_early and history.n_epochs < 10


def test_clipping_bounds_the_step(global_random_seed: int, squared_error, make_regression, make_mlp) -> None:
    X, y = make_regression(global_random_seed, n=32)
    net = make_mlp(global_random_seed)
    before = torch.cat([p.detach().flatten().clone() for p in net.parameters()])
    cfg = _quiet(optimizer="sgd", lr=1.0, batch_size=None, max_epochs=1, clip_grad_norm=0.1, early_stopping=False)
    fit_module(net, lambda eta, t, **kw: 1e6 * squared_error(eta, t, **kw), TensorBatches(X, y), cfg)
    step = torch.cat([p.detach().flatten() for p in net.parameters()]) - before
    # plain SGD: the step is lr * clipped gradient, whose 2-norm is at most clip_grad_norm
    assert step.norm().item() == pytest.approx(0.1, rel=1e-6)


def test_huge_learning_rate_raises_and_restores(
    global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=64)
    net = make_mlp(global_random_seed)
    keeper = WeightsPerEpoch()
    keeper.states[0] = {k: v.clone() for k, v in net.state_dict().items()}  # best before any epoch: the start
    cfg = _quiet(optimizer="sgd", lr=1e10, batch_size=16, max_epochs=20, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+: .*smaller learning rate") as info:
        fit_module(net, squared_error, TensorBatches(X, y), cfg, callbacks=[keeper])
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, ArithmeticError)
    history = info.value.history
    assert history is not None and f"epoch {history.n_epochs + 1}:" in str(info.value)
    best = keeper.states[history.best_epoch]
    assert all(torch.equal(v, best[k]) and torch.isfinite(v).all() for k, v in net.state_dict().items())


def test_inf_loss_names_epoch_and_batch(global_random_seed: int, squared_error, make_regression, make_mlp) -> None:
    X, y = make_regression(global_random_seed, n=40)
    calls = {"n": 0}

    def loss_inf_in_epoch_3(eta, target, *, weight=None, reduction="sum"):
        calls["n"] += 1
        value = squared_error(eta, target)
        return value * math.inf if calls["n"] == 2 * 4 + 2 else value  # 4 batches per epoch: epoch 3, batch 2

    keeper = WeightsPerEpoch()
    net = make_mlp(global_random_seed)
    cfg = _quiet(optimizer="sgd", lr=0.01, batch_size=10, max_epochs=5, early_stopping=False, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch 3: the training loss of batch 2 of 4 was inf.*learning rate") as info:
        fit_module(net, loss_inf_in_epoch_3, TensorBatches(X, y), cfg, callbacks=[keeper])
    best = info.value.history.best_epoch
    assert info.value.history.n_epochs == 2 and best in (1, 2)
    assert all(torch.equal(v, keeper.states[best][k]) and torch.isfinite(v).all() for k, v in net.state_dict().items())


def test_verbose_zero_prints_nothing(
    capsys: pytest.CaptureFixture[str], global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=32)
    fit_module(make_mlp(0), squared_error, TensorBatches(X, y), _quiet(max_epochs=2, random_state=0))
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_verbose_two_logs_each_epoch(
    caplog: pytest.LogCaptureFixture, global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    X, y = make_regression(global_random_seed, n=32)
    with caplog.at_level(logging.INFO, logger="deepstat.train"):
        fit_module(make_mlp(0), squared_error, TensorBatches(X, y), TrainConfig(verbose=2, max_epochs=3, random_state=0))
    assert [r.getMessage().split()[1] for r in caplog.records] == ["1/3", "2/3", "3/3"]


def test_history_frame_columns(global_random_seed: int, squared_error, make_regression, make_mlp) -> None:
    X, y = make_regression(global_random_seed, n=32)
    history = fit_module(make_mlp(0), squared_error, TensorBatches(X, y), _quiet(max_epochs=3, random_state=0))
    frame = history.to_frame()
    assert list(frame.columns) == ["epoch", "train_loss", "val_loss", "lr", "time"]
    assert frame["epoch"].tolist() == [1, 2, 3] and (frame["time"] > 0).all()


def test_argument_errors(squared_error) -> None:
    data = TensorBatches(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(TypeError, match="`module` of fit_module must be a torch.nn.Module. Got str instead"):
        fit_module("net", squared_error, data, TrainConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`train` of fit_module must be a BatchSource"):
        fit_module(nn.Linear(1, 1), squared_error, (torch.zeros(4, 1), torch.zeros(4)), TrainConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`config` of fit_module must be a TrainConfig. Got dict instead"):
        fit_module(nn.Linear(1, 1), squared_error, data, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`callbacks` of fit_module must hold Callback instances"):
        fit_module(nn.Linear(1, 1), squared_error, data, TrainConfig(), callbacks=[print])  # type: ignore[list-item]


def test_all_zero_weight_batch_is_not_a_divergence(squared_error) -> None:
    # rows 0-3 carry zero weight; unshuffled batches of 4 make the first batch weightless
    X = torch.randn(8, 2, dtype=torch.float64)
    w = torch.tensor([0.0] * 4 + [1.0] * 4, dtype=torch.float64)
    cfg = TrainConfig(optimizer="sgd", lr=0.1, batch_size=4, shuffle=False, max_epochs=2, early_stopping=False, verbose=0)
    history = fit_module(nn.Linear(2, 1).double(), squared_error, TensorBatches(X, torch.zeros(8, dtype=torch.float64), w), cfg)
    assert all(math.isfinite(r["train_loss"]) for r in history.records)


@pytest.mark.parametrize("clip", [1.0, None])
def test_nan_gradient_with_finite_loss_raises(clip, global_random_seed: int, squared_error, make_regression, make_mlp) -> None:
    X, y = make_regression(global_random_seed, n=40)
    calls = {"n": 0}

    def loss_nan_gradient_in_epoch_2(eta, target, *, weight=None, reduction="sum"):
        calls["n"] += 1
        value = squared_error(eta, target)
        # 0 * sqrt(0): the value stays finite, its gradient is 0 * inf = NaN
        return value + 0 * torch.sqrt(eta - eta.detach()).sum() if calls["n"] == 4 + 3 else value

    net = make_mlp(global_random_seed)
    cfg = _quiet(optimizer="sgd", lr=0.01, batch_size=10, max_epochs=5, early_stopping=False, clip_grad_norm=clip, random_state=0)
    with pytest.raises(TrainingDivergedError, match="gradient norm of batch 3 of 4 was nan" if clip else "was nan") as info:
        fit_module(net, loss_nan_gradient_in_epoch_2, TensorBatches(X, y), cfg)
    assert info.value.history.n_epochs <= 2
    assert all(torch.isfinite(v).all() for v in net.state_dict().values())


def test_overflowing_weights_without_validation_are_never_kept(
    global_random_seed: int, squared_error, make_regression, make_mlp,
) -> None:
    # no validation data: the monitored (training) loss predates the step, so the weights are scanned before being kept
    X, y = make_regression(global_random_seed, n=64)
    net = make_mlp(global_random_seed)
    cfg = _quiet(optimizer="sgd", lr=1e300, batch_size=None, max_epochs=3, early_stopping=False, random_state=0)
    with pytest.raises(TrainingDivergedError, match="weights became NaN or infinite|was (nan|inf)"):
        fit_module(net, lambda eta, t, **kw: 1e10 * squared_error(eta, t, **kw), TensorBatches(X, y), cfg)
    assert all(torch.isfinite(v).all() for v in net.state_dict().values())


def test_no_improvement_warning_points_at_the_callers_line() -> None:
    import warnings

    import numpy as np

    from deepstat.estimators import DeepRegressor
    from deepstat.train import NoImprovementWarning

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 10)), rng.normal(size=200)  # noise: nothing to learn
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = DeepRegressor(lr=0.05, max_epochs=30, patience=5, random_state=0, verbose=0).fit(X, y)
    found = [w for w in caught if issubclass(w.category, NoImprovementWarning)]
    assert found and found[0].filename == __file__  # the user's line, not the library's
    table = model.summary()["value"]  # the kept (starting) weights' loss, not the best recorded epoch's
    assert table["best epoch"] == 0 and table["best validation loss"] == model.history_.best_loss
    assert model.history_.best_loss < min(r["val_loss"] for r in model.history_.records)


def test_mode_switch_sets_every_submodule_like_module_train(squared_error, make_regression, make_mlp) -> None:
    from torch import nn

    from deepstat.train.engine import _Trainer

    X, y = make_regression(0, n=32)
    net = make_mlp(0, dropout=0.5)
    cfg = _quiet(max_epochs=1)
    trainer = _Trainer(net, squared_error, TensorBatches(X, y), None, cfg, torch.Generator().manual_seed(0), 0)
    assert trainer._modes is not None  # plain torch modules: flags are set directly
    for mode in (False, True, False):
        trainer._set_training(mode)
        assert all(m.training is mode for m in net.modules())

    class Custom(nn.Sequential):  # a module with its own train(): the engine calls it
        calls = 0

        def train(self, mode: bool = True):
            Custom.calls += 1
            return super().train(mode)

    custom = Custom(nn.Linear(X.shape[1], 1))
    trainer = _Trainer(custom, squared_error, TensorBatches(X, y), None, cfg, torch.Generator().manual_seed(0), 0)
    assert trainer._modes is None
    trainer._set_training(False)
    assert Custom.calls == 1 and not custom.training and not custom[0].training


class _Theta(nn.Module):
    """One positive parameter theta, output for every row (the objective's domain is theta > 0)."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.tensor([start], dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.theta.expand(x.shape[0], 1)


@pytest.mark.parametrize(("start", "rate"), [(3.0, 1.0), (0.1, 100.0), (1000.0, 100.0)])
def test_lbfgs_backs_off_trial_steps_outside_the_domain(start: float, rate: float) -> None:
    """f(theta) = -log(theta) + rate * theta, minimum 1 / rate (closed form); NaN for theta <= 0.

    L-BFGS's secant steps overshoot into theta < 0 from these starts; torch's strong-Wolfe search then
    interpolated with the NaN and the fit diverged (TrainingDivergedError). Now a trial point outside the
    domain makes the search back off, and the fit reaches the minimum.
    """
    evaluations = {"outside": 0}

    def loss(eta, y, *, weight=None, reduction="sum"):
        value = (-torch.log(eta[:, 0]) + eta[:, 0] * y).sum()
        evaluations["outside"] += int(not torch.isfinite(value))
        return value

    module = _Theta(start)
    X, y = torch.zeros(4, 1, dtype=torch.float64), torch.full((4,), rate, dtype=torch.float64)
    cfg = TrainConfig(optimizer="lbfgs", lr=1.0, max_epochs=20, early_stopping=False, verbose=0, grad_tol=1e-10)
    fit_module(module, loss, TensorBatches(X, y), cfg)
    assert evaluations["outside"] > 0  # the case is exercised
    assert module.theta.item() == pytest.approx(1 / rate, rel=1e-8)
