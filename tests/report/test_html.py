"""write_html: one self-contained file with the expected sections and images, rendered cleanly by Chromium."""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from deepstat.baselines import GLMBaseline, MultinomialLogitBaseline
from deepstat.evaluation import compare
from deepstat.report import write_html
from deepstat.nn import MLP

IMG = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')
# every way an HTML page can pull in something from elsewhere
EXTERNAL = re.compile(r"""(?:src|href|srcset|action)\s*=\s*["']?\s*(?!data:)[a-z]+:|url\(|@import|<script|<link|<iframe|<object|<embed""", re.I)


@pytest.fixture
def regression_report(tmp_path: Path, poisson_data, small_regressor) -> Path:
    X, y = poisson_data
    model = small_regressor(network=MLP(hidden_sizes=(8,)), max_epochs=8, early_stopping=True).fit(X[:180], y[:180])
    baseline = GLMBaseline("poisson").fit(X[:180], y[:180])
    comparison = compare([small_regressor(), GLMBaseline("poisson")], X, y, cv=2)
    return write_html(model, X[180:], y[180:], tmp_path / "regression.html", baseline=baseline, comparison=comparison, title="Counts <test>")


@pytest.fixture
def classification_report(tmp_path: Path, binary_data, small_classifier) -> Path:
    X, y = binary_data
    model = small_classifier().fit(X[:120], y[:120])
    baseline = MultinomialLogitBaseline().fit(X[:120], y[:120])
    return write_html(model, X[120:], y[120:], tmp_path / "classification.html", baseline=baseline)


@pytest.fixture
def survival_report(tmp_path: Path, rng: np.random.Generator) -> Path:
    """A DeepCoxPH report (log hazard ratio 1 on x0) against the linear Cox model."""
    from deepstat.baselines import CoxPHBaseline
    from deepstat.estimators import DeepCoxPH

    X = rng.normal(size=(240, 2))
    t, c = rng.exponential(np.exp(-X[:, 0])), rng.exponential(2.0, size=240)
    y = (np.minimum(t, c), t <= c)
    model = DeepCoxPH(network=MLP(hidden_sizes=(4,), batch_norm=True, dropout=0.1), max_epochs=10, verbose=0, random_state=0).fit(X[:160], (y[0][:160], y[1][:160]))
    cox = CoxPHBaseline().fit(X[:160], (y[0][:160], y[1][:160]))
    return write_html(model, X[160:], (y[0][160:], y[1][160:]), tmp_path / "survival.html", baseline=cox)


def _images(page: str) -> list[tuple[str, bytes]]:
    return [(alt, base64.b64decode(data)) for alt, data in IMG.findall(page)]


def test_regression_report_has_sections_and_images(regression_report: Path) -> None:
    page = regression_report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Counts &lt;test&gt;</title>" in page  # escaped
    for anchor in ("summary", "training", "calibration", "intervals", "scores", "comparison"):
        assert f'<section id="{anchor}">' in page
    for text in ("Trainable parameters", "Best validation loss", "Test log-likelihood", "Randomised PIT", "Kolmogorov-Smirnov",
                 "Coverage by decile", "Diebold-Mariano", "GLMBaseline", "90% intervals"):
        assert text in page, text
    images = _images(page)
    assert [alt for alt, _ in images] == ["training curves", "PIT histogram", "predicted vs observed", "coverage by decile"]
    assert page.count("<img") == 4
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for _, png in images)
    assert EXTERNAL.search(page) is None
    assert page.count("<tr>") >= 10 + 1  # the decile table alone has ten rows


def test_classification_report_has_a_reliability_diagram(classification_report: Path) -> None:
    page = classification_report.read_text(encoding="utf-8")
    assert [alt for alt, _ in _images(page)] == ["training curves", "reliability diagram"]
    assert "Calibration (reliability diagram)" in page and "Calibration (PIT)" not in page
    assert "MultinomialLogitBaseline" in page and "balanced_accuracy" in page
    assert EXTERNAL.search(page) is None


