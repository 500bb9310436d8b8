"""``write_html``: one self-contained HTML file that reports a fitted model on test data.

The file has inline CSS, plots embedded as base64 PNG and no scripts or external resources,
so it can be mailed, archived or opened offline.
"""

from __future__ import annotations

import os
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from deepstat.metrics import coverage_by_group, pit_ks_test
from deepstat.evaluation import ComparisonResult, compare_fitted, pit
from deepstat.report._page import _coefficients, _figure, _fmt, _note, _section, _table, _training, _write_page
from deepstat.report.plots import (
    plot_calibration,
    plot_coverage_by_group,
    plot_pit_histogram,
    plot_predicted_vs_observed,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["write_html"]

def _summary(model: Any, X_test: Any, y_test: Any) -> str:
    family = model.family_
    items: list[tuple[str, Any]] = [("Model", type(model).__name__), ("Family", family.name)]
    module = getattr(model, "module_", None)
    if module is not None:
        describe = getattr(model, "_describe_network", None)
        items.append(("Network", describe() if callable(describe) else type(module).__name__))
        items.append(("Trainable parameters", sum(p.numel() for p in module.parameters() if p.requires_grad)))
    elif hasattr(model, "result_"):
        items.append(("Network", "none (classical model fitted by maximum likelihood)"))
        items.append(("Parameters", int(np.size(model.result_.params))))
    items.append(("Input features", getattr(model, "n_features_in_", "—")))
    history = getattr(model, "history_", None)
    if history is not None:
        frame = history.to_frame()
        has_val = bool(frame["val_loss"].notna().any())
        items += [
            ("Epochs", history.n_epochs),
            ("Best epoch", history.best_epoch),
            ("Best validation loss" if has_val else "Best training loss", float(history.best_loss)),
            ("Stopped early", "yes" if history.stopped_early else "no"),
        ]
    items += [
        ("Test rows", len(X_test)),
        ("Test log-likelihood (mean per row)", model.log_likelihood(X_test, y_test)),
    ]
    frame = pd.DataFrame({"": [k for k, _ in items], "value": [_fmt(v) for _, v in items]})
    return _section("summary", "Data and model", _table(frame, index=False))


def _calibration(model: Any, X_test: Any, y_test: Any) -> str:
    if model.family_.event_shape != ():
        return _section("calibration", "Calibration (PIT)", _note("The PIT needs a univariate target; this model predicts vectors."))
    values = pit(model, X_test, y_test, random_state=0)
    if values is None:
        return _section("calibration", "Calibration (PIT)", _note("The PIT needs an ordered target; this family has none."))
    stat, pvalue = pit_ks_test(values)
    kind = "Randomised PIT (discrete family)" if model.family_.is_discrete else "PIT"
    text = (
        f"{kind} of the {len(values)} test observations. Kolmogorov-Smirnov test against U(0, 1): "
        f"statistic {stat:.4f}, p-value {pvalue:.4g}. A U shape means too narrow predictive distributions, a hump too wide ones."
    )
    img = _figure(lambda ax: plot_pit_histogram(values, ax=ax), "PIT histogram", text)
    return _section("calibration", "Calibration (PIT)", img)


def _intervals(model: Any, X_test: Any, y_test: Any, alpha: float) -> str:
    level = 1 - alpha
    heading = f"Predictions and {level:.0%} intervals"
    if model.family_.event_shape != ():
        return _section("intervals", heading, _note("Intervals need a univariate target; this model predicts vectors."))
    y = model._encode_target(y_test, fitting=False).detach().cpu().numpy().astype(np.float64)
    pred = np.asarray(model.predict(X_test), dtype=np.float64)
    bounds = model.predict_interval(X_test, alpha)
    scatter = _figure(
        lambda ax: plot_predicted_vs_observed(y, pred, bounds[:, 0], bounds[:, 1], ax=ax, level=level),
        "predicted vs observed",
        f"Observed against predicted mean; bars are the central {level:.0%} predictive intervals (red: outside).",
    )
    deciles = pd.qcut(pred, 10, labels=False, duplicates="drop")  # tied predictions share a decile
    deciles = np.nan_to_num(deciles, nan=0.0).astype(np.int64) + 1  # all predictions equal: one group
    table = coverage_by_group(y, bounds[:, 0], bounds[:, 1], deciles)
    ranges = pd.DataFrame({"g": deciles, "p": pred}).groupby("g")["p"].agg(["min", "max"])
    table.insert(0, "predicted mean from", ranges["min"].to_numpy())
    table.insert(1, "to", ranges["max"].to_numpy())
    table.index.name = "decile"
    def draw_bars(ax: Axes) -> None:
        plot_coverage_by_group(table.reset_index().rename(columns={"decile": "group"}), ax=ax, level=level)
        ax.set_xlabel("decile of the predicted mean")

    bars = _figure(
        draw_bars,
        "coverage by decile",
        f"Coverage of the {level:.0%} intervals by decile of the predicted mean (dashed: nominal).",
    )
    return _section("intervals", heading, scatter, "<h3>Coverage by decile of the predicted mean</h3>", _table(table), bars)


def _reliability(model: Any, X_test: Any, y_test: Any) -> str:
    proba = np.asarray(model.predict_proba(X_test), dtype=np.float64)
    codes = model._encode_target(y_test, fitting=False).detach().cpu().numpy().astype(np.int64)
    img = _figure(
        lambda ax: plot_calibration(codes, proba, ax=ax),
        "reliability diagram",
        "Observed frequency against predicted probability in 10 equal-width bins (dashed: perfect calibration).",
    )
    return _section("calibration", "Calibration (reliability diagram)", img)


def _scores(model: Any, X_test: Any, y_test: Any, baseline: Any, alpha: float) -> str:
    names = [type(model).__name__]
    models = [model]
    if baseline is not None:
        name = type(baseline).__name__
        names.append(name if name != names[0] else f"{name} (baseline)")
        models.append(baseline)
    result = compare_fitted(dict(zip(names, models, strict=True)), X_test, y_test, alpha=alpha, reference=names[-1])
    parts = [_table(result.table(digits=4))]
    if baseline is not None:
        parts += [
            _note(
                "Paired Diebold-Mariano test of the per-observation log-score differences on the test rows "
                "(positive difference: the model predicts better than the baseline)."
            ),
            _table(result.tests, index=False),
        ]
    else:
        parts.append(_note("Pass baseline= (a fitted classical model) or comparison= to compare with a classical model."))
    return _section("scores", "Scores on the test data", *parts)


def _comparison(comparison: ComparisonResult) -> str:
    n_splits = int(comparison.summary["n_splits"].max()) if len(comparison.summary) else 0
    return _section(
        "comparison",
        "Comparison",
        _note(f"Mean ± sd over {n_splits} split(s); intervals at level {1 - comparison.alpha:.0%}."),
        _table(comparison.table()),
        _note(f"Paired Diebold-Mariano tests of the pooled per-observation log scores against {comparison.reference}."),
        _table(comparison.tests, index=False),
    )


def write_html(
    model: Any,
    X_test: Any,
    y_test: Any,
    path: str | os.PathLike,
    *,
    baseline: Any = None,
    comparison: ComparisonResult | None = None,
    alpha: float = 0.1,
    title: str | None = None,
    y_train: Any = None,
) -> Path:
    """Write a self-contained HTML report of a fitted model evaluated on test data.

    Sections: data and model summary (family, network, parameters, epochs, best loss, test
    log-likelihood); training curves; for regressors the PIT histogram with a
    Kolmogorov-Smirnov test (randomised PIT for discrete families), observed against
    predicted with ``1 - alpha`` intervals, and interval coverage by decile of the predicted
    mean (table and plot); for classifiers a reliability diagram instead; the test scores of the
    model (and of ``baseline``, with a paired test); and ``comparison`` if given. Survival models
    get the survival report of :func:`~deepstat.report.survival_html.write_survival_html` instead
    (curves by risk group, calibration, C and IBS with intervals).

    Parameters
    ----------
    model : fitted estimator
        A fitted deepstat estimator (or baseline) with a likelihood family.
    X_test : array-like or DataFrame of shape (n_samples, n_features)
    y_test : array-like of shape (n_samples,)
    path : str or path-like
        The HTML file to write (overwritten); its folder must exist.
    baseline : fitted estimator or None, default=None
        A fitted classical model (e.g. :class:`~deepstat.baselines.GLMBaseline`) scored on the
        same test data next to ``model``.
    comparison : ComparisonResult or None, default=None
        A cross-validated comparison from :func:`~deepstat.evaluation.compare`, shown as a table.
    alpha : float in (0, 1), default=0.1
        Miscoverage of the intervals: 0.1 shows 90% intervals.
    title : str or None, default=None
        Page title; ``None`` names the model and its family.
    y_train : survival target or None, default=None
        Survival models only: the training target, whose censoring distribution weights Uno's C
        and the integrated Brier score (``None``: estimated from ``y_test``).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` or ``baseline`` is not fitted.
    TypeError
        If ``comparison`` is not a ComparisonResult.
    ValueError
        If ``alpha`` is outside (0, 1), the model has no likelihood family, or ``X_test`` and
        ``y_test`` differ in length.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); y = rng.poisson(np.exp(0.5 * X[:, 0]))
    >>> from deepstat.nn import MLP
    >>> model = DeepRegressor(family="poisson", network=MLP(hidden_sizes=(8,)), max_epochs=5, verbose=0, random_state=0)
    >>> _ = model.fit(X[:150], y[:150])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_html(model, X[150:], y[150:], pathlib.Path(folder) / "report.html")
    ...     print(out.name, out.read_text(encoding="utf-8").count("<img"))
    report.html 4
    """
    caller = "write_html"
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"`alpha` of {caller} must be a float in (0, 1). Got {alpha!r} instead.")
    if comparison is not None and not isinstance(comparison, ComparisonResult):
        raise TypeError(f"`comparison` of {caller} must be a ComparisonResult or None. Got {type(comparison).__name__} instead.")
    if hasattr(model, "predict_risk") and hasattr(model, "predict_survival_function"):
        from deepstat.report.survival_html import write_survival_html

        return write_survival_html(
            model, X_test, y_test, path, baseline=baseline, comparison=comparison, alpha=alpha, title=title, y_train=y_train
        )
    check_is_fitted(model)
    if baseline is not None:
        check_is_fitted(baseline)
    if getattr(model, "family_", None) is None:
        raise ValueError(f"`model` of {caller} must be fitted with a likelihood family. Got {type(model).__name__} without one instead.")
    if len(X_test) != len(y_test):
        raise ValueError(
            f"`X_test` and `y_test` of {caller} must have the same number of samples. "
            f"Got {len(X_test)} rows in X_test and {len(y_test)} in y_test instead."
        )
    alpha = float(alpha)
    title = title if title is not None else f"deepstat report: {type(model).__name__} ({model.family_.name})"
    sections = [_summary(model, X_test, y_test), _coefficients(model), _training(model)]
    if is_classifier(model):
        sections.append(_reliability(model, X_test, y_test))
    else:
        sections += [_calibration(model, X_test, y_test), _intervals(model, X_test, y_test, alpha)]
    sections.append(_scores(model, X_test, y_test, baseline, alpha))
    if comparison is not None:
        sections.append(_comparison(comparison))
    return _write_page(path, title, sections)
