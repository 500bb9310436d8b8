"""DeepAFT, LogisticHazard and DeepHit: a linear Weibull AFT reproduces lifelines; discrete-time curves and incidences are coherent.

References: lifelines 0.30 ``WeibullAFTFitter`` and ``LogNormalAFTFitter`` on the rossi data (Rossi, Berk & Lenihan 1980).
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import LogNormalAFTFitter, WeibullAFTFitter
from lifelines.datasets import load_rossi

from deepstat.estimators import DeepAFT, DeepHit, LogisticHazard
from deepstat.estimators.survival.discrete import event_time_cuts
from deepstat.nn import MLP

LINEAR = {"network": "linear", "optimizer": "lbfgs", "dtype": "float64", "early_stopping": False, "max_epochs": 60, "verbose": 0, "random_state": 0}
SMALL = {"network": MLP(hidden_sizes=(16,), batch_norm=True, dropout=0.1), "max_epochs": 30, "verbose": 0, "random_state": 0}


@pytest.fixture(scope="module")
def rossi():
    df = load_rossi()
    return df, df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy())


@pytest.mark.parametrize(("family", "fitter"), [("weibull", WeibullAFTFitter), ("lognormal", LogNormalAFTFitter)])
def test_linear_aft_matches_lifelines_log_likelihood(rossi, family, fitter) -> None:
    df, X, y = rossi
    reference = fitter().fit(df, "week", "arrest")
    model = DeepAFT(family, **LINEAR).fit(X, y)
    # lifelines log_likelihood_ on rossi: Weibull AFT -679.917 (a sum over the 432 rows)
    assert model.train_log_likelihood_ * len(df) == pytest.approx(reference.log_likelihood_, abs=1e-4)
    assert model.log_likelihood(X, y) * len(df) == pytest.approx(reference.log_likelihood_, abs=1e-4)
    if family == "weibull":  # lifelines' lambda_ is the log scale, our "scale" row
        coef = model.linear_coefficients().loc["scale"]
        ref = reference.params_["lambda_"]
        np.testing.assert_allclose(coef[ref.index.drop("Intercept")], ref.drop("Intercept"), atol=1e-3)
        np.testing.assert_allclose(
            model.predict_median_survival(X.iloc[:5]), reference.predict_median(X.iloc[:5]).to_numpy(), rtol=1e-3
        )


def test_aft_curves_are_coherent(rossi) -> None:
    _, X, y = rossi
    model = DeepAFT("loglogistic", **SMALL).fit(X, y)
    S = model.predict_survival_function(X.iloc[:4], times=[5.0, 20.0, 52.0]).to_numpy()
    assert np.all(np.diff(S, axis=1) <= 0) and np.all((S > 0) & (S <= 1))
    H = model.predict_cumulative_hazard(X.iloc[:4], times=[5.0, 20.0, 52.0]).to_numpy()
    np.testing.assert_allclose(H, -np.log(S), rtol=1e-10)
    median = model.predict_median_survival(X.iloc[:4])
    # S(median) = 1/2 in closed form
    at_median = np.array([model.predict_survival_function(X.iloc[[i]], times=[median[i]]).iloc[0, 0] for i in range(4)])
    np.testing.assert_allclose(at_median, 0.5, atol=1e-4)
    np.testing.assert_allclose(model.predict_risk(X.iloc[:4]), -np.log(median))


def test_event_time_cuts_span_all_times() -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    cuts = event_time_cuts(time, np.array([1, 1, 1, 1, 0], bool), 4)
    # quantiles 0.25, 0.5, 0.75 of the event times 1, 2, 3, 4 (numpy's linear rule), then the largest time
    np.testing.assert_allclose(cuts, [0.0, 1.75, 2.5, 3.25, 10.0])


def _simulated(rng: np.random.Generator, n: int = 600):
    X = rng.normal(size=(n, 3))
    t = rng.exponential(np.exp(-X[:, 0]))
    c = rng.exponential(2.0, n)
    return X, np.minimum(t, c), t <= c


def test_logistic_hazard_ranks_and_gives_step_curves(rng: np.random.Generator) -> None:
    X, time, event = _simulated(rng)
    model = LogisticHazard(**SMALL).fit(X[:400], (time[:400], event[:400]))
    assert model.score(X[400:], (time[400:], event[400:])) > 0.65  # true log hazard x0: C ~0.7
    S = model.predict_survival_function(X[400:410])
    assert list(S.columns) == list(model.cuts_)
    assert np.all(S.iloc[:, 0] == 1.0) and np.all(np.diff(S.to_numpy(), axis=1) <= 1e-12)
    # a step function: constant between cuts
    mid = (model.cuts_[1] + model.cuts_[2]) / 2
    np.testing.assert_allclose(
        model.predict_survival_function(X[400:410], times=[mid]).to_numpy()[:, 0], S.iloc[:, 1].to_numpy()
    )
    assert np.all(np.isfinite(model.predict_median_survival(X[400:410])) | (S.iloc[:, -1] > 0.5).to_numpy())


def test_deephit_competing_risks_incidences_add_up(rng: np.random.Generator) -> None:
    X, time, event = _simulated(rng)
    cause = np.where(event, np.where(X[:, 1] > 0, 2, 1), 0)  # cause 2 when x1 > 0
    model = DeepHit(**SMALL).fit(X, (time, cause))
    assert model.n_causes_ == 2
    cif = model.predict_cumulative_incidence(X[:50])
    S = model.predict_survival_function(X[:50])
    np.testing.assert_allclose(cif[1].to_numpy() + cif[2].to_numpy() + S.to_numpy(), 1.0, atol=1e-10)
    assert np.all(np.diff(cif[1].to_numpy(), axis=1) >= 0)
    # the network learns which cause: x1 > 0 gets the larger incidence of cause 2 at the last cut
    last = model.cuts_[-1]
    share = cif[(2, last)] / (cif[(1, last)] + cif[(2, last)])
    assert share[X[:50, 1] > 0].mean() > share[X[:50, 1] <= 0].mean() + 0.2


def test_deephit_single_risk_takes_a_structured_array(rng: np.random.Generator) -> None:
    from sksurv.util import Surv

    X, time, event = _simulated(rng, 200)
    model = DeepHit(**SMALL).fit(X, Surv.from_arrays(event, time))
    assert model.n_causes_ == 1
    assert 0.5 < model.score(X, Surv.from_arrays(event, time)) <= 1.0


@pytest.mark.parametrize("cls", ["DeepCoxPH", "DeepCoxTimeVarying", "DeepAFT", "LogisticHazard", "DeepHit"])
def test_save_load_round_trip(tmp_path, rng: np.random.Generator, cls) -> None:
    import pandas as pd

    import deepstat.estimators as est

    X, time, event = _simulated(rng, 120)
    if cls == "DeepCoxTimeVarying":
        X = pd.DataFrame({"id": np.arange(120), "start": 0.0, "stop": time, "event": event.astype(int), "x": X[:, 0]})
        model = est.DeepCoxTimeVarying(**SMALL).fit(X)
    else:
        model = getattr(est, cls)(**SMALL).fit(X, (time, event))
    model.save(tmp_path / "m")
    loaded = est.load(tmp_path / "m")
    assert type(loaded) is type(model)
    times = [0.1, 0.5, 1.0, 3.0]
    np.testing.assert_array_equal(loaded.predict_risk(X), model.predict_risk(X))
    np.testing.assert_array_equal(loaded.predict_survival_function(X, times), model.predict_survival_function(X, times))
    np.testing.assert_array_equal(loaded.time_grid_, model.time_grid_)


def test_estimators_encode_named_survival_targets(rng: np.random.Generator) -> None:
    # the targets the losses get are SurvivalTargets with the fields each model reads, not columns
    import torch

    from deepstat.data import SurvivalTarget
    from deepstat.estimators import DeepCoxPH

    X = rng.normal(size=(60, 2))
    time, cause = rng.exponential(1.0, 60), rng.integers(0, 3, 60)
    event = cause > 0
    fast = {"max_epochs": 2, "verbose": 0, "random_state": 0}
    cox = DeepCoxPH(**fast).fit(X, (time, event))._encode_target((time, event), fitting=False)
    assert isinstance(cox, SurvivalTarget) and cox.start is None and cox.bin is None
    np.testing.assert_array_equal(cox.time.numpy(), np.unique(time, return_inverse=True)[1])  # dense ranks
    aft = DeepAFT(**fast).fit(X, (time, event))._encode_target((time, event), fitting=False)
    np.testing.assert_allclose(aft.time.numpy(), time, rtol=1e-6)  # float32 times
    np.testing.assert_array_equal(aft.event.numpy(), event)
    model = DeepHit(n_durations=4, **fast).fit(X, (time, cause))
    hit = model._encode_target((time, cause), fitting=False)
    assert hit.event.dtype == torch.int64 and torch.equal(hit.event, torch.as_tensor(cause))
    np.testing.assert_array_equal(hit.bin.numpy(), np.clip(np.searchsorted(model.cuts_, time) - 1, 0, None))
    lh = LogisticHazard(n_durations=4, **fast).fit(X, (time, event))._encode_target((time, event), fitting=False)
    assert lh.bin is not None and lh.strata is None
