"""The result of a comparison: tidy scores, the summary table and the paired tests."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ComparisonResult"]


@dataclass
class ComparisonResult:
    """Out-of-sample scores of several models fitted on the same splits, as returned by :func:`compare`.

    Attributes
    ----------
    scores : DataFrame
        Tidy, one row per (model, split, metric): columns ``model, split, metric, value``.
    summary : DataFrame
        Tidy, one row per (model, metric): columns ``model, metric, mean, sd, n_splits``; ``sd``
        is the standard deviation over splits (ddof=1; NaN for a single split) and ``n_splits``
        the number of splits where the metric is defined. Survival comparisons add ``ci_low,
        ci_high``, the bootstrap interval of the mean (see :func:`~deepstat.evaluation.compare_survival`).
    tests : DataFrame
        One row per model other than the reference: columns ``model, reference,
        mean_log_score_difference, statistic, pvalue``. The difference is the model's log score
        minus the reference's, per observation, pooled over all test folds (positive: the model
        predicts better); ``statistic`` and ``pvalue`` are the two-sided Diebold-Mariano test
        (lag 0) of a zero mean difference. Survival comparisons have one row per (model, metric)
        instead: ``model, reference, metric, difference, ci_low, ci_high, pvalue`` (paired bootstrap).
    log_scores : DataFrame
        Per-observation log scores pooled over the test folds: one row per scored observation
        (index: its row position in ``X``), a column ``split`` and one column per model. Survival
        comparisons have the ``split`` column only: their models share no likelihood.
    reference : str
        Name of the reference model of ``tests``.
    alpha : float
        Miscoverage of the scored intervals (``coverage`` and ``interval_width`` are for
        ``1 - alpha`` central intervals; survival intervals have level ``1 - alpha``).
    risks : DataFrame or None
        Survival comparisons only: the out-of-fold risks, columns ``split, time, event`` and one per model.
    times : ndarray or None
        Survival comparisons only: the time grid of the integrated Brier score.
    """

    scores: pd.DataFrame
    summary: pd.DataFrame
    tests: pd.DataFrame
    log_scores: pd.DataFrame = field(repr=False)
    reference: str = ""
    alpha: float = 0.1
    risks: pd.DataFrame | None = field(default=None, repr=False)
    # classical baselines that failed on a split (diverged, overflowed, a singular design), by name: the reason.
    # A failed model is reported, not scored: it has no rows in scores, summary or tests.
    failures: dict[str, str] = field(default_factory=dict)
    times: np.ndarray | None = field(default=None, repr=False)

    def table(self, digits: int = 4) -> pd.DataFrame:
        """The summary as a wide table of ``"mean ± sd"`` strings, for printing.

        Parameters
        ----------
        digits : int, default=4
            Significant digits of the mean (the sd gets 2).

        Returns
        -------
        DataFrame
            One row per model (index ``model``), one column per metric in the order scored.
            A single split shows the mean only; an undefined metric shows ``"—"``. Survival
            comparisons append the bootstrap interval: ``"mean ± sd [low, high]"``.
        """
        def cell(mean: float, sd: float, low: float, high: float) -> str:
            if math.isnan(mean):
                return "—"
            text = f"{mean:#.{digits}g}" if math.isnan(sd) else f"{mean:#.{digits}g} ± {sd:#.2g}"
            return text if math.isnan(low) else f"{text} [{low:#.{digits}g}, {high:#.{digits}g}]"

        nan = np.full(len(self.summary), np.nan)
        low, high = self.summary.get("ci_low", nan), self.summary.get("ci_high", nan)
        columns = zip(self.summary["mean"], self.summary["sd"], low, high, strict=True)
        cells = self.summary.assign(cell=[cell(*values) for values in columns])
        wide = cells.pivot(index="model", columns="metric", values="cell")
        models = list(dict.fromkeys(self.summary["model"]))
        metrics = list(dict.fromkeys(self.summary["metric"]))
        wide = wide.loc[models, metrics]
        wide.columns.name = None
        return wide

    def to_frame(self) -> pd.DataFrame:
        """The tidy summary (``model, metric, mean, sd, n_splits``).

        Returns
        -------
        DataFrame
        """
        return self.summary
