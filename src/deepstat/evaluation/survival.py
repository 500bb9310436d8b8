"""Survival models in ``compare``: deep and Cox models on the same event-stratified splits, scored by C and IBS.

The likelihoods of survival models are not comparable (the Cox partial likelihood is not a density),
so the comparison uses the discrimination and calibration scores of the field instead: Harrell's and
Uno's concordance and the integrated Brier score, each with a stratified bootstrap interval, and paired
bootstrap tests of the differences against the reference model (the linear Cox model by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from deepstat.metrics import concordance_index_harrell, concordance_index_uno, integrated_brier_score
from deepstat.evaluation.result import ComparisonResult
from deepstat.evaluation.splits import _check_alpha, _splits, _take
from deepstat.utils.survival import check_survival_target

__all__ = [
    "SURVIVAL_METRICS",
    "compare_survival",
    "compare_survival_fitted",
    "evaluation_grid",
    "is_survival_model",
    "survival_matrix",
    "survival_target",
]

SURVIVAL_METRICS = ("harrell_c", "uno_c", "ibs")
_TEST_COLUMNS = ["model", "reference", "metric", "difference", "ci_low", "ci_high", "pvalue"]


def is_survival_model(model: Any) -> bool:
    """Whether ``model`` is a survival estimator or baseline instance (it has ``predict_risk`` and
    ``predict_survival_function``)."""
    return not isinstance(model, type) and hasattr(model, "predict_risk") and hasattr(model, "predict_survival_function")


def survival_target(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """scikit-survival's structured array (``Surv.from_arrays(event, time)``), which every survival model takes."""
    y = np.empty(time.shape[0], dtype=[("event", "?"), ("time", "f8")])
    y["event"], y["time"] = event, time
    return y


def survival_matrix(model: Any, X: Any, times: np.ndarray) -> np.ndarray:
    """Predicted survival probabilities of a fitted model, shape (n_samples, n_times), whatever its layout.

    The deep estimators return one row per sample, the baselines one row per time (lifelines' layout);
    the side named ``"time"`` tells them apart.

    Examples
    --------
    >>> from deepstat.baselines import KaplanMeierBaseline
    >>> km = KaplanMeierBaseline().fit(np.zeros((4, 1)), (np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1])))
    >>> survival_matrix(km, np.zeros((2, 1)), np.array([1.5, 3.5])).round(2).tolist()
    [[0.75, 0.5], [0.75, 0.5]]
    """
    frame = model.predict_survival_function(X, times=times)
    values = frame.to_numpy(dtype=np.float64)
    if frame.index.name == "time" and frame.columns.name != "time":
        values = values.T
    return values


def evaluation_grid(
    time: np.ndarray, event: np.ndarray, *, n_times: int = 50, quantiles: tuple[float, float] = (0.1, 0.9), caller: str = "compare"
) -> np.ndarray:
    """Evaluation times of the IBS: ``n_times`` quantiles of the event times between ``quantiles``.

    Parameters
    ----------
    time, event : ndarray of shape (n_samples,)
        Validated survival data (float times, boolean events).
    n_times : int, default=50
    quantiles : (float, float), default=(0.1, 0.9)
    caller : str, default="compare"
        Name shown in the error message.

    Returns
    -------
    ndarray of shape (<= n_times,)
        Distinct, increasing times inside the follow-up ``[min time, max time)``.

    Raises
    ------
    ValueError
        If fewer than 2 distinct times remain (too few events).

    Examples
    --------
    >>> evaluation_grid(np.arange(1.0, 12.0), np.ones(11, dtype=bool), n_times=3).tolist()
    [2.0, 6.0, 10.0]
    """
    grid = np.unique(np.quantile(time[event], np.linspace(quantiles[0], quantiles[1], n_times)))
    grid = grid[(grid >= time.min()) & (grid < time.max())]
    if grid.shape[0] < 2:
        raise ValueError(
            f"`y` of {caller} must have events at 2 or more distinct times inside the follow-up to integrate the Brier "
            f"score. Got {int(event.sum())} event(s) giving {grid.shape[0]} time(s) instead."
        )
    return grid


