"""Resume: an interrupted and resumed fit ends bitwise equal to an uninterrupted one."""

from __future__ import annotations

import pytest
import torch

from deepstat.train import Callback, TensorBatches, TrainConfig, fit_module, load_checkpoint


class InterruptAfter(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, epoch, record, module) -> None:
        if epoch == self.epoch:
            raise KeyboardInterrupt


@pytest.fixture
def _fit(make_regression, make_mlp, gaussian_nll):
    """fit(init_seed, cfg, callbacks=(), loss=gaussian_nll) -> (module, history) on data seeded by cfg.random_state."""

    def fit(init_seed: int, cfg: TrainConfig, callbacks=(), loss=gaussian_nll):
        X, y = make_regression(cfg.random_state, n=96)
        net = make_mlp(init_seed, out=2, dropout=0.3)  # dropout: the global RNG state must survive
        history = fit_module(net, loss, TensorBatches(X, y), cfg, callbacks=callbacks)
        return net, history

    return fit


@pytest.mark.parametrize(("optimizer", "schedule"), [("adam", "cosine"), ("momentum", "step"), ("rmsprop", "plateau"), ("lbfgs", "step")])
def test_resume_is_bitwise_equal(_fit, tmp_path, optimizer: str, schedule: str, global_random_seed: int) -> None:
    base = dict(optimizer=optimizer, lr=0.01, batch_size=16, max_epochs=8, lr_schedule=schedule, step_size=2,
                gamma=0.5, patience=100, random_state=global_random_seed, verbose=0)  # fmt: skip
    reference, ref_history = _fit(global_random_seed, TrainConfig(**base))

    cfg = TrainConfig(**base, checkpoint_dir=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        _fit(global_random_seed, cfg, callbacks=[InterruptAfter(4)])
    assert load_checkpoint(tmp_path)[1]["epoch"] == 4
    resumed, history = _fit(global_random_seed + 1, TrainConfig(**base, checkpoint_dir=str(tmp_path), resume=True))
    # fresh module initialised with another seed: every weight must come from the checkpoint
    for (name, p), q in zip(reference.named_parameters(), resumed.parameters()):
        assert torch.equal(p, q), name
    assert [r["train_loss"] for r in history.records] == [r["train_loss"] for r in ref_history.records]
    assert [r["lr"] for r in history.records] == [r["lr"] for r in ref_history.records]


def test_plateau_state_survives_resume(_fit, tmp_path, global_random_seed: int) -> None:
    # a loss that never improves makes ReduceLROnPlateau (patience 1) count bad epochs across the interruption
    def flat_loss(eta, target, *, weight=None, reduction="sum"):
        return 0.0 * eta.sum() + target.numel()

    base = dict(optimizer="sgd", lr=0.1, batch_size=32, max_epochs=6, lr_schedule="plateau", step_size=1, gamma=0.5,
                early_stopping=False, random_state=global_random_seed, verbose=0)  # fmt: skip
    _, ref = _fit(global_random_seed, TrainConfig(**base), loss=flat_loss)
    with pytest.raises(KeyboardInterrupt):
        _fit(global_random_seed, TrainConfig(**base, checkpoint_dir=str(tmp_path)), [InterruptAfter(3)], flat_loss)
    meta = load_checkpoint(tmp_path)[1]
    assert meta["scheduler"] is not None
    _, resumed = _fit(global_random_seed, TrainConfig(**base, checkpoint_dir=str(tmp_path), resume=True), loss=flat_loss)
    # torch: patience 1 halves lr after every 2nd bad epoch: 0.1, 0.1, 0.1, 0.05, 0.05, 0.025
    assert [r["lr"] for r in resumed.records] == [r["lr"] for r in ref.records] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025]


def test_resume_after_finished_fit_trains_no_more(_fit, tmp_path, global_random_seed: int) -> None:
    cfg = TrainConfig(lr=0.01, batch_size=32, max_epochs=3, random_state=0, verbose=0, checkpoint_dir=str(tmp_path))
    first, history = _fit(global_random_seed, cfg)
    again, history2 = _fit(global_random_seed + 1, TrainConfig(**{**cfg.to_dict(), "resume": True}))
    assert history2.n_epochs == history.n_epochs == 3
    assert all(torch.equal(p, q) for p, q in zip(first.parameters(), again.parameters()))


def test_resume_without_checkpoint_starts_fresh(_fit, tmp_path, global_random_seed: int) -> None:
    cfg = TrainConfig(lr=0.01, batch_size=32, max_epochs=2, random_state=0, verbose=0)
    a, _ = _fit(global_random_seed, cfg)
    b, _ = _fit(global_random_seed, TrainConfig(**{**cfg.to_dict(), "checkpoint_dir": str(tmp_path), "resume": True}))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_resume_with_other_optimizer_raises(_fit, tmp_path, global_random_seed: int) -> None:
    cfg = TrainConfig(lr=0.01, batch_size=32, max_epochs=1, random_state=0, verbose=0, checkpoint_dir=str(tmp_path))
    _fit(global_random_seed, cfg)
    other = TrainConfig(**{**cfg.to_dict(), "optimizer": "sgd", "resume": True})
    with pytest.raises(ValueError, match=r"`optimizer` of TrainConfig must match the checkpoint being resumed \('adam'\)"):
        _fit(global_random_seed, other)


def test_checkpoint_every_and_files(_fit, tmp_path, global_random_seed: int) -> None:
    import json

    cfg = TrainConfig(lr=0.01, batch_size=32, max_epochs=5, checkpoint_every=2, random_state=0, verbose=0,
                      checkpoint_dir=str(tmp_path))  # fmt: skip
    seen = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, record, module) -> None:
            seen.append(load_checkpoint(tmp_path)[1]["epoch"] if (tmp_path / "checkpoint.json").exists() else None)

    _fit(global_random_seed, cfg, callbacks=[Spy()])
    assert seen == [None, 2, 2, 4, 5]  # every 2nd epoch, and the last one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json", "checkpoint.safetensors"]  # no temp files left
    meta = json.loads((tmp_path / "checkpoint.json").read_text())
    assert meta["epoch"] == 5 and "rng.generator" in meta["tensor_keys"] and "rng.torch" in meta["tensor_keys"]
