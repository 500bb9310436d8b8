r"""Quantile models in ``compare``: deep and linear quantile regressions on the same splits, scored by the pinball loss.

A quantile model predicts a few levels, not a distribution, so it has no log score. Its proper score
is the pinball (check) loss, per observation the mean over the fitted levels
:math:`\frac1m \sum_j \rho_{\tau_j}(y_i - \hat q_{\tau_j}(x_i))`, which a model's true conditional
quantiles minimise in expectation (Gneiting & Raftery 2007, section 6). The paired test is the
Diebold-Mariano test of the per-observation differences, as for the log scores of :func:`compare`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from deepstat.evaluation.result import ComparisonResult
from deepstat.evaluation.splits import _score_splits, _splits
from deepstat.losses import check_quantiles
from deepstat.metrics import diebold_mariano

__all__ = ["QUANTILE_TEST_COLUMNS", "is_quantile_model", "pinball_scores", "quantile_scores", "run_quantile_comparison"]

QUANTILE_TEST_COLUMNS = ["model", "reference", "metric", "difference", "statistic", "pvalue"]


def is_quantile_model(model: Any) -> bool:
    """Whether ``model`` is a quantile model instance: it has ``quantiles`` and ``predict_quantiles``, and no family."""
    return (
        not isinstance(model, type) and hasattr(model, "quantiles") and hasattr(model, "predict_quantiles")
        and getattr(model, "family", None) is None
    )


def pinball_scores(model: Any, X: Any, y: Any) -> np.ndarray:
    r"""Per-observation pinball loss of a fitted quantile model, the mean over its levels, shape (n_samples,)."""
    q = model.predict_quantiles(X)  # (n, m)
    target = np.asarray(y, dtype=np.float64).reshape(-1)
    tau = np.asarray(model.quantiles_, dtype=np.float64)
    e = target[:, None] - q
    return np.maximum(tau * e, (tau - 1.0) * e).mean(axis=1)


def quantile_scores(model: Any, X: Any, y: Any) -> dict[str, float]:
    """Held-out scores of a fitted quantile model.

    Returns
    -------
    dict
        ``pinball`` (the mean of :func:`pinball_scores`), ``pinball_q{tau}`` per level, and for two
        levels or more ``coverage`` and ``interval_width`` of the interval between the lowest and
        the highest level (nominal coverage: their difference).
    """
    q = model.predict_quantiles(X)
    target = np.asarray(y, dtype=np.float64).reshape(-1)
    tau = np.asarray(model.quantiles_, dtype=np.float64)
    e = target[:, None] - q
    loss = np.maximum(tau * e, (tau - 1.0) * e)  # (n, m)
    scores = {"pinball": float(loss.mean())}
    scores.update({f"pinball_q{t:g}": float(v) for t, v in zip(tau, loss.mean(axis=0))})
    if tau.size >= 2:
        scores["coverage"] = float(np.mean((target >= q[:, 0]) & (target <= q[:, -1])))
        scores["interval_width"] = float(np.mean(q[:, -1] - q[:, 0]))
    return scores


def check_same_levels(named: Mapping[str, Any], caller: str) -> None:
    """Every model is a quantile model, all with the same levels."""
    others = [name for name, m in named.items() if not is_quantile_model(m)]
    if others:
        raise ValueError(
            f"`models` of {caller} must be all quantile models (DeepQuantileRegressor, QuantRegBaseline) or none. "
            f"Got {others!r} without quantiles instead: a quantile model has no likelihood to score beside them."
        )
    levels = {name: tuple(float(t) for t in np.atleast_1d(m.quantiles)) for name, m in named.items()}
    if len(set(levels.values())) > 1:
        raise ValueError(f"`quantiles` of the models in {caller} must be the same levels for all. Got {levels!r} instead.")


def run_quantile_comparison(
    named: dict[str, Any], X: Any, y: Any, *, cv: int | None, test_size: float | None, random_state: int,
    reference: str, sample_weight: np.ndarray | None, is_baseline: Any,
) -> ComparisonResult:
    """Fit every model on each training split and score its test split by the pinball loss (``compare``'s quantile path).

    A baseline whose fit raises a ``ValueError`` or ``LinAlgError`` is reported in ``failures``, not scored.
    """
    splits = _splits(len(X), np.asarray(y), False, cv, test_size, int(random_state))

    def score(model: Any, X_tr: Any, y_tr: Any, X_te: Any, y_te: Any, fit_kwargs: dict) -> Any:
        try:
            fitted = clone(model).fit(X_tr, y_tr, **fit_kwargs)
        except (ValueError, np.linalg.LinAlgError) as exc:
            if not is_baseline(model):
                raise
            return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return quantile_scores(fitted, X_te, y_te), pinball_scores(fitted, X_te, y_te)

    rows, pooled, split_of, scored, reference, failures = _score_splits(named, X, y, splits, sample_weight, score, reference, "compare")
    levels = check_quantiles(next(iter(named.values())).quantiles, "compare")
    result = assemble_quantiles(rows, pooled, split_of, scored, reference, levels)
    result.failures = failures
    return result


def assemble_quantiles(
    rows: list[dict[str, Any]], pooled: dict[str, np.ndarray], split_of: np.ndarray, names: Sequence[str], reference: str,
    levels: Sequence[float] = (),
) -> ComparisonResult:
    """Summary and paired Diebold-Mariano tests of the per-observation pinball losses against the reference.

    ``alpha`` of the result is the miscoverage of the interval between the outer ``levels`` (NaN for one level).
    """
    scores = pd.DataFrame(rows, columns=["model", "split", "metric", "value"])
    summary = scores.groupby(["model", "metric"], sort=False)["value"].agg(mean="mean", sd="std", n_splits="count").reset_index()
    summary["n_splits"] = summary["n_splits"].astype(np.int64)
    scored = split_of >= 0
    losses = pd.DataFrame({"split": split_of[scored], **{name: s[scored] for name, s in pooled.items()}}, index=np.flatnonzero(scored))
    tests = []
    for name in names:
        if name == reference:
            continue
        # d_i = pinball of the model - pinball of the reference: negative means the model is better
        test = diebold_mariano(losses[name].to_numpy(), losses[reference].to_numpy(), lag=0)
        tests.append([name, reference, "pinball", test.mean_difference, test.statistic, test.pvalue])
    return ComparisonResult(
        scores=scores, summary=summary, tests=pd.DataFrame(tests, columns=QUANTILE_TEST_COLUMNS), log_scores=losses,
        reference=reference, alpha=1.0 - (max(levels) - min(levels)) if len(levels) >= 2 else float("nan"),
    )
