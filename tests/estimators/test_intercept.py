"""Models without an intercept (issue 11 item 2): ``fit_intercept=False`` and a formula's ``0 +`` / ``- 1``.

With the linear network the fit is statsmodels' GLM on the design without a constant (R's ``y ~ 0 + x``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from deepstat.baselines import GLMBaseline, MultinomialLogitBaseline
from deepstat.estimators import DeepClassifier, DeepQuantileRegressor, DeepRegressor
from deepstat.nn import MLP


@pytest.fixture
def frame(rng: np.random.Generator) -> pd.DataFrame:
    """300 rows; the inputs have non-zero means, so that a centred design would be a different model."""
    n = 300
    X = pd.DataFrame({"a": rng.normal(1.0, 1.0, size=n), "b": rng.normal(2.0, 1.0, size=n), "g": rng.choice(["u", "v", "w"], size=n)})
    X["count"] = rng.poisson(np.exp(0.3 * X["a"] + 0.2 * X["b"])).astype(float)
    X["y"] = 1.0 + X["a"] + rng.normal(size=n)
    X["event"] = (rng.random(n) < 1 / (1 + np.exp(-(X["a"] - X["b"] + 1)))).astype(int)
    return X


@pytest.mark.parametrize(("family", "target", "sm_family"), [
    ("poisson", "count", sm.families.Poisson()), ("normal", "y", sm.families.Gaussian()),
])
def test_linear_fit_without_intercept_equals_glm_without_constant(frame, family, target, sm_family) -> None:
    X = frame[["a", "b"]]
    model = DeepRegressor(family=family, network="linear", fit_intercept=False, verbose=0, random_state=0).fit(X, frame[target])
    reference = sm.GLM(frame[target], X, family=sm_family).fit()
    table = model.coefficient_table()
    location = table.index.get_level_values("parameter")[0]
    np.testing.assert_allclose(table.loc[location, "coef"].to_numpy(), reference.params.to_numpy(), rtol=1e-4)
    if family == "poisson":  # no dispersion: the standard errors and log-likelihood are statsmodels' exactly
        np.testing.assert_allclose(table.loc[location, "se"].to_numpy(), reference.bse.to_numpy(), rtol=1e-4)
        assert model.log_likelihood(X, frame[target]) * len(X) == pytest.approx(reference.llf, abs=1e-6)
    assert model.linear_coefficients().loc[location, "Intercept"] == 0.0
    assert model.preprocessor_.center == [0.0, 0.0]  # scaled, not centred
    baseline = GLMBaseline(family, fit_intercept=False).fit(X, frame[target])
    assert baseline.design_columns_ == ["a", "b"]
    np.testing.assert_allclose(baseline.coef_, reference.params.to_numpy(), rtol=1e-10)


def test_classifier_without_intercept_equals_logit_without_constant(frame) -> None:
    X = frame[["a", "b"]]
    model = DeepClassifier(network="linear", fit_intercept=False, verbose=0, random_state=0).fit(X, frame["event"])
    reference = sm.Logit(frame["event"], X).fit(disp=0)
    table = model.coefficient_table()
    np.testing.assert_allclose(table["coef"].to_numpy(), reference.params.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(table["se"].to_numpy(), reference.bse.to_numpy(), rtol=1e-4)
    baseline = MultinomialLogitBaseline(fit_intercept=False).fit(X, frame["event"])
    np.testing.assert_allclose(baseline.coef_.ravel(), reference.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(model.predict_proba(X), baseline.predict_proba(X), atol=1e-6)


def test_quantiles_without_intercept(frame) -> None:
    X = frame[["a", "b"]]
    model = DeepQuantileRegressor(quantiles=(0.25, 0.75), network="linear", fit_intercept=False, verbose=0, random_state=0).fit(X, frame["y"])
    assert model.optimizer_ == "linprog"  # the exact minimum-pinball fit, without the constant column
    coef = model.linear_coefficients()
    assert (coef["Intercept"] == 0).all()
    np.testing.assert_array_equal(model.predict_quantiles(np.zeros((1, 2)), [0.25, 0.75]), [[0.0, 0.0]])
    y, A = frame["y"].to_numpy(), X.to_numpy()
    for level in (0.25, 0.75):  # QuantReg without a constant; its IRLS stops near the optimum, the LP is at it
        ours, ref = coef.loc[f"q{level:g}", ["a", "b"]].to_numpy(), sm.QuantReg(y, A).fit(q=level, p_tol=1e-10, max_iter=5000).params
        np.testing.assert_allclose(ours, ref, atol=1e-3)

        def pinball(beta: np.ndarray, level: float = level) -> float:
            u = y - A @ beta
            return float(np.sum(np.maximum(level * u, (level - 1) * u)))

        assert pinball(ours) <= pinball(ref) * (1 + 1e-12)
    with pytest.raises(ValueError, match=r"`fit_intercept` of DeepQuantileRegressor must be True with noncrossing=True"):
        DeepQuantileRegressor(fit_intercept=False, noncrossing=True, verbose=0).fit(X, frame["y"])


def test_mlp_without_intercept_has_no_output_bias_or_offset(frame) -> None:
    X = frame[["a", "b"]]
    model = DeepRegressor(network=MLP(hidden_sizes=(4,), linear_skip=False), fit_intercept=False, max_epochs=3, verbose=0,
                          random_state=0).fit(X, frame["y"])
    assert float(model.module_.body.output_layer.bias.abs().max()) == 0.0
    assert float(model.module_.offset[0]) == 0.0
    # the default MLP: neither its linear part nor its network has a bias on the mean (the log-scale constant is fitted)
    skip = DeepRegressor(fit_intercept=False, max_epochs=3, verbose=0, random_state=0).fit(X, frame["y"])
    assert float(skip.module_.body.linear.bias[0]) == 0.0 and float(skip.module_.body.network.output_layer.bias[0]) == 0.0
    assert not skip.module_.body.linear.bias.requires_grad and float(skip.module_.offset[0]) == 0.0

    with pytest.raises(ValueError, match=r"`fit_intercept` of DeepRegressor must be a bool"):
        DeepRegressor(fit_intercept="no", verbose=0).fit(X, frame["y"])


@pytest.mark.parametrize("rhs", ["0 + a + b", "a + b - 1", "-1 + a + b"])
def test_formula_without_intercept(frame, rhs) -> None:
    model = DeepRegressor.from_formula(f"count ~ {rhs}", frame, family="poisson", network="linear", verbose=0, random_state=0)
    assert model.fit_intercept is False and not model.formula_.has_intercept
    reference = smf.glm(f"count ~ {rhs}", frame, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(model.coefficient_table().loc["rate", "coef"].to_numpy(), reference.params.to_numpy(), rtol=1e-4)


def test_formula_without_intercept_codes_every_level_of_the_first_factor(frame) -> None:
    # R and patsy: y ~ 0 + g + a gives g all its levels (each a level's own intercept)
    model = DeepRegressor.from_formula("y ~ 0 + C(g) + a", frame, network="linear", verbose=0, random_state=0)
    reference = smf.glm("y ~ 0 + C(g) + a", frame).fit()
    assert len(model.formula_.columns) == 4
    np.testing.assert_allclose(model.coefficient_table().loc["loc", "coef"].to_numpy(), reference.params.to_numpy(), rtol=1e-4)
    with_intercept = DeepRegressor.from_formula("y ~ C(g) + a", frame, network="linear", verbose=0, random_state=0)
    assert with_intercept.fit_intercept is True and with_intercept.formula_.has_intercept


def test_saved_model_without_intercept_predicts_the_same(frame, tmp_path) -> None:
    X = frame[["a", "b"]]
    model = DeepRegressor(family="poisson", network="linear", fit_intercept=False, verbose=0, random_state=0).fit(X, frame["count"])
    model.save(tmp_path / "model")
    loaded = DeepRegressor.load(tmp_path / "model")
    assert loaded.fit_intercept is False
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
