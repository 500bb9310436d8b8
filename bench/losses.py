"""Loss benchmark (issue 4 items 2-3): quantile regression and imbalanced classification, 5 random 80/20 splits.

Quantiles (engel, diabetes): statsmodels QuantReg vs deepstat's DeepQuantileRegressor, linear
(network="linear", noncrossing=False, full-batch Adam + cosine schedule: the QuantReg model) and an
MLP (hidden (32,), non-crossing, Adam, early stopping). Reported per method: test mean pinball loss
at tau 0.1 / 0.5 / 0.9 and the empirical coverage of the 80% interval [q0.1, q0.9], mean ± sd over
the splits, and the mean fit seconds. Issue anchors for QuantReg: pinball 19.54/37.14/14.45 (engel),
9.20/22.60/10.39 (diabetes); coverage 0.796 / 0.789.

Imbalance (digits "8 vs rest", 9.7% positives): scikit-learn LogisticRegression (unweighted and
class_weight="balanced") vs DeepClassifier with cross-entropy, focal (gamma 2, alpha 0.75) and
class-balanced (beta 0.999) losses, on the same stratified splits: balanced accuracy of the most
probable class and AUROC. Issue anchors: logistic 0.869 / 0.915 balanced accuracy, AUROC 0.98.

Usage: ``.venv/bin/python bench/losses.py [--splits 5] [--output bench/results/losses.json]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from datetime import date

import numpy as np
import statsmodels.api as sm
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from deepstat.datasets import load
from deepstat.estimators import DeepClassifier, DeepQuantileRegressor
from deepstat.nn import MLP

TAUS = (0.1, 0.5, 0.9)


def pinball(y: np.ndarray, q: np.ndarray, tau: float) -> float:
    e = y - q
    return float(np.mean(np.maximum(tau * e, (tau - 1) * e)))


def quantile_methods(seed: int) -> dict:
    common = dict(quantiles=TAUS, random_state=seed, verbose=0)
    return {
        "deepstat linear": lambda: DeepQuantileRegressor(network="linear", noncrossing=False, optimizer="adam", lr=1e-2,
                                                         batch_size=None, max_epochs=3000, lr_schedule="cosine",
                                                         early_stopping=False, dtype="float64", **common),
        "deepstat MLP (32,)": lambda: DeepQuantileRegressor(network=MLP(hidden_sizes=(32,)), noncrossing=True, lr=1e-2, max_epochs=500,
                                                            patience=30, **common),
    }


def run_quantiles(name: str, n_splits: int) -> dict:
    data = load(name)
    X, y = np.asarray(data.X, float), np.asarray(data.y, float)
    rows: dict[str, list] = {}
    for seed in range(n_splits):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            preds = np.column_stack([sm.QuantReg(ytr, sm.add_constant(Xtr)).fit(q=t).predict(sm.add_constant(Xte, has_constant="add")) for t in TAUS])
        rows.setdefault("statsmodels QuantReg", []).append((preds, time.perf_counter() - t0))
        for method, make in quantile_methods(seed).items():
            t0 = time.perf_counter()
            model = make().fit(Xtr, ytr)
            rows.setdefault(method, []).append((model.predict_quantiles(Xte), time.perf_counter() - t0))
        for method in rows:
            preds, seconds = rows[method][-1]
            rows[method][-1] = {
                "pinball": [pinball(yte, preds[:, j], t) for j, t in enumerate(TAUS)],
                "coverage80": float(np.mean((yte >= preds[:, 0]) & (yte <= preds[:, 2]))),
                "seconds": seconds,
            }
    return rows


def run_digits(n_splits: int) -> dict:
    data = load("digits")
    X, y = np.asarray(data.X, float), (np.asarray(data.y) == 8).astype(int)
    rows: dict[str, list] = {}
    for seed in range(n_splits):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)
        scaler = StandardScaler().fit(Xtr)
        contenders = {
            "logistic": lambda: LogisticRegression(max_iter=5000),
            "logistic balanced": lambda: LogisticRegression(max_iter=5000, class_weight="balanced"),
            "deepstat cross_entropy": lambda: DeepClassifier(random_state=seed, verbose=0),
            "deepstat focal": lambda: DeepClassifier(loss="focal", loss_params={"gamma": 2.0, "alpha": 0.75}, random_state=seed, verbose=0),
            "deepstat class_balanced": lambda: DeepClassifier(loss="class_balanced", loss_params={"beta": 0.999}, random_state=seed, verbose=0),
        }
        for method, make in contenders.items():
            t0 = time.perf_counter()
            model = make()
            if method.startswith("logistic"):
                model.fit(scaler.transform(Xtr), ytr)
                proba = model.predict_proba(scaler.transform(Xte))[:, 1]
            else:
                model.fit(Xtr, ytr)
                proba = model.predict_proba(Xte)[:, 1]
            rows.setdefault(method, []).append({
                "balanced_accuracy": float(balanced_accuracy_score(yte, (proba > 0.5).astype(int))),
                "auroc": float(roc_auc_score(yte, proba)),
                "seconds": time.perf_counter() - t0,
            })
    return rows


def summary(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--output", default="bench/results/losses.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = {"date": date.today().isoformat(), "machine": platform.platform(), "processor": platform.processor(),
               "cpus": __import__("os").cpu_count(), "torch": torch.__version__, "splits": args.splits}
    for name in ("engel", "diabetes"):
        rows = run_quantiles(name, args.splits)
        results[name] = rows
        print(f"\n{name}: test pinball at tau {TAUS}, 80% coverage, fit seconds (mean ± sd over {args.splits} splits)")
        for method, runs in rows.items():
            cells = [summary([r["pinball"][j] for r in runs]) for j in range(3)]
            print(f"  {method:22s} " + " | ".join(cells) + f" | cov {summary([r['coverage80'] for r in runs])}"
                  f" | {np.mean([r['seconds'] for r in runs]):.2f} s")
    rows = run_digits(args.splits)
    results["digits_8_vs_rest"] = rows
    print(f"\ndigits 8 vs rest: balanced accuracy, AUROC, fit seconds (mean ± sd over {args.splits} splits)")
    for method, runs in rows.items():
        print(f"  {method:24s} {summary([r['balanced_accuracy'] for r in runs])} | {summary([r['auroc'] for r in runs])}"
              f" | {np.mean([r['seconds'] for r in runs]):.2f} s")
    with open(args.output, "w") as fh:
        json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
