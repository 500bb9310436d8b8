"""scikit-learn's bundled data sets: the same numbers as ``sklearn.datasets.load_*``, renamed targets."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.datasets as skd

from deepstat.datasets import sklearn_data

# (our loader, scikit-learn loader, target column, family, n_rows, n_features); the shapes are the
# ones the scikit-learn user guide lists for each toy data set ("Toy datasets", section 8.1)
CASES = [
    (sklearn_data.load_diabetes, skd.load_diabetes, "progression", "normal", 442, 10),
    (sklearn_data.load_breast_cancer, skd.load_breast_cancer, "diagnosis", "bernoulli", 569, 30),
    (sklearn_data.load_digits, skd.load_digits, "digit", "categorical", 1797, 64),
    (sklearn_data.load_wine, skd.load_wine, "cultivar", "categorical", 178, 13),
]


@pytest.mark.parametrize(("ours", "theirs", "target", "family", "n_rows", "n_features"), CASES)
def test_same_data_as_scikit_learn(ours, theirs, target, family, n_rows, n_features, no_network: None) -> None:
    ds = ours()
    X_ref, y_ref = theirs(return_X_y=True)
    assert (ds.target, ds.family, ds.n_rows, ds.n_features) == (target, family, n_rows, n_features)
    np.testing.assert_array_equal(ds.X.to_numpy(), X_ref)
    np.testing.assert_array_equal(ds.y.to_numpy(), y_ref)
    assert all(ds.X.dtypes == np.float64)


def test_class_names_follow_scikit_learn_coding() -> None:
    # scikit-learn codes breast cancer as 0 = malignant, 1 = benign (its DESCR: 212 malignant, 357 benign)
    ds = sklearn_data.load_breast_cancer()
    assert ds.target_names == ["malignant", "benign"]
    assert ds.y.value_counts().sort_index().tolist() == [212, 357]
    assert sklearn_data.load_wine().family_kwargs == {"n_classes": 3}
    assert sklearn_data.load_digits().target_names == [str(d) for d in range(10)]
