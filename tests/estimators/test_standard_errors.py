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


# ------------------------------------------------------------------ (a) dispersion, shape, NB2 alpha
def test_nb2_alpha_and_its_standard_error_are_statsmodels() -> None:
    import statsmodels.api as sm

    from deepstat import DeepRegressor

    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 2))
    mu = np.exp(1.0 + X @ np.array([0.5, -0.3]))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    table = DeepRegressor(family="negative_binomial", **QUIET).fit(X, y).coefficient_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb2 = sm.NegativeBinomial(y, sm.add_constant(X), loglike_method="nb2").fit(disp=0, maxiter=200)
    row = table.loc[("dispersion", "(constant)")]
    _close([row["coef"], row["se"]], [nb2.params[-1], nb2.bse[-1]])  # alpha and its bse (statsmodels: log-alpha inside, delta method)
    _close(table.loc["mean", "se"].to_numpy(), nb2.bse[:3])
    assert np.isnan(row["z"]) and np.isnan(row["p"])  # alpha = 0 is on the boundary: no Wald test
    assert 0 < row["ci_low"] < row["coef"] < row["ci_high"]  # the log-scale interval, mapped: inside (0, inf)
    assert ("dispersion", "Intercept") not in table.index


def test_normal_sigma_and_its_standard_error_are_the_closed_form_mle() -> None:
    """Full MLE of y = X b + e, e ~ N(0, s^2): s^2 = RSS / n, cov(b) = s^2 (X'X)^-1, var(s) = s^2 / (2 n)."""
    from sklearn.datasets import load_diabetes

    from deepstat import DeepRegressor

    X, y = load_diabetes(return_X_y=True)
    table = DeepRegressor(**QUIET).fit(X, y).coefficient_table()
    D = np.column_stack([np.ones(len(y)), X])
    b = np.linalg.lstsq(D, y, rcond=None)[0]
    n = len(y)
    s = np.sqrt(np.sum((y - D @ b) ** 2) / n)
    _close(table.loc["loc", "se"].to_numpy(), s * np.sqrt(np.diag(np.linalg.inv(D.T @ D))))
    _close(table.loc[("scale", "(constant)"), ["coef", "se"]].to_numpy(float), [s, s / np.sqrt(2 * n)])


def test_gamma_shape_and_its_standard_error_are_the_full_mle() -> None:
    """Reference: statsmodels' GenericLikelihoodModel on scipy's gamma log-density (numerical Hessian; GLM's scale is not the MLE)."""
    from scipy import stats
    from statsmodels.base.model import GenericLikelihoodModel

    from deepstat import DeepRegressor

    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    y = rng.gamma(3.0, np.exp(0.5 + X @ np.array([0.4, -0.2])) / 3.0)
    D = np.column_stack([np.ones(len(y)), X])

    class GammaMLE(GenericLikelihoodModel):
        def loglike(self, params):
            mean, shape = np.exp(D @ params[:3]), params[3]
            return stats.gamma.logpdf(y, a=shape, scale=mean / shape).sum()

    model = DeepRegressor(family="gamma", **QUIET).fit(X, y)
    table = model.coefficient_table()
    start = np.r_[model.linear_coefficients().loc["mean"].to_numpy(), 3.0]
    reference = GammaMLE(y, D).fit(start_params=start, method="bfgs", disp=0, gtol=1e-10, maxiter=500)
    _close(table.loc["mean", "coef"].to_numpy(), reference.params[:3])
    _close(table.loc["mean", "se"].to_numpy(), reference.bse[:3])
    row = table.loc[("concentration", "(constant)")]
    _close([row["coef"], row["se"]], [reference.params[3], reference.bse[3]])


def test_weibull_shape_of_deep_aft_is_lifelines_rho(rossi) -> None:
    from lifelines import WeibullAFTFitter

    from deepstat import DeepAFT

    df, _ = rossi
    model = DeepAFT(family="weibull", **QUIET).fit(df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy()))
    table = model.coefficient_table()
    reference = WeibullAFTFitter().fit(df, "week", "arrest")
    log_rho, se_log_rho = reference.params_[("rho_", "Intercept")], reference.standard_errors_[("rho_", "Intercept")]
    row = table.loc[("concentration", "(constant)")]
    # lifelines fits log(rho): rho and, by the delta method, rho * se(log rho) (1e-4)
    _close([row["coef"], row["se"]], [np.exp(log_rho), np.exp(log_rho) * se_log_rho], rtol=1e-4)
    lam = reference.standard_errors_.loc["lambda_"]
    _close(table.loc["scale", "se"][lam.index].to_numpy(), lam.to_numpy(), rtol=1e-4)


