"""Fit a DeepRegressor, possibly under torchrun; write the validation losses and predictions to JSON.

Run by tests/estimators/test_distributed_fit.py once in-process and once with 2 processes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from deepstat.nn import MLP


def run_fit() -> dict:
    from deepstat import DeepRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 4))
    y = X[:, 0] - np.abs(X[:, 1]) + np.exp(0.3 * X[:, 2]) * rng.normal(size=1000)
    # global batch 100 (50 per process), dropout 0: the two-process fit is the one-process fit
    model = DeepRegressor(network=MLP(hidden_sizes=(16, 16)), batch_size=100, max_epochs=6, lr=3e-3, dtype="float64",
                          random_state=0, verbose=0).fit(X, y)
    return {"val_loss": model.history_.to_frame()["val_loss"].tolist(), "predict": model.predict(X[:20]).tolist()}


if __name__ == "__main__":
    from deepstat.train import init_distributed

    import torch.distributed as dist

    distributed = init_distributed()
    result = {"distributed": distributed, **run_fit()}
    rank = dist.get_rank() if distributed else 0
    Path(sys.argv[1], f"rank{rank}.json").write_text(json.dumps(result))
