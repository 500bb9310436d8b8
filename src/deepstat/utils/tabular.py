"""Turn numpy arrays and pandas DataFrames into one float tensor, and remember how.

The state is plain lists and floats so that a saved model stores it as JSON (never a pickle).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from deepstat.utils.validation import check_finite, format_values

__all__ = ["TabularPreprocessor", "validate_numeric"]


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_string_dtype(dtype) or dtype == object:
        # A column of text labels is categorical; a numeric column with a stray string is an error
        # (STYLE 7.4: never repair data silently).
        values = series.dropna()
        numeric = pd.to_numeric(values, errors="coerce")
        n_numeric = int(numeric.notna().sum())
        if len(values) and n_numeric == len(values):
            return False
        if n_numeric >= 0.5 * len(values) and n_numeric > 0:
            bad = values[numeric.isna()].unique()
            raise ValueError(
                f"`X` column {series.name!r} must be numeric or categorical. Got mostly numbers "
                f"with {int(numeric.isna().sum())} non-numeric value(s) {format_values(bad)} instead. "
                "Clean the column, or cast it to 'category' if it is a label."
            )
        return True
    return False


def validate_numeric(values: Any, name: str, caller: str) -> np.ndarray:
    """Return ``values`` as a float64 (or, if given so, float32) array, or raise a STYLE 7 error naming ``name``.

    Raises
    ------
    TypeError
        If the values are not numbers (strings, objects, complex).
    ValueError
        If the values are empty or hold NaN or inf.
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            flat = arr.ravel()
            bad = [v for v in flat[:1000] if not _parses_as_float(v)]
            raise TypeError(
                f"`{name}` of {caller} must be numeric. Got non-numeric values {format_values(bad)} "
                f"(dtype {arr.dtype}) instead ({exc})."
            ) from None
    if arr.dtype.kind == "c":
        raise ValueError(
            f"`{name}` of {caller} must be real-valued. Got complex dtype {arr.dtype} instead (Complex data not supported)."
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` of {caller} must be numeric. Got dtype {arr.dtype} instead.")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)  # float32 stays as it is: no copy of a large matrix
    if arr.ndim == 2 and arr.shape[0] > 0 and arr.shape[1] == 0:
        raise ValueError(
            f"`{name}` of {caller} must have at least one column. Got 0 feature(s) (shape={arr.shape}) while a "
            "minimum of 1 is required. For an intercept-only model pass a constant column."
        )
    if arr.size == 0:
        raise ValueError(f"`{name}` of {caller} must be non-empty. Got an array of shape {arr.shape} instead.")
    check_finite(arr, name, caller)
    return arr


def _parses_as_float(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class TabularPreprocessor:
    """Encode and standardise tabular input, remembering the columns and categories.

    Parameters
    ----------
    standardize : bool, default=True
        Centre and scale every numeric column to unit variance (constant columns are only
        centred). Categorical columns become 0/1 indicator columns and are not scaled.
    drop_first : bool, default=False
        Drop the indicator of each categorical column's first level (reference coding, as a
        GLM with an intercept needs for identified coefficients); otherwise keep all levels.

    Notes
    -----
    A pandas column is categorical when its dtype is ``category``, ``bool``, ``object`` or
    ``string`` and its values are labels. Unseen categories at prediction time are an error,
    as are missing columns.
    """

    standardize: bool = True
    drop_first: bool = False
    feature_names_in: list[str] | None = None
    categories: dict[str, list[Any]] = field(default_factory=dict)
    n_features_in: int = 0
    columns_out: list[str] = field(default_factory=list)
    center: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)

    def fit_transform(self, X: Any, caller: str, weight: np.ndarray | None = None, *, center: bool = True) -> np.ndarray:
        """Learn the encoding from ``X`` and return the encoded matrix (n, p), float64 or the float32 given.

        ``weight`` (non-negative, one per row) makes the centring and scaling weighted, so that
        a row of weight 2 acts exactly as a duplicated row. ``center=False`` only scales (the
        learned centres are 0): a model without an intercept is not invariant to centring, so
        ``x -> x / s`` keeps it the same model while ``x -> (x - m) / s`` would add an intercept.
        """
        if isinstance(X, pd.DataFrame):
            self.feature_names_in = [str(c) for c in X.columns]
            if len(set(self.feature_names_in)) != len(self.feature_names_in):
                raise ValueError(f"`X` of {caller} must have unique column names. Got {list(X.columns)!r} instead.")
            self.categories = {}
            for col in X.columns:
                if _is_categorical(X[col]):
                    levels = X[col].dropna().unique().tolist()
                    if isinstance(X[col].dtype, pd.CategoricalDtype):
                        levels = list(X[col].cat.categories)
                    self.categories[str(col)] = sorted(levels, key=lambda v: (str(type(v)), v))
            self.n_features_in = X.shape[1]
        else:
            self.feature_names_in = None
            self.categories = {}
        Z = self._encode(X, caller, fitting=True)
        if self.standardize:
            numeric = np.array([c not in self._indicator_columns() for c in self.columns_out])
            if weight is None:  # float64 accumulation without a float64 copy of Z
                mean, sd = Z.mean(axis=0, dtype=np.float64), Z.std(axis=0, dtype=np.float64)
            else:
                w = np.asarray(weight, dtype=np.float64) / np.sum(weight)
                mean = w @ Z
                sd = np.sqrt(w @ (Z - mean) ** 2)
            center = np.where(numeric & center, mean, 0.0)
            scale = np.where(numeric & (sd > 0), sd, 1.0)
        else:
            center = np.zeros(Z.shape[1])
            scale = np.ones(Z.shape[1])
        self.center, self.scale = center.tolist(), scale.tolist()
        return self._standardise(Z)

    def transform(self, X: Any, caller: str) -> np.ndarray:
        """Encode ``X`` with the learned state; raise on missing columns or unseen categories."""
        return self._standardise(self._encode(X, caller, fitting=False))

    def _standardise(self, Z: np.ndarray) -> np.ndarray:
        if not self.standardize:
            return Z
        return (Z - np.asarray(self.center, dtype=Z.dtype)) / np.asarray(self.scale, dtype=Z.dtype)

    def _indicator_columns(self) -> set[str]:
        return {f"{col}[{level}]" for col, levels in self.categories.items() for level in levels}

    def _encode(self, X: Any, caller: str, fitting: bool) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            return self._encode_frame(X, caller, fitting)
        if not fitting and self.categories:
            raise TypeError(
                f"`X` of {caller} must be a pandas DataFrame with columns {self.feature_names_in!r}, "
                f"as in fit (it has categorical columns). Got {type(X).__name__} instead."
            )
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError(f"`X` of {caller} must be a dense array or DataFrame. Got sparse {type(X).__name__} instead.")
        arr = validate_numeric(X, "X", caller)
        if arr.ndim == 1:
            raise ValueError(
                f"`X` of {caller} must be 2-D (n_samples, n_features). Got a 1-D array of shape {arr.shape} instead. "
                "Reshape your data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single sample."
            )
        if arr.ndim != 2:
            raise ValueError(f"`X` of {caller} must be 2-D (n_samples, n_features). Got shape {arr.shape} instead.")
        if fitting:
            self.n_features_in = arr.shape[1]
            self.columns_out = [f"x{j}" for j in range(arr.shape[1])]
        elif arr.shape[1] != self.n_features_in:
            raise ValueError(
                f"X has {arr.shape[1]} features, but {caller} is expecting {self.n_features_in} features as input. "
                f"`X` of {caller} must have the {self.n_features_in} features seen in fit."
            )
        return arr

    def _encode_frame(self, X: pd.DataFrame, caller: str, fitting: bool) -> np.ndarray:
        names = [str(c) for c in X.columns]
        if not fitting:
            if self.feature_names_in is None:  # fitted on an array: take the frame's values by position
                return self._encode(X.to_numpy(), caller, fitting=False)
            missing = [c for c in self.feature_names_in if c not in names]
            if missing:
                raise ValueError(f"`X` of {caller} must have the columns seen in fit. Got no column(s) {missing!r}.")
            X = X.set_axis(names, axis=1)[self.feature_names_in]
        if X.shape[0] == 0:
            raise ValueError(f"`X` of {caller} must have at least one row. Got 0 rows instead.")
        blocks: list[np.ndarray] = []
        columns: list[str] = []
        for col in X.columns:
            name = str(col)
            series = X[col]
            if name in self.categories:
                levels = self.categories[name]
                if series.isna().any():
                    raise ValueError(
                        f"`X` column {name!r} of {caller} must have no missing values. "
                        f"Got {int(series.isna().sum())} missing value(s) instead."
                    )
                values = series.astype(object).to_numpy()
                known = pd.Index(levels, dtype=object)
                codes = known.get_indexer(values)
                if (codes < 0).any():
                    unseen = pd.unique(values[codes < 0])
                    raise ValueError(
                        f"`X` column {name!r} of {caller} must hold categories seen in fit {format_values(levels)}. "
                        f"Got unseen categor{'y' if len(unseen) == 1 else 'ies'} {format_values(unseen)} instead."
                    )
                first = 1 if self.drop_first else 0
                blocks.append(np.eye(len(levels))[codes][:, first:])
                columns.extend(f"{name}[{level}]" for level in levels[first:])
            else:
                blocks.append(validate_numeric(series.to_numpy(), f"X[{name!r}]", caller)[:, None])
                columns.append(name)
        if fitting:
            self.columns_out = columns
        return np.hstack(blocks) if blocks else np.empty((len(X), 0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state (categories become strings only if they were strings)."""
        state = asdict(self)
        state["categories"] = {k: [_to_json(v) for v in vals] for k, vals in self.categories.items()}
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any], source: str = "load") -> TabularPreprocessor:
        """Rebuild from :meth:`to_dict`'s output, checking every field (the state may come from a file).

        Raises
        ------
        ValueError
            If a field is missing, has the wrong type, or the lengths disagree.
        """

        def fail(name: str, expected: str) -> ValueError:
            found = state.get(name, "no such field") if isinstance(state, dict) else state
            return ValueError(f"`preprocessor.{name}` of {source} must be {expected}. Got {found!r:.100} instead.")

        if not isinstance(state, dict):
            raise ValueError(f"`preprocessor` of {source} must be an object. Got {state!r:.100} instead.")
        unknown = sorted(set(state) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"`preprocessor` of {source} must hold only the encoding's fields. Got {unknown!r:.100} instead.")
        for name in ("standardize", "drop_first"):
            if not isinstance(state.get(name), bool):
                raise fail(name, "a bool")
        n_in = state.get("n_features_in")
        if not isinstance(n_in, int) or isinstance(n_in, bool) or n_in < 0:
            raise fail("n_features_in", "a non-negative int")
        names = state.get("feature_names_in")
        if names is not None and (not isinstance(names, list) or not all(isinstance(v, str) for v in names) or len(names) != n_in):
            raise fail("feature_names_in", f"null or a list of {n_in} strings (n_features_in)")
        categories = state.get("categories")
        if not isinstance(categories, dict) or not all(isinstance(v, list) for v in categories.values()):
            raise fail("categories", "an object of level lists")
        columns = state.get("columns_out")
        if not isinstance(columns, list) or not all(isinstance(v, str) for v in columns):
            raise fail("columns_out", "a list of strings")
        for name in ("center", "scale"):
            values = state.get(name)
            if not isinstance(values, list) or len(values) != len(columns) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
            ):
                raise fail(name, f"a list of {len(columns)} numbers (one per encoded column)")
        return cls(**state)


def _to_json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
