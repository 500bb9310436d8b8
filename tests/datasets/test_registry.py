"""The registry: every data set loads offline, ``list()`` describes them, bad names are errors."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

from deepstat import datasets
from deepstat.datasets import SURVIVAL_DATASETS, Dataset, dataset_names, list_datasets, load, register
from deepstat.datasets import registry as registry_module
from deepstat.families import get_family

ALL = dataset_names()
# survival targets are (time, event) pairs, not a family's support: tests/datasets/test_survival_data.py checks them
NOT_SURVIVAL = [name for name in ALL if name not in SURVIVAL_DATASETS]


def _toy(name: str = "toy") -> Dataset:
    frame = pd.DataFrame({"x": [0.0, 1.0], "y": [1, 2]})
    return Dataset(name, frame, "y", ["x"], "Two rows.", "Made up.", "count", "poisson")


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> dict:
    """A private copy of the registry, so registrations made by a test do not leak."""
    loaders = dict(registry_module._LOADERS)
    monkeypatch.setattr(registry_module, "_LOADERS", loaders)
    return loaders


def test_network_is_really_off(no_network: None) -> None:
    with pytest.raises(OSError, match="network access is disabled"):
        socket.create_connection(("localhost", 80))


def test_issue_3_datasets_are_registered() -> None:
    # the names issue 3 asks for (modechoice reshaped to one row per traveller)
    expected = {"diabetes", "breast_cancer", "digits", "wine", "engel", "randhie", "scotland", "grunfeld",
                "star98", "stackloss", "fair", "spector", "modechoice"}
    assert expected <= set(ALL)


@pytest.mark.parametrize("name", NOT_SURVIVAL)
def test_every_dataset_loads_offline_and_fits_its_family(name: str, no_network: None) -> None:
    ds = load(name)
    assert isinstance(ds, Dataset) and ds.name == name
    assert ds.X.shape == (ds.n_rows, len(ds.feature_names)) and ds.n_rows >= 20
    targets = [ds.target] if isinstance(ds.target, str) else ds.target
    assert sorted(ds.frame.columns) == sorted([*ds.feature_names, *targets])
    # features: numbers or categories, nothing missing
    for col in ds.feature_names:
        dtype = ds.X[col].dtype
        assert pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype), (col, dtype)
    assert not ds.frame.isna().any().any()
    # the target lies in the support of the suggested family (check_target raises otherwise)
    y = ds.y.to_numpy(dtype=np.float64)
    family = get_family(ds.family, **ds.family_kwargs)
    family.check_target(y)
    assert family.prepare_target(y).shape[0] == ds.n_rows
    if ds.target_names is not None:
        assert set(np.unique(y)) == set(range(len(ds.target_names)))  # every class observed, coded 0..k-1
    assert ds.description and ds.source


def test_list_describes_every_dataset(no_network: None) -> None:
    table = datasets.list()
    assert table.columns.tolist() == ["name", "task", "n_rows", "n_features", "target", "family", "source"]
    assert table["name"].tolist() == ALL
    for row in table.itertuples():
        ds = load(row.name)
        target = ds.target if isinstance(ds.target, str) else ", ".join(ds.target)  # survival: "time, event"
        assert (row.task, row.n_rows, row.n_features, row.target, row.family, row.source) == (
            ds.task, ds.n_rows, ds.n_features, target, ds.family, ds.source)
    assert datasets.list is list_datasets


def test_list_shows_shapes_from_the_package_docs() -> None:
    # shapes from the scikit-learn and statsmodels documentation of each data set
    table = list_datasets().set_index("name")
    assert tuple(table.loc["diabetes", ["n_rows", "n_features"]]) == (442, 10)
    assert tuple(table.loc["randhie", ["n_rows", "n_features"]]) == (20190, 9)
    assert tuple(table.loc["spector", ["n_rows", "n_features"]]) == (32, 3)


@pytest.mark.parametrize("name", ["no_such_data", "", None, 3])
def test_unknown_name_lists_the_valid_ones(name: object) -> None:
    with pytest.raises(ValueError, match=r"`name` of load must be one of \[.*'engel'.*\]\. Got"):
        load(name)  # type: ignore[arg-type]


def test_load_returns_a_fresh_copy() -> None:
    first = load("stackloss")
    first.frame.iloc[0, 0] = -1.0
    assert load("stackloss").frame.iloc[0, 0] != -1.0


def test_register_plain_and_as_decorator(clean_registry: dict) -> None:
    register("toy", _toy)
    assert load("toy").y.tolist() == [1, 2]

    @register("toy2")
    def _loader() -> Dataset:
        return _toy("toy2")

    assert "toy2" in dataset_names() and load("toy2").n_rows == 2
    assert _loader().name == "toy2"  # the decorator returns the loader itself


def test_register_refuses_duplicates_unless_overwrite(clean_registry: dict) -> None:
    with pytest.raises(ValueError, match="`name` of register must be new. Got 'engel'"):
        register("engel", _toy)
    register("engel", lambda: _toy("engel"), overwrite=True)
    assert load("engel").family == "poisson"


def test_register_bad_arguments(clean_registry: dict) -> None:
    with pytest.raises(TypeError, match="`name` of register must be a non-empty string"):
        register("", _toy)
    with pytest.raises(TypeError, match="`loader` of register must be callable. Got int"):
        register("bad", 3)  # type: ignore[arg-type]


def test_loader_must_return_its_own_name(clean_registry: dict) -> None:
    register("alias", _toy)  # returns a Dataset named "toy"
    with pytest.raises(ValueError, match="must return a Dataset named so. Got 'toy'"):
        load("alias")
