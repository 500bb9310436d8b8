"""A binomial with trials (successes out of n) is R's / statsmodels' grouped binomial fit (issue 11, item 2).

``DeepRegressor(family="binomial", trials="n")`` with the linear network and DEFAULT settings against
statsmodels' GLM with ``endog = [successes, failures]`` on the real star98 data (303 California school
districts, students above / below the national median in maths), and against the same data expanded to
0/1 rows with frequency weights on a small simulated set. Log-likelihoods keep log C(n, k).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import statsmodels.api as sm

from deepstat import DeepRegressor
from deepstat.baselines import GLMBaseline
from deepstat.evaluation import compare
from deepstat.families import Binomial

L = sm.families.links
SM_LINKS = {"logit": L.Logit(), "probit": L.Probit(), "cloglog": L.CLogLog()}


@pytest.fixture(scope="module")
def star98():
    """The main effects of statsmodels' star98 (the interaction columns make the design nearly singular)."""
    data = sm.datasets.star98.load_pandas()
    successes, failures = data.endog["NABOVE"].to_numpy(), data.endog["NBELOW"].to_numpy()
    X = data.exog[[c for c in data.exog.columns if "_" not in c]].copy()
    return X.assign(n=successes + failures), successes, failures


@pytest.mark.parametrize("link", list(SM_LINKS))
def test_star98_is_the_grouped_binomial_glm(star98, link: str) -> None:
    X, k, fails = star98
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        model = DeepRegressor(family=Binomial(link), trials="n", network="linear", verbose=0, random_state=0).fit(X, k)
    Z = sm.add_constant(X.drop(columns="n"))
    glm = sm.GLM(np.column_stack([k, fails]), Z, family=sm.families.Binomial(SM_LINKS[link])).fit(tol=1e-12)
    np.testing.assert_allclose(model.linear_coefficients().iloc[0].to_numpy(), glm.params, rtol=1e-4)
    # statsmodels' llf of the grouped fit includes log C(n, k): the same full log-likelihood
    assert model.train_log_likelihood_ * len(k) == pytest.approx(glm.llf, rel=1e-6)
    assert glm.llf == pytest.approx(scipy.stats.binom(X["n"], glm.predict(Z)).logpmf(k).sum(), rel=1e-10)
    if link == "logit":  # canonical link: observed = expected information, so the standard errors are statsmodels'
        np.testing.assert_allclose(model.coefficient_table()["se"].to_numpy(), glm.bse, rtol=1e-6)
    # predictions: the mean count n p for the row's n, and the proportion p
    np.testing.assert_allclose(model.predict_proportion(X), glm.predict(Z), rtol=1e-5)
    np.testing.assert_allclose(model.predict(X), X["n"] * glm.predict(Z), rtol=1e-5)
    baseline = GLMBaseline("binomial", link=None if link == "logit" else link, trials="n").fit(X, k)
    np.testing.assert_allclose(baseline.coef_, glm.params, rtol=1e-6)  # statsmodels' default IRLS tolerance (1e-8)
    assert baseline.log_likelihood(X, k) * len(k) == pytest.approx(glm.llf, rel=1e-10)
    np.testing.assert_allclose(baseline.predict(X), X["n"] * baseline.predict_proportion(X), rtol=1e-12)


