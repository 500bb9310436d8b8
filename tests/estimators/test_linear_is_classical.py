"""With the linear network and DEFAULT settings, the fit is the classical maximum-likelihood fit (issue 11, item 1).

Nothing here sets the optimizer, the dtype, early stopping or the epochs: ``network="linear"`` alone must
give statsmodels' and lifelines' estimates (coefficients to 1e-4 relative, log-likelihoods to 1e-6).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import torch
from lifelines import CoxPHFitter, WeibullAFTFitter
from lifelines.datasets import load_rossi
from sklearn.datasets import load_diabetes

from deepstat import DeepAFT, DeepClassifier, DeepCoxPH, DeepRegressor
from deepstat.train import ConvergenceWarning, TensorBatches, TrainConfig, fit_module

QUIET = dict(network="linear", verbose=0, random_state=0)


def _close(a, b, rtol=1e-4, atol=1e-6) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol)


def test_linear_defaults_resolve_to_the_classical_fit() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=50)
    model = DeepRegressor(**QUIET).fit(X, y)
    assert (model.optimizer_, model.early_stopping_, model.dtype_) == ("lbfgs", False, "float64")
    assert model.module_.offset.dtype == torch.float64 and model.n_validation_ == 0
    assert model.n_epochs_ < model.max_epochs  # stopped because the gradient reached its tolerance
    deep = DeepRegressor(max_epochs=1, verbose=0).fit(X, y)
    assert (deep.optimizer_, deep.early_stopping_, deep.dtype_) == ("adam", True, "float32")
    assert DeepRegressor(optimizer="adam", max_epochs=2, **QUIET).fit(X, y).optimizer_ == "adam"  # an explicit choice wins


def test_gaussian_is_ols() -> None:
    X, y = load_diabetes(return_X_y=True)
    model = DeepRegressor(**QUIET).fit(X, y)
    ols = sm.OLS(y, sm.add_constant(X)).fit()
    _close(model.linear_coefficients().iloc[0].to_numpy(), ols.params)
    assert model.train_log_likelihood_ * len(y) == pytest.approx(ols.llf, rel=1e-6)  # sigma^2 = RSS / n: the MLE


def test_poisson_is_the_poisson_glm() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = rng.poisson(np.exp(0.3 + X @ np.array([0.5, -0.25, 0.1])))
    model = DeepRegressor(family="poisson", **QUIET).fit(X, y)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit()
    _close(model.linear_coefficients().iloc[0].to_numpy(), glm.params)
    assert model.train_log_likelihood_ * len(y) == pytest.approx(glm.llf, rel=1e-6)


def test_gamma_log_link_coefficients_are_the_gamma_glm() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    y = rng.gamma(3.0, np.exp(0.5 + X @ np.array([0.4, -0.2])) / 3.0)
    model = DeepRegressor(family="gamma", **QUIET).fit(X, y)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Gamma(link=sm.families.links.Log())).fit()
    # the mean's coefficients do not depend on the shape: the GLM's IRLS and the joint ML agree on them
    _close(model.linear_coefficients().loc["mean"].to_numpy(), glm.params)


def test_negative_binomial_is_statsmodels_nb2() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 2))
    mu = np.exp(1.0 + X @ np.array([0.5, -0.3]))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    model = DeepRegressor(family="negative_binomial", **QUIET).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb2 = sm.NegativeBinomial(y, sm.add_constant(X), loglike_method="nb2").fit(disp=0, maxiter=200)
    _close(model.linear_coefficients().loc["mean"].to_numpy(), nb2.params[:3])
    assert model.train_log_likelihood_ * len(y) == pytest.approx(nb2.llf, rel=1e-6)  # so the dispersion is its alpha


def test_logistic_classifier_is_the_logit_on_spector() -> None:
    """32 rows: the deep default early-stopped on a 4-row validation split (issue 11); the linear default is the Logit."""
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog.astype(int)
    clf = DeepClassifier(**QUIET).fit(X, y)
    logit = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    _close(clf.predict_proba(X)[:, 1], logit.predict(sm.add_constant(X)), rtol=1e-4, atol=1e-6)
    assert clf.log_likelihood(X, y) * len(y) == pytest.approx(logit.llf, rel=1e-6)


def test_three_classes_are_the_multinomial_logit() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 2))
    logits = np.column_stack([np.zeros(600), 0.5 + X @ [1.0, -0.5], -0.3 + X @ [-0.4, 0.8]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    clf = DeepClassifier(**QUIET).fit(X, y)
    mn = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0)
    _close(clf.predict_proba(X), mn.predict(sm.add_constant(X)), rtol=1e-4, atol=1e-6)
    assert clf.log_likelihood(X, y) * len(y) == pytest.approx(mn.llf, rel=1e-6)


def test_cox_is_lifelines_on_rossi() -> None:
    """fin was -0.204 with the old defaults against lifelines' -0.379."""
    df = load_rossi()
    X, time, event = df.drop(columns=["week", "arrest"]), df["week"].to_numpy(float), df["arrest"].to_numpy()
    model = DeepCoxPH(**QUIET).fit(X, (time, event))
    reference = CoxPHFitter().fit(df, "week", "arrest")
    coef = model.linear_coefficients()
    _close(coef[reference.params_.index].to_numpy(), reference.params_.to_numpy(), rtol=1e-4, atol=1e-5)
    assert coef["fin"] == pytest.approx(-0.3794, abs=1e-3)
    assert model.train_partial_log_likelihood_ == pytest.approx(reference.log_likelihood_, rel=1e-6)


