"""statsmodels' bundled data sets: targets, derived columns and the modechoice reshape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from deepstat.datasets import statsmodels_data as smd

# (loader, target, family, n_rows, n_features); shapes from statsmodels' dataset docs
# (NOBS and the variable lists in each statsmodels.datasets.<name>.NOTE)
CASES = [
    (smd.load_engel, "foodexp", "gamma", 235, 1),
    (smd.load_randhie, "mdvis", "negative_binomial", 20190, 9),
    (smd.load_scotland, "YES", "gamma", 32, 7),
    (smd.load_grunfeld, "invest", "gamma", 220, 4),
    (smd.load_star98, "prop_above", "beta", 303, 20),
    (smd.load_stackloss, "STACKLOSS", "normal", 21, 3),
    (smd.load_fair, "had_affair", "bernoulli", 6366, 8),
    (smd.load_spector, "GRADE", "bernoulli", 32, 3),
    (smd.load_modechoice, "mode", "categorical", 210, 17),
]


@pytest.mark.parametrize(("loader", "target", "family", "n_rows", "n_features"), CASES)
def test_shapes_targets_families(loader, target, family, n_rows, n_features, no_network: None) -> None:
    ds = loader()
    assert (ds.target, ds.family, ds.n_rows, ds.n_features) == (target, family, n_rows, n_features)
    assert ds.target not in ds.feature_names


@pytest.mark.parametrize("name", ["engel", "randhie", "scotland", "stackloss", "spector"])
def test_unchanged_data_equal_statsmodels(name: str) -> None:
    ds = getattr(smd, f"load_{name}")()
    raw = getattr(sm.datasets, name).load_pandas().data
    pd.testing.assert_frame_equal(ds.frame, raw[ds.frame.columns], check_dtype=False)


def test_grunfeld_firm_is_categorical() -> None:
    ds = smd.load_grunfeld()
    assert isinstance(ds.X["firm"].dtype, pd.CategoricalDtype)
    assert len(ds.X["firm"].cat.categories) == 11  # "Grunfeld (1950) Investment Data for 11 U.S. Firms"
    assert ds.X["year"].between(1935, 1954).all()


def test_star98_proportion_is_nabove_over_total() -> None:
    raw = sm.datasets.star98.load_pandas().data
    ds = smd.load_star98()
    np.testing.assert_allclose(ds.y.to_numpy(), raw["NABOVE"] / (raw["NABOVE"] + raw["NBELOW"]), rtol=0)
    assert "NABOVE" not in ds.frame and "NBELOW" not in ds.frame
    assert ((ds.y > 0) & (ds.y < 1)).all()  # inside the open support of the Beta family


def test_fair_target_is_any_affair() -> None:
    raw = sm.datasets.fair.load_pandas().data
    ds = smd.load_fair()
    np.testing.assert_array_equal(ds.y.to_numpy(), (raw["affairs"] > 0).astype(int))
    assert "affairs" not in ds.frame  # the raw measure would leak the target


def test_modechoice_reshape_keeps_each_choice_and_cost() -> None:
    long = sm.datasets.modechoice.load_pandas().data
    ds = smd.load_modechoice()
    chosen = long.loc[long["choice"] == 1, "mode"].to_numpy().astype(int) - 1  # codes 1..4 -> 0..3
    np.testing.assert_array_equal(ds.y.to_numpy(), chosen)
    assert ds.target_names == ["air", "train", "bus", "car"]  # statsmodels' NOTE: 1 air, 2 train, 3 bus, 4 car
    # every (traveller, mode, attribute) of the long table appears once in the wide one
    for code, mode in enumerate(ds.target_names, start=1):
        rows = long[long["mode"] == code]
        for attr in ("invc", "invt", "gc") + (("ttme",) if mode != "car" else ()):
            np.testing.assert_array_equal(ds.X[f"{attr}_{mode}"].to_numpy(), rows[attr].to_numpy())
    assert (long.loc[long["mode"] == 4, "ttme"] == 0).all() and "ttme_car" not in ds.X
    np.testing.assert_array_equal(ds.X["hinc"].to_numpy(), long["hinc"].to_numpy()[::4])