def test_small_simulated_set_equals_the_expanded_bernoulli_rows() -> None:
    """Grouped counts = one 0/1 row per trial with frequency weights (statsmodels' freq_weights)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=40), "n": rng.integers(1, 12, size=40)})
    k = rng.binomial(X["n"], 1 / (1 + np.exp(-(0.3 + 0.8 * X["x"]))))
    model = DeepRegressor(family="binomial", trials="n", network="linear", verbose=0, random_state=0).fit(X, k)
    # expanded: each row gives a "1" row of weight k and a "0" row of weight n - k
    x2 = np.concatenate([X["x"], X["x"]])
    y2 = np.concatenate([np.ones(40), np.zeros(40)])
    w2 = np.concatenate([k, X["n"] - k]).astype(float)
    expanded = sm.GLM(y2, sm.add_constant(x2), family=sm.families.Binomial(), freq_weights=w2).fit(tol=1e-12)
    np.testing.assert_allclose(model.linear_coefficients().iloc[0].to_numpy(), expanded.params, rtol=1e-4)
    # the grouped log-likelihood is the expanded one plus sum log C(n, k)
    log_choose = scipy.special.gammaln(X["n"] + 1) - scipy.special.gammaln(k + 1) - scipy.special.gammaln(X["n"] - k + 1)
    assert model.train_log_likelihood_ * 40 == pytest.approx(expanded.llf + log_choose.sum(), rel=1e-6)
    # sample_weight 2 = a duplicated row
    w = np.ones(40)
    w[0] = 2.0
    weighted = DeepRegressor(family="binomial", trials="n", network="linear", verbose=0, random_state=0).fit(X, k, sample_weight=w)
    rows = np.r_[np.arange(40), 0]
    duplicated = DeepRegressor(family="binomial", trials="n", network="linear", verbose=0, random_state=0).fit(X.iloc[rows], k[rows])
    np.testing.assert_allclose(weighted.linear_coefficients().to_numpy(), duplicated.linear_coefficients().to_numpy(), rtol=1e-6)
    # the whole predictive distribution knows each row's n: quantiles are counts out of n
    q = model.predict_quantiles(X, [0.05, 0.95])
    assert np.all((q >= 0) & (q <= X["n"].to_numpy()[:, None]))


def test_trials_with_an_offset_and_in_compare() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=200), "n": rng.integers(5, 30, size=200), "o": rng.normal(scale=0.3, size=200)})
    k = rng.binomial(X["n"], 1 / (1 + np.exp(-(-0.2 + 0.5 * X["x"] + X["o"]))))
    model = DeepRegressor(family="binomial", trials="n", offset="o", network="linear", verbose=0, random_state=0).fit(X, k)
    glm = sm.GLM(np.column_stack([k, X["n"] - k]), sm.add_constant(X[["x"]]), family=sm.families.Binomial(), offset=X["o"]).fit(tol=1e-12)
    np.testing.assert_allclose(model.linear_coefficients().iloc[0].to_numpy(), glm.params, rtol=1e-4)
    result = compare({"deep": DeepRegressor(family="binomial", trials="n", network="linear", verbose=0, random_state=0),
                      "glm": GLMBaseline("binomial", trials="n")}, X.drop(columns="o"), k, cv=2, random_state=0)
    nll = result.summary.set_index(["model", "metric"])["mean"]
    assert nll["deep", "nll"] == pytest.approx(nll["glm", "nll"], rel=1e-5)  # the same model on the same splits


def test_trials_are_validated() -> None:
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "n": [3, 4, 5, 6]})
    k = np.array([1, 2, 6, 3])
    with pytest.raises(ValueError, match=r"`y` of DeepRegressor must be at most the number of trials of its row. Got 1 row\(s\)"):
        DeepRegressor(family="binomial", trials="n", network="linear", verbose=0).fit(X, k)
    with pytest.raises(ValueError, match=r"`trials` of DeepRegressor must name the column of X .* Got None instead"):
        DeepRegressor(family="binomial", network="linear", verbose=0).fit(X, [1, 2, 3, 3])
    with pytest.raises(ValueError, match=r"`trials` of DeepRegressor must be None for family 'poisson'"):
        DeepRegressor(family="poisson", trials="n", network="linear", verbose=0).fit(X, [1, 2, 3, 3])
    with pytest.raises(ValueError, match=r"`trials` column 'n' of DeepRegressor must hold non-negative integers .* Got 1 other value\(s\): \[2.5\]"):
        DeepRegressor(family="binomial", trials="n", network="linear", verbose=0).fit(X.assign(n=[3, 4, 2.5, 6]), [1, 2, 1, 3])
    with pytest.raises(ValueError, match=r"`X` of GLMBaseline must be a DataFrame with the trials column 'm'"):
        GLMBaseline("binomial", trials="m").fit(X, [1, 2, 3, 3])
    with pytest.raises(ValueError, match=r"`trials` of GLMBaseline must name the column .* Got None with family='binomial' instead"):
        GLMBaseline("binomial").fit(X, [1, 2, 3, 3])
