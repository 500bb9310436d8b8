"""``deepstat survival fit / compare DATA --time T --event E --model coxph``: survival data on the command line.

The survival command group, and the survival branches of ``deepstat fit``, ``compare``, ``predict``
and ``evaluate`` (which keep the ``--time/--event`` form as an alias): the deep survival model against the linear Cox model
(:class:`~deepstat.baselines.CoxPHBaseline`), scored by Harrell's and Uno's C and the integrated Brier score
with bootstrap intervals; ``evaluate`` scores a saved model on new data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

import typer

from deepstat.cli._common import CLI_FILE, _check_complete, _fail, _parse_network, _read_csv, console, err_console

__all__ = [
    "survival_app",
    "SURVIVAL_MODELS",
    "compare_survival_command",
    "evaluate_survival_scores",
    "fit_survival_command",
    "make_survival_model",
    "predict_survival_frame",
    "survival_data",
]

SURVIVAL_MODELS = ("coxph", "aft-weibull", "aft-lognormal", "aft-loglogistic", "logistic_hazard", "deephit")
LEVEL = 0.95  # of the intervals in metrics.json and the report


def survival_data(
    frame: pd.DataFrame, time: str | None, event: str | None, target: str | None, command: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The inputs (every other column) and the validated times and event flags; one-line errors (exit 2)."""
    from deepstat.utils.survival import check_time_event

    if target is not None:
        _fail("--target is for regression and classification; survival data take --time and --event instead.")
    if time is None or event is None:
        _fail(f"--time and --event go together: give both column names (got --time {time!r}, --event {event!r}).")
    for option, column in (("--time", time), ("--event", event)):
        if column not in frame.columns:
            _fail(f"{option} column {column!r} is not in the data; columns are {list(frame.columns)}.")
    if time == event:
        _fail(f"--time and --event must be different columns. Got {time!r} for both.")
    t, e = check_time_event(
        frame[time], frame[event], f"deepstat {command}", time_name=f"--time column {time!r}", event_name=f"--event column {event!r}"
    )
    return frame.drop(columns=[time, event]), t, e


def parse_strata(text: str | None, X: pd.DataFrame, model_name: str) -> list[str] | None:
    """``--strata a,b`` as a list of columns of ``X`` (only for ``--model coxph``); one-line errors."""
    if text is None:
        return None
    columns = [c.strip() for c in text.split(",") if c.strip()]
    if model_name != "coxph":
        _fail(f"--strata applies to --model coxph (a stratified Cox model). Got --model {model_name!r}.")
    missing = [c for c in columns if c not in X.columns]
    if not columns or missing:
        _fail(f"--strata columns {missing or text!r} are not in the data; columns are {list(X.columns)}.")
    return columns


def make_survival_model(
    name: str, hidden: str | None, epochs: int, lr: float | None, batch_size: int | None, seed: int, verbose: int,
    strata: list[str] | None = None, ensemble: int = 1,
) -> Any:
    """The deep survival estimator named by ``--model`` (averaged over ``--ensemble`` seeded fits when > 1)."""
    if ensemble < 1:
        _fail(f"--ensemble must be a positive number of fits. Got {ensemble}.")
    model = _single_survival_model(name, hidden, epochs, lr, batch_size, seed, verbose, strata)
    if ensemble == 1:
        return model
    from deepstat.inference import SurvivalEnsemble

    return SurvivalEnsemble(model, n_members=ensemble, random_state=seed)


def _single_survival_model(
    name: str, hidden: str | None, epochs: int, lr: float | None, batch_size: int | None, seed: int, verbose: int,
    strata: list[str] | None,
) -> Any:
    """One deep survival estimator; unset options keep the estimator's defaults."""
    from deepstat.estimators import DeepAFT, DeepCoxPH, DeepHit, LogisticHazard

    settings: dict[str, Any] = {"max_epochs": epochs, "random_state": seed, "verbose": verbose}
    if hidden is not None:
        from deepstat.estimators.survival.base import SurvivalEstimator

        settings["network"] = _parse_network(hidden, SurvivalEstimator._default_network)
    if lr is not None:
        settings["lr"] = lr
    if batch_size is not None:
        settings["batch_size"] = batch_size
    if name == "coxph":
        return DeepCoxPH(strata=strata, **settings)
    if name in ("aft-weibull", "aft-lognormal", "aft-loglogistic"):
        return DeepAFT(family=name.removeprefix("aft-"), **settings)
    if name == "logistic_hazard":
        return LogisticHazard(**settings)
    if name == "deephit":
        return DeepHit(**settings)
    _fail(f"--model must be one of {', '.join(SURVIVAL_MODELS)}. Got {name!r}.")


