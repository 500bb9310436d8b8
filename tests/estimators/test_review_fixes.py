"""Regression tests for defects found in review: refits, saving, labels, weights, batch norm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from deepstat.estimators import DeepClassifier, DeepRegressor
from deepstat.nn import MLP

FAST = dict(network=MLP(hidden_sizes=(4,)), max_epochs=3, verbose=0, random_state=0)
LINEAR = dict(network="linear", optimizer="lbfgs", max_epochs=30, early_stopping=False, dtype="float64", verbose=0)


def test_failed_refit_leaves_an_unfitted_model(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(50, 2)), rng.normal(size=50)
    model = DeepRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"Gamma"):
        model.set_params(family="gamma").fit(X, y)  # negative y: outside the Gamma support
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_failed_save_keeps_the_earlier_model(tmp_path, rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(50, 2)), rng.normal(size=50)
    good = DeepRegressor(**FAST).fit(X, y)
    good.save(tmp_path / "m")
    bad = DeepRegressor(loss=lambda eta, y, weight=None, reduction="sum": ((eta[:, 0] - y) ** 2).sum(), **FAST).fit(X, y)
    with pytest.raises(TypeError, match=r"`loss`"):
        bad.save(tmp_path / "m")
    np.testing.assert_array_equal(DeepRegressor.load(tmp_path / "m").predict(X), good.predict(X))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]


def test_class_weight_dict_survives_save(tmp_path, rng: np.random.Generator) -> None:
    X = rng.normal(size=(60, 2))
    y = np.array([3, 7, 9])[rng.integers(0, 3, 60)]
    clf = DeepClassifier(class_weight={3: 2.0, 9: 0.5}, **FAST).fit(X, y)
    clf.save(tmp_path / "c")
    loaded = DeepClassifier.load(tmp_path / "c")
    assert loaded.get_params()["class_weight"] == {3: 2.0, 9: 0.5}
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_classifier_samples_and_quantiles_are_labels(rng: np.random.Generator) -> None:
    X = rng.normal(size=(60, 2))
    y = np.array([3, 7, 9])[rng.integers(0, 3, 60)]
    clf = DeepClassifier(**FAST).fit(X, y)
    assert set(np.unique(clf.sample(X, 5, random_state=0))) <= {3, 7, 9}
    assert set(np.unique(clf.predict_quantiles(X, [0.5]))) <= {3, 7, 9}


def test_balanced_weights_come_from_the_training_labels(rng: np.random.Generator) -> None:
    X = rng.normal(size=(100, 2))
    y = (rng.uniform(size=100) < 0.2).astype(int)
    clf = DeepClassifier(class_weight="balanced", **FAST).fit(X, y, eval_set=(X[:10], np.ones(10, dtype=int)))
    n1 = y.sum()
    np.testing.assert_allclose(clf.class_weight_.numpy(), [100 / (2 * (100 - n1)), 100 / (2 * n1)], rtol=1e-6)


def test_numeric_frame_after_array_fit(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    model = DeepRegressor(**FAST).fit(X, y)
    with pytest.warns(UserWarning, match="feature names"):
        pred = model.predict(pd.DataFrame(X, columns=["a", "b"]))
    np.testing.assert_array_equal(pred, model.predict(X))


def test_extra_columns_are_not_dropped_silently(rng: np.random.Generator) -> None:
    df = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    model = DeepRegressor(**FAST).fit(df, rng.normal(size=40))
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        model.predict(df.assign(c=1.0))


def test_batch_norm_with_a_last_batch_of_one_row(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(257, 2)), rng.normal(size=257)  # batch 256: the last batch has one row
    model = DeepRegressor(network=MLP(hidden_sizes=(4,), batch_norm=True), validation_fraction=0.0, early_stopping=False,
                          max_epochs=2, verbose=0, random_state=0).fit(X, y)
    assert np.isfinite(model.predict(X)).all()


def test_zero_weight_validation_split_is_named(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(100, 2)), rng.normal(size=100)
    w = np.zeros(100)
    w[:10] = 1.0
    with pytest.raises(ValueError, match=r"`eval_set weights` of DeepRegressor must have a positive sum"):
        DeepRegressor(**FAST).fit(X, y, eval_set=(X[50:], y[50:], w[50:]))
    # rows of weight 0 are dropped before the random validation split (estimators/_rows.py), so it never
    # holds only zero-weight rows: 2 rows of positive weight are one training and one validation row
    w = np.zeros(100)
    w[:2] = 1.0
    model = DeepRegressor(**FAST).fit(X, y, sample_weight=w)
    assert (model.n_train_, model.n_validation_) == (1, 1)


def test_log_likelihood_of_one_row(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    model = DeepRegressor(**FAST).fit(X, y)
    assert np.isfinite(model.log_likelihood(X[:1], y[:1]))


def test_plackett_luce_predict_is_the_modal_ranking(rng: np.random.Generator) -> None:
    X = rng.normal(size=(80, 2))
    Y = np.argsort(-(np.column_stack([X[:, 0], -X[:, 0], np.zeros(80)]) + rng.gumbel(size=(80, 3))), axis=1)
    model = DeepRegressor(family="plackett_luce", **FAST).fit(X, Y)
    pred = model.predict(X)
    assert pred.shape == (80, 3)
    np.testing.assert_array_equal(np.sort(pred, axis=1), np.tile(np.arange(3.0), (80, 1)))


@pytest.mark.parametrize(("labels", "match"), [(np.array([0.0, 1.0, 0.5]), r"integer labels"),
                                               (np.array([0.0, 1.0, 1e7]), r"more classes than rows")])
def test_categorical_labels_are_checked(labels, match) -> None:
    with pytest.raises(ValueError, match=match):
        DeepRegressor(family="categorical", **FAST).fit(np.ones((3, 1)), labels)


def test_mixed_label_types(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match=r"Unknown label type"):
        DeepClassifier(**FAST).fit(rng.normal(size=(4, 2)), np.array([1, "a", 2, "b"], dtype=object))


def test_linear_coefficients_with_categories_do_not_depend_on_the_seed(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["a", "b", "c"], size=200)})
    y = rng.poisson(np.exp(0.2 + 0.3 * df["x"] + (df["g"] == "b")))
    a = DeepRegressor(family="poisson", random_state=0, **LINEAR).fit(df, y).linear_coefficients()
    b = DeepRegressor(family="poisson", random_state=1, **LINEAR).fit(df, y).linear_coefficients()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6, atol=1e-8)
    assert list(a.columns) == ["Intercept", "x", "g[b]", "g[c]"]


def test_float64_head_keeps_float64_offsets(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(40, 2)), 1e3 + rng.normal(size=40) / 3
    model = DeepRegressor(dtype="float64", **FAST).fit(X, y)
    assert model.module_.offset.dtype == model.module_.scale.dtype == __import__("torch").float64
    assert float(model.module_.offset[0]) == pytest.approx(y.mean(), rel=1e-12)
