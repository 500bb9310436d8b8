"""Do deepstat's defaults lose to the classical model? (issue 11, item 5)

On six real data sets, a model built with every setting at its default (``DeepRegressor(family=...)``,
``DeepClassifier()``, ``DeepCoxPH()``, ``DeepQuantileRegressor(quantiles=...)``) is fitted next to the
classical model of the same family on the same cross-validation splits, and both are scored on the
held-out folds:

============== =================== ===================== ====================================
data set        deep default        classical             score (lower is better)
============== =================== ===================== ====================================
diabetes        Normal              OLS (GLMBaseline)     mean negative log-likelihood
randhie         NB2                 NB2 GLM (statsmodels) mean negative log-likelihood
breast_cancer   Bernoulli           logistic GLM          mean log-loss
rossi           Cox PH              lifelines CoxPH       test-fold Cox partial NLL per event (Efron)
whas500         Cox PH              lifelines CoxPH       test-fold Cox partial NLL per event (Efron)
engel           quantiles .1/.5/.9  statsmodels QuantReg  mean pinball loss over the three levels
============== =================== ===================== ====================================

The splits are ``KFold(5, shuffle=True)`` (stratified by the event for the Cox models) for each seed in
``--seeds``; the seeds are not fixed by the issue and the defaults were not tuned on them.

The paired standard error of the mean difference (deep - classical) is taken per observation for the
per-observation scores (NLL, log-loss, pinball: every row is a test row once per seed; the mean over seeds of
``sd(d) / sqrt(n)``, divided by sqrt(number of seeds)), and per split for the Cox partial likelihood (which is not
a sum over observations): ``sd(d_split) / sqrt(n_splits)`` (CV splits overlap in training rows, so both are the
usual approximations). Acceptance: ``mean(d) <= 1 se`` on every data set, and ``mean(d) < 0`` on at least three,
where a difference within 1e-6 of the classical score (relative) is a tie, not "better": the default deep
model keeps the classical fit itself when its network does not beat it on the validation rows.

Usage: ``.venv/bin/python bench/defaults.py [--datasets diabetes randhie ...] [--seeds 11 12]``.
Results go to stdout and ``bench/results/defaults.json``.
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
import pandas as pd
import torch
from sklearn.model_selection import KFold, StratifiedKFold

import deepstat
from deepstat import DeepClassifier, DeepCoxPH, DeepQuantileRegressor, DeepRegressor
from deepstat.baselines import CoxPHBaseline, GLMBaseline
from deepstat.datasets import load
from deepstat.losses.survival_cox import cox_partial_nll

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "defaults.json"
LEVELS = (0.1, 0.5, 0.9)
DATASETS = ("diabetes", "randhie", "breast_cancer", "rossi", "whas500", "engel")


def _pinball(y: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Mean pinball loss over the levels, per row: q has shape (n, len(LEVELS))."""
    u = y[:, None] - q
    tau = np.asarray(LEVELS)[None, :]
    return np.mean(np.maximum(tau * u, (tau - 1) * u), axis=1)


def _quantreg(X_tr: pd.DataFrame, y_tr: np.ndarray, X_te: pd.DataFrame) -> np.ndarray:
    import statsmodels.api as sm

    A_tr, A_te = sm.add_constant(X_tr.to_numpy(float)), sm.add_constant(X_te.to_numpy(float), has_constant="add")
    return np.column_stack([A_te @ sm.QuantReg(y_tr, A_tr).fit(q=tau).params for tau in LEVELS])


def _cox_nll(model: Any, X: pd.DataFrame, y: pd.DataFrame) -> float:
    risk = torch.as_tensor(np.asarray(model.predict_risk(X), dtype=float))
    time_, event = (torch.as_tensor(y[c].to_numpy(float)) for c in y.columns[:2])
    return float(cox_partial_nll(risk, time_, event, ties="efron", reduction="mean"))


def _split(name: str, X: pd.DataFrame, y: Any, seed: int):
    if name in ("rossi", "whas500"):
        return StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y.iloc[:, 1])
    if name == "breast_cancer":
        return StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)
    return KFold(5, shuffle=True, random_state=seed).split(X)


