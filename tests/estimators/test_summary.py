"""summary(), print_summary() and predict_pit()."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.nn import MLP


@pytest.fixture(scope="module")
def poisson_model():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 2))
    y = rng.poisson(np.exp(0.5 + 0.4 * X[:, 0]))
    model = DeepRegressor(family="poisson", network="linear", optimizer="lbfgs", max_epochs=20, early_stopping=False,
                          dtype="float64", verbose=0, random_state=0).fit(X[:2000], y[:2000])
    return model, X[2000:], y[2000:]


def test_summary_reports_the_fit(poisson_model) -> None:
    model, X, y = poisson_model
    table = model.summary(X, y)
    values = table["value"]
    assert values["family"] == "poisson" and values["network"] == "linear predictor"
    assert values["training rows"] == 2000 and values["test rows"] == 1000
    assert values["trainable parameters"] == 3  # two slopes and an intercept
    assert values["test log-likelihood"] == pytest.approx(model.log_likelihood(X, y))
    # a correctly specified model: the randomised PIT is uniform (Czado et al. 2009)
    assert values["PIT KS p-value"] > 0.01
    assert "p-value" not in " ".join(k for k in values.index if k != "PIT KS p-value")  # no p-values for weights


def test_pit_is_the_cdf_for_continuous_families(rng: np.random.Generator) -> None:
    X = rng.normal(size=(500, 1))
    y = 2 * X[:, 0] + rng.normal(size=500)
    model = DeepRegressor(network="linear", heteroscedastic=False, optimizer="lbfgs", max_epochs=20, early_stopping=False,
                          dtype="float64", verbose=0, random_state=0).fit(X, y)
    dist = model.predict_distribution(X)
    expected = scipy.stats.norm.cdf(y, loc=dist.mean.numpy(), scale=dist.stddev.numpy())
    np.testing.assert_allclose(model.predict_pit(X, y), expected, rtol=1e-10)


def test_misspecified_model_fails_the_pit_check(rng: np.random.Generator) -> None:
    X = rng.normal(size=(3000, 1))
    y = rng.negative_binomial(1, 1 / (1 + 3 * np.exp(0.3 * X[:, 0])))  # overdispersed counts
    model = DeepRegressor(family="poisson", network="linear", optimizer="lbfgs", max_epochs=20, early_stopping=False,
                          dtype="float64", verbose=0, random_state=0).fit(X, y)
    assert model.summary(X, y).loc["PIT KS p-value", "value"] < 1e-6


def test_print_summary_and_classifier(capsys, rng: np.random.Generator) -> None:
    X = rng.normal(size=(100, 2))
    clf = DeepClassifier(network=MLP(hidden_sizes=(4,)), max_epochs=3, verbose=0, random_state=0).fit(X, (X[:, 0] > 0).astype(int))
    clf.print_summary(X, (X[:, 0] > 0).astype(int))
    out = capsys.readouterr().out
    assert "DeepClassifier summary" in out and "bernoulli" in out and "PIT" not in out


def test_summary_survives_save(poisson_model, tmp_path) -> None:
    model, X, y = poisson_model
    model.save(tmp_path / "m")
    loaded = DeepRegressor.load(tmp_path / "m")
    assert loaded.summary(X, y).equals(model.summary(X, y))


def _rossi():
    from lifelines.datasets import load_rossi

    df = load_rossi()
    return df.drop(columns=["week", "arrest"]), (df["week"].to_numpy(float), df["arrest"].to_numpy())


def test_survival_summaries_report_discrimination_ibs_and_d_calibration() -> None:
    from deepstat.estimators import DeepAFT, DeepCoxPH
    from deepstat.metrics.survival import concordance_index_harrell
    from deepstat.metrics.survival_scores import d_calibration

    X, y = _rossi()
    Xtr, Xte = X.iloc[:300], X.iloc[300:]
    ytr, yte = (y[0][:300], y[1][:300]), (y[0][300:], y[1][300:])
    cox = DeepCoxPH(network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), max_epochs=30, random_state=0, verbose=0).fit(Xtr, ytr)
    table = cox.summary(Xte, yte)["value"]
    assert table["objective"] == "Cox partial likelihood (efron ties)"
    assert "train log-likelihood" not in table  # a partial likelihood is not a likelihood of y: no NaN row
    assert table["train partial log-likelihood"] < 0
    assert table["test rows"] == 132 and table["test events"] == int(yte[1].sum())
    assert table["test Harrell C"] == pytest.approx(concordance_index_harrell(*yte, cox.predict_risk(Xte)), abs=1e-12)
    assert 0 < table["test integrated Brier score"] < 0.25
    grid = np.unique(np.concatenate([cox.time_grid_, yte[0]]))
    expected = d_calibration(*yte, cox.predict_survival_function(Xte, grid).to_numpy(), times=grid)
    assert table["D-calibration p-value"] == pytest.approx(expected.pvalue, abs=1e-6)  # float32 risks, chunked rows
    aft = DeepAFT(family="weibull", network=MLP(hidden_sizes=(8,), batch_norm=True, dropout=0.1), max_epochs=30, random_state=0, verbose=0).fit(Xtr, ytr)
    table = aft.summary(Xte, yte)["value"]  # was a ValueError: no PIT for censored times
    assert table["test log-likelihood"] == pytest.approx(aft.log_likelihood(Xte, yte))
    assert np.isfinite(table["train log-likelihood"]) and "PIT KS p-value" not in table


def test_summary_of_a_linear_cox_partial_likelihood_is_lifelines_value() -> None:
    from lifelines import CoxPHFitter

    from deepstat.estimators import DeepCoxPH

    X, y = _rossi()
    reference = CoxPHFitter().fit(X.assign(week=y[0], arrest=y[1]), "week", "arrest")
    model = DeepCoxPH(network="linear", optimizer="lbfgs", dtype="float64", early_stopping=False, max_epochs=30, verbose=0)
    table = model.fit(X, y).summary()["value"]
    assert table["train partial log-likelihood"] == pytest.approx(reference.log_likelihood_, abs=1e-6)  # -658.7477


def test_quantile_and_task_loss_summaries(rng: np.random.Generator) -> None:
    from deepstat.estimators import DeepQuantileRegressor

    X = rng.normal(size=(400, 2))
    y = X[:, 0] + rng.normal(size=400)
    dqr = DeepQuantileRegressor(quantiles=[0.1, 0.5, 0.9], network=MLP(hidden_sizes=(8,)), max_epochs=40, random_state=0, verbose=0)
    table = dqr.fit(X[:300], y[:300]).summary(X[300:], y[300:])["value"]
    q = dqr.predict_quantiles(X[300:])
    assert table["test share of y <= q0.9"] == pytest.approx(np.mean(y[300:] <= q[:, 2]))
    r = y[300:, None] - q
    levels = np.array([0.1, 0.5, 0.9])
    assert table["test mean pinball loss"] == pytest.approx(np.mean(np.maximum(levels * r, (levels - 1) * r)))
    assert "train log-likelihood" not in table
    huber = DeepRegressor(loss="huber", network=MLP(hidden_sizes=(8,)), max_epochs=10, random_state=0, verbose=0).fit(X, y)
    table = huber.summary(X, y)["value"]
    assert table["objective"] == "huber loss"
    assert table["test RMSE"] == pytest.approx(np.sqrt(np.mean((huber.predict(X) - y) ** 2)))
    with pytest.raises(ValueError, match=r"`y` of DeepRegressor.summary must be given with `X`"):
        huber.summary(X)


def test_training_and_validation_rows_are_counted_alike(rng: np.random.Generator) -> None:
    import math

    from deepstat.estimators import DeepCoxPH

    X = rng.normal(size=(203, 2))
    y = X[:, 0] + rng.normal(size=203)
    reg = DeepRegressor(network=MLP(hidden_sizes=(4,)), max_epochs=3, validation_fraction=0.2, random_state=0, verbose=0).fit(X, y)
    assert (reg.n_train_, reg.n_validation_) == (203 - math.ceil(0.2 * 203), math.ceil(0.2 * 203))
    table = reg.summary()["value"]
    assert table["training rows"] + table["validation rows"] == 203
    event = rng.uniform(size=203) < 0.7
    cox = DeepCoxPH(network=MLP(hidden_sizes=(4,), batch_norm=True, dropout=0.1), max_epochs=3, random_state=0, verbose=0).fit(X, (np.exp(y), event))
    assert cox.n_train_ + cox.n_validation_ == 203 and cox.n_validation_ > 0  # its own event-stratified split
    given = DeepRegressor(network=MLP(hidden_sizes=(4,)), max_epochs=3, random_state=0, verbose=0).fit(X[:150], y[:150], eval_set=(X[150:], y[150:]))
    assert (given.n_train_, given.n_validation_) == (150, 53)
