"""What every course experiment returns: tables, figures, checked claims and a summary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # matplotlib is the optional "plot" extra; imported where figures are drawn
    from matplotlib.figure import Figure

__all__ = ["ExperimentResult"]

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class ExperimentResult:
    """The outcome of one course experiment (see :func:`deepstat.experiments.run`).

    Parameters
    ----------
    name : str
        The experiment's name, as listed by :func:`deepstat.experiments.list_experiments`.
    tables : dict of str to pandas.DataFrame
        Named result tables (the numbers behind every claim).
    figures : dict of str to matplotlib.figure.Figure
        Named figures, drawn without pyplot (no display needed).
    claims : dict of str to bool
        Each numerical claim of the course that the experiment checks, and whether it held.
    summary : str
        A few lines in words: what was run and what was found.

    Examples
    --------
    >>> import pandas as pd
    >>> res = ExperimentResult("demo", {"t": pd.DataFrame({"a": [1]})}, {}, {"ok": True}, "one table")
    >>> res.all_claims_hold
    True
    """

    name: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    claims: dict[str, bool] = field(default_factory=dict)
    summary: str = ""

    @property
    def all_claims_hold(self) -> bool:
        """True when every checked claim held (and there is at least one)."""
        return bool(self.claims) and all(self.claims.values())

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write every table as ``{name}_{table}.csv`` and every figure as ``{name}_{figure}.png``.

        Parameters
        ----------
        out_dir : str or pathlib.Path
            Directory to write into; created (with parents) if missing.

        Returns
        -------
        list of pathlib.Path
            The files written, tables first, in the order of the dicts.

        Raises
        ------
        ValueError
            If a table or figure name has characters other than letters, digits, ``_.-``.

        Examples
        --------
        >>> import tempfile, pandas as pd
        >>> res = ExperimentResult("demo", {"t": pd.DataFrame({"a": [1]})}, {}, {}, "")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     [p.name for p in res.save(d)]
        ['demo_t.csv']
        """
        for key in [*self.tables, *self.figures]:
            if not _SAFE_NAME.match(key):
                raise ValueError(
                    f"`tables`/`figures` keys of ExperimentResult must be file-name safe (letters, digits, "
                    f"'_', '.', '-'). Got {key!r} instead."
                )
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for key, table in self.tables.items():
            path = out / f"{self.name}_{key}.csv"
            table.to_csv(path, index=False)
            written.append(path)
        for key, fig in self.figures.items():
            path = out / f"{self.name}_{key}.png"
            fig.savefig(path, dpi=110, bbox_inches="tight")
            written.append(path)
        return written

    def __repr__(self) -> str:
        held = sum(self.claims.values())
        return (
            f"ExperimentResult(name={self.name!r}, tables={list(self.tables)}, figures={list(self.figures)}, "
            f"claims={held}/{len(self.claims)} hold)"
        )
