"""``compare``: fit deep and classical models on the same splits and score them side by side.

The course's question is "does the deep model beat the classical one?". This module answers it
with out-of-sample proper scores averaged over cross-validation folds, and with a paired
Diebold-Mariano test of the per-observation log-score differences, so that the answer comes
with a p-value.
"""

from __future__ import annotations

import warnings

from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.utils.validation import check_is_fitted

from deepstat.metrics import diebold_mariano
from deepstat.evaluation.quantile import check_same_levels, is_quantile_model, pinball_scores, quantile_scores
from deepstat.evaluation.result import ComparisonResult
from deepstat.evaluation.scores import evaluate, log_scores
from deepstat.evaluation.splits import _check_alpha, _score_splits, _splits

__all__ = ["ComparisonResult", "compare", "compare_fitted"]

_TEST_COLUMNS = ["model", "reference", "mean_log_score_difference", "statistic", "pvalue"]


def _has_survival_model(models: Any) -> bool:
    """Whether ``models`` (a dict or list) holds a survival model: ``predict_risk`` and ``predict_survival_function``."""
    values = list(models.values()) if isinstance(models, Mapping) else models if isinstance(models, (list, tuple)) else []
    return any(not isinstance(m, type) and hasattr(m, "predict_risk") and hasattr(m, "predict_survival_function") for m in values)


def _is_baseline(model: Any) -> bool:
    return type(model).__module__.startswith("deepstat.baselines")


def _reference(named: dict[str, Any], reference: str | None, caller: str) -> str:
    if reference is None:
        return next((name for name, m in named.items() if _is_baseline(m)), next(iter(named)))
    if reference not in named:
        raise ValueError(f"`reference` of {caller} must be one of the model names {list(named)!r}. Got {reference!r} instead.")
    return reference


def _named_models(models: Mapping[str, Any] | Sequence[Any], caller: str) -> dict[str, Any]:
    if isinstance(models, Mapping):
        named = dict(models)
        bad = [k for k in named if not isinstance(k, str)]
        if bad:
            raise TypeError(f"`models` of {caller} must be keyed by str names. Got key(s) {bad!r} instead.")
    elif isinstance(models, Sequence) and not isinstance(models, (str, bytes)):
        named = {}
        for model in models:
            name, k = type(model).__name__, 2
            while name in named:
                name, k = f"{type(model).__name__} ({k})", k + 1
            named[name] = model
    else:
        raise TypeError(
            f"`models` of {caller} must be a dict of name -> estimator or a list of estimators. "
            f"Got {type(models).__name__} instead."
        )
    if not named:
        raise ValueError(f"`models` of {caller} must hold at least one estimator. Got an empty {type(models).__name__} instead.")
    for name, model in named.items():
        missing = [a for a in ("fit", "get_params", "_eta", "_encode_target") if not hasattr(model, a)]
        if isinstance(model, type) or missing:
            what = f"the class {model.__name__}" if isinstance(model, type) else f"{type(model).__name__} (lacks {', '.join(missing)})"
            raise TypeError(
                f"`models` of {caller} must hold deepstat estimators or baselines (scikit-learn estimators with "
                f"fit, get_params and the deepstat prediction API). Got {what} for {name!r} instead. "
                "Pass an instance such as DeepRegressor(...) or GLMBaseline(...)."
            )
        # classifiers always predict class probabilities (whatever loss trained them); a regressor
        # fitted with a task loss has no predictive distribution to score
        if not is_classifier(model) and getattr(model, "loss", None) is not None:
            raise ValueError(
                f"`models` of {caller} must be fitted by a likelihood to be scored. Got {name!r} with "
                f"loss={model.loss!r} instead; use family=... ."
            )
    kinds = {name: is_classifier(model) for name, model in named.items()}
    if len(set(kinds.values())) > 1:
        raise ValueError(
            f"`models` of {caller} must be all classifiers or all regressors. Got classifiers "
            f"{[n for n, c in kinds.items() if c]!r} and regressors {[n for n, c in kinds.items() if not c]!r} instead."
            + _classifier_baseline_hint(named)
        )
    return named


def _classifier_baseline_hint(named: dict[str, Any]) -> str:
    """A pointer to the classifier baseline when a Bernoulli/binomial GLM is compared with a classifier."""
    glm_families = [getattr(m, "family", None) for m in named.values() if type(m).__name__ == "GLMBaseline"]
    if any(f in ("bernoulli", "binomial") for f in glm_families):
        return (
            " A Bernoulli GLMBaseline is a regressor of the probability; compare a DeepClassifier with "
            "MultinomialLogitBaseline() (logistic regression for two classes)."
        )
    return ""


