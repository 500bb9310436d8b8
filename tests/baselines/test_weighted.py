"""The weighted maximum likelihood fits against statsmodels' unweighted Logit, MNLogit and NB2 (unit weights)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.exceptions import ConvergenceWarning

from deepstat.baselines._weighted import fit_weighted_logit, fit_weighted_mnlogit, fit_weighted_nb2


@pytest.fixture
def design(rng: np.random.Generator) -> pd.DataFrame:
    n = 300
    return pd.DataFrame({"const": 1.0, "a": rng.normal(size=n), "b": rng.normal(size=n)})


def _assert_same(ours, reference) -> None:
    for name in ("params", "bse", "tvalues", "pvalues"):
        np.testing.assert_allclose(np.asarray(getattr(ours, name)), np.asarray(getattr(reference, name)), rtol=1e-5, atol=1e-10)
    assert ours.llf == pytest.approx(reference.llf, abs=1e-6)
    assert ours.converged


def test_unit_weights_equal_statsmodels(design, rng) -> None:
    n, eta = len(design), 0.3 + 0.8 * design["a"].to_numpy()
    ones = np.ones(n)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    _assert_same(fit_weighted_logit(design, y, ones), sm.Logit(y, design).fit(disp=0))
    codes = rng.integers(0, 3, size=n) + (design["b"].to_numpy() > 1)
    _assert_same(fit_weighted_mnlogit(design, codes, ones, 4), sm.MNLogit(codes, design).fit(method="newton", disp=0))
    counts = rng.negative_binomial(2, 2 / (2 + np.exp(eta))).astype(float)  # NB2, alpha = 1/2
    offset = rng.normal(scale=0.2, size=n)
    reference = sm.NegativeBinomial(counts, design, loglike_method="nb2", offset=offset).fit(method="newton", maxiter=200, disp=0)
    _assert_same(fit_weighted_nb2(design, counts, ones, offset), reference)


def test_separation_warns(design) -> None:
    y = (design["a"] > 0).astype(float).to_numpy()  # complete separation: no finite MLE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="did not converge"):
            fit_weighted_logit(design, y, np.ones(len(y)), max_iter=25)
