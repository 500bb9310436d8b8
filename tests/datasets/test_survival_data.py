"""The survival data sets: offline, (time, event) targets, the documented derivations (chapter dropped, NaNs kept)."""

from __future__ import annotations

import builtins

import numpy as np
import pandas as pd
import pytest

from deepstat.datasets import SURVIVAL_DATASETS, Dataset, load, survival_data
from deepstat.utils import check_survival_target, check_time_event

pytest.importorskip("sksurv")
pytest.importorskip("lifelines")

# rows and events as the packages document them (sksurv / lifelines docs; R survival for lung and the transplants)
SHAPES = {
    "gbsg2": (686, 299),
    "whas500": (500, 215),
    "flchain": (7874, 2169),
    "veterans_lung_cancer": (137, 128),
    "aids": (1151, 96),
    "rossi": (432, 114),
    "lung": (228, 165),
    "stanford_heart_transplants": (172, 75),
}


@pytest.mark.parametrize("name", SURVIVAL_DATASETS)
def test_loads_offline_with_a_valid_survival_target(name: str, no_network: None) -> None:
    ds = load(name)
    assert isinstance(ds, Dataset) and ds.task == "survival" and ds.family == "coxph"
    assert (ds.n_rows, int(ds.frame["event"].sum())) == SHAPES[name]
    for col in ds.feature_names:
        dtype = ds.X[col].dtype
        assert pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype), (col, dtype)
    if ds.target == ["time", "event"]:
        time, event = check_survival_target(ds.y)
        assert time.shape == (ds.n_rows,) and event.any() and not event.all()
    else:  # counting process: start < stop
        assert ds.target == ["start", "stop", "event"]
        check_time_event(ds.frame["stop"], ds.frame["event"], name)
        assert (ds.frame["start"] < ds.frame["stop"]).all()
    assert not ds.frame[ds.target].isna().any().any()
    assert ds.description and ds.source


def test_flchain_drops_the_leaking_chapter_and_keeps_missing_creatinine(no_network: None) -> None:
    ds = load("flchain")
    assert "chapter" not in ds.frame.columns
    assert int(ds.X["creatinine"].isna().sum()) == 1350  # not imputed on the full data
    assert "training part" in ds.description


def test_lung_keeps_its_nans_and_drops_inst(no_network: None) -> None:
    ds = load("lung")
    assert "inst" not in ds.frame.columns
    assert int(ds.X["meal.cal"].isna().sum()) == 47


def test_stanford_keeps_the_patient_id_outside_the_features(no_network: None) -> None:
    ds = load("stanford_heart_transplants")
    assert "id" in ds.frame.columns and "id" not in ds.feature_names
    assert ds.frame.groupby("id")["event"].sum().max() == 1  # at most one death per patient


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_survival(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith(("sksurv", "lifelines")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_survival)
    with pytest.raises(ImportError, match=r"'gbsg2' ships with scikit-survival.*pip install 'deepstat\[survival\]'"):
        survival_data.load_gbsg2()
    with pytest.raises(ImportError, match=r"'rossi' ships with lifelines.*pip install 'deepstat\[survival\]'"):
        survival_data.load_rossi()


def test_survival_target_must_have_two_or_three_columns() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "time": [1.0, 2.0], "event": [1, 0]})
    with pytest.raises(ValueError, match=r"`target` of survival Dataset 't' must be \[time, event\] .* Got 1 column"):
        Dataset("t", frame, ["time"], ["x"], "d", "s", "survival", "coxph")
    assert Dataset("t", frame, ["time", "event"], ["x"], "d", "s", "survival", "coxph").y.shape == (2, 2)
    assert np.all(check_survival_target(frame[["time", "event"]])[0] == [1.0, 2.0])
