"""Survival data on the command line: fit and compare with --time/--event/--model on the GBSG2 export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepstat.cli import main


@pytest.fixture(scope="module")
def gbsg2_csv(tmp_path_factory) -> Path:
    """scikit-survival's GBSG2 (686 breast cancer patients, 299 recurrences), exported by the CLI itself."""
    path = tmp_path_factory.mktemp("data") / "gbsg2.csv"
    assert main(["datasets", "gbsg2", "--export", str(path)]) == 0
    return path


def test_fit_saves_model_metrics_with_intervals_and_report(gbsg2_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "coxph"
    code = main(["fit", str(gbsg2_csv), "--time", "time", "--event", "event", "--model", "coxph", "--hidden", "8",
                 "--epochs", "15", "--n-boot", "40", "--quiet", "--out", str(out)])
    assert code == 0
    assert (out / "model").is_dir() and json.loads((out / "cli.json").read_text())["model"] == "coxph"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 138 and metrics["n_train"] == 548  # 20% of 686, stratified by event
    assert metrics["n_test_events"] == 60  # round(0.2 * 299) events held out
    for scores in (metrics["test"], metrics["baseline_test"]):
        assert set(scores) == {"harrell_c", "uno_c", "ibs"}
        for value in scores.values():
            assert value["ci_low"] <= value["estimate"] <= value["ci_high"]
        assert 0.55 < scores["harrell_c"]["estimate"] < 0.8 and 0.1 < scores["ibs"]["estimate"] < 0.25
    assert set(metrics["vs_baseline"]["harrell_c"]) == {"difference", "ci_low", "ci_high", "pvalue"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3 and '<section id="curves">' in page
    assert "deep coxph vs CoxPHBaseline: harrell_c difference" in capsys.readouterr().out
    preds = tmp_path / "preds.csv"
    assert main(["predict", str(out), str(gbsg2_csv), "--out", str(preds), "--quantiles", "1000,500"]) == 0
    frame = pd.read_csv(preds)
    assert list(frame.columns) == ["risk", "median_survival", "S(500)", "S(1000)"] and len(frame) == 686
    assert (frame["S(1000)"] <= frame["S(500)"]).all()


def test_compare_prints_deep_vs_cox(gbsg2_csv: Path, capsys) -> None:
    code = main(["compare", str(gbsg2_csv), "--time", "time", "--event", "event", "--model", "aft-weibull", "--hidden", "8",
                 "--epochs", "10", "--cv", "2", "--n-boot", "20", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "deep aft-weibull" in out and "CoxPHBaseline" in out and "paired bootstrap" in out


@pytest.mark.parametrize(
    ("change", "options", "message"),
    [
        (None, ["--time", "years"], "--time column 'years' is not in the data"),
        ("negative", [], "must be non-negative. Got 1 offending time(s)"),
        ("event_2", [], "must hold 0/1 or True/False. Got 1 other value(s) [2]"),
        ("censored", [], "must contain at least one event. Got all 686 observations censored"),
        (None, ["--model", "cox"], "--model must be one of coxph"),
        (None, ["--target", "time"], "--target is for regression"),
        (None, ["--event", "time"], "--time and --event must be different columns"),
        (None, ["--strata", "nope"], "--strata columns ['nope'] are not in the data"),
        (None, ["--strata", "horTh", "--model", "aft-weibull"], "--strata applies to --model coxph"),
    ],
)
@pytest.mark.parametrize("command", ["fit", "compare"])
def test_bad_survival_input_exits_2_with_one_line(command, change, options, message, gbsg2_csv: Path, tmp_path: Path, capsys) -> None:
    frame = pd.read_csv(gbsg2_csv)
    if change == "negative":
        frame.loc[0, "time"] = -1.0
    elif change == "event_2":
        frame.loc[0, "event"] = 2
    elif change == "censored":
        frame["event"] = 0
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    args = {"--time": "time", "--event": "event"}
    for key, value in zip(options[::2], options[1::2]):
        args[key] = value
    argv = [command, str(path), *[part for pair in args.items() for part in pair], "--epochs", "1", "--quiet"]
    if command == "fit":
        argv += ["--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_fit_without_target_or_time_exits_2(gbsg2_csv: Path, tmp_path: Path, capsys) -> None:
    assert main(["fit", str(gbsg2_csv), "--out", str(tmp_path)]) == 2
    assert "--target is needed (or --time and --event" in capsys.readouterr().err


def test_evaluate_scores_a_survival_folder(gbsg2_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "coxph"
    assert main(["fit", str(gbsg2_csv), "--time", "time", "--event", "event", "--model", "coxph", "--hidden", "8",
                 "--epochs", "15", "--n-boot", "20", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), str(gbsg2_csv)]) == 0
    text = capsys.readouterr().out
    scores = json.loads(text[text.index("{"):])
    assert set(scores) == {"harrell_c", "uno_c", "ibs"}
    assert 0.55 < scores["harrell_c"] < 0.85 and 0.5 < scores["uno_c"] < 0.85 and 0.05 < scores["ibs"] < 0.25
    # the time and event columns come from cli.json: without them the data cannot be scored
    pd.read_csv(gbsg2_csv).drop(columns=["event"]).to_csv(tmp_path / "no_event.csv", index=False)
    assert main(["evaluate", str(out), str(tmp_path / "no_event.csv")]) == 2
    assert "--event column 'event' is not in the data" in capsys.readouterr().err


def test_stratified_cox_fit_and_compare(gbsg2_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "strat"
    assert main(["fit", str(gbsg2_csv), "--time", "time", "--event", "event", "--model", "coxph", "--strata", "horTh",
                 "--hidden", "8", "--epochs", "10", "--n-boot", "20", "--quiet", "--out", str(out)]) == 0
    meta = json.loads((out / "cli.json").read_text())
    from deepstat.estimators import load

    model = load(out / "model")
    assert model.strata == ["horTh"] and [tuple(v) for v in model.strata_levels_] == [("no",), ("yes",)]
    assert "horTh" not in model.feature_names_in_
    assert meta["strata"] == ["horTh"]
    preds = tmp_path / "p.csv"
    assert main(["predict", str(out), str(gbsg2_csv), "--out", str(preds), "--quantiles", "1000"]) == 0
    assert len(pd.read_csv(preds)) == 686
    capsys.readouterr()
    assert main(["compare", str(gbsg2_csv), "--time", "time", "--event", "event", "--strata", "horTh", "--hidden", "8",
                 "--epochs", "5", "--cv", "2", "--n-boot", "20", "--quiet"]) == 0
    assert "CoxPHBaseline" in capsys.readouterr().out
    assert main(["fit", str(gbsg2_csv), "--target", "age", "--strata", "horTh", "--out", str(tmp_path / "x")]) == 2
    assert "--strata is for survival data" in capsys.readouterr().err


def test_a_rare_stratum_reaches_the_fit(gbsg2_csv: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(gbsg2_csv)
    frame["centre"] = "A"
    frame.loc[frame.index[frame["event"] == 1][:2], "centre"] = "B"  # 2 rows, both events
    frame.loc[frame.index[frame["event"] == 0][:2], "centre"] = "B"  # and 2 censored
    path = tmp_path / "rare.csv"
    frame.to_csv(path, index=False)
    for seed in range(10):  # event-only stratification put all of B in the test part for some seeds
        out = tmp_path / f"o{seed}"
        assert main(["fit", str(path), "--time", "time", "--event", "event", "--strata", "centre", "--hidden", "4",
                     "--epochs", "2", "--n-boot", "10", "--quiet", "--seed", str(seed), "--out", str(out)]) == 0


def test_ensemble_fit_saves_loads_predicts_and_compares(gbsg2_csv: Path, tmp_path: Path, capsys) -> None:
    from deepstat import load
    from deepstat.inference import SurvivalEnsemble

    out = tmp_path / "ens"
    assert main(["fit", str(gbsg2_csv), "--time", "time", "--event", "event", "--model", "coxph", "--ensemble", "3",
                 "--hidden", "4", "--epochs", "5", "--n-boot", "10", "--quiet", "--out", str(out)]) == 0
    assert "deep coxph x3" in capsys.readouterr().out
    model = load(out / "model")
    assert isinstance(model, SurvivalEnsemble) and len(model.estimators_) == 3
    assert json.loads((out / "cli.json").read_text())["ensemble"] == 3
    report = (out / "report.html").read_text()
    assert "Members averaged" in report and "Trainable parameters (each member)" in report and "Member 1 of the 3" in report
    preds = tmp_path / "p.csv"
    assert main(["predict", str(out), str(gbsg2_csv), "--out", str(preds), "--quantiles", "1000"]) == 0
    frame = pd.read_csv(preds)
    np.testing.assert_allclose(frame["risk"], model.predict_risk(pd.read_csv(gbsg2_csv).drop(columns=["time", "event"])), rtol=1e-6)
    assert main(["evaluate", str(out), str(gbsg2_csv)]) == 0
    assert main(["compare", str(gbsg2_csv), "--time", "time", "--event", "event", "--ensemble", "2", "--hidden", "4",
                 "--epochs", "3", "--cv", "2", "--n-boot", "10", "--quiet"]) == 0
    assert "deep coxph x2" in capsys.readouterr().out
    for bad, message in ((["--ensemble", "0"], "--ensemble must be a positive number"),):
        assert main(["fit", str(gbsg2_csv), "--time", "time", "--event", "event", *bad, "--out", str(tmp_path / "b")]) == 2
        assert message in capsys.readouterr().err
    assert main(["fit", str(gbsg2_csv), "--target", "age", "--ensemble", "2", "--out", str(tmp_path / "c")]) == 2
    assert "--ensemble is for survival data" in capsys.readouterr().err


def test_survival_command_group_equals_the_alias(gbsg2_csv: Path, tmp_path: Path) -> None:
    """`deepstat survival fit` is the survival group; `deepstat fit --time --event` its alias: the same model and scores."""
    common = ["--time", "time", "--event", "event", "--model", "coxph", "--hidden", "4", "--epochs", "5", "--n-boot", "20", "--quiet"]
    assert main(["survival", "fit", str(gbsg2_csv), *common, "--out", str(tmp_path / "group")]) == 0
    assert main(["fit", str(gbsg2_csv), *common, "--out", str(tmp_path / "alias")]) == 0
    group = json.loads((tmp_path / "group" / "metrics.json").read_text())
    alias = json.loads((tmp_path / "alias" / "metrics.json").read_text())
    assert group["test"] == alias["test"] and group["n_test"] == alias["n_test"]
    assert main(["survival", "fit", str(gbsg2_csv), "--time", "time", "--out", str(tmp_path / "x")]) == 2  # --event missing


def test_survival_compare_group(gbsg2_csv: Path, capsys) -> None:
    code = main(["survival", "compare", str(gbsg2_csv), "--time", "time", "--event", "event", "--model", "logistic_hazard",
                 "--hidden", "4", "--epochs", "5", "--cv", "2", "--n-boot", "20", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "deep logistic_hazard" in out and "CoxPHBaseline" in out
