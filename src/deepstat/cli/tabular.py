"""``deepstat fit / predict / evaluate / compare``: a deep model for a table against its classical model.

Survival data have their own group (``deepstat survival fit ...``, :mod:`deepstat.cli.survival`); the
``--time T --event E`` form of ``fit`` and ``compare`` remains as an alias of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from deepstat.cli._common import (
    _baseline,
    CLI_FILE,
    _check_complete,
    _fail,
    _family_with_link,
    _formula_design,
    _formula_target,
    _load_model_dir,
    _make_model,
    _parse_floats,
    _print_scores,
    _read_csv,
    _split_target,
    _train_test,
    app,
    console,
    err_console,
)

__all__ = ["fit", "predict", "evaluate", "compare"]


@app.command()
def fit(
    data: Path = typer.Argument(..., help="CSV file with the inputs and the target."),
    target: str = typer.Option(None, "--target", "-y", help="Name of the target column (not for survival data)."),
    time: str = typer.Option(None, "--time", help="Survival data: the column of observed times (with --event)."),
    event: str = typer.Option(None, "--event", help="Survival data: the column of event flags, 1 event, 0 censored."),
    model: str = typer.Option("coxph", "--model", help="Survival model: coxph, aft-weibull, aft-lognormal, aft-loglogistic, logistic_hazard, deephit."),
    family: str = typer.Option("normal", help="Likelihood family (normal, poisson, negative_binomial, gamma, bernoulli, categorical ...)."),
    link: str = typer.Option(None, help="Link of the mean, R's names: gamma log|inverse|identity, poisson log|identity|sqrt, bernoulli logit|probit|cloglog|cauchit, normal identity|log, inverse_gaussian log|inverse_squared (default: the family's first)."),
    formula: str = typer.Option(None, help="A formula such as 'y ~ x1 + np.log(x2) + C(g)' (overrides --target's inputs)."),
    offset: str = typer.Option(None, help="A column added to the linear predictor of the mean (R's glm offset); not an input."),
    exposure: str = typer.Option(None, help="A positive column whose log is the offset (a rate model, e.g. person-years)."),
    trials: str = typer.Option(None, help="--family binomial: the column with each row's number of trials (the target is the successes)."),
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
        from deepstat.cli.survival import fit_survival_command

        return fit_survival_command(
            data, frame, time=time, event=event, target=target, model_name=model, hidden=hidden, epochs=epochs, lr=lr,
            batch_size=batch_size, test_size=test_size, seed=seed, out=out, quiet=quiet, n_boot=n_boot, strata=strata,
            ensemble=ensemble,
        )
    if formula is not None:  # the formula's left-hand side is the target: one source of truth
        target = _formula_target(formula, target, frame)
    if target is None:
        _fail("--target is needed (or --time and --event for survival data).")
    if strata is not None:
        _fail("--strata is for survival data (with --time, --event and --model coxph).")
    if ensemble != 1:
        _fail("--ensemble is for survival data (with --time and --event).")
    hidden, batch_size = hidden or "64,64", batch_size or 256
    X, y = _split_target(frame, target)
    X_tr, X_te, y_tr, y_te = _train_test(X, y, test_size, seed)
    offsets = {"offset": offset, "exposure": exposure, "trials": trials}
    model = _make_model(_family_with_link(family, link), y, hidden, epochs, lr, batch_size, seed, 0 if quiet else 1, offsets)
    if formula is not None:
        model = type(model).from_formula(formula, frame.loc[X_tr.index], **model.get_params(deep=False))
    else:
        model.fit(X_tr, y_tr)
    scores = evaluate(model, X_te, y_te)
    try:  # the classical counterpart, on the raw columns
        baseline = _baseline(_family_with_link(family, link), model, offsets).fit(X_tr, y_tr)
    except ValueError as exc:
        err_console.print(f"[yellow]no classical baseline:[/yellow] {exc}")
        baseline = None
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model")
    meta = {"target": target, "family": family, "link": link, "formula": formula, "data": str(data), "test_size": test_size, "seed": seed}
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
        from deepstat.cli.survival import predict_survival_frame

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
        from deepstat.cli.survival import evaluate_survival_scores

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
    link: str = typer.Option(None, help="Link of the mean of both models, R's names (see `deepstat fit --help`)."),
    formula: str = typer.Option(None, help="A formula such as 'y ~ x1 + np.log(x2) + C(g)'; both models read its design ('0 +': no intercept)."),
    offset: str = typer.Option(None, help="A column added to the linear predictor of the mean (both models); not an input."),
    exposure: str = typer.Option(None, help="A positive column whose log is the offset (both models): a rate model."),
    trials: str = typer.Option(None, help="--family binomial: the column with each row's number of trials (both models)."),
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
    from deepstat.evaluation import compare as compare_models
    from deepstat.report import print_comparison

    frame = _read_csv(data)
    if formula is None:  # a formula may leave incomplete columns out: its design checks the columns it uses
        _check_complete(frame, data)
    if time is not None or event is not None:
        if formula is not None:
            _fail("--formula is not available for survival data (--time, --event); give the covariates as columns.")
        from deepstat.cli.survival import compare_survival_command

        return compare_survival_command(
            frame, time=time, event=event, target=target, model_name=model, hidden=hidden, epochs=epochs, cv=cv,
            test_size=test_size, seed=seed, quiet=quiet, n_boot=n_boot, strata=strata, ensemble=ensemble,
        )
    if formula is not None:
        target = _formula_target(formula, target, frame) or formula.split("~", 1)[0].strip()
    if target is None:
        _fail("--target is needed (or --time and --event for survival data).")
    if strata is not None:
        _fail("--strata is for survival data (with --time, --event and --model coxph).")
    if ensemble != 1:
        _fail("--ensemble is for survival data (with --time and --event).")
    hidden = hidden or "64,64"
    offsets = {"offset": offset, "exposure": exposure, "trials": trials}
    if formula is not None:
        X, y, intercept = _formula_design(formula, frame, offsets)
        y = pd.Series(y, index=X.index, name=target)
    else:
        (X, y), intercept = _split_target(frame, target), True
    family_arg = _family_with_link(family, link)
    deep = _make_model(family_arg, y, hidden, epochs, None, 256, seed, 0 if quiet else 1, offsets).set_params(fit_intercept=intercept)
    models = {f"deep {family}": deep}
    try:  # a classifier is compared with the (multinomial) logit, as `fit` does: both predict class probabilities
        models[f"classical {family}"] = _baseline(family_arg, deep, offsets).set_params(fit_intercept=intercept)
    except ValueError as exc:
        err_console.print(f"[yellow]no classical baseline:[/yellow] {exc}")
    result = compare_models(models, X, y, cv=None if test_size else cv, test_size=test_size, random_state=seed)
    print_comparison(result, console)
