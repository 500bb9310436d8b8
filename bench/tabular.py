"""Tabular training benchmark: deepstat's DeepRegressor vs skorch vs a plain PyTorch loop.

Issue: "DeepRegressor (Normal family, MLP 2x64 ReLU, Adam, batch 256, 5 epochs) on 200,000 x 20
synthetic rows, against (a) skorch NeuralNetRegressor with the same network, Gaussian NLL, batch
size and epochs, and (b) a plain PyTorch DataLoader/TensorDataset loop, in the same run: seconds
per epoch and peak RSS. Target: at most 0.5x skorch's time per epoch and at most 1.0x the plain
loop."

Every contender
- trains the same network, 20 -> 64 -> ReLU -> 64 -> ReLU -> 2, whose two outputs are the mean and
  (through softplus) the scale of a Normal, on the full Gaussian negative log-likelihood
  0.5 log(2 pi) + log(scale) + 0.5 ((y - mean) / scale)^2, averaged over the batch;
- uses Adam (lr 1e-3), batch size 256, shuffling every epoch, no validation split;
- runs with ``torch.set_num_threads(1)``: deepstat's default (``deepstat.utils.config``; small
  tabular networks run many tiny kernels, where more threads cost more than they give), imposed
  on the other two so that all three do the same work on the same cores;
- runs in its own fresh subprocess, so that ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is
  that contender's peak resident memory (data included: ~16 MiB for 200,000 x 20 float32).

Reported per contender: median seconds per epoch (each epoch timed separately), all epoch times,
whole-fit seconds, peak RSS (MiB) before and after the fit, and the final epoch's mean training
NLL. The table goes to stdout and everything to ``bench/results/tabular.json``.

Usage: ``python bench/tabular.py [--rows 200000] [--features 20] [--epochs 5]
[--contenders deepstat skorch plain]``. A contender that cannot be imported (e.g. deepstat's
estimator before it exists, or skorch not installed) is reported as "unavailable" with the error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "tabular.json"
CONTENDERS = ("deepstat", "skorch", "plain")
MARKER = "BENCH_RESULT "  # prefix of the one stdout line a worker reports on

# Settings fixed by the issue.
HIDDEN = (64, 64)
LR = 1e-3
BATCH_SIZE = 256
THREADS = 1
SEED = 0
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# --------------------------------------------------------------------------- data
def make_data(rows: int, features: int, seed: int = SEED) -> tuple[Any, Any]:
    """Synthetic heteroscedastic regression data, float32.

    x ~ N(0, I_p); y = x @ beta + sin(2 x_0) + sigma(x) * eps with beta_j = 1 / (j + 1),
    sigma(x) = 0.5 exp(0.5 x_1) and eps ~ N(0, 1): the mean and the scale both depend on x.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features), dtype=np.float32)
    beta = (1.0 / np.arange(1, features + 1)).astype(np.float32)
    mean = X @ beta + np.sin(2.0 * X[:, 0])
    sigma = 0.5 * np.exp(0.5 * X[:, 1])
    y = (mean + sigma * rng.standard_normal(rows, dtype=np.float32)).astype(np.float32)
    return X, y


def make_network(features: int) -> Any:
    """The network every contender trains: features -> 64 -> 64 -> 2 (mean, raw scale)."""
    from torch import nn

    layers: list[nn.Module] = []
    width = features
    for size in HIDDEN:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, 2))
    return nn.Sequential(*layers)


def gaussian_nll(eta: Any, y: Any) -> Any:
    """Mean full Gaussian NLL of y (n,) under loc = eta[:, 0], scale = softplus(eta[:, 1])."""
    import torch.nn.functional as F

    loc, scale = eta[:, 0], F.softplus(eta[:, 1])
    return (HALF_LOG_2PI + scale.log() + 0.5 * ((y - loc) / scale) ** 2).mean()


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports ru_maxrss in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


