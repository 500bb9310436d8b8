"""DeepCoxPH and DeepCoxTimeVarying: linear predictors reproduce lifelines and statsmodels; deep fits predict curves.

References: lifelines 0.30 ``CoxPHFitter`` (Efron ties) on the rossi data (Rossi, Berk & Lenihan 1980), lifelines
``CoxTimeVaryingFitter`` on the Stanford heart transplant data (Crowley & Hu 1977), statsmodels ``PHReg``
(Breslow ties).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_rossi, load_stanford_heart_transplants
from sklearn.base import clone

from deepstat.estimators import DeepCoxPH, DeepCoxTimeVarying
from deepstat.metrics.survival_baseline import breslow_cumulative_hazard
from deepstat.losses.survival_cox import cox_partial_nll, cox_partial_nll_counting
from deepstat.nn import MLP

LINEAR = {"network": "linear", "optimizer": "lbfgs", "dtype": "float64", "early_stopping": False, "max_epochs": 30, "verbose": 0, "random_state": 0}


@pytest.fixture(scope="module")
def rossi():
    df = load_rossi()
    return df.drop(columns=["week", "arrest"]), df["week"].to_numpy(float), df["arrest"].to_numpy()


@pytest.fixture(scope="module")
def rossi_fits(rossi):
    X, time, event = rossi
    reference = CoxPHFitter().fit(pd.concat([X, pd.DataFrame({"week": time, "arrest": event})], axis=1), "week", "arrest")
    model = DeepCoxPH(**LINEAR).fit(X, (time, event))
    return reference, model


def test_linear_cox_reproduces_lifelines_coefficients_on_rossi(rossi_fits) -> None:
    reference, model = rossi_fits
    coef = model.linear_coefficients()
    # lifelines CoxPHFitter().fit(load_rossi(), "week", "arrest").params_: fin -0.3794, age -0.0574, race 0.3139, ...
    np.testing.assert_allclose(coef[reference.params_.index].to_numpy(), reference.params_.to_numpy(), atol=1e-4)


def test_linear_cox_partial_likelihood_and_risk_match_lifelines(rossi, rossi_fits) -> None:
    X, time, event = rossi
    reference, model = rossi_fits
    risk = model.predict_risk(X)
    np.testing.assert_allclose(risk, reference.predict_log_partial_hazard(X).to_numpy(), atol=1e-4)
    import torch

    nll = cox_partial_nll(torch.as_tensor(risk), torch.as_tensor(time), torch.as_tensor(event), ties="efron", reduction="sum")
    # lifelines' log_likelihood_ on rossi: -658.7477
    assert -float(nll) == pytest.approx(reference.log_likelihood_, abs=1e-6)


def test_breslow_baseline_survival_matches_lifelines(rossi, rossi_fits) -> None:
    X, _, _ = rossi
    reference, model = rossi_fits
    times = reference.baseline_survival_.index.to_numpy()
    baseline = np.exp(-np.interp(times, model.event_times_, model.baseline_cumulative_hazard_))
    np.testing.assert_allclose(baseline, reference.baseline_survival_.iloc[:, 0].to_numpy(), rtol=1e-4)
    ours = model.predict_survival_function(X.iloc[:5], times=[10.0, 30.0, 52.0])
    theirs = reference.predict_survival_function(X.iloc[:5], times=[10.0, 30.0, 52.0]).T
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-4)
    assert list(ours.columns) == [10.0, 30.0, 52.0]
    np.testing.assert_allclose(
        model.predict_cumulative_hazard(X.iloc[:5], times=[30.0]).to_numpy(), -np.log(ours[[30.0]].to_numpy()), rtol=1e-12
    )
    np.testing.assert_array_equal(model.predict_median_survival(X.iloc[:5]), reference.predict_median(X.iloc[:5]).to_numpy())


def test_breslow_ties_match_statsmodels_phreg(rossi) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    X, time, event = rossi
    reference = PHReg(time, X.to_numpy(float), status=event, ties="breslow").fit()
    model = DeepCoxPH(ties="breslow", **LINEAR).fit(X, (time, event))
    np.testing.assert_allclose(model.linear_coefficients().to_numpy(), reference.params, atol=1e-4)


def test_structured_array_and_columns_give_the_same_fit(rossi) -> None:
    from sksurv.util import Surv

    X, time, event = rossi
    a = DeepCoxPH(**LINEAR).fit(X, Surv.from_arrays(event.astype(bool), time))
    b = DeepCoxPH(**LINEAR).fit(X, np.column_stack([time, event]))
    np.testing.assert_array_equal(a.predict_risk(X), b.predict_risk(X))


def test_weight_two_equals_a_duplicated_row(rng: np.random.Generator) -> None:
    # exactly so under Breslow's ties (a duplicated event is a tie, which Efron's method splits)
    X = rng.normal(size=(60, 2))
    time, event = rng.exponential(np.exp(-X[:, 0])), rng.uniform(size=60) < 0.7
    w = np.ones(60)
    w[:10] = 2.0
    weighted = DeepCoxPH(ties="breslow", **LINEAR).fit(X, (time, event), sample_weight=w)
    dup = np.r_[np.arange(60), np.arange(10)]
    duplicated = DeepCoxPH(ties="breslow", **LINEAR).fit(X[dup], (time[dup], event[dup]))
    np.testing.assert_allclose(weighted.linear_coefficients(), duplicated.linear_coefficients(), atol=1e-6)
    np.testing.assert_allclose(weighted.baseline_cumulative_hazard_, duplicated.baseline_cumulative_hazard_, rtol=1e-6)


def test_breslow_without_covariates_is_nelson_aalen() -> None:
    # Nelson-Aalen by hand on times 1, 2, 2, 3 (events 1, 1, 1, 0): 1/4, 1/4 + 2/3
    t, H = breslow_cumulative_hazard(np.array([1.0, 2.0, 2.0, 3.0]), np.array([True, True, True, False]), np.zeros(4))
    np.testing.assert_allclose(t, [1.0, 2.0])
    np.testing.assert_allclose(H, [0.25, 0.25 + 2 / 3])


@pytest.fixture(scope="module")
def stanford():
    return load_stanford_heart_transplants()


def test_time_varying_reproduces_lifelines_on_stanford(stanford) -> None:
    reference = CoxTimeVaryingFitter().fit(stanford, id_col="id", event_col="event", start_col="start", stop_col="stop")
    model = DeepCoxTimeVarying(**LINEAR).fit(stanford)
    coef = model.linear_coefficients()
    # lifelines on stanford: age 0.0272, year -0.1463, surgery -0.6372, transplant -0.0103
    np.testing.assert_allclose(coef[reference.params_.index].to_numpy(), reference.params_.to_numpy(), atol=1e-4)
    base = reference.baseline_cumulative_hazard_
    ours = np.interp(base.index.to_numpy(), model.event_times_, model.baseline_cumulative_hazard_)
    np.testing.assert_allclose(ours, base.iloc[:, 0].to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(
        model.predict_risk(stanford), reference.predict_log_partial_hazard(stanford).to_numpy(), atol=1e-4
    )
    assert model.n_subjects_ == stanford["id"].nunique()


def test_time_varying_validation_split_keeps_subjects_whole(stanford) -> None:
    from deepstat.train import StratifiedSplit

    ids = stanford["id"].to_numpy()
    train, val = (i.numpy() for i in StratifiedSplit(0.2, stanford["event"].to_numpy(), ids).split(len(ids), 0))
    assert not set(ids[train]) & set(ids[val])
    assert len(train) + len(val) == len(stanford)
    assert stanford["event"].to_numpy()[val].sum() > 0


def test_deep_cox_learns_a_nonlinear_risk(rng: np.random.Generator) -> None:
    # simulated truth: log hazard = x0^2 (a linear Cox model cannot rank it; C of the truth ~0.7)
    n = 600
    X = rng.normal(size=(n, 3))
    time = rng.exponential(np.exp(-(X[:, 0] ** 2)))
    censor = rng.exponential(2.0, n)
    y = (np.minimum(time, censor), time <= censor)
    model = DeepCoxPH(random_state=0, verbose=0).fit(X[:400], (y[0][:400], y[1][:400]))
    test = (y[0][400:], y[1][400:])
    linear = DeepCoxPH(**LINEAR).fit(X[:400], (y[0][:400], y[1][:400]))
    assert model.score(X[400:], test) > linear.score(X[400:], test) + 0.1
    curves = model.predict_survival_function(X[400:405])
    assert curves.shape == (5, len(model.event_times_))
    assert np.all(np.diff(curves.to_numpy(), axis=1) <= 0) and np.all((curves >= 0) & (curves <= 1))


def test_clone_and_seed_reproducibility(rossi) -> None:
    X, time, event = rossi
    model = DeepCoxPH(network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), max_epochs=15, random_state=3, verbose=0)
    a = model.fit(X, (time, event)).predict_risk(X)
    b = clone(model).fit(X, (time, event)).predict_risk(X)
    np.testing.assert_array_equal(a, b)
    assert clone(model).get_params()["ties"] == "efron"


def test_time_varying_summary_scores_held_out_subjects(stanford) -> None:
    import torch

    ids = stanford["id"].unique()
    train, test = stanford[stanford["id"].isin(ids[:70])], stanford[stanford["id"].isin(ids[70:])]
    model = DeepCoxTimeVarying(**LINEAR).fit(train)
    table = model.summary(test)["value"]
    assert table["test subjects"] == len(ids) - 70 and table["test events"] == int(test["event"].sum())
    expected = cox_partial_nll_counting(
        torch.as_tensor(model.predict_risk(test)), torch.as_tensor(test["start"].to_numpy(float)),
        torch.as_tensor(test["stop"].to_numpy(float)), torch.as_tensor(test["event"].to_numpy()), reduction="sum",
    )
    assert table["test partial log-likelihood"] == pytest.approx(-float(expected), abs=1e-6)
    assert table["train partial log-likelihood"] < 0
    with pytest.raises(ValueError, match=r"`y` of DeepCoxTimeVarying.summary must be None"):
        model.summary(test, test["event"])
