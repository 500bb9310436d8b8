"""Bad survival input at the estimators' boundary (issue 5, item 7): each a ValueError naming the argument and the count.

Hypothesis draws the data; every drawn value is used (STYLE 8.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepstat.estimators import (
    DeepAFT,
    DeepCoxPH,
    DeepCoxTimeVarying,
    DeepHit,
    LogisticHazard,
)
from deepstat.nn import MLP

FAST = {"network": MLP(hidden_sizes=(4,), batch_norm=True, dropout=0.1), "max_epochs": 1, "verbose": 0, "random_state": 0}
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ESTIMATORS = [DeepCoxPH, LogisticHazard, DeepAFT, DeepHit]


def _rows(data, n: int) -> list[int]:
    return data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))


@SETTINGS
@given(data=st.data(), n=st.integers(4, 30), bad=st.sampled_from([np.nan, np.inf, -np.inf]), cls=st.sampled_from(ESTIMATORS))
def test_non_finite_times_are_counted(data, n, bad, cls) -> None:
    time, event = np.arange(1.0, n + 1), np.ones(n)
    rows = _rows(data, n)
    time[rows] = bad
    with pytest.raises(ValueError, match=rf"must be finite. Got {len(rows)} NaN or infinite time"):
        cls(**FAST).fit(np.zeros((n, 1)), (time, event))


@SETTINGS
@given(data=st.data(), n=st.integers(4, 30), cls=st.sampled_from(ESTIMATORS))
def test_negative_times_are_counted(data, n, cls) -> None:
    time, event = np.arange(1.0, n + 1), np.ones(n)
    rows = _rows(data, n)
    time[rows] = -data.draw(st.floats(0.5, 1e6))
    with pytest.raises(ValueError, match=rf"must be (non-negative|positive \(> 0\))\. Got {len(rows)} offending time"):
        cls(**FAST).fit(np.zeros((n, 1)), (time, event))


@SETTINGS
@given(data=st.data(), n=st.integers(4, 30))
def test_zero_times_are_refused_where_the_density_needs_positive_times(data, n) -> None:
    time, event = np.arange(1.0, n + 1), np.ones(n)
    rows = _rows(data, n)
    time[rows] = 0.0
    with pytest.raises(ValueError, match=rf"`time` of DeepAFT must be positive \(> 0\)\. Got {len(rows)} offending"):
        DeepAFT(**FAST).fit(np.zeros((n, 1)), (time, event))
    DeepCoxPH(**FAST).fit(np.zeros((n, 1)), (time, event))  # the Cox model only needs the order: 0 is fine


@SETTINGS
@given(data=st.data(), n=st.integers(4, 30), cls=st.sampled_from([DeepCoxPH, LogisticHazard, DeepAFT]))
def test_event_flags_other_than_0_1_are_counted(data, n, cls) -> None:
    event = np.ones(n)
    rows = _rows(data, n)
    event[rows] = data.draw(st.sampled_from([2.0, -1.0, 0.5]))
    with pytest.raises(ValueError, match=rf"must hold 0/1 or True/False. Got {len(rows)} other value"):
        cls(**FAST).fit(np.zeros((n, 1)), (np.arange(1.0, n + 1), event))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_every_observation_censored_is_refused(cls) -> None:
    with pytest.raises(ValueError, match=r"at least one event. Got all 12 observations censored"):
        cls(**FAST).fit(np.zeros((12, 1)), (np.arange(1.0, 13), np.zeros(12)))


@SETTINGS
@given(data=st.data(), n=st.integers(4, 30), n_causes=st.integers(1, 3))
def test_cause_codes_outside_0_to_k_are_counted(data, n, n_causes) -> None:
    cause = np.ones(n)
    rows = _rows(data, n)
    cause[rows] = data.draw(st.sampled_from([-1.0, 1.5, float(n_causes + 1)]))
    with pytest.raises(ValueError, match=rf"integers in 0\.\.{n_causes} \(0 = censored\)\. Got {len(rows)} other value"):
        DeepHit(n_causes=n_causes, **FAST).fit(np.zeros((n, 1)), (np.arange(1.0, n + 1), cause))


@SETTINGS
@given(data=st.data(), n=st.integers(3, 20))
def test_start_not_before_stop_is_counted(data, n) -> None:
    df = pd.DataFrame({"id": np.arange(n), "start": 0.0, "stop": np.arange(1.0, n + 1), "event": 1, "x": np.arange(n) * 0.1})
    rows = _rows(data, n)
    df.loc[rows, "start"] = df.loc[rows, "stop"] + data.draw(st.sampled_from([0.0, 1.0]))
    with pytest.raises(ValueError, match=rf"`X\['start'\]` of DeepCoxTimeVarying must be smaller than `X\['stop'\]` on every row\. Got {len(rows)} row"):
        DeepCoxTimeVarying(**FAST).fit(df)


def test_time_varying_needs_its_columns() -> None:
    df = pd.DataFrame({"id": [1, 2], "stop": [1.0, 2.0], "event": [1, 0], "x": [0.0, 1.0]})
    with pytest.raises(ValueError, match=r"must have the columns \['start'\]"):
        DeepCoxTimeVarying(**FAST).fit(df)
    with pytest.raises(TypeError, match=r"`X` of DeepCoxTimeVarying must be a DataFrame"):
        DeepCoxTimeVarying(**FAST).fit(df.to_numpy())


def test_bad_hyperparameters_and_grids_are_named() -> None:
    X, y = np.zeros((10, 1)), (np.arange(1.0, 11), np.ones(10))
    with pytest.raises(ValueError, match=r"`ties` of DeepCoxPH must be one of 'breslow', 'efron'"):
        DeepCoxPH(ties="exact", **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"`family` of DeepAFT must be one of"):
        DeepAFT("normal", **FAST).fit(X, y)
    model = DeepCoxPH(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"`times` of DeepCoxPH.predict_survival_function must be finite and non-negative. Got 2"):
        model.predict_survival_function(X, times=[1.0, -1.0, np.nan])
    with pytest.raises(ValueError, match=r"`X` and `y` of DeepCoxPH must have the same number of samples"):
        DeepCoxPH(**FAST).fit(X[:5], y)
