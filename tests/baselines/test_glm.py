"""GLMBaseline against statsmodels and scipy: coefficients, log-likelihoods, intervals, samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import statsmodels.api as sm
import statsmodels.formula.api as smf
import torch

from deepstat.baselines import GLM_FAMILIES, GLMBaseline
from deepstat.datasets import load
from deepstat.families import Bernoulli, Gamma, InverseGaussian, NegativeBinomial, Normal, Poisson

FAMILIES = [name for name in GLM_FAMILIES if name != "binomial"]  # the binomial needs trials: tests/estimators/test_binomial_trials.py
SM_FAMILIES = {
    "normal": sm.families.Gaussian(),
    "poisson": sm.families.Poisson(),
    "gamma": sm.families.Gamma(link=sm.families.links.Log()),
    "inverse_gaussian": sm.families.InverseGaussian(link=sm.families.links.Log()),
    "bernoulli": sm.families.Binomial(),
}


def _reference(family: str, frame: pd.DataFrame):
    """The same model fitted by statsmodels' formula interface (its own treatment coding)."""
    if family == "negative_binomial":
        return smf.negativebinomial("y ~ a + C(g)", frame, loglike_method="nb2").fit(method="newton", maxiter=200, disp=0)
    return smf.glm("y ~ a + C(g)", frame, family=SM_FAMILIES[family]).fit()


def _scipy(family: str, model: GLMBaseline, X: pd.DataFrame):
    """The fitted predictive distribution of each row as a frozen scipy distribution."""
    lin = model._design(X, fitting=False) @ model.coef_
    extra = model.extra_params_
    if family == "normal":
        return st.norm(loc=lin, scale=extra["scale"])
    if family == "poisson":
        return st.poisson(mu=np.exp(lin))
    if family == "negative_binomial":
        alpha = extra["dispersion"]
        return st.nbinom(n=1 / alpha, p=1 / (1 + alpha * np.exp(lin)))
    if family == "gamma":
        k = extra["concentration"]
        return st.gamma(a=k, scale=np.exp(lin) / k)
    if family == "inverse_gaussian":
        lam = extra["concentration"]
        return st.invgauss(mu=np.exp(lin) / lam, scale=lam)
    return st.bernoulli(p=1 / (1 + np.exp(-lin)))


@pytest.fixture(params=FAMILIES)
def fitted(request, glm_frame, draw):
    X, mu = glm_frame
    y = draw(request.param, mu)
    return request.param, X, y, GLMBaseline(request.param).fit(X, y)


def test_coefficients_match_statsmodels_formula_fit(fitted) -> None:
    family, X, y, model = fitted
    ref = _reference(family, X.assign(y=y))
    # statsmodels names levels "C(g)[T.v]"; ours "g[v]": same treatment coding, reference level "u"
    names = {"Intercept": "Intercept", "a": "a", "g[v]": "C(g)[T.v]", "g[w]": "C(g)[T.w]"}
    ref_coef = ref.params[[names[c] for c in model.design_columns_]].to_numpy()
    np.testing.assert_allclose(model.coef_, ref_coef, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=1e-7)
    if family == "negative_binomial":
        assert model.extra_params_["dispersion"] == pytest.approx(ref.params["alpha"], rel=1e-7)
    assert type(model.family_) is {"normal": Normal, "poisson": Poisson, "negative_binomial": NegativeBinomial,
                                   "gamma": Gamma, "inverse_gaussian": InverseGaussian, "bernoulli": Bernoulli}[family]


def test_log_likelihood(fitted) -> None:
    family, X, y, model = fitted
    n = len(y)
    ours = model.log_likelihood(X, y) * n
    # every family: the sum of scipy's log-density of the fitted (plug-in) distribution
    dist = _scipy(family, model, X)
    ref = dist.logpdf(y).sum() if family in ("normal", "gamma", "inverse_gaussian") else dist.logpmf(y).sum()
    assert ours == pytest.approx(ref, rel=1e-10)
    res = model.result_
    if family == "normal":
        # statsmodels' Gaussian llf uses the MLE RSS / n, ours the unbiased RSS / (n - p)
        sigma_mle = np.sqrt(np.sum((y - model.predict(X)) ** 2) / n)
        assert res.llf == pytest.approx(st.norm.logpdf(y, model.predict(X), sigma_mle).sum(), rel=1e-10)
        assert ours < res.llf  # the MLE of sigma maximises the likelihood
    else:
        # Poisson, NB2 and Bernoulli are fully specified by the MLE; the gamma llf uses the Pearson scale, as we do
        assert ours == pytest.approx(res.llf, rel=1e-8)


def test_intervals_and_quantiles_match_scipy_ppf(fitted) -> None:
    family, X, _, model = fitted
    dist = _scipy(family, model, X)
    interval = model.predict_interval(X, alpha=0.1)
    expected = np.column_stack([dist.ppf(0.05), dist.ppf(0.95)])
    if family in ("normal", "gamma", "inverse_gaussian"):
        np.testing.assert_allclose(interval, expected, rtol=1e-7)
    else:
        np.testing.assert_array_equal(interval, expected)
    levels = [0.1, 0.5, 0.9]
    np.testing.assert_allclose(model.predict_quantiles(X, levels),
                               np.column_stack([dist.ppf(q) for q in levels]), rtol=1e-7)


