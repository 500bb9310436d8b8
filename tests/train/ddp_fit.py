"""One small fit, run by test_distributed.py under torchrun (2 processes) and in-process (1).

Usage: python -m torch.distributed.run --standalone --nproc_per_node=2 ddp_fit.py OUT_DIR
Each rank writes OUT_DIR/rank{r}.json with the validation losses and the final weights.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from torch import Tensor, nn

from deepstat.train import TensorBatches, TrainConfig, fit_module, init_distributed, is_main_process
from deepstat.train.distributed import rank

SEED = 1234  # fixed: both runs must see the same data and initial weights


def weighted_squared_error(eta: Tensor, target: Tensor, *, weight: Tensor | None = None, reduction: str = "sum") -> Tensor:
    per_obs = 0.5 * (eta.squeeze(-1) - target) ** 2
    return (per_obs if weight is None else per_obs * weight).sum()


def run_fit() -> dict:
    """Fit an MLP (global batch 64, Adam, 5 epochs, no dropout) on weighted synthetic data."""
    g = torch.Generator().manual_seed(SEED)
    X = torch.randn(291, 5, generator=g, dtype=torch.float64)  # 291 = 4 * 64 + 35: an uneven last batch
    y = torch.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * torch.randn(291, generator=g, dtype=torch.float64)
    w = 0.5 + 1.5 * torch.rand(291, generator=g, dtype=torch.float64)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        net = nn.Sequential(nn.Linear(5, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    cfg = TrainConfig(optimizer="adam", lr=0.01, batch_size=64, max_epochs=5, early_stopping=False, verbose=0,
                      random_state=SEED)  # fmt: skip
    history = fit_module(net, weighted_squared_error, TensorBatches(X[:241], y[:241], w[:241]), cfg,
                         validation=TensorBatches(X[241:], y[241:], w[241:]))  # fmt: skip
    return {
        "val_loss": [r["val_loss"] for r in history.records],
        "train_loss": [r["train_loss"] for r in history.records],
        "weights": torch.cat([p.detach().flatten() for p in net.parameters()]).tolist(),
    }


if __name__ == "__main__":
    out = Path(sys.argv[1])
    launched = init_distributed("gloo")
    result = run_fit()
    result["distributed"] = launched
    result["main"] = is_main_process()
    (out / f"rank{rank()}.json").write_text(json.dumps(result))
