"""Conformal acceptance benchmark (issue 4, item 4): CQR on engel and diabetes, conformal sets on digits.

Issue: "on engel and diabetes, over 20 random splits, CQR's empirical coverage at 80% and 90% lies
within 0.03 of nominal on average (anchor: MAPIE CQR 0.804 on engel, 0.811 on diabetes at 80%).
Conformal classification sets reach their nominal coverage on digits."

Protocol, for each of ``--splits`` seeds s = 0, 1, ...:

- an 80/20 train/test split (``train_test_split(random_state=s)``); the training part is split
  again 75/25 into a proper training set and a calibration set (seeded by s);
- regression (engel, diabetes): the quantile model is fitted once on the proper training set and
  calibrated (prefit ``ConformalQuantileRegressor.calibrate``) at alpha = 0.2 and 0.1:
  ``DeepQuantileRegressor(quantiles=(alpha/2, 0.5, 1 - alpha/2))``, one per level ("cqr-dqr"; with
  four levels in one network the non-crossing increments between 0.05 and 0.1 collapsed to zero
  on engel, so each level gets its own fit), and the predictive
  quantiles of a ``DeepRegressor`` with the data set's family ("cqr-dr"); the same DeepRegressor
  also gives split conformal with absolute and scaled residuals, and its uncalibrated central
  interval ("raw-dr") for reference;
- classification (digits): a ``DeepClassifier`` fitted on the proper training set, sets by LAC,
  APS (non-randomised) and randomised APS at alpha = 0.1 and 0.05.

Reported per data set, method and level: test coverage mean ± sd over the splits, the
finite-sample mean coverage k/(n+1), k = ceil((n+1)(1-alpha)), that split conformal attains with n
calibration points (above 1 - alpha for small n: 0.8125 for engel's 47 points at 80%), mean interval
width (mean set size for classification), and the mean fit time of the base model. The table
goes to stdout and everything to ``bench/results/conformal.json``.

Usage: ``.venv/bin/python bench/conformal.py [--splits 20] [--datasets engel diabetes digits]``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from deepstat import datasets
from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.inference import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    SplitConformalRegressor,
)
from deepstat.metrics import interval_coverage, mean_interval_width
from deepstat.nn import MLP

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "conformal.json"
ALPHAS_REG = (0.2, 0.1)
ALPHAS_CLF = (0.1, 0.05)
NET = {"network": MLP(hidden_sizes=(32, 32)), "max_epochs": 300, "patience": 20, "verbose": 0}

try:  # issue 4 item 2; falls back to DeepRegressor's predictive quantiles only
    from deepstat.estimators import DeepQuantileRegressor
except ImportError:  # pragma: no cover
    DeepQuantileRegressor = None


def _splits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.arange(n)
    train, test = train_test_split(idx, test_size=0.2, random_state=seed)
    proper, cal = train_test_split(train, test_size=0.25, random_state=seed)
    return proper, cal, test


def _timed_fit(model: Any, X: Any, y: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start


def run_regression(name: str, n_splits: int) -> dict[str, Any]:
    data = datasets.load(name)
    X, y = data.X, np.asarray(data.y, dtype=np.float64)
    rows: dict[str, dict[float, dict[str, list[float]]]] = {}
    fit_times: dict[str, list[float]] = {"dqr": [], "dr": []}

    def record(method: str, alpha: float, band: np.ndarray, y_test: np.ndarray) -> None:
        entry = rows.setdefault(method, {}).setdefault(alpha, {"coverage": [], "width": [], "n_cal": []})
        entry["n_cal"].append(len(cal))
        entry["coverage"].append(interval_coverage(y_test, band[:, 0], band[:, 1]))
        entry["width"].append(mean_interval_width(band[:, 0], band[:, 1]))

    for s in range(n_splits):
        proper, cal, test = _splits(len(y), s)
        X_tr, X_cal, X_te = X.iloc[proper], X.iloc[cal], X.iloc[test]
        y_tr, y_cal, y_te = y[proper], y[cal], y[test]
        dr, t = _timed_fit(DeepRegressor(family=data.family, random_state=s, **NET), X_tr, y_tr)
        fit_times["dr"].append(t)
        for alpha in ALPHAS_REG:
            if DeepQuantileRegressor is not None:
                levels = (alpha / 2, 0.5, 1 - alpha / 2)
                dqr, t = _timed_fit(DeepQuantileRegressor(quantiles=levels, random_state=s, **NET), X_tr, y_tr)
                fit_times["dqr"].append(t)
                record("cqr-dqr", alpha, ConformalQuantileRegressor(dqr, alpha=alpha).calibrate(X_cal, y_cal).predict_interval(X_te), y_te)
                record("raw-dqr", alpha, dqr.predict_interval(X_te, alpha), y_te)
            record("cqr-dr", alpha, ConformalQuantileRegressor(dr, alpha=alpha).calibrate(X_cal, y_cal).predict_interval(X_te), y_te)
            for score in ("absolute", "scaled"):
                cp = SplitConformalRegressor(dr, score=score).calibrate(X_cal, y_cal)
                record(f"split-{score}-dr", alpha, cp.predict_interval(X_te, alpha), y_te)
            record("raw-dr", alpha, dr.predict_interval(X_te, alpha), y_te)
        print(f"  {name} split {s + 1}/{n_splits} done", file=sys.stderr, flush=True)
    return _summarise(name, rows, fit_times, n_splits, "width")


def run_classification(name: str, n_splits: int) -> dict[str, Any]:
    data = datasets.load(name)
    X, y = data.X, np.asarray(data.y)
    rows: dict[str, dict[float, dict[str, list[float]]]] = {}
    fit_times: dict[str, list[float]] = {"dc": []}
    methods = {"lac": {"method": "lac"}, "aps": {"method": "aps"}, "aps-randomized": {"method": "aps", "randomized": True}}
    for s in range(n_splits):
        proper, cal, test = _splits(len(y), s)
        clf, t = _timed_fit(DeepClassifier(network=MLP(hidden_sizes=(64,)), max_epochs=200, patience=10, random_state=s, verbose=0), X.iloc[proper], y[proper])
        fit_times["dc"].append(t)
        for label, kwargs in methods.items():
            cc = ConformalClassifier(clf, random_state=s, **kwargs).calibrate(X.iloc[cal], y[cal])
            codes = np.searchsorted(cc.classes_, y[test])
            for alpha in ALPHAS_CLF:
                sets = cc.predict_set(X.iloc[test], alpha)
                entry = rows.setdefault(label, {}).setdefault(alpha, {"coverage": [], "set_size": [], "n_cal": []})
                entry["n_cal"].append(len(cal))
                entry["coverage"].append(float(np.mean(sets[np.arange(len(test)), codes])))
                entry["set_size"].append(float(sets.sum(axis=1).mean()))
        print(f"  {name} split {s + 1}/{n_splits} done", file=sys.stderr, flush=True)
    return _summarise(name, rows, fit_times, n_splits, "set_size")


def _summarise(name: str, rows: dict, fit_times: dict, n_splits: int, size_key: str) -> dict[str, Any]:
    out = {"dataset": name, "n_splits": n_splits, "fit_seconds": {}, "results": []}
    for model, times in fit_times.items():
        if times:
            out["fit_seconds"][model] = {"mean": statistics.mean(times), "sd": statistics.stdev(times) if len(times) > 1 else 0.0}
    for method, by_alpha in rows.items():
        for alpha, vals in by_alpha.items():
            cov = vals["coverage"]
            # finite-sample mean coverage of split conformal with continuous scores: k / (n + 1)
            expected = statistics.mean(math.ceil((n + 1) * (1 - alpha) - 1e-9) / (n + 1) for n in vals["n_cal"])
            out["results"].append({
                "n_calibration": statistics.mean(vals["n_cal"]),
                "conformal_expected_coverage": expected,
                "coverage_se": (statistics.stdev(cov) / math.sqrt(len(cov))) if len(cov) > 1 else 0.0,
                "method": method,
                "alpha": alpha,
                "nominal": 1 - alpha,
                "coverage_mean": statistics.mean(cov),
                "coverage_sd": statistics.stdev(cov) if len(cov) > 1 else 0.0,
                f"{size_key}_mean": statistics.mean(vals[size_key]),
                "coverage_per_split": cov,
            })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--datasets", nargs="+", default=["engel", "diabetes", "digits"])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    reports = []
    for name in args.datasets:
        runner = run_classification if datasets.load(name).task == "classification" else run_regression
        reports.append(runner(name, args.splits))
    total = time.perf_counter() - started

    print(f"\nConformal benchmark, {args.splits} splits (80/20 test; calibration = 25% of the training part)")
    print(f"{'dataset':9} {'method':20} {'nominal':>7} {'k/(n+1)':>7} {'coverage (mean ± sd)':>22} {'width / set size':>17}")
    for rep in reports:
        for r in rep["results"]:
            size = r.get("width_mean", r.get("set_size_mean"))
            flag = ""
            if r["method"].startswith("cqr"):
                flag = "  ok" if abs(r["coverage_mean"] - r["nominal"]) <= 0.03 else "  MISS (>0.03)"
            elif rep["dataset"] == "digits":
                flag = "  ok" if r["coverage_mean"] >= r["nominal"] - 0.01 else "  below nominal"
            print(f"{rep['dataset']:9} {r['method']:20} {r['nominal']:7.2f} {r['conformal_expected_coverage']:7.3f} "
                  f"{r['coverage_mean']:12.3f} ± {r['coverage_sd']:.3f}  {size:15.3f}{flag}")
        for model, t in rep["fit_seconds"].items():
            print(f"{rep['dataset']:9} fit time {model:11} {t['mean']:.2f} ± {t['sd']:.2f} s")
    print(f"total {total:.1f} s")
    payload = {
        "command": " ".join([".venv/bin/python", "bench/conformal.py", *sys.argv[1:]]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "python": platform.python_version(),
                    "torch": torch.__version__, "torch_threads": 1},
        "quantile_model": "DeepQuantileRegressor" if DeepQuantileRegressor is not None else "DeepRegressor predictive quantiles",
        "network": {**NET, "network": NET["network"].to_config()},
        "total_seconds": total,
        "datasets": reports,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
