"""Data sets bundled with scikit-learn (``sklearn.datasets.load_*``, read from local files)."""

from __future__ import annotations

import pandas as pd

from deepstat.datasets.base import Dataset
from deepstat.datasets.registry import register

__all__ = ["load_breast_cancer", "load_diabetes", "load_digits", "load_wine"]


def _frame(bunch: object, target: str) -> tuple[pd.DataFrame, list[str]]:
    frame = bunch.frame.rename(columns={"target": target})  # type: ignore[attr-defined]
    return frame, [str(c) for c in bunch.feature_names]  # type: ignore[attr-defined]


@register("diabetes")
def load_diabetes() -> Dataset:
    """Disease progression one year after baseline for 442 diabetes patients (scikit-learn).

    Examples
    --------
    >>> load_diabetes().X.shape
    (442, 10)
    """
    from sklearn.datasets import load_diabetes as sk_load

    frame, features = _frame(sk_load(as_frame=True), "progression")
    return Dataset(
        name="diabetes",
        frame=frame,
        target="progression",
        feature_names=features,
        description=(
            "442 diabetes patients: age, sex, BMI, blood pressure and six blood serum measurements (each "
            "mean-centred and scaled by scikit-learn); target: a quantitative measure of disease progression "
            "one year after baseline (25 to 346)."
        ),
        source=(
            "Efron, B., Hastie, T., Johnstone, I. and Tibshirani, R. (2004). Least angle regression. "
            "Annals of Statistics 32(2), 407-499. Shipped with scikit-learn (sklearn.datasets.load_diabetes)."
        ),
        task="regression",
        family="normal",
    )


@register("breast_cancer")
def load_breast_cancer() -> Dataset:
    """Wisconsin diagnostic breast cancer data: 569 tumours, malignant (0) or benign (1) (scikit-learn).

    Examples
    --------
    >>> load_breast_cancer().target_names
    ['malignant', 'benign']
    """
    from sklearn.datasets import load_breast_cancer as sk_load

    bunch = sk_load(as_frame=True)
    frame, features = _frame(bunch, "diagnosis")
    return Dataset(
        name="breast_cancer",
        frame=frame,
        target="diagnosis",
        feature_names=features,
        description=(
            "569 fine-needle aspirates of breast masses: 30 features of the cell nuclei in a digitised image; "
            "target: diagnosis coded as scikit-learn does, 0 = malignant, 1 = benign."
        ),
        source=(
            "Street, W. N., Wolberg, W. H. and Mangasarian, O. L. (1993). Nuclear feature extraction for breast "
            "tumor diagnosis. Proc. SPIE 1905, 861-870. UCI Machine Learning Repository, Breast Cancer Wisconsin "
            "(Diagnostic). Shipped with scikit-learn (sklearn.datasets.load_breast_cancer)."
        ),
        task="classification",
        family="bernoulli",
        target_names=[str(t) for t in bunch.target_names],
    )


@register("digits")
def load_digits() -> Dataset:
    """8 x 8 images of handwritten digits 0-9, 1,797 of them (scikit-learn).

    Examples
    --------
    >>> load_digits().family_kwargs
    {'n_classes': 10}
    """
    from sklearn.datasets import load_digits as sk_load

    bunch = sk_load(as_frame=True)
    frame, features = _frame(bunch, "digit")
    return Dataset(
        name="digits",
        frame=frame,
        target="digit",
        feature_names=features,
        description=(
            "1,797 handwritten digits as 8 x 8 images; features: the 64 pixel intensities (0-16) row by row; "
            "target: the digit 0-9."
        ),
        source=(
            "Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten Digits. UCI Machine Learning "
            "Repository. Shipped with scikit-learn (sklearn.datasets.load_digits)."
        ),
        task="classification",
        family="categorical",
        family_kwargs={"n_classes": 10},
        target_names=[str(t) for t in bunch.target_names],
    )


@register("wine")
def load_wine() -> Dataset:
    """Chemical analysis of 178 Italian wines from three cultivars (scikit-learn).

    Examples
    --------
    >>> load_wine().y.value_counts().sort_index().tolist()
    [59, 71, 48]
    """
    from sklearn.datasets import load_wine as sk_load

    bunch = sk_load(as_frame=True)
    frame, features = _frame(bunch, "cultivar")
    return Dataset(
        name="wine",
        frame=frame,
        target="cultivar",
        feature_names=features,
        description=(
            "178 wines grown in the same region of Italy: 13 constituents from chemical analysis; "
            "target: the cultivar, 0, 1 or 2."
        ),
        source=(
            "Forina, M. et al. (1988). PARVUS: an extendable package of programs for data exploration, "
            "classification and correlation. Institute of Pharmaceutical and Food Analysis, Genoa. UCI Machine "
            "Learning Repository, Wine. Shipped with scikit-learn (sklearn.datasets.load_wine)."
        ),
        task="classification",
        family="categorical",
        family_kwargs={"n_classes": 3},
        target_names=[str(t) for t in bunch.target_names],
    )
