"""Checks and small helpers shared by the inference wrappers (STYLE 7: errors name the argument)."""

from __future__ import annotations

import math
import os
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from deepstat.utils import validate_numeric
from deepstat.utils.validation import resolve_seed

__all__ = [
    "as_float_array",
    "check_alpha",
    "check_fitted",
    "check_positive_int",
    "conformal_quantile",
    "fit_members",
    "n_rows",
    "require_method",
    "split_indices",
    "take_rows",
]


def check_alpha(alpha: Any, caller: str, name: str = "alpha") -> float:
    """Return ``alpha`` as a float in the open interval (0, 1), or raise ValueError naming it.

    Examples
    --------
    >>> check_alpha(0.1, "f")
    0.1
    """
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, Real) or not 0.0 < float(alpha) < 1.0:
        raise ValueError(
            f"`{name}` of {caller} must be a miscoverage level in the open interval (0, 1), e.g. 0.1 for 90% "
            f"coverage. Got {alpha!r} instead."
        )
    return float(alpha)


def check_positive_int(value: Any, name: str, caller: str) -> int:
    """Return ``value`` as an int >= 1, or raise ValueError naming it.

    Examples
    --------
    >>> check_positive_int(5, "n_members", "DeepEnsemble")
    5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"`{name}` of {caller} must be an integer >= 1. Got {value!r} instead.")
    return int(value)


def check_fitted(estimator: Any, caller: str) -> None:
    """Raise ``NotFittedError`` (a ValueError) naming ``estimator`` when it has not been fitted."""
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise NotFittedError(
            f"`estimator` of {caller} must be fitted before calibrate/predict. Got an unfitted "
            f"{type(estimator).__name__} instead. Call its fit(X, y) first, or call {caller}.fit(X, y)."
        ) from None
    except TypeError:
        raise TypeError(
            f"`estimator` of {caller} must be a scikit-learn style estimator. Got {type(estimator).__name__} instead."
        ) from None


def require_method(estimator: Any, method: str, caller: str, hint: str = "") -> None:
    """Raise ValueError naming ``estimator`` when it lacks ``method``."""
    if not callable(getattr(estimator, method, None)):
        raise ValueError(  # noqa: TRY004 - issue 4 item 5: bad input is a ValueError naming the argument
            f"`estimator` of {caller} must have a `{method}` method. Got {type(estimator).__name__}, "
            f"which has none, instead.{(' ' + hint) if hint else ''}"
        )


def conformal_quantile(scores: Any, alpha: float, caller: str = "conformal_quantile") -> float:
    r"""The split-conformal quantile of calibration scores: their :math:`\lceil (n+1)(1-\alpha) \rceil`-th smallest value.

    Parameters
    ----------
    scores : array-like of shape (n,)
        Conformity scores of the ``n`` calibration points (larger means less conforming).
    alpha : float in (0, 1)
        Miscoverage level.
    caller : str, default="conformal_quantile"
        Name used in error messages.

    Returns
    -------
    float
        :math:`\hat q = s_{(k)}` with :math:`k = \lceil (n+1)(1-\alpha) \rceil`, the empirical
        :math:`k/n` quantile of the scores.

    Raises
    ------
    ValueError
        If ``alpha`` is outside (0, 1), or ``k > n``: the calibration set is too small for a
        finite interval at this level; ``n >= ceil(1/alpha) - 1`` points are needed.

    Notes
    -----
    If the scores of the calibration points and of a new point are exchangeable, the new score
    is at most :math:`\hat q` with probability at least :math:`1 - \alpha`, and at most
    :math:`1 - \alpha + 1/(n+1)` when the scores have no ties (Lei et al. 2018, Theorem 2.2).
    ``(n + 1)(1 - alpha)`` is rounded up after subtracting 1e-9, so that a product that is an
    integer in exact arithmetic (e.g. 10 x 0.9) is not pushed up by floating point.

    References
    ----------
    Lei, G'Sell, Rinaldo, Tibshirani & Wasserman (2018). Distribution-free predictive inference
    for regression. JASA 113(523), 1094-1111.

    Examples
    --------
    >>> conformal_quantile(np.arange(1.0, 20.0), alpha=0.1)  # n = 19: k = ceil(20 * 0.9) = 18
    18.0
    """
    alpha = check_alpha(alpha, caller)
    s = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    n = s.shape[0]
    k = math.ceil((n + 1) * (1.0 - alpha) - 1e-9)
    if k > n:
        needed = math.ceil(1.0 / alpha - 1e-9) - 1
        raise ValueError(
            f"The calibration set (`calibration_size` or `X_cal`) of {caller} must have at least {needed} points "
            f"for alpha={alpha!r}: n >= ceil(1/alpha) - 1 gives a finite interval. Got {n} instead. Use a larger "
            "calibration set or a larger alpha."
        )
    return float(s[k - 1])


def split_indices(n: int, calibration_size: Any, random_state: Any, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Random (train, calibration) row indices; ``calibration_size`` is a fraction in (0, 1) or a count."""
    if isinstance(calibration_size, (bool, np.bool_)) or not isinstance(calibration_size, Real):
        raise ValueError(  # noqa: TRY004 - a bad hyperparameter, as scikit-learn raises
            f"`calibration_size` of {caller} must be a fraction in (0, 1) or an integer count. Got {calibration_size!r} instead."
        )
    if isinstance(calibration_size, Integral):
        n_cal = int(calibration_size)
        if not 1 <= n_cal <= n - 1:
            raise ValueError(
                f"`calibration_size` of {caller} must be a count in [1, {n - 1}] for {n} rows. Got {n_cal} instead."
            )
    else:
        if not 0.0 < float(calibration_size) < 1.0:
            raise ValueError(
                f"`calibration_size` of {caller} must be a fraction in (0, 1) or an integer count. Got {calibration_size!r} instead."
            )
        n_cal = round(float(calibration_size) * n)
        if not 1 <= n_cal <= n - 1:
            raise ValueError(
                f"`calibration_size` of {caller} leaves {n_cal} calibration and {n - n_cal} training rows out of {n}. "
                "Both need at least 1; pass more rows or another calibration_size."
            )
    perm = np.random.default_rng(resolve_seed(random_state)).permutation(n)
    return np.sort(perm[n_cal:]), np.sort(perm[:n_cal])


