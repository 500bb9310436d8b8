"""A model folder someone else sent you: tampered, corrupt or raced saves are refused, never run (issue 10, item 7)."""

from __future__ import annotations

import json
import warnings
import os
import shutil
import threading

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file

from deepstat.estimators import DeepAFT, DeepCoxPH, DeepRegressor, load
from deepstat.data.formula import check_formula_safe
from deepstat.estimators.persistence import MODEL_ID_KEY
from deepstat.nn import MLP

FAST = dict(network=MLP(hidden_sizes=(4,)), max_epochs=2, verbose=0, random_state=0)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.uniform(1, 2, 80), "g": rng.choice(["a", "b"], 80)})
    df["y"] = rng.normal(np.log(df["x"]), 0.3)
    return df


@pytest.fixture
def saved(tmp_path, frame):
    model = DeepRegressor.from_formula("y ~ np.log(x) + C(g)", frame, **FAST)
    path = tmp_path / "model"
    model.save(path)
    return model, path


def _edit(path, change) -> None:
    config = json.loads((path / "config.json").read_text())
    change(config)
    (path / "config.json").write_text(json.dumps(config))


# ------------------------------------------------------------------ 1. formulas are never evaluated as given
@pytest.mark.parametrize(
    "formula",
    [
        "y ~ I(np.ctypeslib.load_library('libc', '/lib'))",  # the reproduced attack reached np.ctypeslib
        "y ~ {__import__('os').system('touch pwned')}",
        "y ~ {open('pwned', 'w')}",
        "y ~ x.__class__",
        "y ~ I(x.__class__.__bases__)",
        "y ~ I(np.log.__globals__)",
        "np.save('pwned', 1) ~ x",
    ],
)
def test_a_tampered_formula_is_refused_at_load(saved, tmp_path, formula, monkeypatch) -> None:
    _, path = saved
    monkeypatch.chdir(tmp_path)
    _edit(path, lambda c: c["formula"].update(formula=formula))
    with pytest.raises(ValueError, match=r"`formula` of .*config.json must"):
        load(path)
    assert not list(tmp_path.glob("pwned*"))


def test_the_safe_grammar_admits_what_statisticians_write(saved, frame) -> None:
    model, path = saved
    np.testing.assert_array_equal(load(path).predict(frame), model.predict(frame))
    for formula in ["y ~ x + np.log(x2) + C(g) + x:z + I(x**2) + {x**3} + `a b`", "np.log(y) ~ Sepal.Length * C(g, contr.treatment('b'))",
                    "y ~ np.sqrt(x) + np.exp(-x / 2) + I(x > 1)"]:
        assert check_formula_safe(formula, "load") == formula


# ------------------------------------------------------------------ 2. no false pickle alarm
def test_a_header_length_of_128_mod_256_is_not_a_pickle(tmp_path, frame) -> None:
    """The old check read the first byte, the low byte of the header length, as pickle's PROTO opcode."""
    X, y = frame[["x"]].to_numpy(), frame["y"].to_numpy()
    model = DeepRegressor(**FAST).fit(X, y)
    model.save(tmp_path / "m")
    weights = tmp_path / "m" / "model.safetensors"
    state = load_file(weights)
    metadata = {MODEL_ID_KEY: json.loads((tmp_path / "m" / "config.json").read_text())["model_id"]}
    for pad in range(0, 400):
        save_file(state, str(weights), metadata={**metadata, "pad": "x" * pad})
        if weights.read_bytes()[0] == 0x80:
            break
    assert weights.read_bytes()[0] == 0x80  # the header length is 128 mod 256
    np.testing.assert_array_equal(load(tmp_path / "m").predict(X), model.predict(X))


def test_real_pickles_and_torch_zips_are_still_refused(saved) -> None:
    _, path = saved
    torch.save({"w": torch.zeros(2)}, path / "model.safetensors")  # a zip that holds a pickle
    with pytest.raises(ValueError, match=r"zip archive .*never unpickles"):
        load(path)


