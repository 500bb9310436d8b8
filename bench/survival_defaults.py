"""How DeepCoxPH's training defaults were chosen (issue 5, item 8) without looking at the benchmark's test parts.

Every candidate is fitted and scored inside the *training* part of each of bench/survival.py's 5 outer splits
(seeds 0-4): that part is split again, 80/20 stratified by the event (2 inner splits per outer seed, seeds
100 + 10 * seed + k), the candidate is fitted on the inner 80% (with its own early-stopping split when it has
one) and scored on the inner 20% (Harrell's C and the IBS, as bench/survival.py scores the test parts). The
outer test parts are never touched. lifelines' Cox model is scored on the same inner splits as the reference.

Candidates (the network is the issue's protocol: MLP 32-32, ReLU, batch norm, dropout 0.1, full batch):

- ``default``: Adam at 1e-2, patience 20 (deepstat's defaults);
- ``adam 1e-3, patience 50``: torch's usual rate with more patience (the issue saw patience 10 stop too early);
- ``L2 1e-3`` / ``L2 1e-2``: the defaults plus a ridge penalty on the weights;
- ``refit``: the defaults, then a refit on all the rows for the best epoch count (no data held out);
- ``ensemble of 5`` / ``ensemble of 10``: the survival curves of 5 (10) default fits with different seeds,
  averaged (5x, 10x the cost); ``ensemble of 5, adam 1e-3, patience 50``: the same with the slower optimiser.

Usage: ``.venv/bin/python bench/survival_defaults.py [--datasets gbsg2 whas500 flchain] [--inner 2]``.
Results go to stdout and ``bench/results/survival_defaults.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from survival import DATASETS, grid_for, impute, load, one_hot, run_lifelines, scores

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "survival_defaults.json"
CANDIDATES = {
    "default": {},
    "adam 1e-3, patience 50": {"lr": 1e-3, "patience": 50},
    "L2 1e-3": {"penalty": "l2", "alpha": 1e-3},
    "L2 1e-2": {"penalty": "l2", "alpha": 1e-2},
    "refit": {},
    "ensemble of 5": {},
    "ensemble of 10": {},
    "ensemble of 5, adam 1e-3, patience 50": {"lr": 1e-3, "patience": 50},
}


def fit_candidate(name: str, Xtr, ttr, etr, Xte, grid, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Survival curves on ``grid`` and risks of the inner test rows."""
    from deepstat.estimators import DeepCoxPH

    params = {"random_state": seed, "verbose": 0, **CANDIDATES[name]}
    if name.startswith("ensemble of "):
        size = int(name.split()[2].rstrip(","))
        members = [DeepCoxPH(**{**params, "random_state": 100 * seed + j}).fit(Xtr, (ttr, etr)) for j in range(size)]
        surv = np.mean([m.predict_survival_function(Xte, grid).to_numpy() for m in members], axis=0)
        return surv, np.mean([m.predict_risk(Xte) for m in members], axis=0)
    model = DeepCoxPH(**params).fit(Xtr, (ttr, etr))
    if name == "refit":
        epochs = max(model.history_.best_epoch, 1)
        model = DeepCoxPH(**{**params, "early_stopping": False, "max_epochs": epochs}).fit(Xtr, (ttr, etr))
    return model.predict_survival_function(Xte, grid).to_numpy(), model.predict_risk(Xte)


def select(name: str, n_inner: int) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    X, t, e = load(name)
    rows: dict[str, list[tuple[float, float]]] = {c: [] for c in [*CANDIDATES, "lifelines Cox"]}
    for seed in range(5):
        outer_train, _ = train_test_split(np.arange(len(t)), test_size=0.2, stratify=e, random_state=seed)
        for k in range(n_inner):
            inner_train, inner_test = train_test_split(
                outer_train, test_size=0.2, stratify=e[outer_train], random_state=100 + 10 * seed + k
            )
            Xa, Xb = impute(X.iloc[inner_train], X.iloc[inner_test])
            train, test = (t[inner_train], e[inner_train]), (t[inner_test], e[inner_test])
            grid = grid_for(test[0])
            for candidate in CANDIDATES:
                rows[candidate].append(scores(*fit_candidate(candidate, Xa, *train, Xb, grid, seed), grid, test, train))
            Ha, Hb = one_hot(Xa, Xb)
            rows["lifelines Cox"].append(scores(*run_lifelines(Ha, *train, Hb, grid), grid, test, train))
    return {
        c: {"c_mean": float(np.mean([r[0] for r in v])), "ibs_mean": float(np.mean([r[1] for r in v])), "n": len(v)}
        for c, v in rows.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--inner", type=int, default=2, help="inner splits per outer training part")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    results: dict[str, Any] = {}
    for name in args.datasets:
        start = time.perf_counter()
        results[name] = select(name, args.inner)
        results[name]["seconds"] = time.perf_counter() - start
    print(f"{'data':9} {'candidate':40} {'inner C':>8} {'inner IBS':>10}")
    for name, res in results.items():
        for candidate, s in res.items():
            if candidate != "seconds":
                print(f"{name:9} {candidate:40} {s['c_mean']:8.4f} {s['ibs_mean']:10.4f}")
    payload = {
        "benchmark": "survival_defaults",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "torch": torch.__version__,
        "inner_splits_per_outer_seed": args.inner,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
