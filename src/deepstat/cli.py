"""The ``deepstat`` command line: fit, predict, evaluate, compare, datasets, demo, experiment.

Survival data take ``--time T --event E --model coxph`` instead of ``--target`` in ``fit`` and
``compare`` (see :mod:`deepstat.cli_survival`).

Exit codes: 0 success; 2 bad input (a missing file or column, a non-numeric target, a target
outside the family's support ...), reported in one line without a traceback; 1 an internal
error. Every command has ``--help``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import typer
except ImportError:  # pragma: no cover - typer is in the "cli" extra
    raise ImportError("The deepstat command line needs typer: pip install 'deepstat[cli]'.") from None
from rich.console import Console
from rich.table import Table

__all__ = ["app", "main"]

app = typer.Typer(
    name="deepstat",
    help="Deep learning methods for statistical problems: fit, predict, evaluate and compare with the classical model.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
CLI_FILE = "cli.json"
CLASSIFIER_FAMILIES = {"bernoulli", "categorical"}


class UserInputError(Exception):
    """Bad input from the command line: exit code 2, one line, no traceback."""


def _fail(message: str) -> None:
    raise UserInputError(message)


# ----------------------------------------------------------------------------- helpers
def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        _fail(f"DATA file {str(path)!r} does not exist.")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        _fail(f"DATA file {str(path)!r} is not a readable CSV file: {exc}")
    if frame.empty:
        _fail(f"DATA file {str(path)!r} has no rows.")
    return frame


def _check_complete(frame: pd.DataFrame, data: Path) -> None:
    """Fail on missing or infinite cells, naming the columns and the CSV line numbers (header = line 1).

    Checked on the whole file before any split, so that the lines named are the file's, not positions
    within a shuffled training part.
    """
    bad = frame.isna()
    numeric = frame.select_dtypes("number")
    bad[numeric.columns] |= np.isinf(numeric.to_numpy(dtype=np.float64))
    if not bad.to_numpy().any():
        return
    columns = [str(c) for c in frame.columns[bad.any(axis=0).to_numpy()]]
    rows = np.flatnonzero(bad.any(axis=1).to_numpy())
    line_of = _data_lines(data, len(frame))
    where, unit = (line_of[rows], "line") if line_of is not None else (rows + 1, "data row")
    shown = ", ".join(map(str, where[:5].tolist())) + (f", ... ({len(where)} {unit}s)" if len(where) > 5 else "")
    _fail(
        f"DATA file {str(data)!r} has missing or infinite values in column(s) {columns} on {unit}(s) {shown}. "
        "Impute or drop them first."
    )


def _data_lines(data: Path, n_rows: int) -> np.ndarray | None:
    """The file line (1-based) of each data row: pandas skips blank lines, so count the non-blank ones.

    None when the count does not match (quoted fields spanning lines): the caller then names data rows.
    """
    try:
        text = data.read_text(errors="replace").splitlines()
    except OSError:
        return None
    nonblank = np.asarray([i + 1 for i, line in enumerate(text) if line.strip()])
    return nonblank[1:] if nonblank.shape[0] == n_rows + 1 else None  # the first non-blank line is the header


def _split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    if target not in frame.columns:
        _fail(f"--target column {target!r} is not in the data; columns are {list(frame.columns)}.")
    return frame.drop(columns=target), frame[target]


def _parse_floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        _fail(f"{option} must be comma-separated numbers such as 0.1,0.5,0.9. Got {text!r}.")
    return values


def _parse_network(text: str, default: Any) -> Any:
    """``--hidden`` as a network config: ``Linear()`` for "linear", else ``default`` with those widths."""
    import dataclasses

    from deepstat.nn import Linear

    sizes = _parse_hidden(text)
    return Linear() if not sizes else dataclasses.replace(default, hidden_sizes=sizes)


def _parse_hidden(text: str) -> tuple[int, ...]:
    if text.strip() in ("", "0", "none", "linear"):
        return ()
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        _fail(f"--hidden must be comma-separated layer widths such as 64,64 (or 'linear'). Got {text!r}.")
    if any(s < 1 for s in sizes):
        _fail(f"--hidden widths must be positive. Got {text!r}.")
    return sizes


def _is_classifier(family: str, y: pd.Series) -> bool:
    if family in CLASSIFIER_FAMILIES:
        return True
    if not pd.api.types.is_numeric_dtype(y):
        _fail(
            f"the target is not numeric (e.g. {y.dropna().iloc[0]!r}); a {family!r} model needs numbers. "
            "Use --family categorical (or bernoulli) for class labels."
        )
    return False


def _make_model(family: str, y: pd.Series, hidden: str, epochs: int, lr: float | None, batch_size: int, seed: int, verbose: int):
    from deepstat.estimators import DeepClassifier, DeepRegressor

    settings = dict(network=_parse_network(hidden, DeepRegressor._default_network), max_epochs=epochs, lr=lr, batch_size=batch_size,
                    random_state=seed, verbose=verbose)
    if _is_classifier(family, y):
        return DeepClassifier(**settings)
    return DeepRegressor(family=family, **settings)


def _train_test(X: pd.DataFrame, y: pd.Series, test_size: float, seed: int):
    if not 0 < test_size < 1:
        _fail(f"--test-size must be in (0, 1). Got {test_size}.")
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    test[rng.permutation(len(y))[: max(1, int(round(test_size * len(y))))]] = True
    return X[~test], X[test], y[~test], y[test]


def _print_scores(title: str, scores: dict[str, float]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in scores.items():
        table.add_row(key, "nan" if value is None or not np.isfinite(value) else f"{value:.4f}")
    console.print(table)


def _load_model_dir(model_dir: Path) -> tuple[Any, dict[str, Any]]:
    from deepstat import load

    meta_path = model_dir / CLI_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    if not (model_dir / "model").is_dir():
        _fail(f"DIR {str(model_dir)!r} does not hold a model written by `deepstat fit` (no model/ folder).")
    return load(model_dir / "model"), meta


# ----------------------------------------------------------------------------- commands
@app.command()
def fit(
    data: Path = typer.Argument(..., help="CSV file with the inputs and the target."),
    target: str = typer.Option(None, "--target", "-y", help="Name of the target column (not for survival data)."),
    time: str = typer.Option(None, "--time", help="Survival data: the column of observed times (with --event)."),
    event: str = typer.Option(None, "--event", help="Survival data: the column of event flags, 1 event, 0 censored."),
    model: str = typer.Option("coxph", "--model", help="Survival model: coxph, aft-weibull, aft-lognormal, aft-loglogistic, logistic_hazard, deephit."),
    family: str = typer.Option("normal", help="Likelihood family (normal, poisson, negative_binomial, gamma, bernoulli, categorical ...)."),
    formula: str = typer.Option(None, help="A formula such as 'y ~ x1 + np.log(x2) + C(g)' (overrides --target's inputs)."),
    hidden: str = typer.Option(None, help="Hidden layer widths, comma separated; 'linear' for a linear predictor (default 64,64; 32,32 for survival)."),
    epochs: int = typer.Option(200, help="Maximum number of epochs (early stopping on a validation split)."),
    lr: float = typer.Option(None, help="Learning rate (default 1e-3 for Adam, 1e-2 for survival models)."),
    batch_size: int = typer.Option(None, help="Mini-batch size (default 256; the model's default for survival, full batch for coxph)."),
    test_size: float = typer.Option(0.2, help="Share of rows held out for the metrics and the report."),
    seed: int = typer.Option(0, help="Random seed (split, initialisation, shuffling)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: model/, metrics.json, report.html."),
    n_boot: int = typer.Option(1000, help="Survival data: bootstrap samples of the intervals of C and IBS."),
    strata: str = typer.Option(None, help="Survival data, --model coxph: comma-separated columns whose levels are strata (own baseline hazard each)."),
    ensemble: int = typer.Option(1, help="Survival data: average the curves of this many seeded fits (SurvivalEnsemble; 10 met the Cox targets)."),
    quiet: bool = typer.Option(False, help="No progress bar."),
) -> None:
    """Fit a deep model, save it with held-out metrics (JSON) and an HTML report."""
    from deepstat.baselines import baseline_for
    from deepstat.evaluation import evaluate
    from deepstat.report import write_html

    if out.exists() and not out.is_dir():
        _fail(f"--out {str(out)!r} is a file; give a folder for model/, metrics.json and report.html.")
    if batch_size is not None and batch_size < 1:
        _fail(f"--batch-size must be a positive integer. Got {batch_size}.")
    if epochs < 1:
        _fail(f"--epochs must be a positive integer. Got {epochs}.")
    frame = _read_csv(data)
    if formula is None:  # a formula may leave incomplete columns out: the model checks the columns it uses
        _check_complete(frame, data)
    if time is not None or event is not None:
        from deepstat.cli_survival import fit_survival_command

        return fit_survival_command(
            data, frame, time=time, event=event, target=target, model_name=model, hidden=hidden, epochs=epochs, lr=lr,
            batch_size=batch_size, test_size=test_size, seed=seed, out=out, quiet=quiet, n_boot=n_boot, strata=strata,
            ensemble=ensemble,
        )
    if target is None:
        _fail("--target is needed (or --time and --event for survival data).")
    if strata is not None:
        _fail("--strata is for survival data (with --time, --event and --model coxph).")
    if ensemble != 1:
        _fail("--ensemble is for survival data (with --time and --event).")
    hidden, batch_size = hidden or "64,64", batch_size or 256
    X, y = _split_target(frame, target)
    X_tr, X_te, y_tr, y_te = _train_test(X, y, test_size, seed)
    model = _make_model(family, y, hidden, epochs, lr, batch_size, seed, 0 if quiet else 1)
    if formula is not None:
        model = type(model).from_formula(formula, frame.loc[X_tr.index], **model.get_params(deep=False))
    else:
        model.fit(X_tr, y_tr)
    scores = evaluate(model, X_te, y_te)
    try:  # the classical counterpart, on the raw columns
        baseline = baseline_for("categorical" if family in CLASSIFIER_FAMILIES else family).fit(X_tr, y_tr)
    except ValueError as exc:
        err_console.print(f"[yellow]no classical baseline:[/yellow] {exc}")
        baseline = None
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model")
    meta = {"target": target, "family": family, "formula": formula, "data": str(data), "test_size": test_size, "seed": seed}
    (out / CLI_FILE).write_text(json.dumps(meta, indent=2))
    metrics = {"test": scores, "n_train": int(len(y_tr)), "n_test": int(len(y_te))}
    if baseline is not None:
        metrics["baseline_test"] = evaluate(baseline, X_te, y_te)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=True))
    write_html(model, X_te, y_te, out / "report.html", baseline=baseline)
    _print_scores(f"held-out scores ({len(y_te)} rows)", scores)
    console.print(f"saved model, metrics.json and report.html in {out}")


@app.command()
def predict(
    model_dir: Path = typer.Argument(..., help="Folder written by `deepstat fit`."),
    data: Path = typer.Argument(..., help="CSV file with the input columns."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV file for the predictions."),
    interval: float = typer.Option(None, help="Add a central predictive interval of this level, e.g. 0.9."),
    quantiles: str = typer.Option(None, help="Add predictive quantiles, e.g. 0.1,0.5,0.9 (survival models: survival probabilities at these times)."),
) -> None:
    """Predict the mean (or the class and its probabilities), intervals and quantiles for new rows."""
    model, meta = _load_model_dir(model_dir)
    frame = _read_csv(data)
    if "time" in meta:  # a survival model: risk, median survival, survival at the --quantiles times
        from deepstat.cli_survival import predict_survival_frame

        if interval is not None:
            _fail("--interval is not defined for survival models; use --quantiles with times, e.g. --quantiles 365,730.")

        predict_survival_frame(model, frame, meta, _parse_floats(quantiles, "--quantiles")).to_csv(out, index=False)
        console.print(f"wrote {len(frame)} predictions to {out}")
        return
    X = frame.drop(columns=[meta["target"]], errors="ignore") if "target" in meta else frame
    result = pd.DataFrame(index=frame.index)
    point = model.predict(X)
    if np.ndim(point) > 1:  # multivariate targets: one column per component
        for j in range(point.shape[1]):
            result[f"prediction_{j}"] = point[:, j]
    else:
        result["prediction"] = point
    if hasattr(model, "predict_proba"):
        for label, column in zip(model.classes_, model.predict_proba(X).T):
            result[f"prob_{label}"] = column
    if hasattr(model, "predict_proba") and (interval is not None or quantiles is not None):
        _fail("--interval and --quantiles are not defined for class labels; the prob_<class> columns give the distribution.")
    if interval is not None:
        if not 0 < interval < 1:
            _fail(f"--interval must be in (0, 1), e.g. 0.9. Got {interval}.")
        bounds = model.predict_interval(X, alpha=1 - interval)
        result["lower"], result["upper"] = bounds[:, 0], bounds[:, 1]
    levels = _parse_floats(quantiles, "--quantiles")
    if levels:
        if any(not 0 < q < 1 for q in levels):
            _fail(f"--quantiles must lie in (0, 1). Got {quantiles!r}.")
        for q, column in zip(levels, model.predict_quantiles(X, levels).T):
            result[f"q{q:g}"] = column
    result.to_csv(out, index=False)
    console.print(f"wrote {len(result)} predictions to {out}")


@app.command()
def evaluate(
    model_dir: Path = typer.Argument(..., help="Folder written by `deepstat fit`."),
    data: Path = typer.Argument(..., help="CSV file with the inputs and the target column."),
    target: str = typer.Option(None, help="Target column (default: the one used in fit)."),
    alpha: float = typer.Option(0.1, help="Miscoverage of the scored intervals (0.1: 90% intervals)."),
) -> None:
    """Score a saved model on labelled data: log score, CRPS, RMSE, coverage (or log-loss, AUROC ...).

    A survival model (``fit --time T --event E``) is scored by Harrell's C, Uno's C and the integrated
    Brier score, on the time and event columns recorded at fit.
    """
    from deepstat.evaluation import evaluate as evaluate_model

    model, meta = _load_model_dir(model_dir)
    frame = _read_csv(data)
    if "time" in meta:
        from deepstat.cli_survival import evaluate_survival_scores

        scores = evaluate_survival_scores(model, frame, meta, target)
        _print_scores(f"scores on {data} ({len(frame)} rows)", scores)
        console.print_json(json.dumps(scores, allow_nan=True).replace("NaN", "null"))
        return
    target = target or meta.get("target")
    if target is None:
        _fail("--target is needed: the model folder does not say which column is the target.")
    X, y = _split_target(frame, target)
    scores = evaluate_model(model, X, y, alpha=alpha)
    _print_scores(f"scores on {data} ({len(y)} rows)", scores)
    console.print_json(json.dumps(scores, allow_nan=True).replace("NaN", "null"))


@app.command()
def compare(
    data: Path = typer.Argument(..., help="CSV file with the inputs and the target."),
    target: str = typer.Option(None, "--target", "-y", help="Name of the target column (not for survival data)."),
    time: str = typer.Option(None, "--time", help="Survival data: the column of observed times (with --event)."),
    event: str = typer.Option(None, "--event", help="Survival data: the column of event flags, 1 event, 0 censored."),
    model: str = typer.Option("coxph", "--model", help="Survival model: coxph, aft-weibull, aft-lognormal, aft-loglogistic, logistic_hazard, deephit."),
    family: str = typer.Option("normal", help="Likelihood family of the deep model (its classical counterpart is fitted too)."),
    hidden: str = typer.Option(None, help="Hidden layer widths of the deep model (default 64,64; 32,32 for survival)."),
    epochs: int = typer.Option(200, help="Maximum epochs of the deep model."),
    cv: int = typer.Option(5, help="Number of cross-validation folds (ignored with --test-size)."),
    test_size: float = typer.Option(None, help="One random split with this test share instead of cross-validation."),
    seed: int = typer.Option(0, help="Random seed."),
    n_boot: int = typer.Option(1000, help="Survival data: bootstrap samples of the intervals and paired tests."),
    strata: str = typer.Option(None, help="Survival data, --model coxph: comma-separated columns whose levels are strata (own baseline hazard each)."),
    ensemble: int = typer.Option(1, help="Survival data: average the curves of this many seeded fits (SurvivalEnsemble; 10 met the Cox targets)."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """Deep model vs the classical model (GLM, multinomial logit, Cox) on the same splits, with a paired test."""
    from deepstat.baselines import baseline_for
    from deepstat.evaluation import compare as compare_models
    from deepstat.report import print_comparison

    frame = _read_csv(data)
    _check_complete(frame, data)
    if time is not None or event is not None:
        from deepstat.cli_survival import compare_survival_command

        return compare_survival_command(
            frame, time=time, event=event, target=target, model_name=model, hidden=hidden, epochs=epochs, cv=cv,
            test_size=test_size, seed=seed, quiet=quiet, n_boot=n_boot, strata=strata, ensemble=ensemble,
        )
    if target is None:
        _fail("--target is needed (or --time and --event for survival data).")
    if strata is not None:
        _fail("--strata is for survival data (with --time, --event and --model coxph).")
    if ensemble != 1:
        _fail("--ensemble is for survival data (with --time and --event).")
    hidden = hidden or "64,64"
    X, y = _split_target(frame, target)
    deep = _make_model(family, y, hidden, epochs, None, 256, seed, 0 if quiet else 1)
    models = {f"deep {family}": deep}
    try:
        models[f"classical {family}"] = baseline_for(family)
    except ValueError as exc:
        err_console.print(f"[yellow]no classical baseline:[/yellow] {exc}")
    result = compare_models(models, X, y, cv=None if test_size else cv, test_size=test_size, random_state=seed)
    print_comparison(result, console)


@app.command()
def datasets(
    name: str = typer.Argument(None, help="A dataset to describe; omit to list them all."),
    export: Path = typer.Option(None, help="Write the dataset's frame (inputs and target) to this CSV file."),
) -> None:
    """List the bundled real datasets, describe one, or export it as CSV."""
    from deepstat import datasets as ds

    if name is None:
        listing = ds.list_datasets().drop(columns=["source"], errors="ignore")  # sources: `deepstat datasets NAME`
        table = Table(title="datasets shipped by installed packages (no download)")
        for column in listing.columns:
            table.add_column(str(column))
        for row in listing.itertuples(index=False):
            table.add_row(*[str(v) for v in row])
        console.print(table)
        return
    try:
        dataset = ds.load(name)
    except ValueError as exc:
        _fail(str(exc))
    console.print(f"[bold]{dataset.name}[/bold]: {dataset.description}")
    console.print(f"target: {dataset.target}; task: {dataset.task}; suggested family: {dataset.family}")
    console.print(f"{len(dataset.frame)} rows; features: {', '.join(dataset.feature_names)}")
    console.print(f"source: {dataset.source}")
    if export is not None:
        dataset.frame.to_csv(export, index=False)
        console.print(f"wrote {export}")


@app.command()
def demo(
    out: Path = typer.Option(Path("deepstat-demo"), help="Folder for the report."),
    epochs: int = typer.Option(60, help="Maximum epochs of the deep models."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """The main job: deep NB2 vs Poisson and NB2 GLMs on the RAND HIE doctor visits, table + report."""
    from deepstat.demo import main as demo_main

    code = demo_main(["--out", str(out), "--max-epochs", str(epochs)] + (["--quiet"] if quiet else []))
    raise typer.Exit(code)


@app.command()
def experiment(
    name: str = typer.Argument(None, help="Experiment name (see --list)."),
    out: Path = typer.Option(Path("deepstat-experiments"), help="Folder for the CSV tables and PNG figures."),
    list_: bool = typer.Option(False, "--list", help="List the experiments."),
) -> None:
    """Run one of the course's foundation experiments and save its tables and figures."""
    from deepstat import experiments

    if list_ or name is None:
        for exp in experiments.list_experiments():
            console.print(exp)
        return
    if name not in experiments.list_experiments():
        _fail(f"unknown experiment {name!r}; choose one of {experiments.list_experiments()}.")
    result = experiments.run(name)
    paths = result.save(out / name)
    console.print(result.summary)
    for claim, holds in result.claims.items():
        console.print(f"{'[green]holds[/green]' if holds else '[red]fails[/red]'}  {claim}")
    console.print(f"wrote {len(paths)} files to {out / name}")


def _one_line(exc: BaseException) -> str:
    """The message on one line: whitespace runs (scikit-learn's multi-line lists) become single spaces."""
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``deepstat`` script; returns the exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except UserInputError as exc:
        err_console.print(f"[red]error:[/red] {_one_line(exc)}", highlight=False, soft_wrap=True)
        return 2
    except (ValueError, TypeError, KeyError, FileNotFoundError) as exc:
        # raised by deepstat's own validation of the data: the message names the problem
        err_console.print(f"[red]error:[/red] {_one_line(exc)}", highlight=False, soft_wrap=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        return 1
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence: exit 1 with the reason
        if "click" in type(exc).__module__:
            return _click_error(exc)
        err_console.print(f"[red]internal error[/red] ({type(exc).__name__}): {exc}", highlight=False)
        return 1
    return 0


def _click_error(exc: Exception) -> int:
    """Usage errors of click (missing option, bad value): its own message, exit code 2."""
    show = getattr(exc, "show", None)
    if callable(show):
        show()
    return int(getattr(exc, "exit_code", 2) or 2)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