# ------------------------------------------------------------------ (b) robust (sandwich, HC0) standard errors
@pytest.mark.parametrize("family", ["poisson", "normal"])
def test_hc0_is_statsmodels_glm(family) -> None:
    import statsmodels.api as sm

    from deepstat import DeepRegressor

    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 2))
    if family == "poisson":  # overdispersed counts: the sandwich differs from the model-based SEs
        y = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(0.3 + X @ [0.5, -0.25])))
        glm_family = sm.families.Poisson()
    else:  # heteroscedastic, heavy-tailed errors
        y = 1.0 + X @ [1.0, 2.0] + rng.standard_t(3, size=400) * (1.0 + np.abs(X[:, 0]))
        glm_family = sm.families.Gaussian()
    model = DeepRegressor(family=family, **QUIET).fit(X, y)
    reference = sm.GLM(y, sm.add_constant(X), family=glm_family).fit(cov_type="HC0")
    _close(model.linear_standard_errors("HC0").iloc[0].to_numpy(), reference.bse)
    table = model.coefficient_table(cov_type="HC0")
    first = table.index.get_level_values("parameter")[0]
    _close(table.loc[first, ["ci_low", "ci_high"]].to_numpy(), reference.conf_int())
    _close(table.loc[first, "p"].to_numpy(), reference.pvalues, rtol=1e-3, atol=1e-12)
    assert not np.allclose(model.linear_standard_errors().iloc[0], reference.bse, rtol=1e-2)  # it is not the nonrobust one


def _untied(df):
    """rossi with its ties broken (lifelines' score residuals take tied rows one at a time, in row order)."""
    return df.assign(week=df["week"] + np.arange(len(df)) * 1e-4)


@pytest.mark.parametrize(("strata", "weighted"), [(None, False), (["wexp"], False), (["wexp"], True)])
def test_cox_hc0_is_lifelines_robust(rossi, strata, weighted) -> None:
    df, w = rossi
    df = _untied(df)
    weight = w if weighted else None
    model = DeepCoxPH(strata=strata, **QUIET).fit(df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy()), sample_weight=weight)
    reference = _lifelines(df, weight, strata, robust=True)
    se = model.linear_standard_errors("HC0").iloc[0][reference.standard_errors_.index]
    _close(se.to_numpy(), reference.standard_errors_.to_numpy())


def test_cox_hc0_with_ties_is_the_infinitesimal_jackknife() -> None:
    """With tied times our scores follow the Efron loss: H^-1 s_i is d beta / d w_i, checked by refitting lifelines.

    (lifelines' robust=True takes tied rows one at a time in row order, so it differs there: 1-4% on rossi.)
    """
    import torch

    from deepstat.estimators._sandwich import observation_scores
    from deepstat.losses import cox_partial_nll

    df = load_rossi().iloc[:120]
    cols = ["fin", "age", "prio"]
    base = CoxPHFitter().fit(df[cols + ["week", "arrest"]], "week", "arrest")
    X, T, E = (torch.tensor(df[c].to_numpy(float)) for c in (cols, "week", "arrest"))

    def objective(beta, w):
        return cox_partial_nll(X @ beta, T, E, weight=w, reduction="sum")

    beta = torch.tensor(base.params_.to_numpy())
    ones = torch.ones(len(df), dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(lambda b: objective(b, ones), beta)
    influence = torch.linalg.solve(hessian, observation_scores(objective, beta, ones).T).T.numpy()  # (n, 3)
    eps = 1e-3
    for i in np.flatnonzero(df["week"].duplicated(keep=False).to_numpy() & (df["arrest"].to_numpy() == 1))[:3]:
        moved = []
        for step in (eps, -eps):
            w = np.ones(len(df))
            w[i] += step
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = CoxPHFitter().fit(df[cols + ["week", "arrest"]].assign(w=w), "week", "arrest", weights_col="w")
            moved.append(fit.params_.to_numpy())
        # minus: the scores are of the negative log-likelihood
        _close(-influence[i], (moved[0] - moved[1]) / (2 * eps), rtol=1e-3, atol=1e-6)


def test_cov_type_is_validated_and_saved_with_the_model(tmp_path) -> None:
    from deepstat import DeepRegressor, load

    rng = np.random.default_rng(8)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(0.2 + X @ [0.3, -0.2]))
    model = DeepRegressor(family="poisson", **QUIET).fit(X, y)
    for call in (model.coefficient_table, model.linear_standard_errors):
        with pytest.raises(ValueError, match=r"`cov_type` of DeepRegressor\.\w+ must be one of 'nonrobust' .*'HC0'.*Got 'HC1' instead"):
            call(cov_type="HC1")
    model.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.coef_cov_hc0_, model.coef_cov_hc0_)
    import pandas as pd

    pd.testing.assert_frame_equal(loaded.coefficient_table(cov_type="HC0"), model.coefficient_table(cov_type="HC0"))
    with pytest.raises(ValueError, match="must be the linear predictor"):
        DeepRegressor(max_epochs=2, verbose=0).fit(X, y).coefficient_table(cov_type="HC0")


