"""Every R link of a GLM family, fitted with the linear network and DEFAULT settings, is statsmodels' GLM with
that link (issue 11, item 2): coefficients to 1e-4 relative, log-likelihoods to 1e-6.

Real data where a classic example exists (statsmodels' spector for the binary links), simulated data with
known coefficients otherwise. For the families with a dispersion (normal, gamma, inverse Gaussian) the
reference log-likelihood is statsmodels' ``family.loglike`` at the GLM's mean and the maximum-likelihood
dispersion (statsmodels' own ``llf`` uses the Pearson estimate), which is what the joint deep fit maximises.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize_scalar

from deepstat import DeepRegressor
from deepstat.baselines import GLMBaseline, baseline_for
from deepstat.families import Bernoulli, Gamma, InverseGaussian, Normal, Poisson

L = sm.families.links
N = 500
# (family, statsmodels family, mean of the simulation from the linear predictor x @ beta); the coefficients
# are arbitrary moderate effects chosen so that every mean stays inside its domain on the simulated X
CASES = {
    "poisson-log": (Poisson(), sm.families.Poisson(L.Log()), lambda X: np.exp(1 + X @ [0.3, -0.2])),
    "poisson-identity": (Poisson("identity"), sm.families.Poisson(L.Identity()), lambda X: 5 + X @ [1.0, -0.8]),
    "poisson-sqrt": (Poisson("sqrt"), sm.families.Poisson(L.Sqrt()), lambda X: (2 + X @ [0.3, -0.2]) ** 2),
    "gamma-log": (Gamma(), sm.families.Gamma(L.Log()), lambda X: np.exp(1 + X @ [0.3, -0.2])),
    "gamma-inverse": (Gamma("inverse"), sm.families.Gamma(L.InversePower()), lambda X: 1 / (0.5 + X @ [0.1, -0.05])),
    "gamma-identity": (Gamma("identity"), sm.families.Gamma(L.Identity()), lambda X: 5 + X @ [1.0, -0.8]),
    "normal-identity": (Normal(), sm.families.Gaussian(L.Identity()), lambda X: 1 + X @ [1.0, -0.8]),
    "normal-log": (Normal("log"), sm.families.Gaussian(L.Log()), lambda X: np.exp(1 + X @ [0.3, -0.2])),
    "inverse_gaussian-log": (InverseGaussian(), sm.families.InverseGaussian(L.Log()), lambda X: np.exp(1 + X @ [0.3, -0.2])),
    "inverse_gaussian-inverse_squared": (
        InverseGaussian("inverse_squared"), sm.families.InverseGaussian(L.InverseSquared()), lambda X: (0.2 + X @ [0.02, -0.01]) ** -0.5,
    ),
}


def _draw(name: str, mu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    family = name.split("-")[0]
    if family == "poisson":
        return rng.poisson(mu).astype(float)
    if family == "gamma":
        return rng.gamma(4.0, mu / 4.0)  # shape 4
    if family == "normal":
        return mu + rng.normal(size=mu.shape)  # sd 1
    return rng.wald(mu, 5.0)  # inverse Gaussian, lambda 5


def _statsmodels(y, X, family):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DomainWarning for the non-canonical links: the fits are checked below
        return sm.GLM(y, sm.add_constant(X), family=family).fit(tol=1e-12)


def _reference_llf(glm, name: str) -> float:
    """statsmodels' log-likelihood at the GLM mean, with the dispersion at its maximum (no-dispersion families: llf)."""
    if name.startswith("poisson"):
        return glm.llf
    fam, y, mu = glm.model.family, glm.model.endog, glm.mu
    best = minimize_scalar(lambda s: -fam.loglike(y, mu, scale=np.exp(s)), bounds=(-20, 20), method="bounded",
                           options={"xatol": 1e-12})
    return -best.fun


