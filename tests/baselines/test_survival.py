"""KaplanMeierBaseline and CoxPHBaseline against lifelines 0.30 (KaplanMeierFitter, CoxPHFitter) on the rossi data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from deepstat.baselines import CoxPHBaseline, KaplanMeierBaseline
from deepstat.metrics import concordance_index_harrell

lifelines = pytest.importorskip("lifelines")
from lifelines.datasets import load_rossi
from deepstat.nn import MLP

Surv = pytest.importorskip("sksurv.util").Surv


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return load_rossi()


@pytest.fixture(scope="module")
def fitted(rossi):
    X = rossi.drop(columns=["week", "arrest"])
    ours = CoxPHBaseline().fit(X, Surv.from_arrays(rossi["arrest"] == 1, rossi["week"]))
    reference = lifelines.CoxPHFitter().fit(rossi, "week", "arrest")  # Efron ties, lifelines' default
    return X, ours, reference


def test_cox_summary_equals_lifelines_on_rossi(fitted) -> None:
    _, ours, reference = fitted
    table, expected = ours.summary(), reference.summary
    assert table.columns.tolist() == expected.columns.tolist()
    assert table.index.tolist() == expected.index.tolist()
    # coefficients, SEs, z, p and the 95% intervals to 1e-4 (issue 5 item 5); fin: coef -0.3794, se 0.1914 (Fox 2002)
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), atol=1e-4, rtol=1e-6)
    assert table.loc["fin", "coef"] == pytest.approx(-0.3794, abs=1e-4)
    assert ours.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)  # -658.748


def test_cox_curves_and_baseline_equal_lifelines(fitted) -> None:
    X, ours, reference = fitted
    surv = ours.predict_survival_function(X.iloc[:10])
    expected = reference.predict_survival_function(X.iloc[:10])
    np.testing.assert_allclose(surv.to_numpy(), expected.loc[surv.index].to_numpy(), atol=1e-8)
    np.testing.assert_allclose(ours.baseline_hazard_.to_numpy(), reference.baseline_hazard_.loc[ours.baseline_hazard_.index].to_numpy()[:, 0], atol=1e-10)
    np.testing.assert_allclose(ours.predict_risk(X), np.log(reference.predict_partial_hazard(X)), atol=1e-6)
    # lifelines' predict_median gives [inf, 44, 46] for the first three men (inf: S stays above 1/2 in the year)
    np.testing.assert_array_equal(ours.predict_median_survival(X.iloc[:3]), reference.predict_median(X.iloc[:3]).to_numpy())


def test_target_shapes_and_breslow_ties(rossi) -> None:
    X = rossi.drop(columns=["week", "arrest"]).to_numpy()
    a = CoxPHBaseline().fit(X, np.column_stack([rossi["week"], rossi["arrest"]]))
    b = CoxPHBaseline().fit(X, (rossi["week"], rossi["arrest"]))
    np.testing.assert_allclose(a.coef_, b.coef_)
    breslow = CoxPHBaseline(ties="breslow").fit(X, (rossi["week"], rossi["arrest"]))
    # statsmodels' PHReg(ties="breslow") is the reference for Breslow's approximation
    from statsmodels.duration.hazard_regression import PHReg

    reference = PHReg(rossi["week"].to_numpy(float), X.astype(float), status=rossi["arrest"].to_numpy(), ties="breslow").fit()
    np.testing.assert_allclose(breslow.coef_, reference.params, atol=1e-5)
    np.testing.assert_allclose(breslow.standard_errors_, reference.bse, atol=1e-5)
    assert abs(breslow.coef_[0] - a.coef_[0]) > 1e-5  # not Efron
    assert concordance_index_harrell(rossi["week"], rossi["arrest"], a.predict_risk(X)) == pytest.approx(0.640, abs=1e-3)


def test_cox_recovers_simulated_coefficients(rng) -> None:
    n = 2000
    X = rng.normal(size=(n, 2))
    t = rng.exponential(np.exp(-(X @ np.array([0.7, -0.4]))))  # h(t|x) = exp(0.7 x0 - 0.4 x1)
    c = rng.exponential(2.0, size=n)
    cox = CoxPHBaseline().fit(X, (np.minimum(t, c), t <= c))
    z = (cox.coef_ - [0.7, -0.4]) / cox.standard_errors_
    assert np.all(np.abs(z) < 3.5)


def test_cox_categorical_frame_and_errors(rng) -> None:
    X = pd.DataFrame({"a": rng.normal(size=60), "g": pd.Categorical(rng.choice(["u", "v"], size=60))})
    y = (rng.exponential(size=60), np.ones(60))
    cox = CoxPHBaseline().fit(X, y)
    assert cox.design_columns_ == ["a", "g[v]"]
    assert clone(cox).get_params() == cox.get_params()
    with pytest.raises(ValueError, match=r"`ties` of CoxPHBaseline must be 'efron' or 'breslow'. Got 'exact'"):
        CoxPHBaseline(ties="exact").fit(X, y)
    with pytest.raises(ValueError, match=r"`X` of CoxPHBaseline must have no constant column .* Got \['c'\]"):
        CoxPHBaseline().fit(X.assign(c=1.0), y)
    with pytest.raises(ValueError, match=r"`y` of CoxPHBaseline must have one row per row of X \(60\). Got 59"):
        CoxPHBaseline().fit(X, (y[0][:59], y[1][:59]))
    with pytest.raises(ValueError, match=r"`y\[:, 1\] \(event\)` of CoxPHBaseline must contain at least one event. Got all 60"):
        CoxPHBaseline().fit(X, np.column_stack([y[0], np.zeros(60)]))


def test_cox_warns_when_it_does_not_converge(rng) -> None:
    X = rng.normal(size=(50, 1))
    t = np.argsort(np.argsort(-X[:, 0])) + 1.0  # x orders the event times perfectly: the MLE is at infinity
    with pytest.warns(Warning, match="did not converge in 5 Newton steps"):
        CoxPHBaseline(max_iter=5).fit(X, (t, np.ones(50)))


def test_kaplan_meier_equals_lifelines(rossi) -> None:
    ours = KaplanMeierBaseline().fit(rossi["week"], rossi["arrest"])
    reference = lifelines.KaplanMeierFitter().fit(rossi["week"], rossi["arrest"])
    index = ours.survival_function_.index
    np.testing.assert_allclose(ours.survival_function_.to_numpy(), reference.survival_function_.loc[index].to_numpy()[:, 0], atol=1e-12)
    np.testing.assert_allclose(ours.confidence_interval_.to_numpy(), reference.confidence_interval_.loc[index].to_numpy(), atol=1e-10)
    assert ours.median_survival_time_ == reference.median_survival_time_ == np.inf
    km2 = KaplanMeierBaseline().fit(np.zeros((432, 3)), Surv.from_arrays(rossi["arrest"] == 1, rossi["week"]))  # fit(X, y)
    pd.testing.assert_series_equal(km2.survival_function_, ours.survival_function_)
    frame = ours.predict_survival_function(np.zeros((3, 1)), times=[0.0, 20.0, 100.0])
    assert frame.shape == (3, 3) and (frame.iloc[0] == 1.0).all()
    assert (ours.predict_risk(np.zeros((4, 1))) == 0).all()


def test_kaplan_meier_median_and_errors() -> None:
    km = KaplanMeierBaseline().fit([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1])  # S = 0.75, 0.5, ...: median 2 (S <= 1/2)
    assert km.median_survival_time_ == 2.0 and km.predict_median_survival(np.zeros((2, 1))).tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="`y` of KaplanMeierBaseline must be given"):
        KaplanMeierBaseline().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"`alpha` of KaplanMeierBaseline must be a float in \(0, 1\). Got 2"):
        KaplanMeierBaseline(alpha=2).fit([1.0], [1])


@pytest.mark.parametrize("strata", [["wexp"], ["wexp", "mar"]])
def test_stratified_cox_equals_lifelines(rossi, strata) -> None:
    X = rossi.drop(columns=["week", "arrest"])
    ours = CoxPHBaseline(strata=strata).fit(X, (rossi["week"], rossi["arrest"]))
    reference = lifelines.CoxPHFitter(strata=strata).fit(rossi, "week", "arrest")
    table, expected = ours.summary(), reference.summary
    assert table.index.tolist() == expected.index.tolist()  # the strata columns are not covariates
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), atol=1e-4, rtol=1e-6)  # coef, se, z, p, CIs
    assert ours.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)  # wexp: -580.8857
    assert ours.baseline_cumulative_hazard_.shape[1] == len(ours.strata_levels_) == len(reference.baseline_cumulative_hazard_.columns)
    times = [5.0, 20.0, 40.0, 52.0]
    surv = ours.predict_survival_function(X, times=times)
    expected_surv = reference.predict_survival_function(X, times=times)[X.index]  # lifelines groups columns by stratum
    np.testing.assert_allclose(surv.to_numpy(), expected_surv.to_numpy(), atol=1e-6)
    np.testing.assert_array_equal(ours.predict_median_survival(X), reference.predict_median(X).loc[X.index].to_numpy())


def test_stratified_cox_errors_and_deep_comparison(rossi) -> None:
    from deepstat.estimators import DeepCoxPH
    from deepstat.evaluation import compare

    X = rossi.drop(columns=["week", "arrest"])
    y = (rossi["week"].to_numpy(float), rossi["arrest"].to_numpy())
    for bad_strata in (2.5, [], True):
        with pytest.raises(ValueError, match=r"`strata` of CoxPHBaseline must be None, a column name or a non-empty list"):
            CoxPHBaseline(strata=bad_strata).fit(X, y)
    with pytest.raises(TypeError, match=r"`X` of CoxPHBaseline must be a DataFrame holding the strata columns"):
        CoxPHBaseline(strata="wexp").fit(X.to_numpy(), y)
    fitted = CoxPHBaseline(strata="wexp").fit(X, y)
    with pytest.raises(ValueError, match=r"must hold strata seen in fit \[\(0,\), \(1,\)\]. Got 1 row\(s\) in unseen"):
        fitted.predict_survival_function(X.iloc[:2].assign(wexp=[0, 5]))
    deep = DeepCoxPH(strata="wexp", network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), max_epochs=20, random_state=0, verbose=0)
    result = compare({"deep": deep, "cox": CoxPHBaseline(strata="wexp")}, X, y, cv=2, n_boot=20, random_state=0)
    summary = result.summary.set_index(["model", "metric"])
    assert summary.loc[("cox", "harrell_c"), "mean"] > 0.55 and result.reference == "cox"


def test_compare_folds_keep_every_stratum_in_training(rossi) -> None:
    from deepstat.evaluation import compare

    X = rossi.drop(columns=["week", "arrest"]).assign(site="A")
    arrested, free = np.flatnonzero(rossi["arrest"] == 1), np.flatnonzero(rossi["arrest"] == 0)
    X.iloc[np.r_[arrested[:2], free[:2]], X.columns.get_loc("site")] = "B"  # a rare stratum: 4 rows
    y = (rossi["week"].to_numpy(float), rossi["arrest"].to_numpy())
    for seed in range(6):  # folds stratified by event only left B out of a training part for some seeds
        result = compare({"cox": CoxPHBaseline(strata="site")}, X, y, cv=2, n_boot=10, random_state=seed)
        assert np.isfinite(result.summary["mean"]).all()


def test_weighted_cox_equals_lifelines_weights_col(rossi, rng) -> None:
    # lifelines' weights_col with robust=False (model-based standard errors); precision 1e-12 so that
    # lifelines' own stopping rule does not limit the agreement
    X = rossi.drop(columns=["week", "arrest"])
    w = rng.integers(1, 4, size=len(rossi)).astype(float)
    frame = rossi.assign(w=w)
    for strata in (None, ["wexp"]):
        ours = CoxPHBaseline(strata=strata).fit(X, (rossi["week"], rossi["arrest"]), sample_weight=w)
        reference = lifelines.CoxPHFitter(strata=strata).fit(
            frame, "week", "arrest", weights_col="w", robust=False, fit_options={"precision": 1e-12}
        )
        np.testing.assert_allclose(ours.summary().to_numpy(), reference.summary.to_numpy(), rtol=1e-5, atol=1e-6)
        assert ours.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)
        surv = ours.predict_survival_function(X.iloc[:5])
        np.testing.assert_allclose(surv.to_numpy(), reference.predict_survival_function(X.iloc[:5]).loc[surv.index].to_numpy(), atol=1e-6)


def test_weighted_cox_equals_repeated_rows(rossi, rng) -> None:
    # integer weights = repeated rows for Breslow ties. A repeated row is a tie with itself, which
    # Efron's approximation would split; lifelines' weighted Efron does not, so on untied data it is the
    # repeated rows' Breslow fit
    X = rossi.drop(columns=["week", "arrest"])
    w = rng.integers(0, 4, size=len(rossi)).astype(float)  # zeros drop rows
    rows = np.repeat(np.arange(len(rossi)), w.astype(int))
    weighted = CoxPHBaseline(ties="breslow").fit(X, (rossi["week"], rossi["arrest"]), sample_weight=w)
    repeated = CoxPHBaseline(ties="breslow").fit(X.iloc[rows], (rossi["week"].iloc[rows], rossi["arrest"].iloc[rows]))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8)
    np.testing.assert_allclose(weighted.standard_errors_, repeated.standard_errors_, rtol=1e-8)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)
    np.testing.assert_allclose(weighted.predict_survival_function(X.iloc[:5]), repeated.predict_survival_function(X.iloc[:5]), atol=1e-10)
    time = rossi["week"].to_numpy() + rng.uniform(0, 0.5, size=len(rossi))  # untied times, one event per row
    a = CoxPHBaseline().fit(X, (time, rossi["arrest"]), sample_weight=np.maximum(w, 1))
    ones = np.repeat(np.arange(len(rossi)), np.maximum(w, 1).astype(int))
    b = CoxPHBaseline(ties="breslow").fit(X.iloc[ones], (time[ones], rossi["arrest"].to_numpy()[ones]))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8)
    with pytest.raises(ValueError, match=r"`sample_weight` of CoxPHBaseline must be non-negative"):
        CoxPHBaseline().fit(X, (rossi["week"], rossi["arrest"]), sample_weight=-w)
    with pytest.raises(ValueError, match=r"`sample_weight` of CoxPHBaseline must have shape \(432,\)"):
        CoxPHBaseline().fit(X, (rossi["week"], rossi["arrest"]), sample_weight=w[:3])
