"""compare for survival models: same event-stratified splits, C and IBS with bootstrap intervals, paired tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from deepstat.baselines import CoxPHBaseline, GLMBaseline, KaplanMeierBaseline
from deepstat.estimators import DeepCoxPH, DeepCoxTimeVarying
from deepstat.metrics import concordance_index_harrell, concordance_index_uno, integrated_brier_score
from deepstat.evaluation import compare, compare_fitted, evaluation_grid, survival_matrix
from deepstat.report import print_comparison
from deepstat.nn import MLP


@pytest.fixture
def survival_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """240 rows of a proportional hazards model, log hazard ratio 1 for x0 and 0 for x1, about 35% censored."""
    X = rng.normal(size=(240, 2))
    t = rng.exponential(np.exp(-X[:, 0]))
    c = rng.exponential(2.0, size=240)
    return X, np.minimum(t, c), t <= c


def _deep() -> DeepCoxPH:
    return DeepCoxPH(network=MLP(hidden_sizes=(4,), batch_norm=True, dropout=0.1), max_epochs=10, verbose=0, random_state=0)


def test_compare_scores_every_model_on_the_same_stratified_splits(survival_data) -> None:
    X, time, event = survival_data
    result = compare({"deep": _deep(), "cox": CoxPHBaseline(), "km": KaplanMeierBaseline()}, X, (time, event), cv=3, n_boot=60)
    assert result.reference == "cox"  # the linear Cox model, not the first baseline listed
    assert list(result.summary.columns) == ["model", "metric", "mean", "sd", "n_splits", "ci_low", "ci_high"]
    assert len(result.scores) == 3 * 3 * 3 and (result.summary["n_splits"] == 3).all()
    summary = result.summary.set_index(["model", "metric"])
    assert (summary["ci_low"] <= summary["mean"] + 1e-12).all() and (summary["mean"] <= summary["ci_high"] + 1e-12).all()
    assert summary.loc[("km", "harrell_c"), "mean"] == 0.5  # a constant risk ties every pair
    assert summary.loc[("cox", "harrell_c"), "mean"] > 0.65  # log hazard ratio 1 on x0
    assert summary.loc[("cox", "ibs"), "mean"] < summary.loc[("km", "ibs"), "mean"]
    tests = result.tests.set_index(["model", "metric"])
    assert len(tests) == 6 and (tests["reference"] == "cox").all()
    assert tests.loc[("km", "harrell_c"), "difference"] < 0 and tests.loc[("km", "harrell_c"), "pvalue"] < 0.05
    # StratifiedKFold on the event flag: each fold's event share within one row of the overall share
    rates = result.risks.groupby("split")["event"].agg(["mean", "size"])
    assert np.all(np.abs(rates["mean"] - event.mean()) <= 1 / rates["size"] + 1e-12)
    assert sorted(result.risks.index) == list(range(240)) and "[" in result.table().loc["cox", "harrell_c"]


def test_split_scores_equal_the_metrics_on_a_refitted_split(survival_data) -> None:
    X, time, event = survival_data
    result = compare([CoxPHBaseline()], X, (time, event), cv=None, test_size=0.3, n_boot=20)
    test = result.risks.index.to_numpy()
    train = np.setdiff1d(np.arange(240), test)
    cox = CoxPHBaseline().fit(X[train], (time[train], event[train]))
    grid = evaluation_grid(time[test], event[test])
    assert np.allclose(result.times, grid)
    risk = cox.predict_risk(X[test])
    expected = {
        "harrell_c": concordance_index_harrell(time[test], event[test], risk),
        "uno_c": concordance_index_uno(time[test], event[test], risk, train_time=time[train], train_event=event[train], tau=grid[-1]),
        "ibs": integrated_brier_score(time[test], event[test], survival_matrix(cox, X[test], grid), times=grid,
                                      train_time=time[train], train_event=event[train]),
    }
    got = result.scores.set_index("metric")["value"]
    for metric, value in expected.items():
        assert got[metric] == pytest.approx(value, rel=1e-12)


def test_identical_models_differ_by_zero_with_pvalue_one(survival_data) -> None:
    X, time, event = survival_data
    result = compare({"a": CoxPHBaseline(), "b": CoxPHBaseline()}, X, (time, event), cv=2, n_boot=30, reference="a")
    assert np.allclose(result.tests["difference"], 0.0) and np.allclose(result.tests["pvalue"], 1.0)


def test_compare_fitted_scores_one_test_set(survival_data) -> None:
    X, time, event = survival_data
    cox = CoxPHBaseline().fit(X[:160], (time[:160], event[:160]))
    result = compare_fitted({"cox": cox, "km": KaplanMeierBaseline().fit(X[:160], (time[:160], event[:160]))},
                            X[160:], (time[160:], event[160:]))
    assert (result.summary["n_splits"] == 1).all() and result.summary["sd"].isna().all()
    assert result.tests["model"].tolist() == ["km"] * 3


def test_survival_matrix_puts_samples_in_rows(survival_data) -> None:
    X, time, event = survival_data
    y = (time[:160], event[:160])
    grid = np.array([0.2, 0.5, 1.0])
    for model in (CoxPHBaseline().fit(X[:160], y), KaplanMeierBaseline().fit(X[:160], y), _deep().fit(X[:160], y)):
        surv = survival_matrix(model, X[160:], grid)
        assert surv.shape == (80, 3) and np.all(np.diff(surv, axis=1) <= 1e-12)


def test_print_comparison_prints_the_paired_bootstrap_lines(survival_data) -> None:
    X, time, event = survival_data
    result = compare([CoxPHBaseline(), KaplanMeierBaseline()], X, (time, event), cv=2, n_boot=20)
    console = Console(record=True, width=200)
    print_comparison(result, console)
    text = console.export_text()
    assert "KaplanMeierBaseline vs CoxPHBaseline: harrell_c difference" in text and "paired bootstrap p" in text


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"models": [CoxPHBaseline(), GLMBaseline("normal")]}, TypeError, "must be all survival models or none"),
        ({"sample_weight": np.ones(240)}, ValueError, "`sample_weight` of compare must be None for survival"),
        ({"n_boot": 5}, ValueError, "`n_boot` of compare must be an int >= 10"),
        ({"reference": "nope"}, ValueError, "`reference` of compare must be one of"),
        ({"alpha": 1.5}, ValueError, "`alpha` of compare must be a float"),
        ({"y": "negative"}, ValueError, "must be non-negative"),
        ({"y": "censored"}, ValueError, "must contain at least one event"),
        ({"X": "short"}, ValueError, "must have the same number of samples"),
        ({"models": [DeepCoxTimeVarying()]}, ValueError, "must take one row per subject"),
    ],
)
def test_compare_survival_errors(kwargs, error, message, survival_data) -> None:
    X, time, event = survival_data
    args = {"models": [CoxPHBaseline()], "X": X, "y": (time, event), "cv": 2, **kwargs}
    if kwargs.get("y") == "negative":
        args["y"] = (np.r_[-1.0, time[1:]], event)
    elif kwargs.get("y") == "censored":
        args["y"] = (time, np.zeros(240, dtype=bool))
    if kwargs.get("X") == "short":
        args["X"] = pd.DataFrame(X[:100])
    with pytest.raises(error, match=message):
        compare(args.pop("models"), args.pop("X"), args.pop("y"), **args)