def test_weibull_aft_is_lifelines_on_rossi() -> None:
    df = load_rossi()
    X, time, event = df.drop(columns=["week", "arrest"]), df["week"].to_numpy(float), df["arrest"].to_numpy()
    model = DeepAFT(family="weibull", **QUIET).fit(X, (time, event))
    reference = WeibullAFTFitter().fit(df, "week", "arrest")
    lam = reference.params_.loc["lambda_"]  # log-scale coefficients; lifelines' own tolerance limits the match
    _close(model.linear_coefficients().loc["scale"][lam.index].to_numpy(), lam.to_numpy(), rtol=1e-4, atol=1e-5)
    assert model.train_log_likelihood_ * len(df) == pytest.approx(reference.log_likelihood_, rel=1e-6)


def test_an_unconverged_lbfgs_fit_warns_with_its_gradient() -> None:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(200, 3, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 1.0

    def sse(eta, target, *, weight=None, reduction="sum"):
        return 0.5 * ((eta.squeeze(-1) - target) ** 2).sum()

    cfg = TrainConfig(optimizer="lbfgs", lr=1.0, max_epochs=1, lbfgs_max_iter=1, early_stopping=False, verbose=0, grad_tol=1e-12)
    with pytest.warns(ConvergenceWarning, match=r"did not converge in 1 epoch\(s\): the largest absolute gradient is .* above grad_tol=1e-12"):
        fit_module(torch.nn.Linear(3, 1).double(), sse, TensorBatches(X, y), cfg)
    cfg = TrainConfig(optimizer="lbfgs", lr=1.0, max_epochs=50, early_stopping=False, verbose=0, grad_tol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = fit_module(torch.nn.Linear(3, 1).double(), sse, TensorBatches(X, y), cfg)
    assert history.n_epochs < 50 and history.stopped_early


def test_saved_linear_models_keep_their_fitted_settings(tmp_path) -> None:
    from deepstat import load

    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 2))
    model = DeepRegressor(**QUIET).fit(X, X[:, 0] + 1 + rng.normal(size=60))
    model.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert (loaded.optimizer_, loaded.early_stopping_, loaded.dtype_) == ("lbfgs", False, "float64")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert pd.Series(loaded.get_params())[["optimizer", "dtype", "early_stopping"]].tolist() == ["auto", "auto", "auto"]


