"""kaplan_meier against scikit-survival 0.28's kaplan_meier_estimator (plain and reverse) and a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from deepstat.metrics import kaplan_meier
from deepstat.metrics.survival_kaplan_meier import CensoringDistribution, step_function

nonparametric = pytest.importorskip("sksurv.nonparametric")


def test_hand_computed_curve() -> None:
    # at risk 5, 4, 2, 1; events 1, 1, 1, 0: S = 4/5, 4/5 * 3/4, 3/5 * 1/2, 0.3
    km = kaplan_meier([1.0, 2.0, 2.0, 3.0, 4.0], [1, 1, 0, 1, 0])
    np.testing.assert_allclose(km.survival, [0.8, 0.6, 0.3, 0.3])
    np.testing.assert_array_equal(km.n_at_risk, [5, 4, 2, 1])
    np.testing.assert_array_equal(km.n_events, [1, 1, 1, 0])


@pytest.mark.parametrize("reverse", [False, True])
def test_equals_sksurv_with_ties(rng, reverse: bool) -> None:
    time = np.round(rng.exponential(size=500), 1)
    event = rng.random(500) < 0.6
    expected_time, expected = nonparametric.kaplan_meier_estimator(event, time, reverse=reverse)
    km = kaplan_meier(time, event, reverse=reverse)
    np.testing.assert_array_equal(km.time, expected_time)
    np.testing.assert_allclose(km.survival, expected, atol=1e-14)


def test_censoring_distribution_clips_beyond_training_and_is_one_without_censoring() -> None:
    g = CensoringDistribution(np.array([1.0, 2.0, 3.0]), np.array([True, False, True]))
    # reverse KM: censoring at 2 with 1 at risk for censoring (3 at risk, events at 2: none... 2 left) -> 1/2
    np.testing.assert_allclose(g(np.array([0.5, 2.0, 10.0])), [1.0, 0.5, 0.5])
    none = CensoringDistribution(np.array([1.0, 2.0]), np.array([True, True]))
    np.testing.assert_array_equal(none(np.array([0.0, 5.0])), [1.0, 1.0])


def test_step_function_rows() -> None:
    values = np.array([[0.9, 0.5], [0.8, 0.1]])
    np.testing.assert_allclose(step_function(np.array([1.0, 2.0]), values, np.array([0.5, 2.5])), [1.0, 0.1])


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(ValueError, match=r"`time` of kaplan_meier must be finite. Got 1 NaN"):
        kaplan_meier([1.0, np.nan], [1, 0])
