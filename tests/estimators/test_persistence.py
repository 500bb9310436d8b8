"""Saving and loading: safetensors + JSON round trip, and pickles are refused."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest

from deepstat.estimators import DeepClassifier, DeepRegressor, load
from deepstat.nn import MLP


class _Planted:
    """An object whose unpickling would create a marker file: proof that nothing was unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def saved(tmp_path, rng: np.random.Generator):
    df = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["u", "v"], size=200)})
    y = rng.poisson(np.exp(0.3 * df["x"].to_numpy()) + (df["g"] == "v").to_numpy())
    model = DeepRegressor(family="negative_binomial", network=MLP(hidden_sizes=(8,)), max_epochs=5, random_state=0, verbose=0).fit(df, y)
    path = tmp_path / "model"
    model.save(path)
    return model, df, y, path


def test_round_trip_regressor(saved) -> None:
    model, df, y, path = saved
    assert sorted(os.listdir(path)) == ["config.json", "model.safetensors"]
    loaded = DeepRegressor.load(path)
    np.testing.assert_array_equal(loaded.predict(df), model.predict(df))
    np.testing.assert_array_equal(loaded.predict_quantiles(df, [0.1, 0.9]), model.predict_quantiles(df, [0.1, 0.9]))
    assert loaded.log_likelihood(df, y) == model.log_likelihood(df, y)
    assert loaded.get_params()["family"] == "negative_binomial"
    assert loaded.history_.to_frame().equals(model.history_.to_frame())
    with pytest.raises(ValueError, match=r"unseen"):
        loaded.predict(pd.DataFrame({"x": [0.0], "g": ["w"]}))


def test_the_network_is_saved_as_a_config(saved) -> None:
    model, df, _, path = saved
    config = json.loads((path / "config.json").read_text())
    assert config["format_version"] == 2
    assert config["network"] == {"name": "mlp", "params": {"hidden_sizes": [8], "activation": "relu", "batch_norm": False,
                                                           "dropout": 0.0, "init": "he", "linear_skip": True}}
    assert config["params"]["network"] == config["network"]
    assert config["input_spec"]["kind"] == "table" and config["input_spec"]["n_features"] == 3  # x and both levels of g
    loaded = DeepRegressor.load(path)
    assert loaded.network == MLP(hidden_sizes=(8,)) and loaded.network_ == MLP(hidden_sizes=(8,))
    assert loaded._describe_network() == model._describe_network()


def test_a_format_1_save_still_loads(tmp_path, rng: np.random.Generator) -> None:
    """Models saved before networks were configs (flat hidden_sizes=, activation= ...) load unchanged, as the plain
    MLP they were (no linear skip: that came later)."""
    df = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["u", "v"], size=200)})
    y = rng.poisson(np.exp(0.3 * df["x"].to_numpy()) + (df["g"] == "v").to_numpy())
    plain = MLP(hidden_sizes=(8,), linear_skip=False)
    model = DeepRegressor(family="negative_binomial", network=plain, max_epochs=5, random_state=0, verbose=0).fit(df, y)
    path = tmp_path / "model"
    model.save(path)
    config = json.loads((path / "config.json").read_text())
    config["format_version"] = 1
    del config["network"], config["input_spec"]
    config["params"].pop("network")
    config["params"].update(hidden_sizes=[8], activation="relu", batch_norm=False, dropout=0.0, init="he")
    (path / "config.json").write_text(json.dumps(config))
    loaded = DeepRegressor.load(path)
    assert loaded.network == plain
    np.testing.assert_array_equal(loaded.predict(df), model.predict(df))


def test_a_saved_network_name_outside_the_registry_is_refused(saved) -> None:
    _, _, _, path = saved
    config = json.loads((path / "config.json").read_text())
    config["network"] = {"name": "builtins.eval", "params": {}}
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"`network.name` of load must be one of"):
        DeepRegressor.load(path)


