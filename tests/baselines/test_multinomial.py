"""MultinomialLogitBaseline against statsmodels' Logit and MNLogit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import torch

from deepstat.baselines import MultinomialLogitBaseline
from deepstat.datasets import load
from deepstat.families import Bernoulli, Categorical


@pytest.fixture
def three_classes(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """300 rows, labels "a", "b", "c" from a multinomial logit with arbitrary moderate effects."""
    n = 300
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "g": rng.choice(["p", "q"], size=n)})
    logits = np.column_stack([np.zeros(n), 0.8 * X["x1"] + 0.5 * (X["g"] == "q"), -0.5 + 0.7 * X["x2"]])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    codes = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    return X, np.array(["a", "b", "c"])[codes]


def _design(X: pd.DataFrame) -> pd.DataFrame:
    return sm.add_constant(pd.get_dummies(X, columns=["g"], drop_first=True, dtype=float))


def test_multinomial_matches_mnlogit(three_classes) -> None:
    X, y = three_classes
    model = MultinomialLogitBaseline().fit(X, y)
    codes = np.searchsorted(["a", "b", "c"], y)
    ref = sm.MNLogit(codes, _design(X)).fit(method="newton", disp=0)
    assert model.classes_.tolist() == ["a", "b", "c"] and model.family_ == Categorical(3)
    np.testing.assert_allclose(model.coef_, np.asarray(ref.params), rtol=1e-8)
    assert model.log_likelihood(X, y) * len(y) == pytest.approx(ref.llf, rel=1e-8)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict(_design(X)), rtol=1e-10)
    np.testing.assert_array_equal(model.predict(X), model.classes_[np.asarray(ref.predict(_design(X))).argmax(axis=1)])
    # eta: class 0 is the reference with a zero linear predictor
    eta = model._eta(X)
    assert eta.shape == (len(y), 3) and bool((eta[:, 0] == 0).all())
    torch.testing.assert_close(model.predict_distribution(X).probs, torch.as_tensor(model.predict_proba(X)))


def test_multinomial_summary_blocks(three_classes) -> None:
    X, y = three_classes
    model = MultinomialLogitBaseline().fit(X, y)
    table = model.summary()
    assert table.index.names == ["class", "term"]
    assert table.index.get_level_values("class").unique().tolist() == ["b", "c"]
    np.testing.assert_allclose(table.loc["c", "coef"], model.coef_[:, 1], rtol=0)
    np.testing.assert_allclose(table.loc["b", "std err"], np.asarray(model.result_.bse)[:, 0], rtol=0)


def test_two_classes_match_logit() -> None:
    ds = load("spector")
    y = np.where(ds.y == 1, "up", "same")
    model = MultinomialLogitBaseline().fit(ds.X, y)
    ref = sm.Logit(ds.y, sm.add_constant(ds.X)).fit(disp=0)
    assert model.family_ == Bernoulli() and model.classes_.tolist() == ["same", "up"]
    np.testing.assert_allclose(model.coef_[:, 0], ref.params.to_numpy(), rtol=1e-8)
    assert model.log_likelihood(ds.X, y) * ds.n_rows == pytest.approx(ref.llf, rel=1e-8)
    np.testing.assert_allclose(model.predict_proba(ds.X)[:, 1], ref.predict(sm.add_constant(ds.X)), rtol=1e-10)
    assert model.summary().index.get_level_values("class").unique().tolist() == ["up"]


def test_unseen_labels_and_bad_targets(three_classes) -> None:
    X, y = three_classes
    model = MultinomialLogitBaseline().fit(X, y)
    with pytest.raises(ValueError, match=r"`y` of MultinomialLogitBaseline must hold classes seen in fit .* Got 1 label\(s\) \['d'\]"):
        model.log_likelihood(X.iloc[:2], np.array(["a", "d"]))
    with pytest.raises(ValueError, match="must contain at least 2 classes. Got 1 class"):
        MultinomialLogitBaseline().fit(X, np.full(len(y), "a"))
    with pytest.raises(ValueError, match="must hold class labels .* Got target type 'continuous'"):
        MultinomialLogitBaseline().fit(X, X["x1"].to_numpy())
    with pytest.raises(ValueError, match=r"`X` and `y` of MultinomialLogitBaseline must have the same number of samples"):
        MultinomialLogitBaseline().fit(X, y[:-1])
    with pytest.raises(ValueError, match="requires y to be passed"):
        MultinomialLogitBaseline().fit(X, None)


def test_weights_equal_duplicated_rows_and_statsmodels(three_classes) -> None:
    # statsmodels' MNLogit/Logit take no weights (issue 11 item 2): the weighted MLE is ours
    X, y = three_classes
    w = np.tile([2.0, 1.0, 3.0], len(y) // 3)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    for labels in (y, (y == "a").astype(int)):  # MNLogit, and Logit for two classes
        weighted = MultinomialLogitBaseline().fit(X, labels, sample_weight=w)
        duplicated = MultinomialLogitBaseline().fit(X.iloc[rows], labels[rows])
        np.testing.assert_allclose(weighted.summary().to_numpy(), duplicated.summary().to_numpy(), rtol=1e-5, atol=1e-8)
        assert weighted.result_.llf == pytest.approx(duplicated.result_.llf, abs=1e-6)
        ones = MultinomialLogitBaseline().fit(X, labels, sample_weight=np.ones(len(y)))
        plain = MultinomialLogitBaseline().fit(X, labels)
        np.testing.assert_allclose(ones.coef_, plain.coef_, rtol=1e-5, atol=1e-10)
        np.testing.assert_allclose(ones.summary().to_numpy(), plain.summary().to_numpy(), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(ones.predict_proba(X), plain.predict_proba(X), atol=1e-10)
    with pytest.raises(ValueError, match=r"`sample_weight` of MultinomialLogitBaseline must be non-negative"):
        MultinomialLogitBaseline().fit(X, y, sample_weight=-np.ones(len(y)))
