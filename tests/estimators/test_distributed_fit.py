"""DeepRegressor under torchrun: 2 processes give the 1-process fit (issue 2, data-parallel training)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed as dist

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


@pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()), reason="torch.distributed with gloo unavailable")
def test_regressor_two_processes_match_one(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(HERE / "ddp_regressor.py"), str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["distributed"] and ranks[1]["distributed"]
    assert ranks[0]["predict"] == ranks[1]["predict"]
    spec = importlib.util.spec_from_file_location("ddp_regressor", HERE / "ddp_regressor.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    single = script.run_fit()
    assert ranks[0]["val_loss"] == pytest.approx(single["val_loss"], rel=1e-5)
    assert ranks[0]["predict"] == pytest.approx(single["predict"], rel=1e-5, abs=1e-8)