# ----------------------------------------------------------------------------- scoring
def _fold_scores(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray, surv: np.ndarray, fold: np.ndarray,
    train: list[tuple[np.ndarray, np.ndarray] | None], grid: np.ndarray,
) -> np.ndarray:
    """(n_folds, 3) Harrell's C, Uno's C and IBS of each test fold (rows of ``fold == k``)."""
    out = np.full((len(train), len(SURVIVAL_METRICS)), np.nan)
    for k, censoring in enumerate(train):
        rows = fold == k
        t, e, r, s = time[rows], event[rows], risk[rows], surv[rows]
        tt, te = censoring if censoring is not None else (None, None)
        # a bootstrap sample may end before the last grid time: integrate over the part it covers
        keep = (grid >= t.min()) & (grid < t.max())
        out[k, 0] = concordance_index_harrell(t, e, r)
        out[k, 1] = concordance_index_uno(t, e, r, train_time=tt, train_event=te, tau=float(grid[-1]))
        if keep.sum() >= 2:
            out[k, 2] = integrated_brier_score(t, e, s[:, keep], times=grid[keep], train_time=tt, train_event=te)
    return out


def _bootstrap(
    time: np.ndarray, event: np.ndarray, fold: np.ndarray, predictions: dict[str, tuple[np.ndarray, np.ndarray]],
    train: list[tuple[np.ndarray, np.ndarray] | None], grid: np.ndarray, n_boot: int, random_state: int,
) -> dict[str, np.ndarray]:
    """(n_boot, 3) replicates of the fold-averaged scores per model, every model on the same resampled rows."""
    rng = np.random.default_rng(random_state)
    strata = [np.flatnonzero((fold == k) & (event == flag)) for k in range(len(train)) for flag in (True, False)]
    strata = [s for s in strata if s.size]
    replicates = {name: np.empty((n_boot, len(SURVIVAL_METRICS))) for name in predictions}
    for b in range(n_boot):
        idx = np.concatenate([rng.choice(s, size=s.size) for s in strata])
        for name, (risk, surv) in predictions.items():
            replicates[name][b] = np.nanmean(
                _fold_scores(time[idx], event[idx], risk[idx], surv[idx], fold[idx], train, grid), axis=0
            )
    return replicates


def _assemble_survival(
    time: np.ndarray, event: np.ndarray, fold: np.ndarray, rows: np.ndarray,
    predictions: dict[str, tuple[np.ndarray, np.ndarray]], train: list[tuple[np.ndarray, np.ndarray] | None],
    grid: np.ndarray, reference: str, alpha: float, n_boot: int, random_state: int,
) -> ComparisonResult:
    records = []
    for name, (risk, surv) in predictions.items():
        for split, values in enumerate(_fold_scores(time, event, risk, surv, fold, train, grid)):
            records += [{"model": name, "split": split, "metric": m, "value": float(v)} for m, v in zip(SURVIVAL_METRICS, values, strict=True)]
    scores = pd.DataFrame(records, columns=["model", "split", "metric", "value"])
    summary = scores.groupby(["model", "metric"], sort=False)["value"].agg(mean="mean", sd="std", n_splits="count").reset_index()
    summary["n_splits"] = summary["n_splits"].astype(np.int64)
    replicates = _bootstrap(time, event, fold, predictions, train, grid, n_boot, random_state)
    q = [alpha / 2, 1 - alpha / 2]
    bounds = {name: np.nanquantile(rep, q, axis=0) for name, rep in replicates.items()}  # (2, 3)
    column = {m: j for j, m in enumerate(SURVIVAL_METRICS)}
    summary["ci_low"] = [bounds[n][0, column[m]] for n, m in zip(summary["model"], summary["metric"], strict=True)]
    summary["ci_high"] = [bounds[n][1, column[m]] for n, m in zip(summary["model"], summary["metric"], strict=True)]
    means = summary.set_index(["model", "metric"])["mean"]
    tests = []
    for name in predictions:
        if name == reference:
            continue
        for metric, j in column.items():
            difference = float(means[(name, metric)] - means[(reference, metric)])
            draws = replicates[name][:, j] - replicates[reference][:, j]
            draws = draws[np.isfinite(draws)]
            low, high = np.quantile(draws, q) if draws.size else (np.nan, np.nan)
            # centred at the null, as deepstat.metrics.paired_bootstrap_test (Efron & Tibshirani 1993, 16.4)
            pvalue = min(1.0, (1.0 + (np.abs(draws - difference) >= abs(difference)).sum()) / (draws.size + 1.0))
            tests.append([name, reference, metric, difference, float(low), float(high), float(pvalue)])
    risks = pd.DataFrame(
        {"split": fold, "time": time, "event": event, **{name: p[0] for name, p in predictions.items()}}, index=rows
    )
    return ComparisonResult(
        scores=scores, summary=summary, tests=pd.DataFrame(tests, columns=_TEST_COLUMNS),
        log_scores=pd.DataFrame({"split": fold}, index=rows), reference=reference, alpha=alpha, risks=risks, times=grid,
    )