# ------------------------------------------------------------------ (d) the printed table and the HTML report
def test_print_summary_of_a_cox_model_is_lifelines_table(rossi) -> None:
    from rich.console import Console

    df, _ = rossi
    model = DeepCoxPH(**QUIET).fit(df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy()))
    reference = CoxPHFitter().fit(df, "week", "arrest").summary
    table = model.coefficient_table().droplevel("parameter").loc[reference.index]  # one parameter: the log relative risk
    _close(table["exp(coef)"], reference["exp(coef)"])
    _close(table[["exp(ci_low)", "exp(ci_high)"]].to_numpy(), reference[["exp(coef) lower 95%", "exp(coef) upper 95%"]].to_numpy())
    _close(table["p"], reference["p"], rtol=1e-3)
    console = Console(record=True, width=250)
    model.print_summary(console=console)
    text = console.export_text()
    for header in ("exp(coef)", "se(coef)", "coef lower 95%", "exp(coef) upper 95%"):
        assert header in text
    fin = next(line for line in text.splitlines() if " fin " in line)
    for value in reference.loc["fin", ["coef", "exp(coef)", "exp(coef) lower 95%", "exp(coef) upper 95%"]]:
        assert f"{value:.4f}" in fin  # lifelines' row for fin: -0.3794, 0.6843, 0.5016, 0.9337
    robust = Console(record=True, width=250)
    model.print_summary(console=robust, cov_type="HC0")
    assert "robust (HC0 sandwich)" in robust.export_text()
    with pytest.raises(ValueError, match="`cov_type` of DeepCoxPH.coefficient_table"):
        model.print_summary(console=robust, cov_type="robust")


def test_print_summary_shows_the_dispersion_without_a_test() -> None:
    from rich.console import Console

    from deepstat import DeepRegressor

    rng = np.random.default_rng(5)
    X = rng.normal(size=(100, 2))
    model = DeepRegressor(**QUIET).fit(X, 1 + X[:, 0] + rng.normal(size=100))
    console = Console(record=True, width=250)
    model.print_summary(console=console)
    row = next(line for line in console.export_text().splitlines() if "(constant)" in line)
    sigma = model.coefficient_table().loc[("scale", "(constant)")]
    assert f"{sigma['coef']:.4f}" in row and f"{sigma['se']:.4f}" in row
    cells = [c.strip() for c in row.strip().split("│")[1:-1]]
    assert cells[-3] == f"{sigma['ci_high']:.4f}" and cells[-2:] == ["", ""]  # the z and p cells are empty


def test_html_report_has_a_coefficients_section_for_linear_models_only(tmp_path, rossi) -> None:
    from deepstat import DeepRegressor
    from deepstat.report import write_html

    rng = np.random.default_rng(12)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(0.2 + X @ [0.3, -0.2]))
    linear = DeepRegressor(family="poisson", **QUIET).fit(X[:150], y[:150])
    page = write_html(linear, X[150:], y[150:], tmp_path / "linear.html").read_text(encoding="utf-8")
    assert '<section id="coefficients"><h2>Coefficients</h2>' in page and "se(coef)" in page
    assert f"{linear.coefficient_table().loc[('rate', 'x0'), 'se']:.4g}" in page
    deep = DeepRegressor(family="poisson", max_epochs=2, verbose=0, random_state=0).fit(X[:150], y[:150])
    page = write_html(deep, X[150:], y[150:], tmp_path / "deep.html").read_text(encoding="utf-8")
    assert "Coefficients" not in page and "se(coef)" not in page  # no p-values for a network's weights (STYLE 5.3)
    df, _ = rossi
    cox = DeepCoxPH(**QUIET).fit(df.drop(columns=["week", "arrest"]).iloc[:300], (df["week"].to_numpy(float)[:300], df["arrest"].to_numpy()[:300]))
    page = write_html(cox, df.drop(columns=["week", "arrest"]).iloc[300:], (df["week"].to_numpy(float)[300:], df["arrest"].to_numpy()[300:]), tmp_path / "cox.html").read_text(encoding="utf-8")
    assert '<section id="coefficients">' in page and "exp(coef) lower 95%" in page and "hazard ratios" in page
