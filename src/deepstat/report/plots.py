"""Diagnostic plots of a fitted model: each takes plain arrays, draws on ``ax`` and returns it (STYLE 5.3).

matplotlib is an optional dependency (``pip install deepstat[plot]``); it is imported when a
plot is drawn, so ``import deepstat.report`` works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from deepstat.metrics import pit_ks_test
from deepstat.train import History

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "plot_training_curves",
    "plot_pit_histogram",
    "plot_predicted_vs_observed",
    "plot_coverage_by_group",
    "plot_calibration",
]


def _axes(ax: Axes | None, caller: str) -> Axes:
    """``ax``, or the current axes of pyplot (a new figure if there is none)."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is installed in the test environment
        raise ImportError(f"{caller} needs matplotlib. Install it with `pip install deepstat[plot]`.") from None
    return plt.gca()


def _1d(values: Any, name: str, caller: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"`{name}` of {caller} must be a non-empty 1-D array. Got shape {arr.shape} instead.")
    return arr


def plot_training_curves(history: History | pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Training and validation loss per epoch, with the best epoch marked.

    Parameters
    ----------
    history : History or DataFrame
        A fitted estimator's ``history_``, or its ``to_frame()`` (columns ``epoch``,
        ``train_loss``, ``val_loss``).
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` uses the current axes.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``history`` is neither a History nor a DataFrame.
    ValueError
        If it has no epochs or lacks the loss columns.

    Examples
    --------
    >>> from deepstat.train import History
    >>> h = History([{"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "lr": 0.1, "time": 0.0}
    ...              for e in (1, 2, 3)], best_epoch=3, best_loss=0.4)
    >>> from matplotlib.figure import Figure
    >>> ax = plot_training_curves(h, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['train', 'validation']
    """
    caller = "plot_training_curves"
    best = None
    if isinstance(history, History):
        best = history.best_epoch or None
        frame = history.to_frame()
    elif isinstance(history, pd.DataFrame):
        frame = history
    else:
        raise TypeError(f"`history` of {caller} must be a History or a DataFrame. Got {type(history).__name__} instead.")
    missing = {"epoch", "train_loss"} - set(frame.columns)
    if missing or len(frame) == 0:
        raise ValueError(
            f"`history` of {caller} must have at least one epoch and the columns epoch, train_loss. "
            f"Got {len(frame)} row(s) and columns {list(frame.columns)!r} instead."
        )
    ax = _axes(ax, caller)
    ax.plot(frame["epoch"], frame["train_loss"], marker=".", label="train")
    if "val_loss" in frame and frame["val_loss"].notna().any():
        ax.plot(frame["epoch"], frame["val_loss"], marker=".", label="validation")
    if best is not None:
        ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (mean NLL)")
    ax.set_title("Training curves")
    ax.legend()
    return ax


def plot_pit_histogram(pit: Any, ax: Axes | None = None, *, bins: int = 10) -> Axes:
    """Histogram of probability integral transform values against the uniform density.

    A calibrated model gives uniform PIT values: a U shape means too narrow predictive
    distributions, a hump too wide ones, a slope a biased location.

    Parameters
    ----------
    pit : array-like of shape (n_samples,)
        PIT values in [0, 1] (randomised for discrete families), e.g. from
        :func:`deepstat.metrics.pit_values`.
    ax : matplotlib Axes or None, default=None
    bins : int, default=10

    Returns
    -------
    matplotlib Axes
        The title reports the Kolmogorov-Smirnov statistic and p-value against U(0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> ax = plot_pit_histogram(np.random.default_rng(0).uniform(size=200), ax=Figure().subplots())
    >>> ax.get_title().startswith("PIT")
    True
    """
    caller = "plot_pit_histogram"
    values = _1d(pit, "pit", caller)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"`bins` of {caller} must be a positive int. Got {bins!r} instead.")
    stat, pvalue = pit_ks_test(values)
    ax = _axes(ax, caller)
    ax.hist(values, bins=int(bins), range=(0.0, 1.0), density=True, edgecolor="white")
    ax.axhline(1.0, color="black", linestyle="--", label="uniform")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("PIT value")
    ax.set_ylabel("density")
    ax.set_title(f"PIT histogram (KS = {stat:.3f}, p = {pvalue:.3g})")
    ax.legend()
    return ax


def plot_predicted_vs_observed(
    y_true: Any, y_pred: Any, lower: Any = None, upper: Any = None, ax: Axes | None = None, *, level: float | None = None
) -> Axes:
    """Observed values against point predictions, with predictive intervals as vertical bars.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    lower, upper : array-like of shape (n_samples,) or None, default=None
        Interval bounds for each row; both or neither. Rows whose observation falls outside
        are drawn in a second colour.
    ax : matplotlib Axes or None, default=None
    level : float or None, default=None
        Nominal coverage of the intervals, for the legend (e.g. 0.9).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> y = np.arange(5.0)
    >>> from matplotlib.figure import Figure
    >>> ax = plot_predicted_vs_observed(y, y + 0.1, y - 1, y + 1, ax=Figure().subplots(), level=0.9)
    >>> ax.get_xlabel()
    'predicted mean'
    """
    caller = "plot_predicted_vs_observed"
    y = _1d(y_true, "y_true", caller)
    pred = _1d(y_pred, "y_pred", caller)
    if pred.shape != y.shape:
        raise ValueError(f"`y_pred` of {caller} must have the shape of y_true {y.shape}. Got {pred.shape} instead.")
    if (lower is None) != (upper is None):
        raise ValueError(f"`lower` and `upper` of {caller} must be given together. Got only one of them instead.")
    ax = _axes(ax, caller)
    inside = np.ones_like(y, dtype=bool)
    if lower is not None:
        lo, hi = _1d(lower, "lower", caller), _1d(upper, "upper", caller)
        if lo.shape != y.shape or hi.shape != y.shape:
            raise ValueError(f"`lower` and `upper` of {caller} must have the shape of y_true {y.shape}. Got {lo.shape} and {hi.shape} instead.")
        inside = (y >= lo) & (y <= hi)
        label = "interval" if level is None else f"{level:.0%} interval"
        ax.vlines(pred, lo, hi, color="tab:blue", alpha=0.25, linewidth=1, label=label)
    ax.scatter(pred[inside], y[inside], s=10, color="tab:blue", label="observed (inside)" if lower is not None else "observed")
    if lower is not None:
        ax.scatter(pred[~inside], y[~inside], s=12, color="tab:red", label="observed (outside)")
    ends = [float(min(pred.min(), y.min())), float(max(pred.max(), y.max()))]
    ax.plot(ends, ends, color="black", linestyle="--", linewidth=1, label="y = prediction")
    ax.set_xlabel("predicted mean")
    ax.set_ylabel("observed")
    ax.set_title("Predicted vs observed")
    ax.legend(fontsize="small")
    return ax


def plot_coverage_by_group(table: pd.DataFrame, ax: Axes | None = None, *, level: float | None = None) -> Axes:
    """Empirical interval coverage per group (e.g. decile of the predicted mean) as bars.

    Parameters
    ----------
    table : DataFrame
        One row per group with columns ``group`` and ``coverage`` (as returned by
        :func:`deepstat.metrics.coverage_by_group`); the index is used if ``group`` is absent.
    ax : matplotlib Axes or None, default=None
    level : float or None, default=None
        Nominal coverage, drawn as a horizontal line.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> table = pd.DataFrame({"group": [1, 2], "coverage": [0.8, 0.95]})
    >>> ax = plot_coverage_by_group(table, ax=Figure().subplots(), level=0.9)
    >>> len(ax.patches)
    2
    """
    caller = "plot_coverage_by_group"
    if not isinstance(table, pd.DataFrame) or "coverage" not in table.columns or len(table) == 0:
        got = list(table.columns) if isinstance(table, pd.DataFrame) else type(table).__name__
        raise ValueError(f"`table` of {caller} must be a non-empty DataFrame with a 'coverage' column. Got {got!r} instead.")
    groups = table["group"] if "group" in table.columns else table.index
    ax = _axes(ax, caller)
    positions = np.arange(len(table))
    ax.bar(positions, table["coverage"].to_numpy(dtype=np.float64), color="tab:blue", alpha=0.8)
    ax.set_xticks(positions, [str(g) for g in groups])
    if level is not None:
        ax.axhline(level, color="black", linestyle="--", label=f"nominal {level:.0%}")
        ax.legend(loc="lower right")
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("group")
    ax.set_ylabel("coverage")
    ax.set_title("Interval coverage by group")
    return ax


def plot_calibration(y_codes: Any, proba: Any, ax: Axes | None = None, *, n_bins: int = 10) -> Axes:
    """Reliability diagram: observed frequency against predicted probability, in equal-width bins.

    Two classes: the probability of class 1 against the frequency of class 1. More classes:
    the top-label confidence (largest probability) against the accuracy of the predicted
    class, the quantity the expected calibration error averages.

    Parameters
    ----------
    y_codes : array-like of shape (n_samples,)
        Observed class codes ``0, ..., k-1`` (the columns of ``proba``).
    proba : array-like of shape (n_samples, k)
        Predicted class probabilities.
    ax : matplotlib Axes or None, default=None
    n_bins : int, default=10

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> p = np.random.default_rng(0).uniform(size=300)
    >>> y = (np.random.default_rng(1).uniform(size=300) < p).astype(int)
    >>> from matplotlib.figure import Figure
    >>> ax = plot_calibration(y, np.column_stack([1 - p, p]), ax=Figure().subplots())
    >>> ax.get_xlabel()
    'predicted probability of class 1'
    """
    caller = "plot_calibration"
    codes = _1d(y_codes, "y_codes", caller)
    P = np.asarray(proba, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != codes.shape[0] or P.shape[1] < 2:
        raise ValueError(f"`proba` of {caller} must have shape ({codes.shape[0]}, k) with k >= 2. Got {P.shape} instead.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"`n_bins` of {caller} must be a positive int. Got {n_bins!r} instead.")
    if P.shape[1] == 2:
        confidence, hit, xlabel = P[:, 1], codes == 1, "predicted probability of class 1"
    else:
        confidence, hit, xlabel = P.max(axis=1), P.argmax(axis=1) == codes, "confidence (largest probability)"
    bins = np.minimum((confidence * n_bins).astype(int), int(n_bins) - 1)
    used = np.unique(bins)
    mean_p = np.array([confidence[bins == b].mean() for b in used])
    freq = np.array([hit[bins == b].mean() for b in used])
    counts = np.array([(bins == b).sum() for b in used])
    ax = _axes(ax, caller)
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1, label="perfect calibration")
    ax.plot(mean_p, freq, marker="o", label="model")
    for x, f, c in zip(mean_p, freq, counts, strict=True):
        ax.annotate(str(c), (x, f), textcoords="offset points", xytext=(0, 6), fontsize="x-small", ha="center")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability diagram (labels: rows per bin)")
    ax.legend(loc="upper left")
    return ax