def test_family_machinery_works_on_the_baseline(fitted) -> None:
    _, X, _, model = fitted
    eta = model._eta(X)
    assert eta.dtype == torch.float64 and eta.shape == (len(X), model.family_.n_params)
    # the distribution *is* the fitted model: its mean is the GLM's fitted mean
    np.testing.assert_allclose(model.predict_distribution(X).mean.numpy(), model.predict(X), rtol=1e-12)
    q = model.family_.quantile(eta, [0.25, 0.75])
    np.testing.assert_array_equal(q.numpy(), model.predict_quantiles(X, [0.25, 0.75]))
    assert bool((model.family_.cdf(q[:, 0], eta) >= 0.25 - 1e-12).all())
    draws = model.sample(X, n_samples=2000, random_state=0)  # (2000, n)
    assert draws.shape == (2000, len(X))
    np.testing.assert_array_equal(draws, model.sample(X, n_samples=2000, random_state=0))
    model.family_.check_target(draws[0])  # draws lie in the family's support
    # Monte Carlo mean within 5 standard errors of the model mean, row by row (a 5-sigma bound: about
    # 6e-7 false alarms per row under the CLT; the draws are seeded, so the test is deterministic)
    se = np.sqrt(model.family_.variance(eta).numpy() / 2000)
    assert np.all(np.abs(draws.mean(axis=0) - model.predict(X)) < 5 * se + 1e-12)


def test_frequency_weights_equal_duplicated_rows(glm_frame, draw) -> None:
    X, mu = glm_frame
    y = draw("gamma", mu)
    w = np.tile([1.0, 2.0], len(y) // 2)
    weighted = GLMBaseline("gamma").fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    duplicated = GLMBaseline("gamma").fit(X.iloc[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-9)
    assert weighted.extra_params_["concentration"] == pytest.approx(duplicated.extra_params_["concentration"], rel=1e-9)


def test_negative_binomial_weights_equal_duplicated_rows_and_statsmodels(glm_frame, draw) -> None:
    # statsmodels' NegativeBinomial takes no weights (issue 11 item 2): the weighted NB2 MLE is ours
    X, mu = glm_frame
    y = draw("negative_binomial", mu)
    w = np.tile([1.0, 3.0], len(y) // 2)
    weighted = GLMBaseline("negative_binomial").fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    duplicated = GLMBaseline("negative_binomial").fit(X.iloc[rows], y[rows])  # statsmodels' unweighted NB2
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-5)
    assert weighted.extra_params_["dispersion"] == pytest.approx(duplicated.extra_params_["dispersion"], rel=1e-5)
    np.testing.assert_allclose(weighted.summary().to_numpy(), duplicated.summary().to_numpy(), rtol=1e-5, atol=1e-8)
    ones = GLMBaseline("negative_binomial").fit(X, y, sample_weight=np.ones(len(y)))
    plain = GLMBaseline("negative_binomial").fit(X, y)
    np.testing.assert_allclose(ones.summary().to_numpy(), plain.summary().to_numpy(), rtol=1e-5, atol=1e-8)
    assert ones.result_.llf == pytest.approx(plain.result_.llf, abs=1e-6)


@pytest.mark.parametrize("family", ["beta", "Poisson", "laplace", None])
def test_bad_family_name(glm_frame, family: object) -> None:
    X, mu = glm_frame
    with pytest.raises(ValueError, match=r"`family` of GLMBaseline must be one of \['normal', 'poisson'.*Got"):
        GLMBaseline(family).fit(X, mu)  # type: ignore[arg-type]


def test_bad_targets(glm_frame) -> None:
    X, mu = glm_frame
    with pytest.raises(ValueError, match=r"`y` of Poisson must lie in the support non-negative integers"):
        GLMBaseline("poisson").fit(X, mu)  # not integers
    with pytest.raises(ValueError, match=r"`y` of Bernoulli must lie in the support \{0, 1\}"):
        GLMBaseline("bernoulli").fit(X, np.round(mu))
    with pytest.raises(ValueError, match=r"`X` and `y` of GLMBaseline must have the same number of samples"):
        GLMBaseline("normal").fit(X, mu[:-1])
    model = GLMBaseline("poisson").fit(X, np.round(mu))
    with pytest.raises(ValueError, match=r"`y` of Poisson must lie in the support"):
        model.log_likelihood(X, -np.ones(len(mu)))


def test_grunfeld_with_firm_effects_matches_formula_glm() -> None:
    ds = load("grunfeld")
    model = GLMBaseline("gamma").fit(ds.X, ds.y)
    ref = smf.glm("invest ~ value + capital + C(firm) + year", ds.frame,
                  family=sm.families.Gamma(link=sm.families.links.Log())).fit()
    ref_params = ref.params.rename(lambda s: s.replace("C(firm)[T.", "firm["))
    np.testing.assert_allclose(model.coef_, ref_params[model.design_columns_].to_numpy(), rtol=1e-7)
    assert model.log_likelihood(ds.X, ds.y) * ds.n_rows == pytest.approx(ref.llf, rel=1e-8)


def test_spector_logit_log_likelihood() -> None:
    # statsmodels' Logit example on the Spector data prints "Log-Likelihood: -12.890"
    ds = load("spector")
    model = GLMBaseline("bernoulli").fit(ds.X, ds.y)
    assert model.log_likelihood(ds.X, ds.y) * ds.n_rows == pytest.approx(-12.890, abs=5e-4)
    assert model.summary().loc["GPA", "coef"] == pytest.approx(2.8261, abs=5e-5)  # same example, GPA coefficient


def test_nb2_on_counts_without_overdispersion_is_finite() -> None:
    """Poisson data put the NB2 MLE of alpha on the boundary 0, where Newton's steps diverge (review finding)."""
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(200, 2))
        y = rng.poisson(np.exp(0.3 * X[:, 0]))
        model = GLMBaseline("negative_binomial").fit(X, y)
        assert np.isfinite(model.coef_).all() and 0 <= model.extra_params_["dispersion"] < 0.2
        assert np.isfinite(model.log_likelihood(X, y))