def compare(
    models: Mapping[str, Any] | Sequence[Any],
    X: Any,
    y: Any,
    *,
    cv: int | None = 5,
    test_size: float | None = None,
    random_state: int = 0,
    alpha: float = 0.1,
    reference: str | None = None,
    sample_weight: Any = None,
    n_boot: int = 1000,
) -> ComparisonResult:
    r"""Fit deep and classical models on the same splits and score them out of sample.

    Each model is cloned (``sklearn.base.clone``) and fitted on every training split, then
    scored on the matching test split by :func:`~deepstat.evaluation.evaluate`.
    Survival models (deep survival estimators, ``CoxPHBaseline``, ``KaplanMeierBaseline``) are
    compared by :func:`~deepstat.evaluation.compare_survival` instead: event-stratified
    splits, Harrell's and Uno's C and the integrated Brier score with bootstrap intervals.
    Quantile models (``DeepQuantileRegressor``, ``QuantRegBaseline``, all with the same levels)
    are scored by the pinball loss instead (:mod:`deepstat.evaluation.quantile`): ``pinball``
    (per observation the mean over the levels), ``pinball_q{tau}``, the coverage and width of the
    interval between the outer levels, and ``tests`` with columns ``model, reference, metric,
    difference, statistic, pvalue`` (the model's mean pinball loss minus the reference's: negative
    is better; the paired Diebold-Mariano test). ``log_scores`` then holds the per-observation
    pinball losses.

    Parameters
    ----------
    models : dict of str to estimator, or list of estimators
        Unfitted (or fitted: they are cloned) deepstat estimators and baselines, all regressors
        or all classifiers, each with a likelihood family. A list is named by class names.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Inputs; DataFrames are split with ``.iloc``.
    y : array-like of shape (n_samples,) or (n_samples, d), or a survival target
        For survival models a structured array, (time, event) columns or a (time, event) tuple.
    cv : int or None, default=5
        Number of cross-validation folds: ``KFold(shuffle=True)``, or ``StratifiedKFold`` for
        classifiers. Exactly one of ``cv`` and ``test_size`` must be given.
    test_size : float in (0, 1) or None, default=None
        Fraction of rows in a single (stratified for classifiers) test split; needs ``cv=None``.
    random_state : int, default=0
        Seed of the split (the models keep their own ``random_state``).
    alpha : float in (0, 1), default=0.1
        Miscoverage of the scored central intervals: 0.1 scores 90% intervals.
    reference : str or None, default=None
        Name of the model the others are tested against. ``None`` picks the first classical
        baseline (a class from :mod:`deepstat.baselines`), else the first model.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Passed to each model's ``fit`` for the training rows. Test scores are unweighted.
        Must be None for survival models.
    n_boot : int, default=1000
        Survival models only: bootstrap samples of the intervals and paired tests.

    Returns
    -------
    ComparisonResult
        ``scores`` per split, ``summary`` (mean and sd over splits), ``tests`` (paired
        Diebold-Mariano tests against the reference) and pooled per-observation ``log_scores``.
        Metrics: mean NLL (negative log score, constants included), CRPS, RMSE, MAE, R², coverage
        and mean width of the ``1 - alpha`` intervals for regressors; log-loss, Brier score,
        AUROC, balanced accuracy and expected calibration error for classifiers.

    Raises
    ------
    TypeError
        If ``models`` holds something that is not a deepstat estimator or baseline.
    ValueError
        If both or neither of ``cv`` and ``test_size`` are given, they are out of range,
        ``X``, ``y`` and ``sample_weight`` differ in length, ``reference`` is unknown, or
        classifiers and regressors are mixed.

    See Also
    --------
    deepstat.metrics.diebold_mariano : The paired test.
    deepstat.report.write_html : The HTML report, which shows a comparison table.

    Notes
    -----
    Each observation lies in exactly one test fold, so the pooled log scores are one
    out-of-sample score per observation and the per-observation differences
    :math:`d_i = \log p_{\text{model}}(y_i) - \log p_{\text{ref}}(y_i)` are paired by row. The
    Diebold-Mariano statistic :math:`\bar d / \sqrt{\hat\gamma_0 / n}` is referred to N(0, 1)
    (Diebold & Mariano 1995). The rows of different folds are scored by different fits, so the
    test conditions on the fitted models; the fold-to-fold ``sd`` shows their variability.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 2)); y = rng.poisson(np.exp(0.5 * X[:, 0]))
    >>> linear = DeepRegressor(family="poisson", network="linear", max_epochs=5, verbose=0, random_state=0)
    >>> from deepstat.nn import MLP
    >>> mlp = DeepRegressor(family="poisson", network=MLP(hidden_sizes=(8,)), max_epochs=5, verbose=0, random_state=0)
    >>> result = compare({"linear": linear, "mlp": mlp}, X, y, cv=3)
    >>> result.summary.shape, list(result.tests.columns[:2])
    ((14, 5), ['model', 'reference'])
    >>> print(result.table()[["nll", "coverage"]])  # doctest: +SKIP
    """
    caller = "compare"
    if _has_survival_model(models):
        from deepstat.evaluation.survival import compare_survival

        if sample_weight is not None:
            raise ValueError(f"`sample_weight` of {caller} must be None for survival models. Got an array instead.")
        return compare_survival(
            models, X, y, cv=cv, test_size=test_size, random_state=random_state, alpha=alpha, reference=reference, n_boot=n_boot
        )
    named = _named_models(models, caller)
    classifier = is_classifier(next(iter(named.values())))
    reference = _reference(named, reference, caller)
    _check_alpha(alpha, caller)
    if isinstance(random_state, bool) or not isinstance(random_state, Integral):
        raise ValueError(f"`random_state` of {caller} must be an int. Got {random_state!r} instead.")
    if not hasattr(X, "iloc"):
        X = np.asarray(X)
    if not hasattr(y, "iloc"):
        y = np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"`X` and `y` of {caller} must have the same number of samples. Got {n} rows in X and {len(y)} in y instead.")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (n,):
            raise ValueError(f"`sample_weight` of {caller} must have shape ({n},). Got shape {sample_weight.shape} instead.")
    if any(is_quantile_model(m) for m in named.values()):  # scored by the pinball loss (evaluation/quantile.py)
        from deepstat.evaluation.quantile import run_quantile_comparison

        check_same_levels(named, caller)
        return run_quantile_comparison(named, X, y, cv=cv, test_size=test_size, random_state=int(random_state),
                                       reference=reference, sample_weight=sample_weight, is_baseline=_is_baseline)
    splits = _splits(n, np.asarray(y), classifier, cv, test_size, int(random_state))

    def score(model: Any, X_tr: Any, y_tr: Any, X_te: Any, y_te: Any, fit_kwargs: dict) -> Any:
        if _is_baseline(model):  # a classical fit that fails is reported as failed, not scored
            outcome = _guarded_baseline(model, X_tr, y_tr, X_te, y_te, fit_kwargs, float(alpha))
            return outcome if isinstance(outcome, str) else outcome[1:]
        fitted = clone(model).fit(X_tr, y_tr, **fit_kwargs)
        return evaluate(fitted, X_te, y_te, alpha=float(alpha)), log_scores(fitted, X_te, y_te)

    rows, pooled, split_of, scored, reference, failures = _score_splits(named, X, y, splits, sample_weight, score, reference, caller)
    result = _assemble(rows, pooled, split_of, scored, reference, float(alpha))
    result.failures = failures
    for name, reason in failures.items():
        warnings.warn(f"compare: the classical model {name!r} failed and is not scored ({reason}).", BaselineFailedWarning, stacklevel=2)
    return result


