"""Formulas: the design matches statsmodels' formula API, predictions from raw DataFrames, saving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.nn import MLP

LINEAR = dict(network="linear", heteroscedastic=False, optimizer="lbfgs", max_epochs=60, early_stopping=False,
              dtype="float64", verbose=0, random_state=0)


@pytest.fixture
def frame(rng: np.random.Generator) -> pd.DataFrame:
    n = 400
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.uniform(0.5, 3.0, size=n), "g": rng.choice(["a", "b", "c"], size=n)})
    mu = np.exp(0.5 + 0.3 * df["x1"] - 0.4 * np.log(df["x2"]) + 0.5 * (df["g"] == "b"))
    df["y"] = rng.gamma(3.0, mu / 3.0)
    return df


def test_gamma_formula_matches_statsmodels(frame: pd.DataFrame) -> None:
    formula = "y ~ x1 + np.log(x2) + C(g)"
    ref = smf.glm(formula, frame, family=sm.families.Gamma(link=sm.families.links.Log())).fit(tol=1e-12)
    model = DeepRegressor.from_formula(formula, frame, family="gamma", **LINEAR)
    coef = model.linear_coefficients().loc["mean"]
    assert list(coef.index[1:]) == ["x1", "np.log(x2)", "C(g)[T.b]", "C(g)[T.c]"]
    # patsy orders the categorical terms first: compare by name
    np.testing.assert_allclose(coef.to_numpy(), ref.params[coef.index].to_numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.predict(frame), ref.predict(frame), rtol=1e-4)


def test_predicts_from_raw_columns_and_scores_from_the_formula_target(frame: pd.DataFrame) -> None:
    model = DeepRegressor.from_formula("y ~ x1 + np.log(x2) + C(g)", frame, family="gamma", **LINEAR)
    new = frame.drop(columns="y").iloc[:5]
    assert model.predict(new).shape == (5,)
    assert model.log_likelihood(frame) == pytest.approx(model.log_likelihood(frame, frame["y"]))
    with pytest.raises(ValueError, match=r"column 'g'.*unseen categor.*'z'"):
        model.predict(new.assign(g="z"))
    with pytest.raises(ValueError, match=r"must have the formula's columns.*'x2'"):
        model.predict(new.drop(columns="x2"))


def test_transformed_target(frame: pd.DataFrame) -> None:
    model = DeepRegressor.from_formula("np.log(y) ~ x1 + C(g)", frame, family="normal", **LINEAR)
    ref = smf.ols("np.log(y) ~ x1 + C(g)", frame).fit()
    coef = model.linear_coefficients().loc["loc"]
    np.testing.assert_allclose(coef.to_numpy(), ref.params[coef.index].to_numpy(), rtol=1e-5, atol=1e-7)


def test_formula_model_round_trips_through_save(frame: pd.DataFrame, tmp_path) -> None:
    model = DeepRegressor.from_formula("y ~ x1 + np.log(x2) + C(g)", frame, family="gamma", **LINEAR)
    model.save(tmp_path / "f")
    loaded = DeepRegressor.load(tmp_path / "f")
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    with pytest.raises(ValueError, match=r"unseen"):
        loaded.predict(frame.assign(g="z"))


def test_classifier_formula(frame: pd.DataFrame) -> None:
    frame = frame.assign(big=np.where(frame["y"] > frame["y"].median(), "high", "low"))
    clf = DeepClassifier.from_formula("big ~ x1 + C(g)", frame, network=MLP(hidden_sizes=(8,)), max_epochs=20, verbose=0, random_state=0)
    assert set(clf.predict(frame)) <= {"high", "low"}


@pytest.mark.parametrize(
    ("formula", "data", "error", "match"),
    [
        ("y + x1", None, ValueError, r"`formula` of DeepRegressor.from_formula must be a string 'y ~ x1 \+ x2'"),
        ("y ~ nope", None, ValueError, r"could not be evaluated"),
        ("y ~ center(x1)", None, ValueError, r"stateful transforms"),
        ("y ~ x1", "array", TypeError, r"`data` of DeepRegressor.from_formula must be a pandas DataFrame"),
    ],
)
def test_bad_formulas(frame: pd.DataFrame, formula, data, error, match) -> None:
    data = frame.to_numpy() if data == "array" else frame
    with pytest.raises(error, match=match):
        DeepRegressor.from_formula(formula, data, **LINEAR)


def test_missing_values_are_refused(frame: pd.DataFrame) -> None:
    frame.loc[3, "x1"] = np.nan
    with pytest.raises(ValueError, match=r"null values"):
        DeepRegressor.from_formula("y ~ x1", frame, **LINEAR)