def _split_labels(X: pd.DataFrame, event: np.ndarray, strata: list[str] | None) -> list[np.ndarray]:
    """Labels to stratify the train/test split by, best first: event x stratum (every stratum then reaches
    the fit), then the event alone."""
    from deepstat.utils.survival import StrataLevels

    labels = [event.astype(np.int64)]
    if strata:
        labels.insert(0, 2 * StrataLevels(strata, "deepstat fit").fit(X) + event.astype(np.int64))
    return labels


def _stratified_split(rows: np.ndarray, test_size: float, seed: int, labels: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The first stratification scikit-learn can honour (each label >= 2 rows, a test part >= the labels), else none."""
    for stratify in [*labels, None]:
        try:
            return train_test_split(rows, test_size=test_size, random_state=seed, stratify=stratify)
        except ValueError:
            continue
    raise AssertionError("unreachable: an unstratified split always succeeds")  # pragma: no cover


def _target(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    from deepstat.evaluation.survival import survival_target

    return survival_target(time, event)


def _cox(X: pd.DataFrame, y: np.ndarray, strata: list[str] | None = None) -> Any:
    from deepstat.baselines import CoxPHBaseline

    try:
        return CoxPHBaseline(strata=strata).fit(X, y)
    except ValueError as exc:  # e.g. a constant column: the deep model is still reported
        err_console.print(f"[yellow]no linear Cox baseline:[/yellow] {exc}", highlight=False, soft_wrap=True)
        return None


def _frame_to_json(result: Any) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for row in result.summary.itertuples():
        scores.setdefault(row.model, {})[row.metric] = {"estimate": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high}
    tests = {row.metric: {"difference": row.difference, "ci_low": row.ci_low, "ci_high": row.ci_high, "pvalue": row.pvalue}
             for row in result.tests.itertuples()}
    return {"scores": scores, "tests": tests}


def fit_survival_command(
    data: Path, frame: pd.DataFrame, *, time: str | None, event: str | None, target: str | None, model_name: str,
    hidden: str | None, epochs: int, lr: float | None, batch_size: int | None, test_size: float, seed: int,
    out: Path, quiet: bool, n_boot: int, strata: str | None = None, ensemble: int = 1,
) -> None:
    """``deepstat fit --time T --event E``: fit, save model/, metrics.json (C, IBS with intervals vs Cox), report.html."""
    from deepstat.evaluation import compare_survival_fitted
    from deepstat.report import print_comparison, write_survival_html

    X, t, e = survival_data(frame, time, event, target, "fit")
    if not 0 < test_size < 1:
        _fail(f"--test-size must be in (0, 1). Got {test_size}.")
    columns = parse_strata(strata, X, model_name)
    model = make_survival_model(model_name, hidden, epochs, lr, batch_size, seed, 0 if quiet else 1, columns, ensemble)
    rows = np.arange(len(t))
    train, test = _stratified_split(rows, test_size, seed, _split_labels(X, e, columns))
    train, test = np.sort(train), np.sort(test)
    X_tr, X_te = X.iloc[train], X.iloc[test]
    y_tr, y_te = _target(t[train], e[train]), _target(t[test], e[test])
    model.fit(X_tr, y_tr)
    cox = _cox(X_tr, y_tr, columns)
    deep_name = f"deep {model_name}" + (f" x{ensemble}" if ensemble > 1 else "")
    models = {deep_name: model} if cox is None else {deep_name: model, "CoxPHBaseline": cox}
    result = compare_survival_fitted(models, X_te, y_te, y_train=y_tr, alpha=1 - LEVEL, n_boot=n_boot, random_state=seed)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model")
    meta = {
        "time": time, "event": event, "model": model_name, "strata": columns, "ensemble": ensemble, "data": str(data),
        "test_size": test_size, "seed": seed,
    }
    (out / CLI_FILE).write_text(json.dumps(meta, indent=2))
    summary = _frame_to_json(result)
    metrics = {
        "test": summary["scores"][deep_name],
        "n_train": int(train.size), "n_test": int(test.size), "n_test_events": int(e[test].sum()),
        "level": LEVEL, "n_boot": n_boot, "ibs_times": [float(result.times[0]), float(result.times[-1])],
    }
    if cox is not None:
        metrics["baseline_test"] = summary["scores"]["CoxPHBaseline"]
        metrics["vs_baseline"] = summary["tests"]
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=True))
    write_survival_html(
        model, X_te, y_te, out / "report.html", baseline=cox, y_train=y_tr, alpha=1 - LEVEL, n_boot=n_boot,
        title=f"deepstat survival report: {type(model).__name__} ({data.name})",
    )
    print_comparison(result, console, title=f"held-out scores ({test.size} rows, {LEVEL:.0%} bootstrap intervals)")
    console.print(f"saved model, metrics.json and report.html in {out}")


def compare_survival_command(
    frame: pd.DataFrame, *, time: str | None, event: str | None, target: str | None, model_name: str,
    hidden: str | None, epochs: int, cv: int, test_size: float | None, seed: int, quiet: bool, n_boot: int,
    strata: str | None = None, ensemble: int = 1,
) -> None:
    """``deepstat compare --time T --event E``: the deep model vs the linear Cox model on the same splits."""
    from deepstat.baselines import CoxPHBaseline
    from deepstat.evaluation import compare
    from deepstat.report import print_comparison

    X, t, e = survival_data(frame, time, event, target, "compare")
    columns = parse_strata(strata, X, model_name)
    deep = make_survival_model(model_name, hidden, epochs, None, None, seed, 0 if quiet else 1, columns, ensemble)
    deep_name = f"deep {model_name}" + (f" x{ensemble}" if ensemble > 1 else "")
    models = {deep_name: deep, "CoxPHBaseline": CoxPHBaseline(strata=columns)}
    result = compare(models, X, _target(t, e), cv=None if test_size else cv, test_size=test_size, random_state=seed, n_boot=n_boot)
    print_comparison(result, console)


def predict_survival_frame(model: Any, frame: pd.DataFrame, meta: dict[str, Any], times: list[float] | None) -> pd.DataFrame:
    """``deepstat predict`` for a survival model: ``risk``, ``median_survival`` and ``S(t)`` columns per row."""
    from deepstat.evaluation.survival import survival_matrix

    X = frame.drop(columns=[meta["time"], meta["event"]], errors="ignore")
    result = pd.DataFrame({"risk": model.predict_risk(X), "median_survival": model.predict_median_survival(X)})
    if times:
        if any(not (np.isfinite(t) and t >= 0) for t in times):
            _fail(f"--quantiles of a survival model are times and must be finite and non-negative. Got {times}.")
        surv = survival_matrix(model, X, np.asarray(sorted(times), dtype=np.float64))
        for j, t in enumerate(sorted(times)):
            result[f"S({t:g})"] = surv[:, j]
    return result


def evaluate_survival_scores(model: Any, frame: pd.DataFrame, meta: dict[str, Any], target: str | None) -> dict[str, float]:
    """``deepstat evaluate`` for a survival model: Harrell's C, Uno's C and the IBS on the rows of ``frame``.

    The time and event columns are the ones ``fit`` recorded in ``cli.json``. With no training data at hand,
    the censoring distribution of Uno's C and the IBS is the Kaplan-Meier estimate of ``frame``'s censoring
    (``compare_survival_fitted`` with ``y_train=None`` does the same); the IBS grid is ``compare``'s, 50
    quantiles of the event times between their 10th and 90th percentiles, and Uno's C is truncated at its end.
    """
    from deepstat.metrics import concordance_index_harrell, concordance_index_uno, integrated_brier_score
    from deepstat.evaluation.survival import evaluation_grid, survival_matrix

    X, t, e = survival_data(frame, meta["time"], meta["event"], target, "evaluate")
    try:
        grid = evaluation_grid(t, e, caller="deepstat evaluate")
    except ValueError as exc:
        _fail(str(exc))
    risk = model.predict_risk(X)
    return {
        "harrell_c": float(concordance_index_harrell(t, e, risk)),
        "uno_c": float(concordance_index_uno(t, e, risk, tau=float(grid[-1]))),
        "ibs": float(integrated_brier_score(t, e, survival_matrix(model, X, grid), times=grid)),
    }


# ----------------------------------------------------------------------------- the command group
survival_app = typer.Typer(
    name="survival",
    help="Survival data (times and event flags): deep Cox, AFT and discrete-time models against the linear Cox model.",
    no_args_is_help=True,
)
_MODEL_HELP = "coxph, aft-weibull, aft-lognormal, aft-loglogistic, logistic_hazard or deephit."


def _checked_frame(data: Path, epochs: int, batch_size: int | None) -> pd.DataFrame:
    if batch_size is not None and batch_size < 1:
        _fail(f"--batch-size must be a positive integer. Got {batch_size}.")
    if epochs < 1:
        _fail(f"--epochs must be a positive integer. Got {epochs}.")
    frame = _read_csv(data)
    _check_complete(frame, data)
    return frame


@survival_app.command("fit")
def fit_command(
    data: Path = typer.Argument(..., help="CSV file with the inputs, the times and the event flags."),
    time: str = typer.Option(..., "--time", help="The column of observed times."),
    event: str = typer.Option(..., "--event", help="The column of event flags, 1 event, 0 censored."),
    model: str = typer.Option("coxph", "--model", help="Survival model: " + _MODEL_HELP),
    hidden: str = typer.Option(None, help="Hidden layer widths, comma separated; 'linear' for the linear predictor (default 32,32)."),
    epochs: int = typer.Option(200, help="Maximum number of epochs (early stopping on an event-stratified validation part)."),
    lr: float = typer.Option(None, help="Learning rate (default 1e-2)."),
    batch_size: int = typer.Option(None, help="Mini-batch size (default: the model's; full batch for coxph)."),
    test_size: float = typer.Option(0.2, help="Share of rows held out for the metrics and the report."),
    seed: int = typer.Option(0, help="Random seed (split, initialisation, shuffling)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: model/, metrics.json, report.html."),
    n_boot: int = typer.Option(1000, help="Bootstrap samples of the intervals of C and IBS."),
    strata: str = typer.Option(None, help="--model coxph: comma-separated columns whose levels are strata (own baseline hazard each)."),
    ensemble: int = typer.Option(1, help="Average the curves of this many seeded fits (SurvivalEnsemble)."),
    quiet: bool = typer.Option(False, help="No progress bar."),
) -> None:
    """Fit a deep survival model, save it with held-out C, IBS (JSON) and an HTML report beside the linear Cox model."""
    if out.exists() and not out.is_dir():
        _fail(f"--out {str(out)!r} is a file; give a folder for model/, metrics.json and report.html.")
    frame = _checked_frame(data, epochs, batch_size)
    fit_survival_command(
        data, frame, time=time, event=event, target=None, model_name=model, hidden=hidden, epochs=epochs, lr=lr,
        batch_size=batch_size, test_size=test_size, seed=seed, out=out, quiet=quiet, n_boot=n_boot, strata=strata,
        ensemble=ensemble,
    )


@survival_app.command("compare")
def compare_command(
    data: Path = typer.Argument(..., help="CSV file with the inputs, the times and the event flags."),
    time: str = typer.Option(..., "--time", help="The column of observed times."),
    event: str = typer.Option(..., "--event", help="The column of event flags, 1 event, 0 censored."),
    model: str = typer.Option("coxph", "--model", help="Survival model: " + _MODEL_HELP),
    hidden: str = typer.Option(None, help="Hidden layer widths of the deep model (default 32,32)."),
    epochs: int = typer.Option(200, help="Maximum epochs of the deep model."),
    cv: int = typer.Option(5, help="Number of event-stratified cross-validation folds (ignored with --test-size)."),
    test_size: float = typer.Option(None, help="One random split with this test share instead of cross-validation."),
    seed: int = typer.Option(0, help="Random seed."),
    n_boot: int = typer.Option(1000, help="Bootstrap samples of the intervals and paired tests."),
    strata: str = typer.Option(None, help="--model coxph: comma-separated columns whose levels are strata."),
    ensemble: int = typer.Option(1, help="Average the curves of this many seeded fits (SurvivalEnsemble)."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """Deep survival model vs the linear Cox model on the same event-stratified splits: C, IBS, paired bootstrap tests."""
    frame = _checked_frame(data, epochs, None)
    compare_survival_command(
        frame, time=time, event=event, target=None, model_name=model, hidden=hidden, epochs=epochs, cv=cv,
        test_size=test_size, seed=seed, quiet=quiet, n_boot=n_boot, strata=strata, ensemble=ensemble,
    )