def test_report_of_a_baseline_without_training_history(tmp_path: Path, poisson_data) -> None:
    X, y = poisson_data
    glm = GLMBaseline("poisson").fit(X[:180], y[:180])
    page = write_html(glm, X[180:], y[180:], tmp_path / "glm.html", alpha=0.2).read_text(encoding="utf-8")
    assert "No training history" in page and "80% intervals" in page
    assert "Pass baseline=" in page
    assert len(_images(page)) == 3


def test_constant_predictions_form_a_single_coverage_group(tmp_path: Path, rng) -> None:
    X = rng.normal(size=(60, 1))
    y = rng.poisson(2.0, size=60).astype(float)
    glm = GLMBaseline("poisson").fit(X, y)
    same_row = np.repeat(X[:1], 60, axis=0)  # the same predicted rate for every test row
    page = write_html(glm, same_row, y, tmp_path / "flat.html").read_text(encoding="utf-8")
    decile_table = page.split("Coverage by decile of the predicted mean</h3>")[1].split("</table>")[0]
    assert decile_table.count("<tr") == 3  # two header rows and the single group
    assert len(_images(page)) == 3


def test_write_html_errors(tmp_path: Path, poisson_data, small_regressor) -> None:
    X, y = poisson_data
    model = small_regressor().fit(X, y)
    with pytest.raises(NotFittedError):
        write_html(small_regressor(), X, y, tmp_path / "r.html")
    with pytest.raises(NotFittedError):
        write_html(model, X, y, tmp_path / "r.html", baseline=GLMBaseline("poisson"))
    with pytest.raises(ValueError, match=r"`alpha` of write_html must be a float in \(0, 1\). Got 2 instead"):
        write_html(model, X, y, tmp_path / "r.html", alpha=2)
    with pytest.raises(TypeError, match="`comparison` of write_html must be a ComparisonResult or None. Got DataFrame"):
        write_html(model, X, y, tmp_path / "r.html", comparison=pd.DataFrame())
    with pytest.raises(ValueError, match="`X_test` and `y_test` of write_html must have the same number of samples"):
        write_html(model, X, y[:5], tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


# ---------------------------------------------------------------------------- in a real browser
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _render(browser, path: Path) -> tuple[list[str], list[int], str]:
    """Open ``path``; return the console errors/warnings, page errors and failed or external requests,
    the ``naturalWidth`` of every ``<img>`` (0 for one that did not load), and the page title."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    page.on("request", lambda req: None if req.url.startswith(("file:", "data:")) else problems.append(f"external request: {req.url}"))
    page.goto(path.as_uri(), wait_until="load")
    widths = page.evaluate("Array.from(document.images, img => img.complete ? img.naturalWidth : 0)")
    title = page.title()
    page.close()
    return problems, widths, title


@pytest.mark.skipif(CHROMIUM is None, reason="headless browser test needs Chromium on PATH: `apt-get install chromium` (Debian)")
def test_reports_render_in_headless_chromium_without_errors(
    tmp_path: Path, regression_report: Path, classification_report: Path, survival_report: Path
) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="headless browser test needs `pip install playwright` (the Python package only; never `playwright install`)"
    )
    broken = tmp_path / "broken.html"  # the checks must catch what they look for
    broken.write_text('<img src="missing.png"><img src="data:image/png;base64,AAAA"><script>console.error("boom")</script>', encoding="utf-8")
    with sync_api.sync_playwright() as driver, tempfile.TemporaryDirectory() as profile:
        browser = driver.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            problems, widths, _ = _render(browser, broken)
            assert any("boom" in p for p in problems) and widths == [0, 0]
            for report, n_images, title in (
                (regression_report, 4, "Counts <test>"),
                (classification_report, 2, "deepstat report: DeepClassifier (bernoulli)"),
                (survival_report, 3, "deepstat survival report: DeepCoxPH"),
            ):
                problems, widths, shown = _render(browser, report)
                assert problems == [], f"{report.name}: {problems}"
                assert len(widths) == n_images and all(w > 0 for w in widths), f"{report.name}: image widths {widths}"
                assert shown == title
        finally:
            browser.close()