@pytest.mark.parametrize("name", list(CASES))
def test_linear_fit_is_the_glm_with_the_same_link(name: str) -> None:
    family, sm_family, mean = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    X = rng.normal(size=(N, 2))
    y = _draw(name, mean(X), rng)
    model = DeepRegressor(family=family, network="linear", verbose=0, random_state=0).fit(X, y)
    glm = _statsmodels(y, X, sm_family)
    np.testing.assert_allclose(model.linear_coefficients().iloc[0].to_numpy(), glm.params, rtol=1e-4, atol=1e-8)
    assert model.train_log_likelihood_ * N == pytest.approx(_reference_llf(glm, name), rel=1e-6)
    # the classical baseline of that family carries the same link and gives the GLM's coefficients
    baseline = baseline_for(model.family_)
    assert baseline.link == (None if family.link == family.link_choices[0] else family.link)
    np.testing.assert_allclose(baseline.fit(X, y).coef_, glm.params, rtol=1e-7)


@pytest.mark.parametrize(("link", "sm_link"), [("logit", L.Logit()), ("probit", L.Probit()), ("cloglog", L.CLogLog()), ("cauchit", L.Cauchy())])
def test_binary_links_on_spector(link: str, sm_link) -> None:
    """statsmodels' spector data (32 students): the classic probit example of Spector and Mazzeo (1980)."""
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog
    model = DeepRegressor(family=Bernoulli(link), network="linear", verbose=0, random_state=0).fit(X, y)
    glm = _statsmodels(y, X, sm.families.Binomial(sm_link))
    np.testing.assert_allclose(model.linear_coefficients().iloc[0].to_numpy(), glm.params, rtol=1e-4)
    assert model.train_log_likelihood_ * len(y) == pytest.approx(glm.llf, rel=1e-6)
    np.testing.assert_allclose(model.predict(X), glm.predict(sm.add_constant(X)), rtol=1e-5, atol=1e-8)
    if link == "probit":  # and the dedicated Probit model agrees
        assert glm.llf == pytest.approx(sm.Probit(y, sm.add_constant(X)).fit(disp=0).llf, rel=1e-10)


def test_glm_baseline_link_names_are_validated() -> None:
    X, y = np.random.default_rng(0).normal(size=(20, 1)), np.arange(20.0) % 3
    with pytest.raises(ValueError, match=r"`link` of GLMBaseline must be None or one of \['log', 'identity', 'sqrt'\] "
                                         r"for family='poisson'. Got 'probit' instead"):
        GLMBaseline("poisson", link="probit").fit(X, y)
    with pytest.raises(ValueError, match=r"`link` of GLMBaseline must be one of \[None, 'log'\] for family='negative_binomial'"):
        GLMBaseline("negative_binomial", link="identity").fit(X, y)
    assert GLMBaseline("poisson", link="sqrt").fit(X, y).family_ == Poisson("sqrt")


@pytest.mark.parametrize("seed", [0, 3])
def test_restricted_links_near_the_boundary_back_off_and_converge(seed: int) -> None:
    """Means close to 0 (identity) and 1 / mu close to 0 (inverse): L-BFGS trial steps leave the domain.

    Before the engine's back-off these fits stalled with coefficients 5% (Poisson) and 100% (gamma) away.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(400, 1))
    cases = [
        (Poisson("identity"), sm.families.Poisson(L.Identity()), rng.poisson(0.5 + 0.45 * x[:, 0]).astype(float)),
        (Gamma("inverse"), sm.families.Gamma(L.InversePower()), rng.gamma(2.0, 1 / (0.05 + 0.049 * x[:, 0]) / 2.0)),
    ]
    for family, sm_family, y in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # converged: no ConvergenceWarning
            model = DeepRegressor(family=family, network="linear", verbose=0, random_state=0).fit(x, y)
        glm = _statsmodels(y, x, sm_family)
        np.testing.assert_allclose(model.linear_coefficients().iloc[0].to_numpy(), glm.params, rtol=1e-4)