def _fold(name: str, family: str | None, X_tr, y_tr, X_te, y_te, seed: int) -> tuple[Any, Any]:
    """(deep, classical) test scores of one split: per-row arrays, or one float each for Cox."""
    if name in ("rossi", "whas500"):
        deep = DeepCoxPH(verbose=0, random_state=seed).fit(X_tr, y_tr)
        cox = CoxPHBaseline().fit(X_tr, y_tr)
        return _cox_nll(deep, X_te, y_te), _cox_nll(cox, X_te, y_te)
    if name == "engel":
        deep = DeepQuantileRegressor(quantiles=LEVELS, verbose=0, random_state=seed).fit(X_tr, y_tr)
        return _pinball(y_te, deep.predict_quantiles(X_te)), _pinball(y_te, _quantreg(X_tr, y_tr, X_te))
    if family == "bernoulli":
        deep = DeepClassifier(verbose=0, random_state=seed).fit(X_tr, y_tr)
        glm = GLMBaseline(family="bernoulli").fit(X_tr, y_tr)
        p_deep, p_glm = deep.predict_proba(X_te)[:, 1], glm.predict_distribution(X_te).probs.numpy()
        eps = 1e-15
        loss = lambda p: -(y_te * np.log(np.clip(p, eps, 1)) + (1 - y_te) * np.log(np.clip(1 - p, eps, 1)))  # noqa: E731
        return loss(p_deep), loss(p_glm)
    deep = DeepRegressor(family=family, verbose=0, random_state=seed).fit(X_tr, y_tr)
    glm = GLMBaseline(family=family).fit(X_tr, y_tr)
    y_t = torch.as_tensor(y_te, dtype=torch.float64)
    nll = lambda m: -m.predict_distribution(X_te).log_prob(y_t.to(m.predict_distribution(X_te.head(1)).mean.dtype)).double().numpy()  # noqa: E731
    return nll(deep), nll(glm)


def run(name: str, seeds: list[int]) -> dict[str, Any]:
    data = load(name)
    X, y = data.X, data.y
    family = {"diabetes": "normal", "randhie": "negative_binomial", "breast_cancer": "bernoulli"}.get(name)
    per_split, per_seed_se, t0 = [], [], time.perf_counter()
    for seed in seeds:
        diffs = []
        for tr, te in _split(name, X, y, seed):
            y_tr, y_te = (y.iloc[tr], y.iloc[te]) if name in ("rossi", "whas500") else (np.asarray(y)[tr], np.asarray(y)[te])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                deep, classical = _fold(name, family, X.iloc[tr], y_tr, X.iloc[te], y_te, seed)
            per_split.append((float(np.mean(deep)), float(np.mean(classical))))
            if np.ndim(deep):
                diffs.append(np.asarray(deep) - np.asarray(classical))
        if diffs:
            d = np.concatenate(diffs)
            per_seed_se.append(float(d.std(ddof=1) / np.sqrt(len(d))))
    deep_s, classical_s = np.array(per_split).T
    d = deep_s - classical_s
    se = float(np.mean(per_seed_se) / np.sqrt(len(seeds))) if per_seed_se else float(d.std(ddof=1) / np.sqrt(len(d)))
    out = {
        "dataset": name,
        "n_rows": int(len(X)),
        "deep": float(deep_s.mean()),
        "classical": float(classical_s.mean()),
        "difference": float(d.mean()),
        "paired_se": se,
        "no_worse": bool(d.mean() <= se or abs(d.mean()) <= 1e-6 * abs(classical_s.mean())),
        "better": bool(d.mean() < -1e-6 * abs(classical_s.mean())),
        "tie": bool(abs(d.mean()) <= 1e-6 * abs(classical_s.mean())),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(
        f"{name:14s} deep {out['deep']:.4f}  classical {out['classical']:.4f}  diff {out['difference']:+.4f}"
        f"  se {se:.4f}  {'ok' if out['no_worse'] else 'WORSE'}{' better' if out['better'] else (' tie' if out['tie'] else '')}  ({out['seconds']} s)",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[11, 12])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = [run(name, args.seeds) for name in args.datasets]
    n_better = sum(r["better"] for r in rows)
    verdict = all(r["no_worse"] for r in rows) and n_better >= 3
    print(f"no worse than one paired se on every data set: {all(r['no_worse'] for r in rows)}; better on {n_better}: "
          f"{'PASS' if verdict else 'FAIL'}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {torch.get_num_threads()} threads".strip(),
        "versions": {"deepstat": deepstat.__version__, "torch": torch.__version__},
        "seeds": args.seeds,
        "rows": rows,
        "pass": verdict,
    }, indent=2))


if __name__ == "__main__":
    main()