# ------------------------------------------------------------------ 3. one save, one model
def test_weights_and_config_of_different_saves_are_refused(tmp_path, frame) -> None:
    X, y = frame[["x"]].to_numpy(), frame["y"].to_numpy()
    DeepRegressor(**FAST).fit(X, y).save(tmp_path / "a")
    DeepRegressor(**{**FAST, "random_state": 1}).fit(X, y).save(tmp_path / "b")
    shutil.copy(tmp_path / "b" / "config.json", tmp_path / "a" / "config.json")  # same shapes, other weights
    with pytest.raises(ValueError, match=r"model.safetensors and config.json of different saves"):
        load(tmp_path / "a")


def test_a_save_leaves_one_folder_and_no_staging(tmp_path, frame) -> None:
    X, y = frame[["x"]].to_numpy(), frame["y"].to_numpy()
    model = DeepRegressor(**FAST).fit(X, y)
    model.save(tmp_path / "m")
    model.save(tmp_path / "m")  # over itself: swapped in whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    (tmp_path / "m" / "notes.txt").write_text("mine")  # a folder with the user's files: they stay
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors", "notes.txt"]


def test_concurrent_saves_never_load_a_mix(tmp_path, frame) -> None:
    X, y = frame[["x"]].to_numpy(), frame["y"].to_numpy()
    models = [DeepRegressor(**{**FAST, "random_state": s}).fit(X, y) for s in (0, 1)]
    expected = [m.predict(X) for m in models]
    target = tmp_path / "shared"
    models[0].save(target)
    stop = threading.Event()
    errors: list[BaseException] = []

    def saver(model) -> None:
        try:
            while not stop.is_set():
                model.save(target)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=saver, args=(m,)) for m in models]
    for t in threads:
        t.start()
    loaded = 0
    try:
        for _ in range(150):
            try:
                got = load(target).predict(X)
            except FileNotFoundError:  # between the swap's two renames: no model, said clearly
                continue
            assert any(np.array_equal(got, e) for e in expected)
            loaded += 1
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors and loaded > 0
    assert not [p.name for p in tmp_path.iterdir() if p.name != "shared"]


# ------------------------------------------------------------------ 4. shapes and schema before anything is built
def test_a_config_asking_for_a_huge_network_is_refused_before_allocating(saved) -> None:
    _, path = saved
    huge = {"name": "mlp", "params": {"hidden_sizes": [10**9], "activation": "relu", "batch_norm": False, "dropout": 0.0, "init": "he",
                                "linear_skip": True}}
    _edit(path, lambda c: c.update(network=huge, params={**c["params"], "network": huge}))
    with pytest.raises(ValueError, match=r"tensor 'body.network.hidden.0.weight' has shape \(4, 2\) in model.safetensors and \(1000000000, 2\)"):
        load(path)


def test_a_weights_header_that_lies_about_its_sizes_is_refused(saved) -> None:
    _, path = saved
    raw = (path / "model.safetensors").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    name = next(k for k in header if k != "__metadata__")
    header[name]["shape"] = [10**9, 10**9]
    text = json.dumps(header).encode()
    (path / "model.safetensors").write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n :])
    with pytest.raises(ValueError, match=r"must hold a safetensors file model.safetensors. Got an invalid file instead: tensor"):
        load(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\xff\xfe\x00garbage", r"UTF-8 JSON config.json. Got bytes that are not text"),
        (b"[" * 100_000 + b"]" * 100_000, r"nested too deeply|deepstat model config"),
        (b"{not json", r"JSON config.json. Got invalid JSON"),
    ],
)
def test_unreadable_configs_give_one_clear_error(saved, content, match) -> None:
    _, path = saved
    (path / "config.json").write_bytes(content)
    with pytest.raises(ValueError, match=match):
        load(path)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("params", None, r"`params` of .*config.json must be an object of hyperparameters. Got None"),
        ("head", {"n_params": 10**12, "n_modelled": 1}, r"`head.n_params` of .*config.json must be an int in \[1, 10000\]"),
        ("model_id", 7, r"`model_id` of .*config.json must be a string"),
        ("history", "x", r"`history` of .*config.json must be an object"),
        ("format_version", "2", r"`format_version` of .*config.json must be a positive int"),
        ("network", {"name": "mlp", "params": {"hidden_sizes": "64"}}, r"hidden_sizes"),
        ("preprocessor", {}, r"`preprocessor.standardize` of .*config.json must be a bool. Got 'no such field'"),
        ("input_spec", {"kind": "table", "n_features": 9, "shape": [9], "n_edge_features": 0}, r"`input_spec.n_features` of .*config.json must equal the 2 encoded"),
        ("estimator", "DeepTrojan", r"unknown estimator 'DeepTrojan'"),
    ],
)
def test_tampered_fields_are_named(saved, field, value, match) -> None:
    _, path = saved
    _edit(path, lambda c: c.update({field: value}))
    with pytest.raises(ValueError, match=match):
        load(path)


