"""The command line: every command end to end on a real bundled dataset, exit codes, --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from deepstat.cli import app, main

COMMANDS = ["fit", "predict", "evaluate", "compare", "datasets", "demo", "experiment"]


@pytest.fixture(scope="module")
def engel_csv(tmp_path_factory) -> Path:
    """statsmodels' engel data (235 households: food expenditure vs income), exported by the CLI itself."""
    path = tmp_path_factory.mktemp("data") / "engel.csv"
    assert main(["datasets", "engel", "--export", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def fitted_dir(engel_csv: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fit") / "engel-gamma"
    code = main(["fit", str(engel_csv), "--target", "foodexp", "--family", "gamma", "--hidden", "8",
                 "--epochs", "20", "--quiet", "--out", str(out)])
    assert code == 0
    return out


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help(command) -> None:
    result = CliRunner().invoke(app, ([command] if command else []) + ["--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_datasets_lists_and_describes(capsys) -> None:
    assert main(["datasets"]) == 0
    assert "randhie" in capsys.readouterr().out
    assert main(["datasets", "randhie"]) == 0
    assert "negative_binomial" in capsys.readouterr().out


def test_fit_writes_model_metrics_and_report(fitted_dir: Path) -> None:
    assert (fitted_dir / "model" / "model.safetensors").is_file()
    metrics = json.loads((fitted_dir / "metrics.json").read_text())
    assert metrics["n_test"] == 47 and metrics["n_train"] == 188  # 20% of 235 rows held out
    assert metrics["test"]["nll"] > 0 and 0 <= metrics["test"]["coverage"] <= 1
    assert "baseline_test" in metrics  # the gamma GLM on the same split
    html = (fitted_dir / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3


def test_predict_writes_intervals_and_quantiles(fitted_dir: Path, engel_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "preds.csv"
    assert main(["predict", str(fitted_dir), str(engel_csv), "--out", str(out), "--interval", "0.9",
                 "--quantiles", "0.1,0.5,0.9"]) == 0
    preds = pd.read_csv(out)
    assert list(preds.columns) == ["prediction", "lower", "upper", "q0.1", "q0.5", "q0.9"]
    assert len(preds) == 235 and (preds["lower"] <= preds["upper"]).all()


def test_evaluate_prints_scores(fitted_dir: Path, engel_csv: Path, capsys) -> None:
    assert main(["evaluate", str(fitted_dir), str(engel_csv)]) == 0
    out = capsys.readouterr().out
    assert "nll" in out and "coverage" in out


def test_compare_prints_deep_vs_classical(engel_csv: Path, capsys) -> None:
    code = main(["compare", str(engel_csv), "--target", "foodexp", "--family", "gamma", "--hidden", "8",
                 "--epochs", "10", "--cv", "2", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "deep gamma" in out and "classical gamma" in out and "Diebold-Mariano" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "nope.csv", "--target", "y", "--out", "x"], "does not exist"),
        (["fit", "{csv}", "--target", "missing", "--out", "{tmp}"], "column 'missing' is not in the data"),
        (["fit", "{text_csv}", "--target", "label", "--out", "{tmp}"], "not numeric"),
        (["fit", "{csv}", "--target", "foodexp", "--family", "poisson", "--out", "{tmp}"], "Poisson"),
        (["fit", "{csv}", "--target", "foodexp", "--hidden", "a,b", "--out", "{tmp}"], "--hidden"),
        (["predict", "{tmp}", "{csv}", "--out", "{tmp}/p.csv"], "does not hold a model"),
        (["experiment", "nope"], "unknown experiment"),
        (["fit", "{csv}", "--target", "foodexp", "--batch-size", "0", "--out", "{tmp}"], "--batch-size must be a positive"),
        (["fit", "{csv}", "--target", "foodexp", "--out", "{csv}"], "is a file"),
        (["fit", "{csv}", "--target", "foodexp", "--formula", "foodexp ~ np.log(income", "--out", "{tmp}"], "could not be evaluated"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, engel_csv: Path, tmp_path: Path, capsys) -> None:
    text_csv = tmp_path / "text.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": ["a", "b", "a"]}).to_csv(text_csv, index=False)
    filled = [a.format(csv=engel_csv, tmp=tmp_path, text_csv=text_csv) for a in args]
    assert main(filled) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1  # one line
    assert "Traceback" not in err


def test_real_subprocess_exit_codes(engel_csv: Path, tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    ok = subprocess.run([sys.executable, "-m", "deepstat.cli", "datasets"], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and "engel" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "deepstat.cli", "fit", str(engel_csv), "--target", "nope", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "nope" in bad.stderr


@pytest.mark.parametrize("command", ["fit", "compare"])
def test_missing_cells_are_named_by_csv_line(command: str, engel_csv: Path, tmp_path: Path, capsys) -> None:
    frame = pd.read_csv(engel_csv)
    frame.loc[[4, 200], "income"] = np.nan  # CSV lines 6 and 202 (the header is line 1)
    frame.loc[7, "foodexp"] = np.inf
    holes = tmp_path / "holes.csv"
    frame.to_csv(holes, index=False)
    args = [command, str(holes), "--target", "foodexp", "--family", "gamma", "--epochs", "1", "--quiet"]
    assert main(args + (["--out", str(tmp_path / "o")] if command == "fit" else ["--cv", "2"])) == 2
    err = capsys.readouterr().err
    assert "missing or infinite values in column(s) ['income', 'foodexp'] on line(s) 6, 9, 202" in err.replace("\n", " ")


def test_missing_cells_after_blank_lines_keep_their_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("x,y\n1,2\n\n3,\n4,5\n6,7\n")  # line 3 is blank, the hole is on line 4
    assert main(["fit", str(path), "--target", "y", "--epochs", "1", "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert "column(s) ['y'] on line(s) 4." in capsys.readouterr().err
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('x,y,note\n1,2,"two\nlines"\n3,,z\n')  # a field spans two lines: rows are named instead
    assert main(["fit", str(quoted), "--target", "y", "--epochs", "1", "--quiet", "--out", str(tmp_path / "q")]) == 2
    assert "on data row(s) 2." in capsys.readouterr().err


def test_compare_bernoulli_on_binary_outcomes_uses_the_logit(tmp_path: Path, capsys) -> None:
    """spector (32 rows, a 0/1 grade): compare used to exit 2, pairing a classifier with a regressor baseline."""
    path = tmp_path / "spector.csv"
    assert main(["datasets", "spector", "--export", str(path)]) == 0
    frame = pd.read_csv(path)
    target = [c for c in frame.columns if set(frame[c].unique()) <= {0, 1}][-1]
    code = main(["compare", str(path), "--target", target, "--family", "bernoulli", "--epochs", "5", "--cv", "2", "--quiet"])
    assert code == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long cells
    assert "deep" in out and "classical bernoulli" in out  # scored, or reported as failed with the reason


def test_a_target_that_disagrees_with_the_formula_is_an_error(engel_csv: Path, tmp_path: Path, capsys) -> None:
    code = main(["fit", str(engel_csv), "--target", "income", "--formula", "foodexp ~ np.log(income)", "--family", "gamma",
                 "--epochs", "2", "--quiet", "--out", str(tmp_path / "m")])
    assert code == 2
    assert "--target 'income' disagrees with the formula's left-hand side 'foodexp'" in capsys.readouterr().err
    code = main(["fit", str(engel_csv), "--formula", "foodexp ~ np.log(income)", "--family", "gamma", "--hidden", "linear",
                 "--epochs", "5", "--quiet", "--out", str(tmp_path / "m")])
    assert code == 0 and json.loads((tmp_path / "m" / "cli.json").read_text())["target"] == "foodexp"


def test_fit_and_compare_take_an_exposure_column(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "years": rng.uniform(0.5, 4, 300)})
    frame["events"] = rng.poisson(frame["years"] * np.exp(0.3 * frame["x"]))
    path = tmp_path / "rates.csv"
    frame.to_csv(path, index=False)
    common = ["--target", "events", "--family", "poisson", "--exposure", "years", "--hidden", "linear", "--quiet"]
    assert main(["fit", str(path), *common, "--out", str(tmp_path / "m")]) == 0
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["test"]["nll"] == pytest.approx(metrics["baseline_test"]["nll"], rel=1e-4)  # the same rate model
    assert main(["compare", str(path), *common, "--cv", "2"]) == 0
    assert "classical poisson" in capsys.readouterr().out
    assert main(["fit", str(path), "--target", "events", "--family", "bernoulli", "--exposure", "years", "--out", str(tmp_path / "b")]) == 2


def test_fit_and_compare_take_a_link(tmp_path: Path, capsys) -> None:
    """issue 11, item 2: --link gives the deep model and its GLM the same link (R's names)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["events"] = rng.poisson((2 + 0.3 * frame["x"]) ** 2)  # a square-root-linear rate
    frame["passed"] = (rng.random(300) < 0.5 + 0.3 * np.tanh(frame["x"])).astype(int)
    path = tmp_path / "data.csv"
    frame.drop(columns="passed").to_csv(path, index=False)
    common = ["--target", "events", "--family", "poisson", "--link", "sqrt", "--hidden", "linear", "--quiet"]
    assert main(["fit", str(path), *common, "--out", str(tmp_path / "m")]) == 0
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["test"]["nll"] == pytest.approx(metrics["baseline_test"]["nll"], rel=1e-6)  # the same sqrt-link GLM
    assert json.loads((tmp_path / "m" / "cli.json").read_text())["link"] == "sqrt"
    assert main(["compare", str(path), *common, "--cv", "2"]) == 0
    assert "classical poisson" in capsys.readouterr().out
    binary = tmp_path / "binary.csv"
    frame.drop(columns="events").to_csv(binary, index=False)
    assert main(["compare", str(binary), "--target", "passed", "--family", "bernoulli", "--link", "probit", "--hidden", "linear",
                 "--quiet", "--cv", "2"]) == 0  # a probit regression of the probability, against the probit GLM
    assert "classical bernoulli" in capsys.readouterr().out
    assert main(["fit", str(path), "--target", "events", "--family", "poisson", "--link", "probit", "--out", str(tmp_path / "b")]) == 2
    assert "`link` of Poisson must be one of ['log', 'identity', 'sqrt']. Got 'probit' instead" in capsys.readouterr().err.replace("\n", " ")
    assert main(["fit", str(path), "--target", "events", "--family", "laplace", "--link", "log", "--out", str(tmp_path / "c")]) == 2
    assert "has no choice of link" in capsys.readouterr().err.replace("\n", " ")


def test_fit_and_compare_take_a_trials_column(tmp_path: Path, capsys) -> None:
    """issue 11, item 2: --family binomial --trials COL, successes out of COL trials, for both models."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "n": rng.integers(1, 25, size=300)})
    frame["passed"] = rng.binomial(frame["n"], 1 / (1 + np.exp(-(0.2 + 0.6 * frame["x"]))))
    path = tmp_path / "grouped.csv"
    frame.to_csv(path, index=False)
    common = ["--target", "passed", "--family", "binomial", "--trials", "n", "--hidden", "linear", "--quiet"]
    assert main(["fit", str(path), *common, "--link", "cloglog", "--out", str(tmp_path / "m")]) == 0
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["test"]["nll"] == pytest.approx(metrics["baseline_test"]["nll"], rel=1e-6)  # the same grouped GLM
    assert main(["compare", str(path), *common, "--cv", "2"]) == 0
    assert "classical binomial" in capsys.readouterr().out
    assert main(["fit", str(path), "--target", "passed", "--family", "binomial", "--hidden", "linear", "--out", str(tmp_path / "b")]) == 2
    assert "`trials` of DeepRegressor must name the column of X" in capsys.readouterr().err.replace("\n", " ")


def _capture_compare(monkeypatch) -> dict:
    """Record the models and design that `deepstat compare` hands to deepstat.evaluation.compare (which still runs)."""
    import deepstat.evaluation

    seen: dict = {}
    real = deepstat.evaluation.compare

    def spy(models, X, y, **kwargs):
        seen.update(models=models, X=X, y=y)
        seen["result"] = real(models, X, y, **kwargs)
        return seen["result"]

    monkeypatch.setattr(deepstat.evaluation, "compare", spy)
    return seen


@pytest.mark.parametrize("rhs", ["np.log(income)", "0 + np.log(income)"])
def test_compare_formula_gives_both_models_the_same_design(rhs, engel_csv: Path, monkeypatch, capsys) -> None:
    seen = _capture_compare(monkeypatch)
    code = main(["compare", str(engel_csv), "--formula", f"foodexp ~ {rhs}", "--family", "gamma", "--hidden", "linear",
                 "--cv", "2", "--quiet"])
    assert code == 0
    assert list(seen["X"].columns) == ["np.log(income)"]  # the formula's design, not the raw income column
    intercept = not rhs.startswith("0")
    assert all(m.get_params()["fit_intercept"] is intercept for m in seen["models"].values())
    # the same design and likelihood: the linear deep model and the gamma GLM give one held-out NLL per fold
    # (the GLM's dispersion is the Pearson estimate, the deep model's the MLE: 1e-2)
    nll = seen["result"].scores.query("metric == 'nll'").pivot(index="split", columns="model", values="value")
    np.testing.assert_allclose(nll["deep gamma"], nll["classical gamma"], rtol=1e-2)
    assert "classical gamma" in " ".join(capsys.readouterr().out.split())


def test_compare_formula_target_must_agree_and_spector_bernoulli_formula(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "spector.csv"
    assert main(["datasets", "spector", "--export", str(path)]) == 0
    code = main(["compare", str(path), "--target", "PSI", "--formula", "GRADE ~ GPA + TUCE", "--family", "bernoulli", "--quiet"])
    assert code == 2
    assert "--target 'PSI' disagrees with the formula's left-hand side 'GRADE'" in capsys.readouterr().err
    seen = _capture_compare(monkeypatch)
    code = main(["compare", str(path), "--formula", "GRADE ~ GPA + TUCE + C(PSI)", "--family", "bernoulli", "--hidden", "linear",
                 "--cv", "2", "--quiet"])
    assert code == 0
    assert list(seen["X"].columns) == ["GPA", "TUCE", "C(PSI)[T.1.0]"]
    assert type(seen["models"]["classical bernoulli"]).__name__ == "MultinomialLogitBaseline"  # the logit, as fit picks
    # 16 training rows per fold can separate the classes: then the logit is reported as failed, with the reason
    failures = seen["result"].failures
    assert set(failures) <= {"classical bernoulli"}
    if failures:
        assert "failed and is not scored" in " ".join(capsys.readouterr().out.split())
