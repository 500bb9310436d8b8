"""Bootstrap confidence intervals of any metric, and a paired bootstrap comparison of two models' metrics.

Written for the survival metrics (whose sampling distributions have no simple closed form), but any
``metric_fn(*arrays) -> float or 1-d array`` works: the rows of the arrays are resampled together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from deepstat.utils.validation import resolve_seed

__all__ = ["BootstrapResult", "PairedBootstrapResult", "bootstrap_ci", "paired_bootstrap_test"]


@dataclass(frozen=True)
class BootstrapResult:
    """A metric with its percentile bootstrap confidence interval.

    Attributes
    ----------
    estimate : float or ndarray
        The metric on the original rows.
    ci_low, ci_high : float or ndarray
        The percentile interval bounds, quantiles ``(1 - level) / 2`` and ``(1 + level) / 2`` of the replicates.
    standard_error : float or ndarray
        Standard deviation of the replicates.
    level : float
        Confidence level.
    replicates : ndarray of shape (n_boot,) or (n_boot, k)
        The metric on each bootstrap sample.
    """

    estimate: Any
    ci_low: Any
    ci_high: Any
    standard_error: Any
    level: float
    replicates: np.ndarray


@dataclass(frozen=True)
class PairedBootstrapResult:
    """Paired bootstrap comparison of a metric between models a and b on the same rows.

    Attributes
    ----------
    difference : float
        ``metric(a) - metric(b)`` on the original rows.
    ci_low, ci_high : float
        Percentile bootstrap interval of the difference.
    pvalue : float
        Two-sided bootstrap p-value of "no difference".
    standard_error : float
        Standard deviation of the bootstrap differences.
    estimate_a, estimate_b : float
        The metric of each model on the original rows.
    level : float
        Confidence level.
    replicates : ndarray of shape (n_boot,)
        The bootstrap differences.
    """

    difference: float
    ci_low: float
    ci_high: float
    pvalue: float
    standard_error: float
    estimate_a: float
    estimate_b: float
    level: float
    replicates: np.ndarray


def _check(n_boot: int, level: float, caller: str) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"`n_boot` of {caller} must be an integer >= 2. Got {n_boot!r} instead.")
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"`level` of {caller} must be a float in (0, 1). Got {level!r} instead.")


def _rows(arrays: Sequence[Any], name: str, caller: str) -> tuple[list[np.ndarray], int]:
    if len(arrays) == 0:
        raise ValueError(f"`{name}` of {caller} must hold at least one array. Got none instead.")
    out = [np.asarray(a) for a in arrays]
    lengths = [a.shape[0] if a.ndim else 0 for a in out]
    if len(set(lengths)) != 1 or lengths[0] < 2:
        raise ValueError(f"`{name}` of {caller} must be arrays with the same number of rows (>= 2). Got lengths {lengths} instead.")
    return out, lengths[0]


def _interval(replicates: np.ndarray, level: float) -> tuple[Any, Any]:
    low, high = np.quantile(replicates, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)


def bootstrap_ci(
    metric_fn: Callable[..., Any],
    *arrays: Any,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> BootstrapResult:
    r"""Percentile bootstrap confidence interval of ``metric_fn(*arrays)``, resampling rows.

    Parameters
    ----------
    metric_fn : callable
        ``metric_fn(*arrays)`` returns a float (or a 1-d array, e.g. Brier scores at several times). Bind the
        arguments that must not be resampled first, e.g.
        ``functools.partial(concordance_index_uno, train_time=t_train, train_event=e_train)``.
    *arrays : array-like
        Arrays with the same number of rows n (time, event, risk or survival matrix, ...); each bootstrap
        sample draws n row indices with replacement and applies them to every array.
    n_boot : int, default=1000
        Number of bootstrap samples.
    level : float, default=0.95
        Confidence level of the interval.
    random_state : int, numpy Generator or None, default=None
        Seed of the resampling.

    Returns
    -------
    BootstrapResult
        The estimate, the interval, the bootstrap standard error and the replicates.

    Raises
    ------
    ValueError
        If ``n_boot < 2``, ``level`` is not in (0, 1), no array is given or the row counts differ. Errors of
        ``metric_fn`` on a bootstrap sample propagate (e.g. an evaluation time outside the resampled follow-up:
        keep ``times`` well inside the observed range).

    Notes
    -----
    The percentile interval :math:`[\hat\theta^*_{(\alpha/2)}, \hat\theta^*_{(1-\alpha/2)}]` of the replicates
    :math:`\hat\theta^*_b` (Efron & Tibshirani 1993, ch. 13). For IPCW metrics with a training-set censoring
    distribution, the interval reflects the sampling of the test rows only, as usual in model evaluation.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.

    Examples
    --------
    >>> from deepstat.metrics import concordance_index_harrell
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200); t = rng.exponential(np.exp(-x)); e = np.ones(200, dtype=bool)
    >>> res = bootstrap_ci(concordance_index_harrell, t, e, x, n_boot=200, random_state=0)
    >>> bool(res.ci_low < res.estimate < res.ci_high)
    True
    """
    caller = "bootstrap_ci"
    _check(n_boot, level, caller)
    data, n = _rows(arrays, "arrays", caller)
    rng = np.random.default_rng(resolve_seed(random_state))
    estimate = metric_fn(*data)
    replicates = np.asarray([metric_fn(*(a[idx] for a in data)) for idx in rng.integers(0, n, size=(n_boot, n))], dtype=np.float64)
    low, high = _interval(replicates, level)
    se = replicates.std(axis=0, ddof=1)
    estimate = float(estimate) if np.ndim(estimate) == 0 else np.asarray(estimate, dtype=np.float64)
    return BootstrapResult(estimate, low, high, float(se) if np.ndim(se) == 0 else se, float(level), replicates)


def paired_bootstrap_test(
    metric_fn: Callable[..., float],
    arrays_a: Sequence[Any],
    arrays_b: Sequence[Any],
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> PairedBootstrapResult:
    r"""Paired bootstrap test of ``metric_fn(*arrays_a) - metric_fn(*arrays_b)`` on the same rows.

    Parameters
    ----------
    metric_fn : callable
        A scalar metric, ``metric_fn(*arrays) -> float``.
    arrays_a, arrays_b : sequence of array-like
        The arguments of ``metric_fn`` for models a and b, e.g. ``(time, event, risk_a)`` and
        ``(time, event, risk_b)``; every array has the same n rows, and row i is the same observation in both.
    n_boot : int, default=1000
        Number of bootstrap samples.
    level : float, default=0.95
        Confidence level of the interval of the difference.
    random_state : int, numpy Generator or None, default=None
        Seed of the resampling.

    Returns
    -------
    PairedBootstrapResult
        The difference, its percentile interval, the two-sided p-value, the standard error and both estimates.

    Raises
    ------
    ValueError
        As :func:`bootstrap_ci`, or when a and b have different row counts.

    Notes
    -----
    Each bootstrap sample draws one set of row indices and scores both models on it, so the correlation of the
    two metrics (same patients, same censoring) cancels from the difference :math:`d^*_b`. The p-value refers
    :math:`\hat d` to the bootstrap distribution centred at the null:
    :math:`p = (1 + \#\{b : |d^*_b - \hat d| \ge |\hat d|\}) / (B + 1)` (Efron & Tibshirani 1993, section 16.4;
    the +1 keeps it valid and positive). Two identical models give :math:`\hat d = 0` and p = 1.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.

    Examples
    --------
    >>> from deepstat.metrics import concordance_index_harrell
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200); t = rng.exponential(np.exp(-x)); e = np.ones(200, dtype=bool)
    >>> res = paired_bootstrap_test(concordance_index_harrell, (t, e, x), (t, e, rng.normal(size=200)),
    ...                             n_boot=200, random_state=0)
    >>> bool(res.difference > 0), bool(res.pvalue < 0.01)
    (True, True)
    """
    caller = "paired_bootstrap_test"
    _check(n_boot, level, caller)
    data_a, n_a = _rows(arrays_a, "arrays_a", caller)
    data_b, n_b = _rows(arrays_b, "arrays_b", caller)
    if n_a != n_b:
        raise ValueError(f"`arrays_b` of {caller} must have the same rows as `arrays_a` ({n_a}). Got {n_b} rows instead.")
    rng = np.random.default_rng(resolve_seed(random_state))
    estimate_a, estimate_b = float(metric_fn(*data_a)), float(metric_fn(*data_b))
    difference = estimate_a - estimate_b
    replicates = np.empty(n_boot)
    for b, idx in enumerate(rng.integers(0, n_a, size=(n_boot, n_a))):
        replicates[b] = float(metric_fn(*(a[idx] for a in data_a))) - float(metric_fn(*(a[idx] for a in data_b)))
    low, high = _interval(replicates, level)
    extreme = np.abs(replicates - difference) >= abs(difference)
    pvalue = (1.0 + extreme.sum()) / (n_boot + 1.0)
    return PairedBootstrapResult(
        difference, low, high, float(min(pvalue, 1.0)), float(replicates.std(ddof=1)), estimate_a, estimate_b,
        float(level), replicates,
    )