def test_a_fit_that_runs_out_of_epochs_while_improving_says_so() -> None:
    """Issue 11 item 6: hitting max_epochs with the validation loss still falling is never silent."""
    rng = np.random.default_rng(6)
    # a curve the linear start misses by far (sin(2x)), enough rows that the first epochs improve it steadily
    X = rng.normal(size=(1000, 3))
    y = np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=1000)
    with pytest.warns(ConvergenceWarning, match=r"ran out of epochs \(max_epochs=3\) with the validation loss still falling"):
        DeepRegressor(max_epochs=3, lr=1e-2, random_state=0, verbose=0).fit(X, y)
    with warnings.catch_warnings():  # a fit that early-stopped has nothing to say
        warnings.simplefilter("error", ConvergenceWarning)
        DeepRegressor(max_epochs=300, lr=1e-2, patience=3, random_state=0, verbose=0).fit(X, y)


# ------------------------------------------------------------------ standard errors (issue 11, item 3)
def test_poisson_standard_errors_and_table_are_statsmodels() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = rng.poisson(np.exp(0.3 + X @ np.array([0.5, -0.25, 0.1])))
    model = DeepRegressor(family="poisson", **QUIET).fit(X, y)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit()
    _close(model.linear_standard_errors().iloc[0].to_numpy(), glm.bse)
    table = model.coefficient_table()
    assert list(table.columns) == ["coef", "se", "z", "p", "ci_low", "ci_high"]
    _close(table["p"].to_numpy(), glm.pvalues, rtol=1e-3, atol=1e-10)
    _close(table[["ci_low", "ci_high"]].to_numpy(), glm.conf_int(), rtol=1e-4)


def test_logit_standard_errors_are_statsmodels_on_spector() -> None:
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog.astype(int)
    clf = DeepClassifier(**QUIET).fit(X, y)
    logit = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    _close(clf.linear_standard_errors().iloc[0].to_numpy(), logit.bse, rtol=1e-4)


def test_cox_standard_errors_are_lifelines_on_rossi() -> None:
    df = load_rossi()
    X = df.drop(columns=["week", "arrest"])
    model = DeepCoxPH(**QUIET).fit(X, (df["week"].to_numpy(float), df["arrest"].to_numpy()))
    reference = CoxPHFitter().fit(df, "week", "arrest")
    se = model.linear_standard_errors().iloc[0]
    _close(se[reference.standard_errors_.index].to_numpy(), reference.standard_errors_.to_numpy(), rtol=1e-4)
    assert se["Intercept"] == 0.0  # not identified by the partial likelihood: no standard error, no row in the table
    assert "Intercept" not in model.coefficient_table().index.get_level_values("column")


def test_no_standard_errors_for_a_network_or_a_penalised_fit() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + rng.normal(size=80)
    for model in (DeepRegressor(max_epochs=2, verbose=0), DeepRegressor(penalty="l2", alpha=0.1, **QUIET)):
        model.fit(X, y)
        with pytest.raises(ValueError, match=r"must be the linear predictor, fitted by maximum likelihood without a penalty"):
            model.linear_standard_errors()


def test_print_summary_shows_the_coefficient_table_with_hazard_ratios() -> None:
    from rich.console import Console

    df = load_rossi()
    model = DeepCoxPH(**QUIET).fit(df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy()))
    console = Console(record=True, width=200)
    model.print_summary(console=console)
    text = console.export_text()
    assert "exp(coef)" in text and "fin" in text and "0.6843" in text  # exp(-0.3794), lifelines' hazard ratio of fin


def test_standard_errors_survive_save_and_load(tmp_path) -> None:
    from deepstat import load

    rng = np.random.default_rng(8)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(0.2 + X @ [0.3, -0.2]))
    model = DeepRegressor(family="poisson", **QUIET).fit(X, y)
    model.save(tmp_path / "m")
    pd.testing.assert_frame_equal(load(tmp_path / "m").coefficient_table(), model.coefficient_table())


