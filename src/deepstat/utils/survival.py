"""Right-censored survival targets: one check shared by the survival metrics, losses, baselines and estimators.

A survival target is a pair (time, event): the observed time (an event or a censoring time) and the event
indicator (1 = the event happened at ``time``, 0 = censored at ``time``). It arrives in one of three shapes:
scikit-survival's structured array (``sksurv.util.Surv.from_arrays(event, time)``: a boolean field, then a
float field), a two-column array or DataFrame ``(time, event)``, or a tuple ``(time, event)`` of two arrays.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import torch

from deepstat.utils.validation import format_values

__all__ = ["check_survival_target", "check_time_event", "check_time_grid", "StrataLevels"]


def _to_numpy(values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    if isinstance(values, (pd.Series, pd.DataFrame, pd.Index)):
        return values.to_numpy()
    return np.asarray(values)


def check_time_event(
    time: Any,
    event: Any,
    caller: str,
    *,
    positive: bool = False,
    require_event: bool = True,
    time_name: str = "time",
    event_name: str = "event",
) -> tuple[np.ndarray, np.ndarray]:
    """Validate separate time and event arrays; return float64 times and boolean events.

    Parameters
    ----------
    time : array-like of shape (n_samples,)
        Observed times: finite and non-negative (positive when ``positive=True``).
    event : array-like of shape (n_samples,)
        Event indicators: 0/1, True/False (1 = event observed, 0 = right-censored).
    caller : str
        Name of the public function or class, used in the error messages (STYLE 7.1).
    positive : bool, default=False
        Require times > 0 (parametric models whose density lives on (0, inf)).
    require_event : bool, default=True
        Raise when every observation is censored (nothing to estimate or to rank).
    time_name, event_name : str, default="time", "event"
        Argument names shown in the messages.

    Returns
    -------
    time : ndarray of shape (n_samples,), float64
    event : ndarray of shape (n_samples,), bool

    Raises
    ------
    ValueError
        If the arrays are empty, not one-dimensional, of different lengths, hold NaN, infinite, negative
        (or, with ``positive``, zero) times, event flags other than 0/1, or (with ``require_event``) no event.
    TypeError
        If ``time`` is not numeric.

    Examples
    --------
    >>> t, e = check_time_event([2.0, 3.5, 1.0], [1, 0, True], "f")
    >>> t.tolist(), e.tolist()
    ([2.0, 3.5, 1.0], [True, False, True])
    """
    t = _to_numpy(time)
    e = _to_numpy(event)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"`{time_name}` of {caller} must be numeric. Got dtype {t.dtype} instead.")
    t = t.astype(np.float64).reshape(-1) if t.ndim == 2 and t.shape[1] == 1 else t.astype(np.float64)
    e = e.reshape(-1) if e.ndim == 2 and e.shape[1] == 1 else e
    for name, arr in ((time_name, t), (event_name, e)):
        if arr.ndim != 1:
            raise ValueError(f"`{name}` of {caller} must be one-dimensional. Got shape {arr.shape} instead.")
        if arr.shape[0] == 0:
            raise ValueError(f"`{name}` of {caller} must be non-empty. Got 0 observations instead.")
    if t.shape[0] != e.shape[0]:
        raise ValueError(
            f"`{event_name}` of {caller} must have one flag per time ({t.shape[0]}). Got {e.shape[0]} flags instead."
        )
    bad = ~np.isfinite(t)
    if bad.any():
        raise ValueError(
            f"`{time_name}` of {caller} must be finite. Got {int(bad.sum())} NaN or infinite time(s) "
            f"{format_values(t[bad])} instead."
        )
    bad = t <= 0 if positive else t < 0
    if bad.any():
        bound = "positive (> 0)" if positive else "non-negative"
        raise ValueError(
            f"`{time_name}` of {caller} must be {bound}. Got {int(bad.sum())} offending time(s) {format_values(t[bad])} instead."
        )
    if e.dtype.kind == "b":
        flags = e
    else:
        if e.dtype.kind not in "iuf":
            raise ValueError(f"`{event_name}` of {caller} must hold 0/1 or True/False. Got dtype {e.dtype} instead.")
        ef = e.astype(np.float64)
        bad = ~((ef == 0) | (ef == 1))
        if bad.any():
            raise ValueError(
                f"`{event_name}` of {caller} must hold 0/1 or True/False. Got {int(bad.sum())} other value(s) "
                f"{format_values(e[bad])} instead."
            )
        flags = ef == 1
    if require_event and not flags.any():
        raise ValueError(
            f"`{event_name}` of {caller} must contain at least one event. Got all {flags.shape[0]} observations censored instead."
        )
    return t, flags.astype(bool, copy=False)


def check_survival_target(
    y: Any, caller: str = "check_survival_target", *, positive: bool = False, require_event: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Split a survival target into validated ``(time, event)`` arrays.

    Parameters
    ----------
    y : structured array, array-like of shape (n_samples, 2), DataFrame or tuple
        One of: scikit-survival's structured array (a boolean or 0/1 event field and a numeric time field,
        in either order, as ``sksurv.util.Surv.from_arrays`` builds); a two-column array or DataFrame whose
        columns are (time, event), in that order; a tuple ``(time, event)`` of two arrays.
    caller : str, default="check_survival_target"
        Name shown in the error messages.
    positive, require_event : bool
        As in :func:`check_time_event`.

    Returns
    -------
    time : ndarray of shape (n_samples,), float64
    event : ndarray of shape (n_samples,), bool

    Raises
    ------
    ValueError
        If ``y`` has another shape, or the times or events fail :func:`check_time_event`.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([(True, 5.0), (False, 8.0)], dtype=[("event", "?"), ("time", "f8")])  # Surv.from_arrays
    >>> time, event = check_survival_target(y)
    >>> time.tolist(), event.tolist()
    ([5.0, 8.0], [True, False])
    >>> check_survival_target(np.array([[5.0, 1], [8.0, 0]]))[1].tolist()
    [True, False]
    """
    if isinstance(y, tuple):
        if len(y) != 2:
            raise ValueError(f"`y` of {caller} must be a (time, event) pair. Got a tuple of {len(y)} arrays instead.")
        return check_time_event(y[0], y[1], caller, positive=positive, require_event=require_event)
    if isinstance(y, pd.DataFrame) and y.shape[1] == 2:  # columns may differ in dtype (float time, bool event)
        return check_time_event(
            y.iloc[:, 0], y.iloc[:, 1], caller, positive=positive, require_event=require_event,
            time_name=f"y[{y.columns[0]!r}]", event_name=f"y[{y.columns[1]!r}]",
        )
    arr = _to_numpy(y)
    if arr.dtype.names is not None:
        if len(arr.dtype.names) != 2:
            raise ValueError(
                f"`y` of {caller} must be a structured array with an event field and a time field. "
                f"Got fields {list(arr.dtype.names)} instead."
            )
        first, second = arr.dtype.names
        # scikit-survival puts the boolean event field first; accept either order, the event field is the boolean one
        if arr.dtype[second].kind == "b" and arr.dtype[first].kind != "b":
            first, second = second, first
        return check_time_event(
            arr[second], arr[first], caller, positive=positive, require_event=require_event,
            time_name=f"y[{second!r}]", event_name=f"y[{first!r}]",
        )
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"`y` of {caller} must be a structured array (sksurv.util.Surv), a (time, event) tuple or two columns "
            f"(time, event). Got shape {arr.shape} instead."
        )
    return check_time_event(
        arr[:, 0], arr[:, 1], caller,
        positive=positive, require_event=require_event, time_name="y[:, 0] (time)", event_name="y[:, 1] (event)",
    )