def take_rows(data: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of a DataFrame/Series (by position), tensor or array-like."""
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.iloc[index]
    if isinstance(data, torch.Tensor):
        return data[torch.as_tensor(index)]
    return np.asarray(data)[index]


def as_float_array(values: Any, name: str, caller: str) -> np.ndarray:
    """Finite float64 numpy array from numpy, pandas or torch input."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    elif isinstance(values, (pd.Series, pd.DataFrame)):
        values = values.to_numpy()
    return validate_numeric(values, name, caller).astype(np.float64, copy=False)


def n_rows(data: Any) -> int:
    """Number of rows of an array-like, DataFrame or tensor."""
    return int(data.shape[0]) if hasattr(data, "shape") else len(data)


def fit_members(
    estimator: Any, n_members: Any, random_state: Any, X: Any, y: Any, fit_params: dict[str, Any], caller: str,
    methods: tuple[str, ...] = ("fit",),
) -> tuple[list[Any], np.ndarray]:
    """Fit ``n_members`` clones of ``estimator``, each with its own seed (and checkpoint folder); return them and the seeds.

    Members that shared ``checkpoint_dir`` would overwrite each other's checkpoints, and with
    ``resume=True`` every member after the first would resume the first one's finished fit: each
    member checkpoints in ``checkpoint_dir/member_<m>``.

    Raises
    ------
    ValueError
        If ``n_members`` is not a positive int, or ``estimator`` lacks one of ``methods`` or a ``random_state``.
    """
    m = check_positive_int(n_members, "n_members", caller)
    for method in methods:
        require_method(estimator, method, caller)
    params = estimator.get_params(deep=False)
    if "random_state" not in params:
        raise ValueError(
            f"`estimator` of {caller} must have a `random_state` parameter to seed its members. "
            f"Got {type(estimator).__name__}, which has none, instead."
        )
    seq = np.random.SeedSequence(resolve_seed(random_state))
    seeds = seq.generate_state(m, dtype=np.uint32).astype(np.int64) % (2**31 - 1)
    members = []
    for index, seed in enumerate(seeds):
        own: dict[str, Any] = {"random_state": int(seed)}
        if params.get("checkpoint_dir") is not None:
            own["checkpoint_dir"] = os.path.join(os.fspath(params["checkpoint_dir"]), f"member_{index}")
        members.append(clone(estimator).set_params(**own).fit(X, y, **fit_params))
    return members, seeds