class BaselineFailedWarning(UserWarning):
    """A classical baseline in ``compare`` failed (diverged, overflowed, did not converge): reported, not scored."""


def _guarded_baseline(model: Any, X_tr: Any, y_tr: Any, X_te: Any, y_te: Any, fit_kwargs: dict, alpha: float) -> Any:
    """Fit and score a baseline; the reason as a string when it fails, diverges or gives non-finite scores.

    statsmodels' warnings (convergence, overflow) are caught here and become the reason.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="raise", invalid="ignore", divide="ignore"):
                fitted = clone(model).fit(X_tr, y_tr, **fit_kwargs)
            scores = evaluate(fitted, X_te, y_te, alpha=alpha)
            logs = log_scores(fitted, X_te, y_te)
        except (ValueError, FloatingPointError, OverflowError, np.linalg.LinAlgError) as exc:
            return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    params = np.concatenate([np.ravel(getattr(fitted, "coef_", [])), np.ravel(list(getattr(fitted, "extra_params_", {}).values()))])
    if params.size and (not np.all(np.isfinite(params)) or np.abs(params).max() > 1e8):
        return f"its estimates diverged (largest |parameter| {np.abs(params).max():.3g})"
    if not np.all(np.isfinite(logs)) or not all(np.isfinite(v) for v in scores.values() if v is not None):
        return "its held-out scores are not finite"
    convergence = [w for w in caught if "converge" in str(w.message).lower()]
    if convergence:
        return f"statsmodels did not converge ({' '.join(str(convergence[0].message).split())[:160]})"
    return fitted, scores, logs


def compare_fitted(
    models: Mapping[str, Any] | Sequence[Any],
    X_test: Any,
    y_test: Any,
    *,
    alpha: float = 0.1,
    reference: str | None = None,
) -> ComparisonResult:
    """Score already-fitted models on one test set, with the same scores and tests as :func:`compare`.

    Survival models go to :func:`~deepstat.evaluation.compare_survival_fitted`, with the
    censoring distribution estimated from ``y_test``.

    Parameters
    ----------
    models : dict of str to estimator, or list of estimators
        Fitted deepstat estimators and baselines (all regressors or all classifiers).
    X_test : array-like or DataFrame of shape (n_samples, n_features)
    y_test : array-like of shape (n_samples,) or (n_samples, d)
    alpha : float in (0, 1), default=0.1
    reference : str or None, default=None
        As in :func:`compare`.

    Returns
    -------
    ComparisonResult
        With a single split (number 0): ``sd`` is NaN and ``n_splits`` 1.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If a model is not fitted.
    TypeError, ValueError
        As :func:`compare`.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)); y = X[:, 0] + rng.normal(size=100)
    >>> model = DeepRegressor(network="linear", max_epochs=5, verbose=0, random_state=0).fit(X[:70], y[:70])
    >>> compare_fitted([model], X[70:], y[70:]).summary["n_splits"].tolist()
    [1, 1, 1, 1, 1, 1, 1]
    """
    caller = "compare_fitted"
    if _has_survival_model(models):
        from deepstat.evaluation.survival import compare_survival_fitted

        return compare_survival_fitted(models, X_test, y_test, alpha=alpha, reference=reference)
    named = _named_models(models, caller)
    reference = _reference(named, reference, caller)
    _check_alpha(alpha, caller)
    for model in named.values():
        check_is_fitted(model)
    n = len(X_test)
    if len(y_test) != n:
        raise ValueError(
            f"`X_test` and `y_test` of {caller} must have the same number of samples. "
            f"Got {n} rows in X_test and {len(y_test)} in y_test instead."
        )
    rows: list[dict[str, Any]] = []
    pooled = {}
    if any(is_quantile_model(m) for m in named.values()):  # scored by the pinball loss (evaluation/quantile.py)
        from deepstat.evaluation.quantile import assemble_quantiles

        check_same_levels(named, caller)
        for name, model in named.items():
            rows += [{"model": name, "split": 0, "metric": k, "value": v} for k, v in quantile_scores(model, X_test, y_test).items()]
            pooled[name] = pinball_scores(model, X_test, y_test)
        levels = tuple(np.atleast_1d(next(iter(named.values())).quantiles_))
        return assemble_quantiles(rows, pooled, np.zeros(n, dtype=np.int64), list(named), reference, levels)
    for name, model in named.items():
        for metric, value in evaluate(model, X_test, y_test, alpha=float(alpha)).items():
            rows.append({"model": name, "split": 0, "metric": metric, "value": float(value)})
        pooled[name] = log_scores(model, X_test, y_test)
    return _assemble(rows, pooled, np.zeros(n, dtype=np.int64), list(named), reference, float(alpha))


def _assemble(
    rows: list[dict[str, Any]],
    pooled: dict[str, np.ndarray],
    split_of: np.ndarray,
    names: list[str],
    reference: str,
    alpha: float,
) -> ComparisonResult:
    """Summaries and paired tests from the per-split scores and pooled per-observation log scores."""
    scores = pd.DataFrame(rows, columns=["model", "split", "metric", "value"])
    grouped = scores.groupby(["model", "metric"], sort=False)["value"]
    summary = grouped.agg(mean="mean", sd="std", n_splits="count").reset_index()
    summary["n_splits"] = summary["n_splits"].astype(np.int64)
    scored = split_of >= 0
    log_frame = pd.DataFrame(
        {"split": split_of[scored], **{name: s[scored] for name, s in pooled.items()}}, index=np.flatnonzero(scored)
    )
    tests = []
    for name in names:
        if name == reference:
            continue
        # d_i = log score of the model - log score of the reference = loss_ref - loss_model
        result = diebold_mariano(-log_frame[reference].to_numpy(), -log_frame[name].to_numpy(), lag=0)
        tests.append([name, reference, result.mean_difference, result.statistic, result.pvalue])
    return ComparisonResult(
        scores=scores,
        summary=summary,
        tests=pd.DataFrame(tests, columns=_TEST_COLUMNS),
        log_scores=log_frame,
        reference=reference,
        alpha=alpha,
    )
