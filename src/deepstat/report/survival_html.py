"""The survival report: curves by risk group against Kaplan-Meier, calibration, C and IBS with intervals.

:func:`deepstat.report.write_html` hands survival models (deep survival estimators, ``CoxPHBaseline``)
to :func:`write_survival_html`; the plots take plain arrays and return their axes (STYLE 5.3).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from deepstat.metrics import d_calibration, kaplan_meier
from deepstat.metrics.survival_kaplan_meier import step_function
from deepstat.evaluation import ComparisonResult
from deepstat.report._page import _coefficients, _figure, _fmt, _note, _section, _table, _training, _write_page
from deepstat.report.plots import _axes
from deepstat.evaluation.survival import compare_survival_fitted, evaluation_grid, survival_matrix
from deepstat.utils.survival import check_survival_target

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_survival_by_risk_group", "plot_survival_calibration", "risk_groups", "write_survival_html"]

_GROUP_NAMES = {2: ["low", "high"], 3: ["low", "middle", "high"]}


def risk_groups(risk: Any, n_groups: int = 3) -> np.ndarray:
    """Quantile groups 0 (lowest) .. n_groups - 1 of a score; tied scores share a group.

    Examples
    --------
    >>> risk_groups([0.1, 0.5, 0.9, 0.3, 0.7, 0.2]).tolist()
    [0, 1, 2, 1, 2, 0]
    >>> risk_groups([1.0, 1.0, 1.0]).tolist()  # constant: one group
    [0, 0, 0]
    """
    codes = pd.qcut(np.asarray(risk, dtype=np.float64), n_groups, labels=False, duplicates="drop")
    return np.nan_to_num(np.asarray(codes, dtype=np.float64), nan=0.0).astype(np.int64)


def _km_at(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    km = kaplan_meier(time, event)
    return step_function(km.time, km.survival, np.asarray(at, dtype=np.float64))


def plot_survival_by_risk_group(
    time: Any, event: Any, risk: Any, surv: Any, times: Any, *, n_groups: int = 3, ax: Axes | None = None
) -> Axes:
    """Mean predicted survival curve (solid) and Kaplan-Meier curve of the observed (dashed) per risk group.

    Parameters
    ----------
    time, event : array-like of shape (n_samples,)
        Observed times and event flags (0/1).
    risk : array-like of shape (n_samples,)
        Predicted risk (higher: earlier event); the groups are its quantile groups (tertiles by default).
    surv : array-like of shape (n_samples, n_times)
        Predicted survival curves on ``times``.
    times : array-like of shape (n_times,)
    n_groups : int, default=3
    ax : matplotlib Axes or None, default=None

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> t = np.array([1.0, 2, 3, 4, 5, 6]); e = np.array([1, 1, 0, 1, 1, 0])
    >>> surv = np.exp(-np.outer([2.0, 1.5, 1, 0.8, 0.5, 0.3], [1, 3]) / 4)
    >>> ax = plot_survival_by_risk_group(t, e, -t, surv, [1.0, 3.0], ax=Figure().subplots())
    >>> len(ax.get_lines())
    6
    """
    ax = _axes(ax, "plot_survival_by_risk_group")
    time, event, risk = (np.asarray(v, dtype=np.float64) for v in (time, event, risk))
    surv, times = np.asarray(surv, dtype=np.float64), np.asarray(times, dtype=np.float64)
    groups = risk_groups(risk, n_groups)
    k = int(groups.max()) + 1
    names = _GROUP_NAMES.get(k, [f"group {g + 1}" for g in range(k)])
    for g in range(k):
        rows = groups == g
        color = f"C{g}"
        ax.step(times, surv[rows].mean(axis=0), where="post", color=color, label=f"{names[g]} risk (n={rows.sum()}): predicted")
        km = kaplan_meier(time[rows], event[rows] > 0)
        ax.step(np.r_[0.0, km.time], np.r_[1.0, km.survival], where="post", color=color, linestyle="--", label="Kaplan-Meier")
    ax.set_xlim(0, times.max() * 1.05)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("time")
    ax.set_ylabel("survival probability")
    ax.legend(fontsize="small")
    return ax


def plot_survival_calibration(predicted: Any, observed: Any, *, at: float | None = None, ax: Axes | None = None) -> Axes:
    """Observed (Kaplan-Meier) against mean predicted survival at one time, one point per group.

    Parameters
    ----------
    predicted, observed : array-like of shape (n_groups,)
    at : float or None, default=None
        The time, for the axis labels.
    ax : matplotlib Axes or None, default=None

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_survival_calibration([0.3, 0.6, 0.9], [0.35, 0.55, 0.9], at=2.0, ax=Figure().subplots())
    >>> ax.get_xlabel()
    'predicted survival at t = 2'
    """
    ax = _axes(ax, "plot_survival_calibration")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(np.asarray(predicted, dtype=np.float64), np.asarray(observed, dtype=np.float64), "o-", color="C0", label="groups")
    suffix = "" if at is None else f" at t = {at:.4g}"
    ax.set_xlabel(f"predicted survival{suffix}")
    ax.set_ylabel(f"observed (Kaplan-Meier) survival{suffix}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize="small")
    return ax


# ---------------------------------------------------------------------------- sections
def _summary(model: Any, time: np.ndarray, event: np.ndarray) -> str:
    items: list[tuple[str, Any]] = [("Model", type(model).__name__)]
    members = getattr(model, "estimators_", None) or []
    if members:  # an ensemble: how many fits were averaged, then what one member is
        items.append(("Members averaged", len(members)))
        items.append(("Member model", type(members[0]).__name__))
        epochs = [m.history_.n_epochs for m in members if getattr(m, "history_", None) is not None]
        if epochs:
            items.append(("Epochs (members)", f"{min(epochs)} to {max(epochs)}"))
        model = members[0]
    each = " (each member)" if members else ""
    module = getattr(model, "module_", None)
    if module is not None:
        describe = getattr(model, "_describe_network", None)
        items.append(("Network" + each, describe() if callable(describe) else type(module).__name__))
        items.append(("Trainable parameters" + each, sum(p.numel() for p in module.parameters() if p.requires_grad)))
    elif hasattr(model, "coef_"):
        items.append(("Network", "none (classical model fitted by maximum partial likelihood)"))
        items.append(("Parameters", int(np.size(model.coef_))))
    items.append(("Input features", getattr(model, "n_features_in_", "—")))
    history = getattr(model, "history_", None)
    if history is not None and not members:
        items += [("Epochs", history.n_epochs), ("Best epoch", history.best_epoch), ("Stopped early", "yes" if history.stopped_early else "no")]
    items += [
        ("Test rows", time.shape[0]),
        ("Test events", int(event.sum())),
        ("Censored share", float(1 - event.mean())),
        ("Follow-up", f"{time.min():g} to {time.max():g}"),
    ]
    frame = pd.DataFrame({"": [k for k, _ in items], "value": [_fmt(v) for _, v in items]})
    return _section("summary", "Data and model", _table(frame, index=False))


def _curves(model: Any, X: Any, time: np.ndarray, event: np.ndarray, grid: np.ndarray) -> str:
    risk = np.asarray(model.predict_risk(X), dtype=np.float64)
    times = np.unique(np.r_[np.linspace(0.0, time.max(), 60)[1:], grid])
    surv = survival_matrix(model, X, times)
    img = _figure(
        lambda ax: plot_survival_by_risk_group(time, event, risk, surv, times, ax=ax),
        "survival by risk group",
        "Test rows in tertiles of predicted risk: mean predicted survival curve (solid) and Kaplan-Meier curve of "
        "the observed times (dashed) in each group. Separated groups show discrimination, matching pairs calibration.",
    )
    return _section("curves", "Survival curves by risk group", img)


def _calibration(model: Any, X: Any, time: np.ndarray, event: np.ndarray, grid: np.ndarray) -> str:
    at = float(grid[len(grid) // 2])  # the median test event time, inside the follow-up
    predicted = survival_matrix(model, X, np.array([at]))[:, 0]
    groups = risk_groups(-predicted, 5 if event.sum() >= 50 else 3)
    rows = []
    for g in range(int(groups.max()) + 1):
        m = groups == g
        rows.append([g + 1, int(m.sum()), int(event[m].sum()), predicted[m].mean(), float(_km_at(time[m], event[m], [at])[0])])
    table = pd.DataFrame(rows, columns=["group", "rows", "events", "predicted S(t)", "observed S(t) (Kaplan-Meier)"]).set_index("group")
    img = _figure(
        lambda ax: plot_survival_calibration(table["predicted S(t)"], table["observed S(t) (Kaplan-Meier)"], at=at, ax=ax),
        "survival calibration",
        f"Groups of predicted survival at t = {at:.4g} (the median test event time): observed against predicted.",
    )
    times = np.unique(time)
    result = d_calibration(time, event, survival_matrix(model, X, times), times=times)
    text = (
        f"D-calibration (Haider et al. 2020) of the whole predicted curves: chi-square {result.statistic:.3f} on "
        f"{result.n_bins - 1} degrees of freedom, p-value {result.pvalue:.3g}; a small p-value means the predicted "
        "survival probabilities at the observed times are not uniform."
    )
    return _section("calibration", "Calibration", img, _table(table), _note(text))


def _test_note(result: ComparisonResult) -> str:
    return _note(
        f"Differences from {result.reference} with {1 - result.alpha:.0%} bootstrap intervals and paired bootstrap "
        "p-values (C: higher is better; IBS: lower is better)."
    )


def _scores(model: Any, X: Any, y: Any, baseline: Any, y_train: Any, alpha: float, n_boot: int) -> str:
    names = [type(model).__name__]
    models = [model]
    if baseline is not None:
        name = type(baseline).__name__
        names.append(name if name != names[0] else f"{name} (baseline)")
        models.append(baseline)
    result = compare_survival_fitted(
        dict(zip(names, models, strict=True)), X, y, y_train=y_train, alpha=alpha, reference=names[-1], n_boot=n_boot
    )
    parts = [
        _note(
            f"Harrell's and Uno's C and the integrated Brier score over {len(result.times)} times between the 10th and "
            f"90th percentiles of the test event times ({result.times[0]:g} to {result.times[-1]:g}), with "
            f"{1 - alpha:.0%} bootstrap intervals (test rows resampled within events and censored)."
        ),
        _table(result.table(digits=4)),
    ]
    if baseline is not None:
        parts += [_test_note(result), _table(result.tests, index=False)]
    else:
        parts.append(_note("Pass baseline= (a fitted CoxPHBaseline) to compare with the linear Cox model."))
    return _section("scores", "Scores on the test data", *parts)


def _comparison(comparison: ComparisonResult) -> str:
    n_splits = int(comparison.summary["n_splits"].max()) if len(comparison.summary) else 0
    return _section(
        "comparison", "Comparison",
        _note(f"Mean ± sd over {n_splits} split(s) [{1 - comparison.alpha:.0%} bootstrap interval of the mean]."),
        _table(comparison.table()), _test_note(comparison), _table(comparison.tests, index=False),
    )


def write_survival_html(
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
    n_boot: int = 1000,
) -> Path:
    """Write the self-contained HTML report of a fitted survival model on test data.

    Sections: data and model; training curves; survival curves by tertile of predicted risk with the
    Kaplan-Meier curve of each group; calibration (observed Kaplan-Meier against predicted survival at the
    median test event time, by group, and the D-calibration test); Harrell's C, Uno's C and the IBS with
    bootstrap intervals, against ``baseline`` with paired tests; and ``comparison`` if given. Called by
    :func:`deepstat.report.write_html`, whose arguments these are.

    Parameters
    ----------
    model : fitted survival estimator or CoxPHBaseline
    X_test : array-like or DataFrame of shape (n_samples, n_features)
    y_test : survival target (structured array, (time, event) columns or tuple)
    path : str or path-like
    baseline : fitted survival model or None, default=None
        Usually a fitted :class:`~deepstat.baselines.CoxPHBaseline`.
    comparison : ComparisonResult or None, default=None
        A survival comparison from :func:`~deepstat.evaluation.compare`.
    alpha : float in (0, 1), default=0.1
        The intervals have level ``1 - alpha``.
    title : str or None, default=None
    y_train : survival target or None, default=None
        The training target, for the censoring weights (``None``: from ``y_test``).
    n_boot : int, default=1000
        Bootstrap samples of the intervals.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` or ``baseline`` is not fitted.
    ValueError
        If the target is invalid or its length differs from ``X_test``'s.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from deepstat.baselines import CoxPHBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); t = rng.exponential(np.exp(-X[:, 0])); e = rng.uniform(size=300) < 0.7
    >>> cox = CoxPHBaseline().fit(X[:200], (t[:200], e[:200]))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_survival_html(cox, X[200:], (t[200:], e[200:]), pathlib.Path(folder) / "r.html")
    ...     out.read_text(encoding="utf-8").count("<img")  # curves by risk group, calibration (no training)
    2
    """
    caller = "write_html"
    check_is_fitted(model)
    if baseline is not None:
        check_is_fitted(baseline)
    time, event = check_survival_target(y_test, caller)
    if len(X_test) != time.shape[0]:
        raise ValueError(
            f"`X_test` and `y_test` of {caller} must have the same number of samples. "
            f"Got {len(X_test)} rows in X_test and {time.shape[0]} in y_test instead."
        )
    grid = evaluation_grid(time, event, caller=caller)
    sections = [
        _summary(model, time, event),
        _coefficients(model),
        _training(model),
        _curves(model, X_test, time, event, grid),
        _calibration(model, X_test, time, event, grid),
        _scores(model, X_test, (time, event), baseline, y_train, float(alpha), n_boot),
    ]
    if comparison is not None:
        sections.append(_comparison(comparison))
    return _write_page(path, title if title is not None else f"deepstat survival report: {type(model).__name__}", sections)
