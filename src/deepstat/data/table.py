"""Tables (numpy arrays, pandas DataFrames) through :class:`~deepstat.utils.TabularPreprocessor`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from deepstat.data.base import InputAdapter, register_adapter
from deepstat.data.batch import IndexedBatches
from deepstat.data.validation import as_target
from deepstat.nn.networks import InputSpec
from deepstat.utils.tabular import TabularPreprocessor, validate_numeric

__all__ = ["TableAdapter", "check_successes", "check_table", "split_offset", "split_trials"]


@register_adapter
class TableAdapter(InputAdapter):
    """A table, encoded by :class:`~deepstat.utils.TabularPreprocessor` behind the adapter interface.

    The encoding (one-hot coding of categorical columns, centring and scaling of numeric ones) is
    the preprocessor's, unchanged; this class adds ``input_spec_``
    (``InputSpec("table", p, (p,))`` for ``p`` encoded columns), tensors and a batch source.

    Parameters
    ----------
    normalize : bool, default=True
        Standardise numeric columns (the preprocessor's ``standardize``).
    drop_first : bool, default=False
        Reference coding of categorical columns (the preprocessor's ``drop_first``).
    dtype : {"float32", "float64"} or None, default=None
        See :class:`~deepstat.data.InputAdapter`.

    Attributes
    ----------
    preprocessor_ : TabularPreprocessor
        The fitted encoding.

    Raises
    ------
    TypeError, ValueError
        As :class:`~deepstat.utils.TabularPreprocessor` (non-numeric values, NaN, unseen
        categories, missing columns, a different number of features than in fit).

    Examples
    --------
    >>> import numpy as np
    >>> adapter = TableAdapter().fit(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> adapter.input_spec_
    InputSpec(kind='table', n_features=2, shape=(2,), n_edge_features=0)
    >>> adapter.transform(np.array([[2.0, 4.0]]))
    tensor([[0., 0.]], dtype=torch.float64)
    """

    name = "table"
    kind = "table"
    stat_fields = {}

    def __init__(self, normalize: bool = True, drop_first: bool = False, dtype: Literal["float32", "float64"] | None = None) -> None:
        super().__init__(normalize=normalize, dtype=dtype)
        if not isinstance(drop_first, bool):
            raise TypeError(f"`drop_first` of TableAdapter must be a bool. Got {drop_first!r} instead.")
        self.drop_first = drop_first

    def __repr__(self) -> str:
        return f"TableAdapter(normalize={self.normalize!r}, drop_first={self.drop_first!r}, dtype={self.dtype!r})"

    def fit(self, X: Any, caller: str | None = None, weight: Any = None) -> TableAdapter:  # type: ignore[override]
        """Learn the encoding; ``weight`` (one per row) makes centring and scaling weighted."""
        self.fit_transform(X, caller, weight=weight)
        return self

    @classmethod
    def from_preprocessor(cls, preprocessor: TabularPreprocessor, dtype: Literal["float32", "float64"] | None = None) -> TableAdapter:
        """The fitted adapter of an already fitted preprocessor (a saved model's encoding)."""
        adapter = cls(bool(preprocessor.standardize), bool(preprocessor.drop_first), dtype)
        n = len(preprocessor.columns_out)
        adapter.preprocessor_, adapter.input_spec_ = preprocessor, InputSpec("table", n, (n,))
        return adapter

    def transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> Tensor:
        """Return the encoded table, a tensor ``(n, p)``."""
        caller = caller or type(self).__name__
        self.check_fitted(caller)
        Z = torch.from_numpy(np.ascontiguousarray(self.preprocessor_.transform(X, caller)))
        return Z.to(self.out_dtype(Z.dtype))

    def fit_transform(self, X: Any, caller: str | None = None, weight: Any = None, *, center: bool = True) -> Tensor:  # type: ignore[override]
        """``fit(X, weight=weight)`` then ``transform(X)``, encoding ``X`` once.

        ``center=False`` scales without centring (for a model without an intercept, see
        :meth:`~deepstat.utils.TabularPreprocessor.fit_transform`); the learned centres are then 0.
        """
        preprocessor = TabularPreprocessor(standardize=self.normalize, drop_first=self.drop_first)
        weight = None if weight is None else np.asarray(weight)
        Z = preprocessor.fit_transform(X, caller or type(self).__name__, weight, center=center)
        self.preprocessor_ = preprocessor
        self.input_spec_ = InputSpec("table", int(Z.shape[1]), (int(Z.shape[1]),))
        Z = torch.from_numpy(np.ascontiguousarray(Z))
        return Z.to(self.out_dtype(Z.dtype))

    def n_samples(self, X: Any, **kwargs: Any) -> int:
        """Number of rows."""
        return int(X.shape[0]) if hasattr(X, "shape") else len(X)

    def batches(self, X: Any, target: Any, weight: Any = None, caller: str | None = None, **kwargs: Any) -> IndexedBatches:
        """Batch source over ``transform(X)``: ``take(index)`` gathers rows."""
        caller = caller or type(self).__name__
        return IndexedBatches(self.transform(X, caller), as_target(target, "target", caller), as_target(weight, "weight", caller), caller)

    def to_config(self) -> dict[str, Any]:
        """A JSON-ready dict: settings, ``input_spec`` and the preprocessor's state (``null`` before fit)."""
        fitted = getattr(self, "input_spec_", None) is not None
        return {
            "name": self.name,
            "normalize": self.normalize,
            "drop_first": self.drop_first,
            "dtype": self.dtype,
            "input_spec": self.input_spec_.to_config() if fitted else None,
            "preprocessor": self.preprocessor_.to_dict() if fitted else None,
        }

    @classmethod
    def from_config(cls, config: Any, source: str = "load") -> TableAdapter:
        """Rebuild from :meth:`to_config`, checking every field (see :meth:`InputAdapter.from_config`)."""

        def fail(name: str, expected: str, found: Any = "no such field") -> ValueError:
            return ValueError(f"`adapter.{name}` of {source} must be {expected}. Got {found!r:.100} instead.")

        if not isinstance(config, Mapping):
            raise ValueError(f"`adapter` of {source} must be an object. Got {config!r:.100} instead.")
        expected = {"name", "normalize", "drop_first", "dtype", "input_spec", "preprocessor"}
        if set(config) != expected:
            unknown, missing = sorted(set(config) - expected), sorted(expected - set(config))
            raise fail(missing[0], "present") if missing else fail("fields", f"only {sorted(expected)}", unknown)
        if config["name"] != cls.name:
            raise fail("name", repr(cls.name), config["name"])
        for flag in ("normalize", "drop_first"):
            if not isinstance(config[flag], bool):
                raise fail(flag, "a bool", config[flag])
        if config["dtype"] not in (None, "float32", "float64"):
            raise fail("dtype", "'float32', 'float64' or null", config["dtype"])
        adapter = cls(config["normalize"], config["drop_first"], config["dtype"])
        if config["input_spec"] is None or config["preprocessor"] is None:
            if config["input_spec"] is not None or config["preprocessor"] is not None:
                raise fail("input_spec", "null together with `preprocessor` (an unfitted adapter)", config["input_spec"])
            return adapter
        spec = cls._spec_from_config(config["input_spec"], fail)
        preprocessor = TabularPreprocessor.from_dict(config["preprocessor"], f"{source} (adapter)")
        if preprocessor.standardize != adapter.normalize or preprocessor.drop_first != adapter.drop_first:
            raise fail("preprocessor.standardize", f"{adapter.normalize!r} with drop_first {adapter.drop_first!r}, as the adapter's settings", preprocessor.standardize)
        if len(preprocessor.columns_out) != spec.n_features:
            raise fail("input_spec.n_features", f"{len(preprocessor.columns_out)}, the preprocessor's encoded columns", spec.n_features)
        adapter.preprocessor_, adapter.input_spec_ = preprocessor, spec
        return adapter

    @classmethod
    def _check_spec(cls, spec: InputSpec) -> tuple[str, str] | None:
        if spec.shape != (spec.n_features,):
            return "shape", f"[n_features] = [{spec.n_features}]"
        if spec.n_edge_features:
            return "n_edge_features", "0"
        return None


def check_table(X: Any, caller: str, network: str = "MLP") -> Any:
    """``X`` as a table the estimators accept: a DataFrame, or a dense numeric 2-D array (validated).

    Raises
    ------
    TypeError
        For a sparse matrix.
    ValueError
        For non-numeric or non-finite values, no feature, or not 2-D; an array of 3 or more
        dimensions (images, padded sequences) names ``network``, which reads tables.
    """
    if not isinstance(X, pd.DataFrame):
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError(f"`X` of {caller} must be a dense array or DataFrame. Got sparse {type(X).__name__} instead.")
        X = validate_numeric(X, "X", caller)
        if X.ndim == 2 and X.shape[1] == 0:
            raise ValueError(
                f"`X` of {caller} must have at least one feature. Got 0 feature(s) (shape={X.shape}) while a "
                "minimum of 1 is required. For an intercept-only model pass a constant column."
            )
        if X.ndim > 2:  # images, padded sequences or sets: the network, not the data, is what to change
            raise ValueError(
                f"`X` of {caller} must be 2-D (n_samples, n_features) for its network: {network} reads "
                f"table input. Got an array of shape {X.shape} instead. Images, sequences and sets need a network "
                "that reads them (network=..., see deepstat.nn)."
            )
        if X.ndim != 2:
            raise ValueError(
                f"`X` of {caller} must be 2-D (n_samples, n_features). Got an array of shape {X.shape} instead. "
                "Reshape your data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single sample."
            )
    return X


def split_offset(X: Any, offset: str | None, exposure: str | None, caller: str) -> tuple[Any, np.ndarray | None]:
    """``X`` without its offset column, and the offsets on the link scale (the log of an ``exposure`` column).

    R's ``glm(offset=)`` and statsmodels' ``offset=`` / ``exposure=``: a column of the DataFrame that enters
    the linear predictor of the mean with coefficient 1 and is not a covariate.

    Raises
    ------
    ValueError
        If both are given, ``X`` is not a DataFrame with the column, a value is not finite, or an
        exposure is not positive.
    """
    if offset is None and exposure is None:
        return X, None
    if offset is not None and exposure is not None:
        raise ValueError(f"`offset` and `exposure` of {caller} must not both be given. Got {offset!r} and {exposure!r} instead.")
    name, kind = (offset, "offset") if offset is not None else (exposure, "exposure")
    if not isinstance(X, pd.DataFrame) or name not in X.columns:
        found = f"columns {list(map(str, X.columns))!r}" if isinstance(X, pd.DataFrame) else type(X).__name__
        raise ValueError(f"`X` of {caller} must be a DataFrame with the {kind} column {name!r}. Got {found} instead.")
    values = validate_numeric(X[name].to_numpy(), kind, caller).astype(np.float64)
    if kind == "exposure":
        if not np.all(values > 0):
            raise ValueError(f"`exposure` column {name!r} of {caller} must be positive. Got {int((values <= 0).sum())} value(s) <= 0 instead.")
        values = np.log(values)
    return X.drop(columns=[name]), values


def split_trials(X: Any, trials: str | None, caller: str) -> tuple[Any, np.ndarray | None]:
    """``X`` without its trials column, and the number of trials of each row (a binomial's ``n``).

    The grouped binomial of R's ``glm(cbind(successes, failures) ~ ...)`` and statsmodels' two-column
    ``endog``: the column is data of the likelihood, not a covariate; ``y`` holds the successes.

    Raises
    ------
    ValueError
        If ``X`` is not a DataFrame with the column, or a value is not a non-negative integer.
    """
    if trials is None:
        return X, None
    if not isinstance(X, pd.DataFrame) or trials not in X.columns:
        found = f"columns {list(map(str, X.columns))!r}" if isinstance(X, pd.DataFrame) else type(X).__name__
        raise ValueError(f"`X` of {caller} must be a DataFrame with the trials column {trials!r}. Got {found} instead.")
    values = validate_numeric(X[trials].to_numpy(), "trials", caller).astype(np.float64)
    bad = ~(np.isfinite(values) & (values >= 0) & (values == np.round(values)))
    if bad.any():
        raise ValueError(
            f"`trials` column {trials!r} of {caller} must hold non-negative integers (the number of trials of each row). "
            f"Got {int(bad.sum())} other value(s): {values[bad][:5].tolist()} instead."
        )
    return X.drop(columns=[trials]), values


def check_successes(successes: Any, trials: Any, caller: str) -> None:
    """Raise unless every count of successes is at most its row's number of trials (a binomial target)."""
    successes, trials = np.asarray(successes, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    bad = successes > trials
    if bad.any():
        raise ValueError(
            f"`y` of {caller} must be at most the number of trials of its row. Got {int(bad.sum())} row(s) with more "
            f"successes than trials (first: {successes[bad][0]:g} of {trials[bad][0]:g}) instead."
        )