# ----------------------------------------------------------------------------- checks
def _named(models: Mapping[str, Any] | Sequence[Any], caller: str) -> dict[str, Any]:
    if isinstance(models, Mapping):
        named = dict(models)
    else:
        named = {}
        for model in models:
            name, k = type(model).__name__, 2
            while name in named:
                name, k = f"{type(model).__name__} ({k})", k + 1
            named[name] = model
    for name, model in named.items():
        if not is_survival_model(model):
            raise TypeError(
                f"`models` of {caller} must be all survival models or none. Got {type(model).__name__} for {name!r} "
                "next to survival models instead."
            )
        if hasattr(model, "_special_columns"):  # counting-process rows of one subject must stay in one split
            raise ValueError(
                f"`models` of {caller} must take one row per subject. Got {type(model).__name__} for {name!r} instead; "
                "split (start, stop] data by subject and score it with deepstat.metrics."
            )
    return named


def _survival_reference(named: dict[str, Any], reference: str | None, caller: str) -> str:
    if reference is None:
        # the linear Cox model first, then any classical baseline, then the first model
        cox = [n for n, m in named.items() if type(m).__name__ == "CoxPHBaseline"]
        baselines = [n for n, m in named.items() if type(m).__module__.startswith("deepstat.baselines")]
        return (cox or baselines or list(named))[0]
    if reference not in named:
        raise ValueError(f"`reference` of {caller} must be one of the model names {list(named)!r}. Got {reference!r} instead.")
    return reference


def _check_n_boot(n_boot: Any, caller: str) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ValueError(f"`n_boot` of {caller} must be an int >= 10. Got {n_boot!r} instead.")
    return int(n_boot)


