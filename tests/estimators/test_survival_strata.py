"""Stratified Cox models: ``DeepCoxPH(strata=...)`` and ``DeepCoxTimeVarying(strata=...)``.

References: lifelines 0.30 ``CoxPHFitter(strata=[...])`` on the rossi data and ``CoxTimeVaryingFitter(strata=[...])``
on the Stanford heart transplant data: the same coefficients (Efron ties), partial log-likelihood and survival curves,
each stratum with its own Breslow baseline hazard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_rossi, load_stanford_heart_transplants

from deepstat.estimators import DeepCoxPH, DeepCoxTimeVarying, load
from deepstat.losses.survival_cox import cox_partial_nll
from deepstat.nn import MLP

LINEAR = {"network": "linear", "optimizer": "lbfgs", "dtype": "float64", "early_stopping": False, "max_epochs": 30, "verbose": 0, "random_state": 0}
TIMES = [10.0, 30.0, 52.0]


@pytest.fixture(scope="module")
def rossi():
    df = load_rossi()
    return df, df.drop(columns=["week", "arrest"]), df["week"].to_numpy(float), df["arrest"].to_numpy()


@pytest.mark.parametrize("strata", [["wexp"], ["wexp", "mar"]])
def test_stratified_linear_cox_reproduces_lifelines(rossi, strata) -> None:
    df, X, time, event = rossi
    reference = CoxPHFitter(strata=strata).fit(df, "week", "arrest")
    model = DeepCoxPH(strata=strata, **LINEAR).fit(X, (time, event))
    coef = model.linear_coefficients()
    assert sorted(coef.index) == sorted(reference.params_.index)  # the strata columns are not covariates
    np.testing.assert_allclose(coef[reference.params_.index].to_numpy(), reference.params_.to_numpy(), atol=1e-4)
    # the stratified partial log-likelihood (each stratum its own risk sets) is lifelines' value
    codes = torch.as_tensor(pd.MultiIndex.from_frame(X[strata]).map(model.strata_levels_.index).to_numpy())
    nll = cox_partial_nll(
        torch.as_tensor(model.predict_risk(X)), torch.as_tensor(time), torch.as_tensor(event), strata=codes, reduction="sum"
    )
    assert -float(nll) == pytest.approx(reference.log_likelihood_, abs=1e-6)  # wexp: -580.8857
    assert model.baseline_cumulative_hazard_.shape == (len(model.strata_levels_), len(model.event_times_))
    ours = model.predict_survival_function(X, TIMES).to_numpy()
    theirs = reference.predict_survival_function(X, times=TIMES).T.loc[X.index].to_numpy()  # lifelines groups rows by stratum
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    np.testing.assert_array_equal(model.predict_median_survival(X), reference.predict_median(X).loc[X.index].to_numpy())


def test_strata_curves_differ_by_stratum_only_through_the_baseline(rossi) -> None:
    _, X, time, event = rossi
    model = DeepCoxPH(strata="wexp", **LINEAR).fit(X, (time, event))
    row = X.iloc[[0, 0]].copy()
    row["wexp"] = [0, 1]
    np.testing.assert_array_equal(model.predict_risk(row)[0], model.predict_risk(row)[1])  # one shared network
    curves = model.predict_survival_function(row, TIMES).to_numpy()
    assert not np.allclose(curves[0], curves[1])
    H0 = model.baseline_cumulative_hazard_
    idx = np.searchsorted(model.event_times_, TIMES, side="right") - 1
    np.testing.assert_allclose(-np.log(curves), np.exp(model.predict_risk(row))[:, None] * H0[:, idx], rtol=1e-12)


def test_stratified_deep_cox_fits_saves_and_loads(rossi, tmp_path) -> None:
    _, X, time, event = rossi
    model = DeepCoxPH(strata=["wexp"], network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), max_epochs=30, random_state=0, verbose=0).fit(X, (time, event))
    assert model.n_features_in_ == X.shape[1] - 1
    model.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.strata_levels_ == [(0,), (1,)]  # tuples again, as fit leaves them
    pd.testing.assert_frame_equal(loaded.predict_survival_function(X, TIMES), model.predict_survival_function(X, TIMES))
    assert loaded.summary(X, (time, event)).equals(model.summary(X, (time, event)))  # partial likelihood and strata kept


def test_stratified_fit_with_eval_set(rossi) -> None:
    _, X, time, event = rossi
    model = DeepCoxPH(strata="wexp", network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), max_epochs=30, random_state=0, verbose=0)
    model.fit(X.iloc[:300], (time[:300], event[:300]), eval_set=(X.iloc[300:], (time[300:], event[300:])))
    assert np.isfinite(model.history_.to_frame()["val_loss"]).all()


def test_strata_bad_input(rossi) -> None:
    _, X, time, event = rossi
    model = DeepCoxPH(strata="wexp", **LINEAR)
    with pytest.raises(TypeError, match=r"`X` of DeepCoxPH must be a DataFrame holding the strata columns \['wexp'\]"):
        model.fit(X.to_numpy(), (time, event))
    with pytest.raises(ValueError, match=r"must have the strata columns \['nope'\]"):
        DeepCoxPH(strata=["nope"], **LINEAR).fit(X, (time, event))
    bad = X.astype({"wexp": float})
    bad.loc[[3, 7], "wexp"] = np.nan
    with pytest.raises(ValueError, match=r"must have no missing values. Got 2 row\(s\) with NaN"):
        model.fit(bad, (time, event))
    for bad_strata in (3.5, [], True, ["wexp", None]):
        with pytest.raises(ValueError, match=r"`strata` of DeepCoxPH must be None, a column name or a non-empty list"):
            DeepCoxPH(strata=bad_strata).fit(X, (time, event))
    model.fit(X, (time, event))
    unseen = X.iloc[:4].assign(wexp=[0, 1, 2, 2])
    with pytest.raises(ValueError, match=r"must hold strata seen in fit \[\(0,\), \(1,\)\]. Got 2 row\(s\) in unseen strata"):
        model.predict_survival_function(unseen)


def test_stratified_time_varying_reproduces_lifelines() -> None:
    stanford = load_stanford_heart_transplants()
    reference = CoxTimeVaryingFitter(strata=["surgery"]).fit(
        stanford, id_col="id", event_col="event", start_col="start", stop_col="stop"
    )
    model = DeepCoxTimeVarying(strata=["surgery"], **LINEAR).fit(stanford)
    coef = model.linear_coefficients()
    np.testing.assert_allclose(coef[reference.params_.index].to_numpy(), reference.params_.to_numpy(), atol=1e-4)
    np.testing.assert_allclose(
        model.predict_risk(stanford), reference.predict_log_partial_hazard(stanford).to_numpy(), atol=1e-4
    )
    assert model.baseline_cumulative_hazard_.shape[0] == 2


def test_a_model_saved_before_strata_existed_loads_and_saves_again(rossi, tmp_path) -> None:
    import json

    _, X, time, event = rossi
    model = DeepCoxPH(network=MLP(hidden_sizes=(4,), batch_norm=True, dropout=0.1), max_epochs=3, random_state=0, verbose=0).fit(X, (time, event))
    model.save(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    for key in ("strata_levels_", "train_partial_log_likelihood_"):  # what an older deepstat did not write
        config["survival"].pop(key)
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    loaded = load(tmp_path / "old")
    loaded.save(tmp_path / "again")
    pd.testing.assert_frame_equal(load(tmp_path / "again").predict_survival_function(X, TIMES), model.predict_survival_function(X, TIMES))
