"""The shared design matrix and coefficient table of the statsmodels baselines."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from deepstat.baselines import GLMBaseline


def test_design_is_intercept_numeric_and_treatment_coded(glm_frame) -> None:
    X, mu = glm_frame
    model = GLMBaseline("poisson").fit(X, np.round(mu))
    # the first sorted level "u" is the reference, absorbed by the intercept
    assert model.design_columns_ == ["Intercept", "a", "g[v]", "g[w]"]
    Z = model._design(X.iloc[:3], fitting=False)
    expected = np.column_stack([np.ones(3), X["a"][:3], X["g"][:3] == "v", X["g"][:3] == "w"]).astype(float)
    np.testing.assert_array_equal(Z, expected)
    assert model.n_features_in_ == 2 and model.feature_names_in_.tolist() == ["a", "g"]


def test_numpy_input_names_columns_x0_x1(rng: np.random.Generator) -> None:
    X = rng.normal(size=(50, 2))
    model = GLMBaseline().fit(X, X[:, 0] + rng.normal(size=50))
    assert model.design_columns_ == ["Intercept", "x0", "x1"] and model.n_features_in_ == 2
    assert not hasattr(model, "feature_names_in_")


def test_unseen_category_is_an_error(glm_frame) -> None:
    X, mu = glm_frame
    model = GLMBaseline("poisson").fit(X, np.round(mu))
    new = X.iloc[:2].copy()
    new["g"] = ["u", "z"]
    with pytest.raises(ValueError, match=r"`X` column 'g' of GLMBaseline must hold categories seen in fit .* Got unseen category \['z'\]"):
        model.predict(new)


def test_missing_column_and_wrong_input_type(glm_frame) -> None:
    X, mu = glm_frame
    model = GLMBaseline("poisson").fit(X, np.round(mu))
    with pytest.raises(ValueError, match=r"must have the columns seen in fit. Got no column\(s\) \['g'\]"):
        model.predict(X[["a"]])
    with pytest.raises(TypeError, match="must be a pandas DataFrame with columns"):
        model.predict(np.zeros((2, 2)))
    # columns are matched by name, not position
    np.testing.assert_allclose(model.predict(X[["g", "a"]].iloc[:5]), model.predict(X.iloc[:5]), rtol=0)


def test_summary_matches_statsmodels_table(glm_frame) -> None:
    X, mu = glm_frame
    model = GLMBaseline("poisson").fit(X, np.round(mu))
    table = model.summary()
    res = model.result_
    assert table.columns.tolist() == ["coef", "std err", "z", "P>|z|", "[0.025", "0.975]"]  # statsmodels' headers
    np.testing.assert_allclose(table["coef"], res.params, rtol=1e-12)
    np.testing.assert_allclose(table["std err"], res.bse, rtol=1e-12)
    np.testing.assert_allclose(table["P>|z|"], res.pvalues, rtol=1e-12)
    np.testing.assert_allclose(table[["[0.025", "0.975]"]], res.conf_int(0.05), rtol=1e-10)
    np.testing.assert_allclose(model.summary(alpha=0.1)[["[0.05", "0.95]"]], res.conf_int(0.1), rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 1.0, "0.05", True])
def test_summary_rejects_bad_alpha(glm_frame, alpha: object) -> None:
    X, mu = glm_frame
    model = GLMBaseline("poisson").fit(X, np.round(mu))
    with pytest.raises(ValueError, match=r"`alpha` of GLMBaseline.summary must be a float in \(0, 1\)"):
        model.summary(alpha)  # type: ignore[arg-type]


def test_not_fitted_and_clone() -> None:
    model = GLMBaseline("gamma")
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 1)))
    with pytest.raises(NotFittedError):
        model.summary()
    assert clone(model).get_params() == {"family": "gamma", "link": None, "offset": None, "exposure": None, "trials": None,
                                         "fit_intercept": True}