# --------------------------------------------------------------------------- contenders
def run_plain(X: Any, y: Any, epochs: int) -> dict[str, Any]:
    """A plain PyTorch loop over DataLoader(TensorDataset(X, y), batch_size=256, shuffle=True)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(SEED)
    net = make_network(X.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=BATCH_SIZE, shuffle=True)
    times, losses = [], []
    start = time.perf_counter()
    for _ in range(epochs):
        t0 = time.perf_counter()
        total = torch.zeros(())
        for xb, yb in loader:
            opt.zero_grad()
            loss = gaussian_nll(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
        losses.append(total.item() / len(X))
        times.append(time.perf_counter() - t0)
    return {"epoch_seconds": times, "fit_seconds": time.perf_counter() - start, "final_train_nll": losses[-1],
            "timing": "each epoch timed with time.perf_counter"}  # fmt: skip


def run_skorch(X: Any, y: Any, epochs: int) -> dict[str, Any]:
    """skorch's NeuralNetRegressor with the same network, loss, optimizer, batches and epochs."""
    import skorch
    import torch
    from torch import nn

    class GaussianNLL(nn.Module):
        def forward(self, eta: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return gaussian_nll(eta, y[:, 0])  # skorch wants 2-D regression targets

    torch.manual_seed(SEED)
    net = skorch.NeuralNetRegressor(
        make_network(X.shape[1]),
        criterion=GaussianNLL,
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=BATCH_SIZE,
        max_epochs=epochs,
        train_split=None,  # as deepstat's validation_fraction=0.0
        iterator_train__shuffle=True,
        device="cpu",
        verbose=0,
    )
    start = time.perf_counter()
    net.fit(X, y.reshape(-1, 1))
    fit_seconds = time.perf_counter() - start
    return {"epoch_seconds": [float(d) for d in net.history[:, "dur"]], "fit_seconds": fit_seconds,
            "final_train_nll": float(net.history[-1, "train_loss"]), "version": skorch.__version__,
            "timing": "skorch history 'dur' (EpochTimer)"}  # fmt: skip


def run_deepstat(X: Any, y: Any, epochs: int) -> dict[str, Any]:
    """deepstat's DeepRegressor, Normal family (softplus scale), with the issue's settings."""
    sys.path.insert(0, str(ROOT / "src"))  # the checkout's deepstat, installed or not
    import deepstat
    from deepstat.estimators import DeepRegressor
    from deepstat.nn import MLP

    est = DeepRegressor(family="normal", network=MLP(hidden_sizes=HIDDEN, activation="relu"), optimizer="adam", lr=LR,
                        batch_size=BATCH_SIZE, max_epochs=epochs, early_stopping=False, validation_fraction=0.0,
                        standardize=False, random_state=SEED, verbose=0)  # fmt: skip
    start = time.perf_counter()
    est.fit(X, y)
    fit_seconds = time.perf_counter() - start
    out: dict[str, Any] = {"fit_seconds": fit_seconds, "version": deepstat.__version__}
    try:
        frame = est.history_.to_frame()
        out["epoch_seconds"] = [float(t) for t in frame["time"]]
        out["final_train_nll"] = float(frame["train_loss"].iloc[-1])
        out["timing"] = "history_.to_frame()['time']"
    except (AttributeError, KeyError) as err:
        out["epoch_seconds"] = [fit_seconds / epochs] * epochs
        out["final_train_nll"] = float(-est.log_likelihood(X, y))
        out["timing"] = f"whole fit / {epochs} (history_ per-epoch times unavailable: {err!r})"
    return out


RUNNERS = {"deepstat": run_deepstat, "skorch": run_skorch, "plain": run_plain}


def worker(name: str, rows: int, features: int, epochs: int) -> dict[str, Any]:
    """Run one contender in this (fresh) process and return its measurements."""
    import torch

    torch.set_num_threads(THREADS)
    X, y = make_data(rows, features)
    rss_before = peak_rss_mib()
    try:
        result = RUNNERS[name](X, y, epochs)
    except ImportError as err:
        return {"status": "unavailable", "error": f"{type(err).__name__}: {err}"}
    except Exception as err:  # report, do not hide, any failure of a contender
        return {"status": "failed", "error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}
    result.update(status="ok", median_epoch_seconds=statistics.median(result["epoch_seconds"]),
                  peak_rss_mib=peak_rss_mib(), peak_rss_before_fit_mib=rss_before,
                  torch_threads=torch.get_num_threads())  # fmt: skip
    return result


# --------------------------------------------------------------------------- driver
def run_in_subprocess(name: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--rows", str(args.rows),
           "--features", str(args.features), "--epochs", str(args.epochs)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    return {"status": "failed", "error": f"worker exited with code {proc.returncode}", "stderr": proc.stderr[-4000:]}


def environment() -> dict[str, Any]:
    import numpy
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__,
            "platform": platform.platform(), "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "torch_threads": THREADS}  # fmt: skip


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """deepstat's median seconds per epoch over skorch's and the plain loop's, against the targets."""
    out: dict[str, Any] = {}
    ours = results.get("deepstat", {})
    for other, target in [("skorch", 0.5), ("plain", 1.0)]:
        theirs = results.get(other, {})
        if ours.get("status") == "ok" and theirs.get("status") == "ok":
            r = ours["median_epoch_seconds"] / theirs["median_epoch_seconds"]
            out[f"deepstat_over_{other}"] = {"ratio": r, "target": target, "met": r <= target}
    return out


def print_table(results: dict[str, dict[str, Any]], rat: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"tabular benchmark: {args.rows:,} x {args.features} float32, MLP {args.features}-64-64-2, Gaussian NLL, "
          f"Adam lr {LR}, batch {BATCH_SIZE}, {args.epochs} epochs, torch threads {THREADS}")  # fmt: skip
    head = f"{'contender':<10} {'status':<12} {'s/epoch (median)':>17} {'fit s':>8} {'peak RSS MiB':>13} {'final NLL':>10}"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        if r.get("status") == "ok":
            print(f"{name:<10} {'ok':<12} {r['median_epoch_seconds']:>17.3f} {r['fit_seconds']:>8.2f} "
                  f"{r['peak_rss_mib']:>13.1f} {r['final_train_nll']:>10.4f}")  # fmt: skip
        else:
            print(f"{name:<10} {r.get('status', '?'):<12} {r.get('error', '')}")
    for key, value in rat.items():
        verdict = "met" if value["met"] else "NOT met"
        print(f"{key}: {value['ratio']:.2f}x (target <= {value['target']}x): {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file to write (default %(default)s)")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < BATCH_SIZE or args.features < 2 or args.epochs < 1:
        parser.error(f"need --rows >= {BATCH_SIZE}, --features >= 2 and --epochs >= 1; got {args.rows}, "
                     f"{args.features}, {args.epochs}")  # fmt: skip

    if args.worker:
        print(MARKER + json.dumps(worker(args.worker, args.rows, args.features, args.epochs)))
        return 0

    results = {name: run_in_subprocess(name, args) for name in args.contenders}
    rat = ratios(results)
    print_table(results, rat, args)
    report = {
        "benchmark": "tabular",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": {"rows": args.rows, "features": args.features, "epochs": args.epochs, "hidden_sizes": list(HIDDEN),
                     "activation": "relu", "optimizer": "adam", "lr": LR, "batch_size": BATCH_SIZE, "shuffle": True,
                     "loss": "full Gaussian NLL, scale = softplus(eta_2)", "seed": SEED, "torch_threads": THREADS},
        "environment": environment(),
        "contenders": results,
        "ratios": rat,
    }  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