# ------------------------------------------------------------------ offsets and exposure (issue 11, item 2)
@pytest.fixture(scope="module")
def rates():
    rng = np.random.default_rng(9)
    n = 500
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b"], n), "t": rng.uniform(0.5, 5, n)})
    y = rng.poisson(df["t"] * np.exp(0.2 + 0.5 * df["x"] + 0.3 * (df["g"] == "b")))
    design = sm.add_constant(pd.get_dummies(df[["x", "g"]], drop_first=True).astype(float))
    return df, y, design


def test_exposure_is_statsmodels_poisson_rate_model(rates, tmp_path) -> None:
    from deepstat import load

    df, y, design = rates
    model = DeepRegressor(family="poisson", exposure="t", **QUIET).fit(df, y)
    glm = sm.GLM(y, design, family=sm.families.Poisson(), exposure=df["t"]).fit()
    _close(model.linear_coefficients().iloc[0].to_numpy(), glm.params)
    _close(model.linear_standard_errors().iloc[0].to_numpy(), glm.bse)
    assert model.train_log_likelihood_ * len(y) == pytest.approx(glm.llf, rel=1e-6)
    _close(model.predict(df), glm.predict(design, exposure=df["t"]), rtol=1e-5)
    assert list(model.linear_coefficients().columns) == ["Intercept", "x", "g[b]"]  # the exposure is not an input
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load(tmp_path / "m").predict(df), model.predict(df))


def test_offset_is_the_log_exposure(rates) -> None:
    df, y, _ = rates
    with_offset = DeepRegressor(family="poisson", offset="log_t", **QUIET).fit(df.assign(log_t=np.log(df["t"])).drop(columns="t"), y)
    with_exposure = DeepRegressor(family="poisson", exposure="t", **QUIET).fit(df, y)
    _close(with_offset.linear_coefficients(), with_exposure.linear_coefficients(), rtol=1e-6)


@pytest.mark.parametrize(
    ("params", "frame", "match"),
    [
        ({"exposure": "t"}, lambda df: df.drop(columns="t"), r"`X` of DeepRegressor must be a DataFrame with the exposure column 't'"),
        ({"exposure": "t"}, lambda df: df.assign(t=-df["t"]), r"`exposure` column 't' of DeepRegressor must be positive"),
        ({"exposure": "t", "offset": "x"}, lambda df: df, r"`offset` and `exposure` of DeepRegressor must not both be given"),
        ({"offset": "t"}, lambda df: df.to_numpy(), r"must be a DataFrame with the offset column 't'"),
    ],
)
def test_offset_errors_are_named(rates, params, frame, match) -> None:
    df, y, _ = rates
    with pytest.raises(ValueError, match=match):
        DeepRegressor(family="poisson", **params, **QUIET).fit(frame(df), y)


def test_glm_baseline_takes_the_same_exposure_and_compare_pairs_them(rates) -> None:
    from deepstat.baselines import GLMBaseline
    from deepstat.evaluation import compare

    df, y, design = rates
    baseline = GLMBaseline("poisson", exposure="t").fit(df, y)
    glm = sm.GLM(y, design, family=sm.families.Poisson(), exposure=df["t"]).fit()
    _close(baseline.coef_, glm.params)
    _close(baseline.predict(df), glm.predict(design, exposure=df["t"]), rtol=1e-8)
    deep = DeepRegressor(family="poisson", exposure="t", **QUIET)
    result = compare({"linear deep": deep, "glm": GLMBaseline("poisson", exposure="t")}, df, y, cv=3)
    nll = result.summary.query("metric == 'nll'").set_index("model")["mean"]
    assert nll["linear deep"] == pytest.approx(nll["glm"], rel=1e-5)  # the same model, fitted twice
