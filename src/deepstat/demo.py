"""The main job on the embedded default data: deep NB2 vs deep Poisson vs the classical GLMs.

Data: the RAND Health Insurance Experiment doctor-visit counts shipped with statsmodels
(``statsmodels.datasets.randhie``, 20,190 person-years; Deb & Trivedi 2002). One seeded 80/20
split; every model is scored on the same held-out rows by the mean negative log-likelihood
(log score, constants included), RMSE of the predictive mean, and the empirical coverage of
the central 90% predictive interval.

Run with ``make demo`` or ``python -m deepstat.demo``. The ``deepstat demo`` command of the
statistician's-layer issue will replace this script.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from scipy import stats

from deepstat.estimators import DeepRegressor

__all__ = ["run_demo", "main"]

_SHORT = {"negative_binomial": "NB2", "poisson": "Poisson"}


def _load_randhie() -> tuple[pd.DataFrame, np.ndarray]:
    import statsmodels.api as sm

    data = sm.datasets.randhie.load_pandas().data
    return data.drop(columns="mdvis"), data["mdvis"].to_numpy(dtype=float)


def _glm_scores(family: str, X_tr: pd.DataFrame, y_tr: np.ndarray, X_te: pd.DataFrame, y_te: np.ndarray) -> dict[str, float]:
    import statsmodels.api as sm

    exog_tr, exog_te = sm.add_constant(X_tr), sm.add_constant(X_te)
    if family == "poisson":
        fit = sm.GLM(y_tr, exog_tr, family=sm.families.Poisson()).fit()
        mu = fit.predict(exog_te)
        dist = stats.poisson(mu)
    else:
        fit = sm.NegativeBinomial(y_tr, exog_tr, loglike_method="nb2").fit(disp=0, maxiter=200)
        alpha = float(fit.params["alpha"])
        mu = np.exp(exog_te.to_numpy() @ fit.params.drop("alpha").to_numpy())
        dist = stats.nbinom(1 / alpha, 1 / (1 + alpha * mu))
    lo, hi = dist.ppf(0.05), dist.ppf(0.95)
    return {
        "nll": float(-dist.logpmf(y_te).mean()),
        "rmse": float(np.sqrt(np.mean((y_te - mu) ** 2))),
        "coverage90": float(np.mean((y_te >= lo) & (y_te <= hi))),
    }


def _deep_scores(model: DeepRegressor, X_te: pd.DataFrame, y_te: np.ndarray) -> dict[str, float]:
    interval = model.predict_interval(X_te, alpha=0.1)
    return {
        "nll": -model.log_likelihood(X_te, y_te),
        "rmse": float(np.sqrt(np.mean((y_te - model.predict(X_te)) ** 2))),
        "coverage90": float(np.mean((y_te >= interval[:, 0]) & (y_te <= interval[:, 1]))),
    }


def run_demo(seed: int = 0, max_epochs: int = 60, verbose: int = 1) -> pd.DataFrame:
    """Fit and score the four models; return one row per model.

    Returns
    -------
    pandas.DataFrame
        Columns: model, test_nll, rmse, coverage90, seconds.
    """
    X, y = _load_randhie()
    rng = np.random.default_rng(seed)
    test = rng.permutation(len(y))[: len(y) // 5]
    mask = np.zeros(len(y), dtype=bool)
    mask[test] = True
    X_tr, X_te, y_tr, y_te = X[~mask], X[mask], y[~mask], y[mask]
    rows = []
    for family in ("negative_binomial", "poisson"):
        start = time.perf_counter()
        model = DeepRegressor(
            family=family, hidden_sizes=(64, 64), max_epochs=max_epochs, batch_size=256, lr=1e-3,
            patience=8, random_state=seed, verbose=verbose,
        ).fit(X_tr, y_tr)
        rows.append({"model": f"deep {_SHORT[family]} (MLP 64-64)", **_deep_scores(model, X_te, y_te),
                     "seconds": time.perf_counter() - start, "epochs": model.n_epochs_})
    for family in ("negative_binomial", "poisson"):
        start = time.perf_counter()
        rows.append({"model": f"GLM {_SHORT[family]}", **_glm_scores(family, X_tr, y_tr, X_te, y_te),
                     "seconds": time.perf_counter() - start, "epochs": np.nan})
    return pd.DataFrame(rows).rename(columns={"nll": "test_nll"})


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    console = Console()
    console.print("[bold]deepstat demo[/bold]: RAND HIE doctor visits (statsmodels randhie, n = 20,190), 80/20 split, "
                  f"seed {args.seed}")
    table_df = run_demo(seed=args.seed, max_epochs=args.max_epochs, verbose=0 if args.quiet else 1)
    table = Table(title="Held-out scores: NLL in nats per observation (lower is better); 90% intervals should cover ~0.90")
    for col in ("model", "test NLL", "RMSE", "90% cover", "epochs", "seconds"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for row in table_df.itertuples():
        table.add_row(row.model, f"{row.test_nll:.4f}", f"{row.rmse:.3f}", f"{row.coverage90:.3f}",
                      "" if np.isnan(row.epochs) else f"{int(row.epochs)}", f"{row.seconds:.1f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
