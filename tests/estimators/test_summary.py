"""summary(), print_summary() and predict_pit()."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from deepstat.estimators import DeepClassifier, DeepRegressor


@pytest.fixture(scope="module")
def poisson_model():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 2))
    y = rng.poisson(np.exp(0.5 + 0.4 * X[:, 0]))
    model = DeepRegressor(family="poisson", hidden_sizes=(), optimizer="lbfgs", max_epochs=20, early_stopping=False,
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
    model = DeepRegressor(hidden_sizes=(), heteroscedastic=False, optimizer="lbfgs", max_epochs=20, early_stopping=False,
                          dtype="float64", verbose=0, random_state=0).fit(X, y)
    dist = model.predict_distribution(X)
    expected = scipy.stats.norm.cdf(y, loc=dist.mean.numpy(), scale=dist.stddev.numpy())
    np.testing.assert_allclose(model.predict_pit(X, y), expected, rtol=1e-10)


def test_misspecified_model_fails_the_pit_check(rng: np.random.Generator) -> None:
    X = rng.normal(size=(3000, 1))
    y = rng.negative_binomial(1, 1 / (1 + 3 * np.exp(0.3 * X[:, 0])))  # overdispersed counts
    model = DeepRegressor(family="poisson", hidden_sizes=(), optimizer="lbfgs", max_epochs=20, early_stopping=False,
                          dtype="float64", verbose=0, random_state=0).fit(X, y)
    assert model.summary(X, y).loc["PIT KS p-value", "value"] < 1e-6


def test_print_summary_and_classifier(capsys, rng: np.random.Generator) -> None:
    X = rng.normal(size=(100, 2))
    clf = DeepClassifier(hidden_sizes=(4,), max_epochs=3, verbose=0, random_state=0).fit(X, (X[:, 0] > 0).astype(int))
    clf.print_summary(X, (X[:, 0] > 0).astype(int))
    out = capsys.readouterr().out
    assert "DeepClassifier summary" in out and "bernoulli" in out and "PIT" not in out


def test_summary_survives_save(poisson_model, tmp_path) -> None:
    model, X, y = poisson_model
    model.save(tmp_path / "m")
    loaded = DeepRegressor.load(tmp_path / "m")
    assert loaded.summary(X, y).equals(model.summary(X, y))
