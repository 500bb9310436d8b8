"""evaluate / log_scores / crps_scores / pit against scipy and scikit-learn on fitted models."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import sklearn.metrics
import torch

from deepstat.baselines import GLMBaseline
from deepstat.evaluation import CLASSIFICATION_METRICS, REGRESSION_METRICS, crps_scores, evaluate, log_scores, pit
from deepstat.nn import MLP


def _crps_by_quadrature(cdf, y: float, lower: float) -> float:
    """CRPS = int_lower^y F^2 + int_y^inf (1 - F)^2, by adaptive quadrature (Gneiting & Raftery 2007, eq. 20)."""
    below = scipy.integrate.quad(lambda z: cdf(z) ** 2, lower, y)[0]
    above = scipy.integrate.quad(lambda z: (1 - cdf(z)) ** 2, y, np.inf)[0]
    return below + above


def test_log_scores_average_to_the_log_likelihood(poisson_data, small_regressor) -> None:
    X, y = poisson_data
    model = small_regressor().fit(X, y)
    scores = log_scores(model, X, y)
    assert scores.shape == (len(y),) and scores.dtype == np.float64
    assert scores.mean() == pytest.approx(model.log_likelihood(X, y), rel=1e-12)
    np.testing.assert_allclose(scores, scipy.stats.poisson.logpmf(y, model.predict(X)), rtol=1e-10)


def test_crps_of_normal_is_the_closed_form_and_matches_integration(rng, small_regressor) -> None:
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + rng.normal(size=80)
    model = small_regressor("normal").fit(X, y)
    crps = crps_scores(model, X[:5], y[:5])
    dist = scipy.stats.norm(model.predict(X[:5]), np.sqrt(model.predict_distribution(X[:5]).variance.numpy()))
    for i in range(5):
        by_quad = _crps_by_quadrature(scipy.stats.norm(dist.mean()[i], dist.std()[i]).cdf, y[i], -np.inf)
        assert crps[i] == pytest.approx(by_quad, rel=1e-6)


def test_crps_of_gamma_integrates_the_predictive_cdf(rng, small_regressor) -> None:
    X = rng.normal(size=(80, 2))
    y = rng.gamma(shape=3.0, scale=np.exp(0.3 * X[:, 0]))
    model = small_regressor("gamma").fit(X, y)
    crps = crps_scores(model, X[:4], y[:4])
    dist = model.predict_distribution(X[:4])
    a, rate = dist.concentration.numpy(), dist.rate.numpy()
    for i in range(4):
        by_quad = _crps_by_quadrature(scipy.stats.gamma(a[i], scale=1 / rate[i]).cdf, y[i], 0.0)
        assert crps[i] == pytest.approx(by_quad, rel=1e-4)  # trapezoid rule on 2001 points


def test_crps_of_negative_binomial_is_the_sum_over_counts(rng, small_regressor) -> None:
    # overdispersed counts: on Poisson data the fitted NB2 alpha tends to 0, where torch's NB pmf
    # (total_count = 1 / alpha ~ 1e7) loses the precision this reference needs
    X = rng.normal(size=(240, 3))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(0.5 * X[:, 0] + 0.2))).astype(np.float64)
    model = small_regressor("negative_binomial").fit(X, y)
    crps = crps_scores(model, X[:20], y[:20])
    dist = model.predict_distribution(X[:20])
    k = np.arange(400)[:, None]
    F = np.cumsum(np.exp(dist.log_prob(torch.as_tensor(k, dtype=torch.float64)).numpy()), axis=0)  # (400, 20)
    np.testing.assert_allclose(crps, ((F - (k >= y[:20])) ** 2).sum(axis=0), rtol=1e-8)


def test_pit_continuous_is_the_cdf_and_discrete_is_randomised(rng, poisson_data, small_regressor) -> None:
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + rng.normal(size=80)
    normal = small_regressor("normal").fit(X, y)
    sd = np.sqrt(normal.predict_distribution(X).variance.numpy())
    np.testing.assert_allclose(pit(normal, X, y), scipy.stats.norm.cdf(y, normal.predict(X), sd), rtol=1e-10)
    Xp, yp = poisson_data
    poisson = small_regressor().fit(Xp, yp)
    mu = poisson.predict(Xp)
    u = pit(poisson, Xp, yp, random_state=0)
    assert np.all(u >= scipy.stats.poisson.cdf(yp - 1, mu) - 1e-12) and np.all(u <= scipy.stats.poisson.cdf(yp, mu) + 1e-12)
    np.testing.assert_array_equal(u, pit(poisson, Xp, yp, random_state=0))


def test_evaluate_regressor_matches_sklearn(poisson_data) -> None:
    X, y = poisson_data
    glm = GLMBaseline("poisson").fit(X, y)
    scores = evaluate(glm, X, y, alpha=0.2)
    assert list(scores) == list(REGRESSION_METRICS)
    mu = glm.predict(X)
    assert scores["r2"] == pytest.approx(sklearn.metrics.r2_score(y, mu))
    assert scores["mae"] == pytest.approx(sklearn.metrics.mean_absolute_error(y, mu))
    lower, upper = scipy.stats.poisson.ppf([[0.1], [0.9]], mu)
    assert scores["coverage"] == pytest.approx(np.mean((lower <= y) & (y <= upper)))


def test_evaluate_classifier_matches_sklearn(binary_data, small_classifier) -> None:
    X, y = binary_data
    clf = small_classifier().fit(X, y)
    scores = evaluate(clf, X, y)
    assert list(scores) == list(CLASSIFICATION_METRICS)
    proba = clf.predict_proba(X)
    assert scores["log_loss"] == pytest.approx(sklearn.metrics.log_loss(y, proba))
    assert scores["auroc"] == pytest.approx(sklearn.metrics.roc_auc_score(y == "yes", proba[:, 1]))
    assert scores["balanced_accuracy"] == pytest.approx(sklearn.metrics.balanced_accuracy_score(y, clf.predict(X)))
    # the multiclass Brier score sums over both classes: twice the binary one
    assert scores["brier"] == pytest.approx(2 * sklearn.metrics.brier_score_loss(y == "yes", proba[:, 1]))


def test_multivariate_family_scores_nll_and_errors_only(rng, small_regressor) -> None:
    X = rng.normal(size=(60, 2))
    Y = np.column_stack([X[:, 0], X[:, 1]]) + rng.normal(size=(60, 2))
    model = small_regressor("multivariate_normal").fit(X, Y)
    scores = evaluate(model, X, Y)
    assert math.isfinite(scores["nll"]) and math.isfinite(scores["rmse"])
    assert all(math.isnan(scores[m]) for m in ("crps", "r2", "coverage", "interval_width"))
    assert crps_scores(model, X, Y) is None and pit(model, X, Y) is None


def test_evaluate_errors(poisson_data, small_regressor) -> None:
    X, y = poisson_data
    model = small_regressor().fit(X, y)
    with pytest.raises(ValueError, match=r"`alpha` of evaluate must be a float in \(0, 1\). Got 1.5 instead"):
        evaluate(model, X, y, alpha=1.5)
    with pytest.raises(ValueError, match="must have the same number of samples"):
        log_scores(model, X, y[:10])
    no_family = small_regressor(loss=lambda eta, y, weight=None, reduction="sum": ((eta[:, 0] - y) ** 2).sum()).fit(X, y)
    with pytest.raises(ValueError, match="must be fitted with a likelihood family"):
        evaluate(no_family, X, y)


def test_auroc_is_nan_when_a_class_is_absent_from_the_test_rows(rng) -> None:
    """Review finding: a rare class missing from a test fold made evaluate() raise; its AUROC is undefined (NaN)."""
    import math

    from deepstat.estimators import DeepClassifier
    from deepstat.evaluation import evaluate

    X = rng.normal(size=(90, 2))
    y = np.array([0, 1, 2])[np.argmax(np.column_stack([X, np.zeros(90)]), axis=1)]
    model = DeepClassifier(network=MLP(hidden_sizes=(4,)), max_epochs=3, verbose=0, random_state=0).fit(X, y)
    keep = y != 2
    scores = evaluate(model, X[keep], y[keep])
    assert math.isnan(scores["auroc"]) and np.isfinite(scores["log_loss"])
