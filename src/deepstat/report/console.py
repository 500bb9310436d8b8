"""Print a comparison in the terminal: the rich table plus one line per paired test."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from deepstat.evaluation import ComparisonResult

__all__ = ["print_comparison"]


def print_comparison(result: ComparisonResult, console: Console | None = None, *, title: str | None = None) -> None:
    """Print ``result.table()`` and the paired test of every model against the reference.

    The Diebold-Mariano line of the log scores, or for survival models one paired bootstrap line
    per metric (C higher is better, IBS lower is better).

    Parameters
    ----------
    result : ComparisonResult
        As returned by :func:`~deepstat.evaluation.compare`.
    console : rich.console.Console or None, default=None
        Where to print; a new console on stdout by default.
    title : str or None, default=None
        Table title; by default it names the number of splits.
    """
    console = console or Console()
    wide = result.table()
    n_splits = int(result.summary["n_splits"].max())
    table = Table(title=title or f"Out-of-sample scores, mean ± sd over {n_splits} split(s)")
    table.add_column("model")
    for column in wide.columns:
        table.add_column(str(column), justify="right")
    for name, row in wide.iterrows():
        table.add_row(str(name), *[str(v) for v in row])
    console.print(table)
    for name, reason in getattr(result, "failures", {}).items():
        console.print(f"[yellow]{name} failed and is not scored[/yellow]: {reason}")
    if "difference" in result.tests.columns:  # survival: paired bootstrap tests of C and IBS
        level = 1 - result.alpha
        for row in result.tests.itertuples():
            console.print(
                f"{row.model} vs {row.reference}: {row.metric} difference {row.difference:+.4f} "
                f"({level:.0%} CI {row.ci_low:+.4f} to {row.ci_high:+.4f}), paired bootstrap p = {row.pvalue:.2g}"
            )
        return
    for row in result.tests.itertuples():
        console.print(
            f"{row.model} vs {row.reference}: log-score difference {row.mean_log_score_difference:+.4f} nats/obs "
            f"(positive: {row.model} better), Diebold-Mariano z = {row.statistic:.2f}, p = {row.pvalue:.2g}"
        )