def test_a_missing_field_is_named(saved) -> None:
    _, path = saved
    _edit(path, lambda c: c.pop("seed"))
    with pytest.raises(ValueError, match=r"`seed` of .*config.json must be an int. Got no such field instead"):
        load(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@given(data=st.data())
@settings(max_examples=int(os.environ.get('DEEPSTAT_FUZZ', 60)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_tampering_of_a_field_is_a_value_error_or_a_working_model(saved, frame, data) -> None:
    model, path = saved
    original = (path / "config.json").read_text()
    config = json.loads(original)
    section = data.draw(st.sampled_from(sorted(config)))
    if isinstance(config[section], dict) and config[section] and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(config[section])))
        config[section][key] = data.draw(_JSON)
    else:
        config[section] = data.draw(_JSON)
    (path / "config.json").write_text(json.dumps(config))
    try:
        loaded = load(path)
        assert np.all(np.isfinite(loaded.predict(frame)))  # a tampering that loads gives a model that predicts
    except ValueError:
        pass  # the one error a tampered file may give
    finally:
        (path / "config.json").write_text(original)


@pytest.fixture(scope="module")
def saved_cox(tmp_path_factory):
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"x": rng.normal(size=80), "s": rng.choice(["u", "v"], 80)})
    time = rng.exponential(np.exp(-0.5 * X["x"].to_numpy()))
    model = DeepCoxPH(strata="s", **FAST).fit(X, (time, rng.random(80) < 0.7))
    path = tmp_path_factory.mktemp("cox") / "model"
    model.save(path)
    return X, path


@given(data=st.data())
@settings(max_examples=int(os.environ.get("DEEPSTAT_FUZZ", 60)), deadline=None)
def test_any_tampering_of_a_survival_model_is_a_value_error_or_a_working_model(saved_cox, data) -> None:
    X, path = saved_cox
    original = (path / "config.json").read_text()
    config = json.loads(original)
    section = data.draw(st.sampled_from(["survival", "params", "preprocessor", "history", "fit_stats", "head", "network"]))
    if isinstance(config[section], dict) and config[section] and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(config[section])))
        config[section][key] = data.draw(_JSON)
    else:
        config[section] = data.draw(_JSON)
    (path / "config.json").write_text(json.dumps(config))
    try:
        loaded = load(path)
        # predicts without a raw error (a tampered number, like a tampered weight, may still give a poor model)
        assert loaded.predict_survival_function(X.head(3)).shape == (3, len(loaded.time_grid_))
        assert loaded.predict_risk(X.head(3)).shape == (3,)
    except ValueError:
        pass
    finally:
        (path / "config.json").write_text(original)


def test_a_small_default_aft_round_trips(tmp_path) -> None:
    """The model the false pickle alarm was reproduced with."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    time = rng.weibull(1.5, 60) * np.exp(0.3 * X[:, 0])
    model = DeepAFT(max_epochs=2, verbose=0, random_state=0).fit(X, (time, rng.random(60) < 0.7))
    model.save(tmp_path / "aft")
    np.testing.assert_array_equal(load(tmp_path / "aft").predict_risk(X), model.predict_risk(X))


@pytest.mark.parametrize(("section", "key", "value"), [("survival", "risk_offset_", -708.0), ("preprocessor", "feature_names_in", [])])
def test_tampering_cases_found_by_the_property_test(saved_cox, section, key, value) -> None:
    """An extreme (finite) risk offset gives survival 0 without an overflow; a short list of names is refused."""
    X, path = saved_cox
    original = (path / "config.json").read_text()
    _edit(path, lambda c: c[section].update({key: value}))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                S = load(path).predict_survival_function(X.head(3)).to_numpy()
            except ValueError as exc:
                assert key == "feature_names_in" and "feature_names_in" in str(exc)
            else:
                assert key == "risk_offset_" and np.isfinite(S).all() and ((S >= 0) & (S <= 1)).all()
    finally:
        (path / "config.json").write_text(original)