# ----------------------------------------------------------------------------- public
def compare_survival(
    models: Mapping[str, Any] | Sequence[Any],
    X: Any,
    y: Any,
    *,
    cv: int | None = 5,
    test_size: float | None = None,
    random_state: int = 0,
    alpha: float = 0.1,
    reference: str | None = None,
    n_boot: int = 1000,
) -> ComparisonResult:
    r"""Fit survival models on the same event-stratified splits; score C and IBS with bootstrap intervals.

    :func:`deepstat.evaluation.compare` calls this when it is given survival models; the arguments are its own.

    Parameters
    ----------
    models : dict of str to estimator, or list of estimators
        Deep survival estimators (:class:`~deepstat.estimators.DeepCoxPH`, ``DeepAFT``, ``LogisticHazard``,
        ``DeepHit``) and :class:`~deepstat.baselines.CoxPHBaseline` or ``KaplanMeierBaseline``; cloned.
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : structured array, (n_samples, 2) array or DataFrame, or (time, event) tuple
        The right-censored target (see :func:`deepstat.utils.check_survival_target`).
    cv, test_size, random_state
        As in :func:`~deepstat.evaluation.compare`; the folds are stratified by the event indicator.
    alpha : float in (0, 1), default=0.1
        The intervals have level ``1 - alpha``.
    reference : str or None, default=None
        The model tested against; ``None`` picks the first ``CoxPHBaseline``, else the first baseline.
    n_boot : int, default=1000
        Bootstrap samples of the intervals and tests.

    Returns
    -------
    ComparisonResult
        ``scores`` per split of ``harrell_c``, ``uno_c`` and ``ibs``; ``summary`` with their mean and sd over
        splits and the bootstrap interval of the mean (``ci_low``, ``ci_high``); ``tests``: per model and metric
        the difference from the reference, its interval and the paired bootstrap p-value; ``risks``: the
        out-of-fold risks; ``times``: the IBS grid.

    Raises
    ------
    TypeError
        If survival and other models are mixed.
    ValueError
        If the target is invalid (negative or NaN times, events not 0/1, every row censored), the lengths
        differ, a model takes counting-process data, or as :func:`~deepstat.evaluation.compare`.

    Notes
    -----
    Each test fold is scored with the model fitted on its training part: Harrell's C; Uno's C truncated at
    :math:`\tau` = the last grid time, with the Kaplan-Meier censoring weights of the training part; the IBS
    (scikit-survival's trapezoid convention) over a common grid of 50 quantiles of the pooled test event times
    between the 10th and 90th percentiles, censoring weights again from the training part. ``mean`` and ``sd``
    are over the splits. The interval is a percentile bootstrap of that mean: each replicate resamples, within
    every test fold, its events and its censored rows with replacement (a stratified bootstrap, Davison &
    Hinkley 1997, 3.2), rescores every fold and averages; all models are scored on the same resampled rows, so
    the difference from the reference is paired and its p-value is that of
    :func:`deepstat.metrics.paired_bootstrap_test`. The intervals reflect the sampling of the test rows given the
    fitted models, not the refitting. A replicate whose resampled fold ends before the last grid time
    integrates the Brier score over the part of the grid it covers.

    References
    ----------
    Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge University Press.

    Examples
    --------
    >>> from deepstat.baselines import CoxPHBaseline, KaplanMeierBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); t = rng.exponential(np.exp(-X[:, 0])); c = rng.exponential(2.0, 200)
    >>> result = compare_survival([CoxPHBaseline(), KaplanMeierBaseline()], X, (np.minimum(t, c), t <= c),
    ...                           cv=2, n_boot=50)
    >>> result.reference, result.summary.shape
    ('CoxPHBaseline', (6, 7))
    >>> float(result.tests.set_index("metric").loc["harrell_c", "difference"]) < 0  # KM ranks no one
    True
    """
    caller = "compare"
    named = _named(models, caller)
    reference = _survival_reference(named, reference, caller)
    _check_alpha(alpha, caller)
    n_boot = _check_n_boot(n_boot, caller)
    time, event = check_survival_target(y, caller)
    if not hasattr(X, "iloc"):
        X = np.asarray(X)
    n = len(X)
    if time.shape[0] != n:
        raise ValueError(f"`X` and `y` of {caller} must have the same number of samples. Got {n} rows in X and {time.shape[0]} in y instead.")
    labels = _split_labels(named, X, event, caller)
    try:
        splits = _splits(n, labels, True, cv, test_size, int(random_state))
    except ValueError:  # a stratum x event cell too small for the folds: stratify by the event alone
        splits = _splits(n, event, True, cv, test_size, int(random_state))
    rows = np.sort(np.concatenate([test for _, test in splits]))
    grid = evaluation_grid(time[rows], event[rows], caller=caller)
    fold = np.full(n, -1)
    predictions = {name: (np.full(n, np.nan), np.full((n, grid.shape[0]), np.nan)) for name in named}
    train_parts: list[tuple[np.ndarray, np.ndarray] | None] = []
    for split, (train, test) in enumerate(splits):
        fold[test] = split
        train_parts.append((time[train], event[train]))
        y_train = survival_target(time[train], event[train])
        for name, model in named.items():
            fitted = clone(model).fit(_take(X, train), y_train)
            predictions[name][0][test] = fitted.predict_risk(_take(X, test))
            predictions[name][1][test] = survival_matrix(fitted, _take(X, test), grid)
    return _assemble_survival(
        time[rows], event[rows], fold[rows], rows, {k: (r[rows], s[rows]) for k, (r, s) in predictions.items()},
        train_parts, grid, reference, float(alpha), n_boot, int(random_state),
    )


