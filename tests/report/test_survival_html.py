"""The survival report: risk-group curves, calibration, C and IBS with intervals; the survival plots."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from deepstat.baselines import CoxPHBaseline
from deepstat.estimators import DeepCoxPH
from deepstat.evaluation import compare
from deepstat.report import plot_survival_by_risk_group, plot_survival_calibration, write_html
from deepstat.report.survival_html import risk_groups
from deepstat.nn import MLP

PNG = b"\x89PNG\r\n\x1a\n"  # the PNG signature (RFC 2083, 12.12)


@pytest.fixture
def survival_report(tmp_path: Path, rng: np.random.Generator) -> Path:
    """A DeepCoxPH report on 300 simulated rows (log hazard ratio 1 on x0), with the Cox baseline and a comparison."""
    X = rng.normal(size=(300, 2))
    t, c = rng.exponential(np.exp(-X[:, 0])), rng.exponential(2.0, size=300)
    time, event = np.minimum(t, c), t <= c
    model = DeepCoxPH(network=MLP(hidden_sizes=(4,), batch_norm=True, dropout=0.1), max_epochs=15, verbose=0, random_state=0).fit(X[:200], (time[:200], event[:200]))
    cox = CoxPHBaseline().fit(X[:200], (time[:200], event[:200]))
    comparison = compare([CoxPHBaseline()], X, (time, event), cv=2, n_boot=20)
    return write_html(model, X[200:], (time[200:], event[200:]), tmp_path / "survival.html", baseline=cox,
                      comparison=comparison, y_train=(time[:200], event[:200]), title="Survival <test>")


def test_survival_report_has_curves_calibration_and_scores(survival_report: Path) -> None:
    page = survival_report.read_text(encoding="utf-8")
    assert "<title>Survival &lt;test&gt;</title>" in page
    for anchor in ("summary", "training", "curves", "calibration", "scores", "comparison"):
        assert f'<section id="{anchor}">' in page
    images = page.split('src="data:image/png;base64,')[1:]
    assert len(images) == 3  # training curves, curves by risk group, calibration
    assert all(base64.b64decode(img.split('"')[0]).startswith(PNG) for img in images)
    assert "D-calibration" in page and "harrell_c" in page and "paired bootstrap" in page
    assert page.count("CoxPHBaseline") >= 2  # the scores table and the test against it


def test_risk_groups_are_quantile_groups(rng: np.random.Generator) -> None:
    groups = risk_groups(rng.normal(size=90))
    assert np.bincount(groups).tolist() == [30, 30, 30]
    assert risk_groups(np.ones(5), 3).tolist() == [0] * 5


def test_survival_plots_draw_one_curve_pair_per_group() -> None:
    time = np.arange(1.0, 13.0)
    event = np.tile([1, 1, 0], 4)
    surv = np.exp(-np.outer(np.linspace(2.0, 0.2, 12), [0.5, 1.0, 2.0]) / 4)
    ax = plot_survival_by_risk_group(time, event, -time, surv, [0.5, 1.0, 2.0], ax=Figure().subplots())
    assert len(ax.get_lines()) == 6  # 3 tertiles x (predicted, Kaplan-Meier)
    ax = plot_survival_calibration([0.2, 0.5], [0.25, 0.45], ax=Figure().subplots())
    assert ax.get_lines()[1].get_xydata().tolist() == [[0.2, 0.25], [0.5, 0.45]]


def test_survival_report_errors(tmp_path: Path, rng: np.random.Generator) -> None:
    X = rng.normal(size=(60, 2))
    time, event = rng.exponential(size=60), np.ones(60, dtype=bool)
    cox = CoxPHBaseline().fit(X, (time, event))
    with pytest.raises(ValueError, match="`X_test` and `y_test` of write_html must have the same number of samples"):
        write_html(cox, X[:10], (time, event), tmp_path / "r.html")
    with pytest.raises(ValueError, match="must be non-negative"):
        write_html(cox, X, (-time, event), tmp_path / "r.html")
