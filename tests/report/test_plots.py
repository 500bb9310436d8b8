"""Plot helpers: draw on the given axes (or the current ones), return them, and reject bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from deepstat.metrics import pit_ks_test
from deepstat.report import (
    plot_calibration,
    plot_coverage_by_group,
    plot_pit_histogram,
    plot_predicted_vs_observed,
    plot_training_curves,
)
from deepstat.train import History


@pytest.fixture
def ax():
    return Figure().subplots()


@pytest.fixture
def history() -> History:
    records = [{"epoch": e, "train_loss": 2.0 / e, "val_loss": 2.2 / e + 0.01 * e, "lr": 1e-3, "time": 0.1} for e in range(1, 8)]
    return History(records, best_epoch=5, best_loss=2.2 / 5 + 0.05)


def test_training_curves(ax, history: History) -> None:
    assert plot_training_curves(history, ax=ax) is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train", "validation", "best epoch (5)"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), history.to_frame()["train_loss"])


def test_training_curves_without_validation_from_a_frame(ax, history: History) -> None:
    frame = history.to_frame().assign(val_loss=np.nan)
    plot_training_curves(frame, ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["train"]


def test_ax_none_draws_on_the_current_axes(history: History) -> None:
    fig = plt.figure()
    try:
        assert plot_training_curves(history) is fig.gca()
    finally:
        plt.close(fig)


def test_pit_histogram_reports_the_ks_test(ax, rng: np.random.Generator) -> None:
    u = rng.uniform(size=300)
    assert plot_pit_histogram(u, ax=ax, bins=5) is ax
    stat, p = pit_ks_test(u)
    assert ax.get_title() == f"PIT histogram (KS = {stat:.3f}, p = {p:.3g})"
    heights = [patch.get_height() for patch in ax.patches]
    assert len(heights) == 5 and sum(heights) * 0.2 == pytest.approx(1.0)  # a density


def test_predicted_vs_observed_marks_misses(ax) -> None:
    y = np.array([0.0, 1.0, 2.0, 10.0])
    plot_predicted_vs_observed(y, y, y - 1, y + 1, ax=ax, level=0.9)
    assert plot_predicted_vs_observed(y, y, ax=Figure().subplots()).get_ylabel() == "observed"
    y_pred = y.copy()
    y_pred[3] = 1.0
    ax2 = plot_predicted_vs_observed(y, y_pred, y_pred - 1, y_pred + 1, ax=Figure().subplots())
    inside, outside = ax2.collections[1], ax2.collections[2]  # vlines, then the two scatters
    assert len(inside.get_offsets()) == 3 and len(outside.get_offsets()) == 1


def test_coverage_by_group_draws_one_bar_per_group(ax) -> None:
    table = pd.DataFrame({"coverage": [0.8, 0.9, 1.0], "count": [5, 5, 5]}, index=pd.Index([1, 2, 3], name="group"))
    plot_coverage_by_group(table, ax=ax, level=0.9)
    assert [p.get_height() for p in ax.patches] == [0.8, 0.9, 1.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]


def test_calibration_binary_and_multiclass(ax, rng: np.random.Generator) -> None:
    p = rng.uniform(size=500)
    y = (rng.uniform(size=500) < p).astype(int)
    plot_calibration(y, np.column_stack([1 - p, p]), ax=ax, n_bins=5)
    x, freq = ax.get_lines()[1].get_data()
    assert len(x) == 5 and np.all(np.abs(freq - x) < 0.15)  # calibrated by construction
    P = rng.dirichlet(np.ones(3), size=200)
    ax3 = plot_calibration(rng.integers(0, 3, size=200), P, ax=Figure().subplots())
    assert ax3.get_xlabel() == "confidence (largest probability)"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: plot_training_curves([1, 2]), TypeError, "`history` of plot_training_curves must be a History or a DataFrame"),
        (lambda: plot_training_curves(pd.DataFrame({"epoch": []})), ValueError, "must have at least one epoch"),
        (lambda: plot_pit_histogram([]), ValueError, "`pit` of plot_pit_histogram must be a non-empty 1-D array"),
        (lambda: plot_pit_histogram([0.5], bins=0), ValueError, "`bins` of plot_pit_histogram must be a positive int"),
        (lambda: plot_predicted_vs_observed([1.0], [1.0, 2.0]), ValueError, r"`y_pred` of plot_predicted_vs_observed must have the shape"),
        (lambda: plot_predicted_vs_observed([1.0], [1.0], lower=[0.0]), ValueError, "`lower` and `upper` of plot_predicted_vs_observed must be given together"),
        (lambda: plot_coverage_by_group(pd.DataFrame({"x": [1]})), ValueError, "must be a non-empty DataFrame with a 'coverage' column"),
        (lambda: plot_calibration([0, 1], [[0.5, 0.5]]), ValueError, r"`proba` of plot_calibration must have shape \(2, k\)"),
    ],
)
def test_plot_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
