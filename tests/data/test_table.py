"""TableAdapter: the TabularPreprocessor behind the adapter interface."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from deepstat.data import TableAdapter, adapter_from_config
from deepstat.utils import TabularPreprocessor


@pytest.fixture
def frame(rng):
    return pd.DataFrame({"age": rng.normal(50, 10, 20), "group": rng.choice(["a", "b", "c"], 20)})


def test_same_encoding_as_the_preprocessor(frame):
    adapter = TableAdapter(drop_first=True).fit(frame)
    reference = TabularPreprocessor(drop_first=True).fit_transform(frame, "ref")
    assert torch.equal(adapter.transform(frame), torch.from_numpy(reference))
    assert adapter.input_spec_.kind == "table" and adapter.input_spec_.shape == (3,)
    assert adapter.n_samples(frame) == 20


def test_round_trip_and_take(frame, json_round_trip):
    adapter = TableAdapter(dtype="float32").fit(frame)
    loaded = json_round_trip(adapter)
    assert torch.equal(loaded.transform(frame), adapter.transform(frame)) and loaded.transform(frame).dtype == torch.float32
    source = adapter.batches(frame, np.arange(20.0))
    batch = source.take(torch.tensor([3, 7]))
    assert torch.equal(batch.inputs, adapter.transform(frame)[[3, 7]]) and batch.target.tolist() == [3.0, 7.0]
    assert json_round_trip(TableAdapter()).to_config()["preprocessor"] is None


def test_messages_are_the_preprocessors(frame):
    adapter = TableAdapter().fit(frame, "DeepRegressor")
    with pytest.raises(ValueError, match="must hold categories seen in fit"):
        adapter.transform(frame.assign(group="z"), "DeepRegressor")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("drop_first", 1, "adapter.drop_first"),
        ("normalize", ..., "adapter.normalize"),
        ("input_spec", None, "adapter.input_spec"),
        ("preprocessor", {"center": []}, "preprocessor"),
        ("extra", 0, "adapter.fields"),
    ],
)
def test_tampered_configs_raise_value_error(frame, field, value, named):
    config = json.loads(json.dumps(TableAdapter().fit(frame).to_config()))
    if value is ...:
        del config[field]
    else:
        config[field] = value
    with pytest.raises(ValueError, match=named):
        adapter_from_config(config, "config.json")


def test_spec_must_match_the_preprocessor(frame):
    config = json.loads(json.dumps(TableAdapter().fit(frame).to_config()))
    config["input_spec"]["n_features"], config["input_spec"]["shape"] = 2, [2]
    with pytest.raises(ValueError, match="`adapter.input_spec.n_features` of config.json must be 4"):
        adapter_from_config(config, "config.json")