def test_round_trip_classifier(tmp_path, rng: np.random.Generator) -> None:
    X = rng.normal(size=(150, 3))
    y = np.array(["a", "b", "c"])[np.argmax(X, axis=1)]
    clf = DeepClassifier(network=MLP(hidden_sizes=(8,)), max_epochs=5, random_state=0, verbose=0).fit(X, y)
    clf.save(tmp_path / "clf")
    loaded = load(tmp_path / "clf")
    assert isinstance(loaded, DeepClassifier)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_planted_pickle_file_is_refused(saved, tmp_path) -> None:
    _, _, _, path = saved
    marker = tmp_path / "pwned"
    with open(path / "extra.pkl", "wb") as fh:
        pickle.dump(_Planted(str(marker)), fh)
    with pytest.raises(ValueError, match=r"never unpickles"):
        DeepRegressor.load(path)
    assert not marker.exists()


def test_pickle_disguised_as_weights_is_refused(saved, tmp_path) -> None:
    _, _, _, path = saved
    marker = tmp_path / "pwned"
    with open(path / "model.safetensors", "wb") as fh:
        pickle.dump(_Planted(str(marker)), fh)
    with pytest.raises(ValueError, match=r"never unpickles"):
        DeepRegressor.load(path)
    assert not marker.exists()


def test_corrupt_weights_and_config(saved) -> None:
    _, _, _, path = saved
    (path / "config.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match=r"deepstat model config"):
        DeepRegressor.load(path)


def test_missing_directory(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"does not exist"):
        DeepRegressor.load(tmp_path / "nope")


def test_wrong_class(saved) -> None:
    _, _, _, path = saved
    with pytest.raises(TypeError, match=r"not a DeepClassifier"):
        DeepClassifier.load(path)


@pytest.mark.parametrize("family", ["gamma-inverse", "bernoulli-cloglog", "inverse_gaussian-inverse_squared"])
def test_round_trip_keeps_the_link_and_the_new_family(tmp_path, rng: np.random.Generator, family: str) -> None:
    """issue 11, item 2: a family instance with a link (and the inverse Gaussian) saves and loads as it was."""
    from deepstat.families import get_family

    name, link = family.split("-")
    X = rng.uniform(0.5, 1.5, size=(120, 2))
    y = {"gamma": lambda: rng.gamma(3.0, 1 / (0.5 + 0.2 * X[:, 0]) / 3.0),
         "bernoulli": lambda: (rng.random(120) < 0.4).astype(float),
         "inverse_gaussian": lambda: rng.wald(1 / np.sqrt(0.3 + 0.1 * X[:, 0]), 5.0)}[name]()
    fam = get_family(name, link=link)
    model = DeepRegressor(family=fam, network="linear", verbose=0, random_state=0).fit(X, y)
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["family"] == {"name": name, "link": link}
    loaded = load(tmp_path / "m")
    assert loaded.family_ == fam and loaded.family_.link == link and loaded.get_params()["family"] == fam
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.log_likelihood(X, y) == model.log_likelihood(X, y)


def test_round_trip_keeps_the_binomial_trials(tmp_path, rng: np.random.Generator) -> None:
    """The head that carries each row's trials into eta (data_trials) is saved and rebuilt (issue 11, item 2)."""
    from deepstat.families import Binomial

    X = pd.DataFrame({"x": rng.normal(size=80), "n": rng.integers(1, 20, size=80)})
    k = rng.binomial(X["n"], 0.4)
    model = DeepRegressor(family=Binomial("probit"), trials="n", network="linear", verbose=0, random_state=0).fit(X, k)
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["head"]["data_trials"] is True and config["family"] == {"name": "binomial", "link": "probit"}
    loaded = load(tmp_path / "m")
    assert loaded.get_params()["trials"] == "n" and loaded.family_ == Binomial("probit")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proportion(X), model.predict_proportion(X))
    assert loaded.log_likelihood(X, k) == model.log_likelihood(X, k)
