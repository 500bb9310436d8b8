"""check_survival_target / check_time_event: every accepted shape, and the STYLE 7 errors (issue 5 item 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepstat.utils import check_survival_target, check_time_event

TIME = np.array([5.0, 8.0, 1.5])
EVENT = np.array([True, False, True])


def _surv(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    from sksurv.util import Surv

    return Surv.from_arrays(event, time)


@pytest.mark.parametrize(
    "y",
    [
        _surv(EVENT, TIME),
        np.array([(5.0, True), (8.0, False), (1.5, True)], dtype=[("t", "f8"), ("e", "?")]),  # time field first
        np.column_stack([TIME, EVENT.astype(float)]),
        pd.DataFrame({"T": TIME, "E": EVENT}),  # mixed dtypes: float time, bool event
        (list(TIME), [1, 0, 1]),
    ],
)
def test_every_accepted_shape_gives_the_same_arrays(y: object) -> None:
    time, event = check_survival_target(y)
    assert time.dtype == np.float64 and event.dtype == bool
    np.testing.assert_array_equal(time, TIME)
    np.testing.assert_array_equal(event, EVENT)


def test_bad_shapes_are_errors() -> None:
    with pytest.raises(ValueError, match=r"`y` of f must be a structured array .* Got shape \(3,\) instead"):
        check_survival_target(TIME, "f")
    with pytest.raises(ValueError, match=r"`y` of f must be a \(time, event\) pair. Got a tuple of 3"):
        check_survival_target((TIME, EVENT, EVENT), "f")
    with pytest.raises(ValueError, match="`event` of f must have one flag per time \\(3\\). Got 2 flags"):
        check_time_event(TIME, [1, 0], "f")


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1.0, -2.0, 3.0], [1, 0, 1], r"`time` of f must be non-negative. Got 1 offending time\(s\) \[-2.0\]"),
        ([1.0, np.nan, np.inf], [1, 0, 1], r"`time` of f must be finite. Got 2 NaN or infinite time\(s\)"),
        ([1.0, 2.0, 3.0], [1, 2, 0], r"`event` of f must hold 0/1 or True/False. Got 1 other value\(s\) \[2\]"),
        ([1.0, 2.0, 3.0], [0, 0, 0], "`event` of f must contain at least one event. Got all 3 observations censored"),
    ],
)
def test_bad_values_name_the_argument_and_count(time: list, event: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_time_event(time, event, "f")


def test_positive_times_and_all_censored_options() -> None:
    with pytest.raises(ValueError, match=r"`time` of f must be positive \(> 0\). Got 1 offending time\(s\) \[0.0\]"):
        check_time_event([0.0, 1.0], [1, 1], "f", positive=True)
    _, event = check_time_event([1.0, 2.0], [0, 0], "f", require_event=False)
    assert not event.any()


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=20),
       st.lists(st.integers(-2, 3), min_size=1, max_size=20))
def test_hypothesis_invalid_input_raises_valueerror_or_passes_valid(times: list, flags: list) -> None:
    n = min(len(times), len(flags))
    t, e = np.array(times[:n]), np.array(flags[:n])
    valid = np.isfinite(t).all() and (t >= 0).all() and np.isin(e, [0, 1]).all() and (e == 1).any()
    if valid:
        time, event = check_time_event(t, e, "f")
        np.testing.assert_array_equal(event, e == 1)
        np.testing.assert_array_equal(time, t)
    else:
        with pytest.raises(ValueError, match="of f must"):
            check_time_event(t, e, "f")
