"""Robust scale estimates against numpy's median and statsmodels.robust.scale (mad, HuberScale)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.robust.scale import HuberScale, mad

from deepstat.losses.robust_scale import GAUSSIAN_3_4, huber_scale, mad_scale, weighted_median

values = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30)


def _stackloss_ols_residuals() -> np.ndarray:
    data = sm.datasets.stackloss.load_pandas()  # a real data set with an outlier-prone response (Brownlee 1965)
    X = sm.add_constant(np.asarray(data.exog, float))
    y = np.asarray(data.endog, float)
    return y - X @ np.linalg.lstsq(X, y, rcond=None)[0]


@settings(max_examples=60, deadline=None)
@given(values, st.data())
def test_weighted_median_is_the_median_of_repeated_rows(x: list[float], data: st.DataObject) -> None:
    counts = data.draw(st.lists(st.integers(0, 3), min_size=len(x), max_size=len(x)).filter(lambda c: sum(c) > 0))
    repeated = np.repeat(np.asarray(x), counts)
    assert weighted_median(x, weight=np.asarray(counts, float)) == pytest.approx(float(np.median(repeated)), rel=1e-12, abs=1e-12)
    assert weighted_median(x) == pytest.approx(float(np.median(x)), rel=1e-12, abs=1e-12)


def test_constant_is_the_normal_quartile() -> None:
    assert GAUSSIAN_3_4 == pytest.approx(0.6744897501960817, rel=1e-15)  # scipy.stats.norm.ppf(0.75)


@pytest.mark.parametrize("center", [None, 0.0, 1.5])
def test_mad_scale_equals_statsmodels(center: float | None) -> None:
    r = _stackloss_ols_residuals()
    expected = mad(r) if center is None else mad(r, center=center)
    assert mad_scale(r, center=center) == pytest.approx(expected, rel=1e-12)
    assert mad_scale(torch.as_tensor(r, dtype=torch.float32), center=center) == pytest.approx(expected, rel=1e-6)


def test_mad_scale_with_weights_equals_statsmodels_on_repeated_rows(rng: np.random.Generator) -> None:
    r = _stackloss_ols_residuals()
    counts = rng.integers(0, 4, size=r.size)
    for center in (None, 0.0):
        expected = mad(np.repeat(r, counts)) if center is None else mad(np.repeat(r, counts), center=center)
        assert mad_scale(r, counts.astype(float), center=center) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("d", [2.5, 1.345])
def test_huber_scale_equals_statsmodels(d: float) -> None:
    r = _stackloss_ols_residuals()
    n, p = r.size, 4  # stackloss: intercept + 3 regressors
    assert huber_scale(r, df_resid=n - p, d=d) == pytest.approx(HuberScale(d=d)(n - p, n, r), rel=1e-10)
    assert huber_scale(r, d=d) == pytest.approx(HuberScale(d=d)(n, n, r), rel=1e-10)
    # tighter iteration settings pass through
    assert huber_scale(r, d=d, tol=1e-12, max_iter=200) == pytest.approx(HuberScale(d=d, tol=1e-12, maxiter=200)(n, n, r), rel=1e-12)


def test_huber_scale_with_weights_equals_statsmodels_on_repeated_rows(rng: np.random.Generator) -> None:
    r = _stackloss_ols_residuals()
    counts = rng.integers(0, 4, size=r.size)
    big = np.repeat(r, counts)
    n = big.size
    assert huber_scale(r, counts.astype(float), df_resid=n - 4) == pytest.approx(HuberScale()(n - 4, n, big), rel=1e-10)


def test_huber_scale_is_consistent_for_the_normal_sd(rng: np.random.Generator) -> None:
    # h = E chi(Z): at d = 2.5 the estimate is consistent for sigma at the normal (Huber 1981, 7.7)
    r = rng.normal(scale=40.0, size=20000)
    assert huber_scale(r) == pytest.approx(40.0, rel=0.03)
    assert mad_scale(r) == pytest.approx(40.0, rel=0.03)


def test_zero_residuals_give_zero_scale() -> None:
    assert mad_scale(np.zeros(5)) == 0.0
    assert huber_scale(np.zeros(5)) == 0.0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="`x` of weighted_median must hold at least one value"):
        weighted_median([])
    with pytest.raises(ValueError, match="`residuals` of mad_scale must be finite"):
        mad_scale([1.0, np.nan])
    with pytest.raises(ValueError, match=r"`weight` of weighted_median must have shape \(2,\)"):
        weighted_median([1.0, 2.0], weight=[1.0])
    with pytest.raises(ValueError, match="`weight` of huber_scale must be finite, >= 0 and not all 0"):
        huber_scale([1.0, 2.0], weight=[-1.0, 1.0])
    with pytest.raises(ValueError, match="`c` of mad_scale must be a finite float > 0"):
        mad_scale([1.0, 2.0], c=0.0)
    with pytest.raises(ValueError, match="`center` of mad_scale must be None or a finite float"):
        mad_scale([1.0, 2.0], center=np.inf)
    with pytest.raises(ValueError, match=r"`df_resid` of huber_scale must be None or a float in \(0, 2.0\]"):
        huber_scale([1.0, 2.0], df_resid=3)
    with pytest.raises(ValueError, match="`d` of huber_scale must be a finite float > 0"):
        huber_scale([1.0, 2.0], d=-1.0)
    with pytest.raises(ValueError, match="`max_iter` of huber_scale must be an int >= 1"):
        huber_scale([1.0, 2.0], max_iter=0)
