"""Pickle-free atomic checkpoints: flatten/unflatten of optimiser states, save and load."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from deepstat.train import load_checkpoint, save_checkpoint
from deepstat.train.checkpoint import flatten_state, module_state, state_tensors, unflatten_state


def _lbfgs_after_steps(net: nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int) -> torch.optim.LBFGS:
    opt = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=3, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((net(X).squeeze(-1) - y) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    opt.closure = closure  # type: ignore[attr-defined]
    return opt


def test_lbfgs_state_round_trips_through_json_and_safetensors(tmp_path, global_random_seed: int) -> None:
    # L-BFGS keeps lists of tensors and Python floats: the hardest optimiser state to flatten
    g = torch.Generator().manual_seed(global_random_seed)
    X, y = torch.randn(30, 3, generator=g, dtype=torch.float64), torch.randn(30, generator=g, dtype=torch.float64)
    a = nn.Linear(3, 1).double()
    b = nn.Linear(3, 1).double()
    opt_a = _lbfgs_after_steps(a, X, y, 1)
    tensors: dict[str, torch.Tensor] = {}
    meta = {"optimizer": flatten_state(opt_a.state_dict(), "optimizer", tensors)}
    tensors.update(state_tensors(a.state_dict(), "module"))
    save_checkpoint(tmp_path, tensors, meta)
    loaded_tensors, loaded_meta = load_checkpoint(tmp_path)
    b.load_state_dict(module_state(loaded_tensors, "module"))
    opt_b = _lbfgs_after_steps(b, X, y, 0)
    opt_b.load_state_dict(unflatten_state(loaded_meta["optimizer"], loaded_tensors))
    opt_a.step(opt_a.closure)
    opt_b.step(opt_b.closure)
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


def test_flatten_keeps_types() -> None:
    store: dict[str, torch.Tensor] = {}
    state = {"state": {0: {"step": torch.tensor(2.0), "buf": [torch.ones(2), 0.5]}}, "betas": (0.9, 0.999), "x": None}
    flat = json.loads(json.dumps(flatten_state(state, "opt", store)))
    back = unflatten_state(flat, store)
    assert list(back["state"]) == [0] and back["betas"] == (0.9, 0.999) and back["x"] is None
    assert torch.equal(back["state"][0]["buf"][0], torch.ones(2)) and back["state"][0]["buf"][1] == 0.5
    with pytest.raises(TypeError, match="`obj` of flatten_state must hold only tensors and JSON scalars. Got object"):
        flatten_state({"bad": object()}, "opt", store)


def test_save_is_atomic_and_load_checks(tmp_path) -> None:
    assert load_checkpoint(tmp_path) is None
    save_checkpoint(tmp_path, {"a": torch.zeros(2)}, {"epoch": 1})
    save_checkpoint(tmp_path, {"a": torch.ones(2)}, {"epoch": 2})  # replaces, leaving no temporary files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json", "checkpoint.safetensors"]
    tensors, meta = load_checkpoint(tmp_path)
    assert meta == {"epoch": 2} == json.loads((tmp_path / "checkpoint.json").read_text())
    assert torch.equal(tensors["a"], torch.ones(2))
    save_file({"a": torch.zeros(1)}, str(tmp_path / "checkpoint.safetensors"))  # a foreign file
    with pytest.raises(ValueError, match="`checkpoint_dir` of TrainConfig must hold a deepstat checkpoint"):
        load_checkpoint(tmp_path)