class StrataLevels:
    """The strata of a stratified Cox model: combinations of the values of ``columns`` of a DataFrame.

    As lifelines' ``strata=[...]`` and R's ``strata()``: each level has its own risk sets and baseline
    hazard. :meth:`fit` learns the levels (sorted where the values sort, else in order of appearance)
    and returns each row's code; :meth:`codes` maps new rows to those codes and refuses unseen levels.

    Parameters
    ----------
    strata : str, int or sequence of them
        The column name(s).
    caller : str
        The estimator, for error messages.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["b", "a", "b"]})
    >>> levels = StrataLevels("g", "Model")
    >>> levels.fit(frame).tolist(), levels.levels
    ([1, 0, 1], [('a',), ('b',)])
    """

    def __init__(self, strata: Any, caller: str, levels: list[Any] | None = None) -> None:
        self.columns = [strata] if isinstance(strata, (str, int)) else list(strata)
        self.caller = caller
        self.levels = None if levels is None else [tuple(level) for level in levels]

    def _keys(self, X: Any) -> pd.MultiIndex:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"`X` of {self.caller} must be a DataFrame holding the strata columns {self.columns}. "
                f"Got {type(X).__name__} instead."
            )
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise ValueError(
                f"`X` of {self.caller} must have the strata columns {missing}. Got columns {list(X.columns)} instead."
            )
        values = X[self.columns]
        bad = values.isna().any(axis=1).to_numpy()
        if bad.any():
            raise ValueError(
                f"Strata columns {self.columns} of `X` of {self.caller} must have no missing values. Got "
                f"{int(bad.sum())} row(s) with NaN (at rows {format_values(np.flatnonzero(bad))}) instead."
            )
        return pd.MultiIndex.from_frame(values.astype(object))

    def fit(self, X: Any) -> np.ndarray:
        """Learn the levels from ``X``; return the code (0 .. n_levels - 1) of each row."""
        keys = self._keys(X)
        levels = keys.unique()
        try:
            levels = levels.sort_values()
        except TypeError:  # values of mixed types keep their order of appearance
            pass
        self.levels = [tuple(level) for level in levels]
        return levels.get_indexer(keys).astype(np.int64)

    def codes(self, X: Any) -> np.ndarray:
        """The code of each row of new data.

        Raises
        ------
        ValueError
            Naming the unseen levels and how many rows hold them.
        """
        keys = self._keys(X)
        codes = pd.MultiIndex.from_tuples(self.levels, names=self.columns).get_indexer(keys)
        unseen = codes < 0
        if unseen.any():
            raise ValueError(
                f"Strata columns {self.columns} of `X` of {self.caller} must hold strata seen in fit {self.levels}. "
                f"Got {int(unseen.sum())} row(s) in unseen strata "
                f"{format_values(np.asarray(list(keys[unseen].unique()), dtype=object))} instead."
            )
        return codes.astype(np.int64)

    def drop(self, X: Any) -> Any:
        """``X`` without the strata columns (unchanged when it is not a DataFrame)."""
        if not isinstance(X, pd.DataFrame):
            return X
        return X.drop(columns=[c for c in self.columns if c in X.columns])


def check_time_grid(times: Any, caller: str) -> np.ndarray:
    """Validate a grid of times at which to evaluate survival curves: 1-D, finite, non-negative.

    Raises
    ------
    ValueError
        Naming ``times`` and the offending count.
    """
    grid = np.asarray(times, dtype=np.float64) if not isinstance(times, Real) else np.asarray([times], np.float64)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"`times` of {caller} must be a non-empty 1-D array of times. Got shape {grid.shape} instead.")
    bad = ~np.isfinite(grid) | (grid < 0)
    if bad.any():
        raise ValueError(
            f"`times` of {caller} must be finite and non-negative. Got {int(bad.sum())} offending value(s) "
            f"{format_values(grid[bad])} instead."
        )
    return grid