def _split_labels(named: Mapping[str, Any], X: Any, event: np.ndarray, caller: str) -> np.ndarray:
    """Fold labels: the event, crossed with the strata of any stratified model (so that each stratum reaches
    every training part: a stratified model cannot predict a stratum it never saw)."""
    from deepstat.utils.survival import StrataLevels

    columns: list[Any] = []
    for model in named.values():
        params = model.get_params(deep=True) if hasattr(model, "get_params") else {}
        for key, value in params.items():
            if (key == "strata" or key.endswith("__strata")) and value is not None:
                for column in [value] if isinstance(value, (str, int)) else value:
                    if column not in columns:
                        columns.append(column)
    if not columns or not isinstance(X, pd.DataFrame) or any(c not in X.columns for c in columns):
        return event.astype(np.int64)
    return 2 * StrataLevels(columns, caller).fit(X) + event.astype(np.int64)


def compare_survival_fitted(
    models: Mapping[str, Any] | Sequence[Any],
    X_test: Any,
    y_test: Any,
    *,
    y_train: Any = None,
    alpha: float = 0.1,
    reference: str | None = None,
    n_boot: int = 1000,
    random_state: int = 0,
) -> ComparisonResult:
    """Score fitted survival models on one test set, as :func:`compare_survival` scores one split.

    Parameters
    ----------
    models : dict of str to estimator, or list of estimators
        Fitted survival estimators and baselines.
    X_test : array-like or DataFrame of shape (n_samples, n_features)
    y_test : survival target of shape (n_samples,)
    y_train : survival target or None, default=None
        The training target, for the censoring weights of Uno's C and the IBS; ``None`` estimates the
        censoring distribution from ``y_test``.
    alpha, reference, n_boot, random_state
        As in :func:`compare_survival`.

    Returns
    -------
    ComparisonResult
        With a single split (``sd`` NaN); the intervals resample the test rows (stratified by event).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If a model is not fitted.
    TypeError, ValueError
        As :func:`compare_survival`.

    Examples
    --------
    >>> from deepstat.baselines import CoxPHBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); t = rng.exponential(np.exp(-X[:, 0])); e = np.ones(200, dtype=bool)
    >>> cox = CoxPHBaseline().fit(X[:100], (t[:100], e[:100]))
    >>> result = compare_survival_fitted([cox], X[100:], (t[100:], e[100:]), y_train=(t[:100], e[:100]), n_boot=50)
    >>> result.table(digits=2).columns.tolist()
    ['harrell_c', 'uno_c', 'ibs']
    """
    caller = "compare_fitted"
    named = _named(models, caller)
    reference = _survival_reference(named, reference, caller)
    _check_alpha(alpha, caller)
    n_boot = _check_n_boot(n_boot, caller)
    for model in named.values():
        check_is_fitted(model)
    time, event = check_survival_target(y_test, caller)
    if len(X_test) != time.shape[0]:
        raise ValueError(
            f"`X_test` and `y_test` of {caller} must have the same number of samples. "
            f"Got {len(X_test)} rows in X_test and {time.shape[0]} in y_test instead."
        )
    train = None if y_train is None else check_survival_target(y_train, caller, require_event=False)
    grid = evaluation_grid(time, event, caller=caller)
    predictions = {name: (np.asarray(m.predict_risk(X_test), dtype=np.float64), survival_matrix(m, X_test, grid)) for name, m in named.items()}
    n = time.shape[0]
    return _assemble_survival(
        time, event, np.zeros(n, dtype=np.int64), np.arange(n), predictions, [train], grid, reference, float(alpha),
        n_boot, int(random_state),
    )
