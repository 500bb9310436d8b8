"""SurvivalEnsemble: the averaged curve of seeded survival fits (checked member by member, and by Jensen's inequality)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from deepstat.baselines import CoxPHBaseline
from deepstat.estimators import DeepAFT, DeepCoxPH, DeepRegressor
from deepstat.inference import SurvivalEnsemble
from deepstat.metrics.survival_scores import integrated_brier_score
from deepstat.nn import MLP

FAST = {"network": MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), "max_epochs": 25, "verbose": 0}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    time = rng.exponential(np.exp(-X[:, 0] - 0.5 * X[:, 1] ** 2))
    censor = rng.exponential(1.5, 300)
    return X, np.minimum(time, censor), time <= censor


@pytest.fixture(scope="module")
def ensemble(data):
    X, t, e = data
    return SurvivalEnsemble(DeepCoxPH(**FAST), n_members=4, random_state=0).fit(X[:200], (t[:200], e[:200]))


def test_the_ensemble_curve_is_the_members_average(data, ensemble) -> None:
    X, _, _ = data
    grid = [0.2, 0.5, 1.0, 2.0]
    members = np.stack([m.predict_survival_function(X[200:], grid).to_numpy() for m in ensemble.estimators_])
    ours = ensemble.predict_survival_function(X[200:], grid)
    np.testing.assert_allclose(ours.to_numpy(), members.mean(axis=0), rtol=0, atol=1e-15)
    assert list(ours.columns) == grid and len({tuple(m.seed_ for m in ensemble.estimators_)}) == 1
    assert len(set(int(s) for s in ensemble.seeds_)) == 4  # distinct seeds
    np.testing.assert_allclose(ensemble.predict_cumulative_hazard(X[200:], grid).to_numpy(), -np.log(ours.to_numpy()))
    risk = np.mean([m.predict_risk(X[200:]) for m in ensemble.estimators_], axis=0)
    np.testing.assert_array_equal(ensemble.predict_risk(X[200:]), risk)
    full = ensemble.predict_survival_function(X[200:205])
    assert np.all(np.diff(full.to_numpy(), axis=1) <= 0) and full.shape[1] == ensemble.time_grid_.shape[0]
    below = full.to_numpy() <= 0.5
    expected = np.where(below.any(1), ensemble.time_grid_[below.argmax(1)], np.inf)
    np.testing.assert_array_equal(ensemble.predict_median_survival(X[200:205]), expected)


def test_the_ensemble_brier_score_is_at_most_the_members_mean(data, ensemble) -> None:
    # the Brier score is convex in S(t | x): by Jensen's inequality the averaged curve scores at most the members' mean
    X, t, e = data
    grid = np.linspace(np.quantile(t[200:], 0.1), np.quantile(t[200:], 0.9), 50)
    train, test = (t[:200], e[:200]), (t[200:], e[200:])

    def ibs(model) -> float:
        surv = model.predict_survival_function(X[200:], grid).to_numpy()
        return integrated_brier_score(*test, surv, times=grid, train_time=train[0], train_event=train[1])

    members = [ibs(m) for m in ensemble.estimators_]
    assert ibs(ensemble) <= np.mean(members) + 1e-12
    assert ensemble.score(X[200:], test) > 0.6


def test_one_member_is_the_member(data) -> None:
    X, t, e = data
    ens = SurvivalEnsemble(DeepAFT(family="weibull", **FAST), n_members=1, random_state=3).fit(X, (t, e))
    alone = clone(ens.estimator).set_params(random_state=int(ens.seeds_[0])).fit(X, (t, e))
    pd.testing.assert_frame_equal(ens.predict_survival_function(X[:5], [0.5, 1.0]), alone.predict_survival_function(X[:5], [0.5, 1.0]))


def test_the_ensemble_is_compared_with_cox(data) -> None:
    from deepstat.evaluation import compare

    X, t, e = data
    result = compare(
        {"ensemble": SurvivalEnsemble(DeepCoxPH(**FAST), n_members=2, random_state=0), "cox": CoxPHBaseline()},
        X, (t, e), cv=2, random_state=0, n_boot=20,
    )
    summary = result.summary.set_index(["model", "metric"])
    assert summary.loc[("ensemble", "harrell_c"), "mean"] > 0.6 and result.reference == "cox"
    assert set(result.tests["model"]) == {"ensemble"}


@pytest.mark.parametrize(
    ("estimator", "n_members", "match"),
    [
        (DeepCoxPH(**FAST), 0, r"`n_members` of SurvivalEnsemble"),
        (DeepRegressor(**FAST), 2, r"`estimator` of SurvivalEnsemble must have a `predict_survival_function` method"),
        (CoxPHBaseline(), 2, r"`estimator` of SurvivalEnsemble must have a `random_state` parameter"),
    ],
)
def test_bad_input_is_named(data, estimator, n_members, match) -> None:
    X, t, e = data
    with pytest.raises(ValueError, match=match):
        SurvivalEnsemble(estimator, n_members=n_members).fit(X, (t, e))
    fitted = SurvivalEnsemble(DeepCoxPH(**FAST), n_members=1, random_state=0)
    with pytest.raises(ValueError, match=r"`times` of SurvivalEnsemble.predict_survival_function must be finite"):
        fitted.fit(X[:50], (t[:50], e[:50])).predict_survival_function(X[:2], times=[1.0, -1.0])


def test_members_checkpoint_in_their_own_folders(data, tmp_path) -> None:
    X, t, e = data
    base = DeepCoxPH(network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1, linear_skip=False), max_epochs=10, verbose=0, checkpoint_dir=tmp_path, resume=True)
    ens = SurvivalEnsemble(base, n_members=3, random_state=0).fit(X[:200], (t[:200], e[:200]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["member_0", "member_1", "member_2"]
    risks = [m.predict_risk(X[:20]) for m in ens.estimators_]
    assert not np.allclose(risks[0], risks[1])  # a shared folder made every member resume the first one's fit
    again = SurvivalEnsemble(base, n_members=3, random_state=0).fit(X[:200], (t[:200], e[:200]))  # resumes each its own
    np.testing.assert_array_equal(again.predict_risk(X[:20]), ens.predict_risk(X[:20]))


def test_competing_risks_incidences_are_averaged(data) -> None:
    from deepstat.estimators import DeepHit

    X, t, e = data
    cause = np.where(e, 1 + (X[:, 2] > 0), 0)
    ens = SurvivalEnsemble(DeepHit(**FAST), n_members=2, random_state=0).fit(X, (t, cause))
    grid = [0.2, 0.5, 1.0]
    members = np.stack([m.predict_cumulative_incidence(X[:10], grid).to_numpy() for m in ens.estimators_])
    ours = ens.predict_cumulative_incidence(X[:10], grid)
    np.testing.assert_allclose(ours.to_numpy(), members.mean(axis=0), atol=1e-15)
    assert list(ours.columns.get_level_values("cause").unique()) == [1, 2]
    with pytest.raises(ValueError, match=r"must have a `predict_cumulative_incidence` method"):
        SurvivalEnsemble(DeepCoxPH(**FAST), n_members=1, random_state=0).fit(X, (t, e)).predict_cumulative_incidence(X[:2])


def test_save_and_load_round_trip(data, ensemble, tmp_path) -> None:
    import json

    from deepstat import load

    X, _, _ = data
    ensemble.save(tmp_path / "ens")
    loaded = load(tmp_path / "ens")
    assert isinstance(loaded, SurvivalEnsemble) and len(loaded.estimators_) == 4
    pd.testing.assert_frame_equal(loaded.predict_survival_function(X[:10]), ensemble.predict_survival_function(X[:10]))
    np.testing.assert_array_equal(loaded.seeds_, ensemble.seeds_)
    manifest = json.loads((tmp_path / "ens" / "ensemble.json").read_text())
    (tmp_path / "ens" / "ensemble.json").write_text(json.dumps({**manifest, "format": "other"}))
    with pytest.raises(ValueError, match=r"must hold a deepstat ensemble manifest. Got an ensemble.json with format 'other'"):
        load(tmp_path / "ens")
    (tmp_path / "ens" / "ensemble.json").write_text(json.dumps(manifest))
    (tmp_path / "ens" / "member_1" / "extra.pkl").write_bytes(b"\x80\x04K\x01.")  # a planted pickle is refused
    with pytest.raises(ValueError, match=r"pickle"):
        load(tmp_path / "ens")
    with pytest.raises(ValueError, match=r"`members` of SurvivalEnsemble.from_members must be a non-empty list"):
        SurvivalEnsemble.from_members([])


def test_saving_one_kind_over_the_other_leaves_one_model(data, ensemble, tmp_path) -> None:
    import json

    from deepstat import load

    X, t, e = data
    single = DeepCoxPH(**FAST, random_state=1).fit(X, (t, e))
    folder = tmp_path / "m"
    ensemble.save(folder)
    single.save(folder)  # over an ensemble: its manifest and members go
    assert isinstance(load(folder), DeepCoxPH) and not (folder / "member_0").exists()
    ensemble.save(folder)  # over a single model: its files go
    assert isinstance(load(folder), SurvivalEnsemble) and not (folder / "config.json").exists()
    SurvivalEnsemble.from_members(ensemble.estimators_[:2]).save(folder)  # a smaller ensemble: stale members go
    assert sorted(p.name for p in folder.iterdir()) == ["ensemble.json", "member_0", "member_1"]
    np.testing.assert_array_equal(load(folder).seeds_, [m.seed_ for m in ensemble.estimators_[:2]])
    manifest = json.loads((folder / "ensemble.json").read_text())
    for field, value, message in [
        ("seeds", 5, r"`seeds` of ensemble.json must be null or a list of 2 ints"),
        ("seeds", [1], r"`seeds` of ensemble.json must be null or a list of 2 ints"),
        ("n_members", True, r"`n_members` of ensemble.json must be an int >= 1"),
        ("format_version", 99, r"newer than this deepstat"),
        ("class", "DeepEnsemble", r"`class` of ensemble.json must be 'SurvivalEnsemble'"),
        ("random_state", [1, 2], r"`random_state` of ensemble.json must be null or an int"),
    ]:
        (folder / "ensemble.json").write_text(json.dumps({**manifest, field: value}))
        with pytest.raises(ValueError, match=message):
            load(folder)


def test_a_failed_save_leaves_nothing_loadable_half_old(data, ensemble, tmp_path) -> None:
    from deepstat import load

    folder = tmp_path / "m"
    ensemble.save(folder)

    class Unsaveable:
        def __init__(self, member):
            self.member = member

        def __getattr__(self, name):
            return getattr(self.member, name)

        def save(self, path):
            raise OSError("disk full")

    broken = SurvivalEnsemble.from_members(ensemble.estimators_[:2])
    broken.estimators_[1] = Unsaveable(broken.estimators_[1])
    with pytest.raises(OSError, match="disk full"):
        broken.save(folder)
    with pytest.raises(FileNotFoundError):  # no manifest: neither the old ensemble nor a mix of old and new
        load(folder)
