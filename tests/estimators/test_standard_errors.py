"""Standard errors of linear predictors (issue 11, item 3): observed information and the sandwich.

References: lifelines 0.30 ``CoxPHFitter`` (Efron ties, strata, weights, ``robust=True``), statsmodels
``GLM(cov_type="HC0")`` and ``NegativeBinomial(loglike_method="nb2")``, and closed forms.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from deepstat import DeepCoxPH

QUIET = dict(network="linear", verbose=0, random_state=0)


def _close(a, b, rtol=1e-4, atol=1e-8) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def rossi():
    df = load_rossi()
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(df))  # case weights, not frequencies
    return df, weight


def _lifelines(df, weight, strata, **kw):
    data = df.assign(w=weight) if weight is not None else df
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' note that non-integer weights call for robust=True
        return CoxPHFitter(strata=strata).fit(data, "week", "arrest", weights_col="w" if weight is not None else None, **kw)


@pytest.mark.parametrize("strata", [None, ["wexp"], ["wexp", "mar"]])
@pytest.mark.parametrize("weighted", [False, True])
def test_cox_observed_information_is_lifelines_with_ties_strata_and_weights(rossi, strata, weighted) -> None:
    """rossi's weeks are heavily tied; a stratum whose first event time is tied once gave a wrong Hessian."""
    df, w = rossi
    weight = w if weighted else None
    model = DeepCoxPH(strata=strata, **QUIET).fit(df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy()), sample_weight=weight)
    reference = _lifelines(df, weight, strata)
    assert np.isfinite(model.coef_cov_).all()
    se = model.linear_standard_errors().iloc[0][reference.standard_errors_.index]
    _close(se.to_numpy(), reference.standard_errors_.to_numpy())
