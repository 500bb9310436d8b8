"""The building blocks of deepstat's self-contained HTML pages: sections, tables, figures, the page itself.

Shared by :func:`~deepstat.report.write_html` and :func:`~deepstat.report.write_survival_html` (each
imports this module, neither imports the other's page code).
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from deepstat._version import __version__
from deepstat.report.plots import plot_training_curves

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__: list[str] = []

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 980px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 2px solid #3465a4; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 2em; color: #3465a4; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: right; }
th { background: #eef2f8; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption, .note { color: #555; font-size: .9em; }
footer { margin-top: 3em; color: #888; font-size: .8em; }
"""


def _figure(draw: Callable[[Axes], Any], alt: str, caption: str, *, size: tuple[float, float] = (6.4, 4.2)) -> str:
    """Draw on a fresh (pyplot-free) figure and return it as an ``<figure>`` with a base64 PNG."""
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is installed in the test environment
        raise ImportError("write_html needs matplotlib. Install it with `pip install deepstat[plot]`.") from None
    fig = Figure(figsize=size)
    draw(fig.subplots())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _table(frame: pd.DataFrame, *, index: bool = True) -> str:
    return frame.to_html(index=index, border=0, na_rep="—", escape=True, float_format=lambda v: f"{v:.4g}")


def _section(anchor: str, heading: str, *parts: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(heading)}</h2>\n' + "\n".join(parts) + "</section>"


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _fmt(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "—" if math.isnan(value) else f"{value:.5g}"
    return str(value)


# ---------------------------------------------------------------------------- sections
def _coefficients(model: Any) -> str:
    """The coefficient table of a linear predictor fitted by maximum likelihood; none for a network (STYLE 5.3)."""
    if getattr(model, "coef_cov_", None) is None:
        return ""
    table = model.coefficient_table()
    hazard = "exp(coef)" in table.columns
    names = {"se": "se(coef)", "ci_low": "coef lower 95%", "ci_high": "coef upper 95%",
             "exp(ci_low)": "exp(coef) lower 95%", "exp(ci_high)": "exp(coef) upper 95%"}
    order = ["coef", *(["exp(coef)"] if hazard else []), "se", "ci_low", "ci_high", *(["exp(ci_low)", "exp(ci_high)"] if hazard else []), "z", "p"]
    text = ("Observed-information standard errors and 95% Wald intervals" + (" (exp(coef): hazard ratios)." if hazard else ".")
            + " A parameter fitted as a constant is on its own scale, without a test.")
    return _section("coefficients", "Coefficients", _table(table[order].rename(columns=names)), _note(text))


def _training(model: Any) -> str:
    members = getattr(model, "estimators_", None) or []
    if members and getattr(members[0], "history_", None) is not None:  # an ensemble: its first member's curves
        img = _figure(
            lambda ax: plot_training_curves(members[0].history_, ax=ax), "training curves",
            f"Member 1 of the {len(members)} averaged fits: mean loss per epoch; the dotted line marks the best epoch, "
            "whose weights are kept. The other members differ only in their seed.",
        )
        return _section("training", "Training curves", img)
    history = getattr(model, "history_", None)
    if history is None or history.n_epochs == 0:
        return _section("training", "Training curves", _note("No training history: this model is not fitted by the training engine."))
    img = _figure(lambda ax: plot_training_curves(history, ax=ax), "training curves", "Mean NLL per epoch; the dotted line marks the best epoch, whose weights are kept.")
    return _section("training", "Training curves", img)


def _write_page(path: str | os.PathLike, title: str, sections: list[str]) -> Path:
    """Write the sections as one self-contained page (inline CSS, no scripts) and return its path."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n" + "\n".join(sections) + f"\n<footer>deepstat {html.escape(__version__)}, {stamp}</footer>\n</body>\n</html>\n"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
