"""What every command group of the ``deepstat`` command line shares: the app, the consoles, one-line
errors (exit code 2), reading and checking CSV files, and building the deep model from the options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import typer
except ImportError:  # pragma: no cover - typer is in the "cli" extra
    raise ImportError("The deepstat command line needs typer: pip install 'deepstat[cli]'.") from None
from rich.console import Console
from rich.table import Table

__all__ = ["app", "console", "err_console", "UserInputError", "CLI_FILE"]

app = typer.Typer(
    name="deepstat",
    help="Deep learning methods for statistical problems: fit, predict, evaluate and compare with the classical model.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
CLI_FILE = "cli.json"
CLASSIFIER_FAMILIES = {"bernoulli", "categorical"}


class UserInputError(Exception):
    """Bad input from the command line: exit code 2, one line, no traceback."""


def _fail(message: str) -> None:
    raise UserInputError(message)


# ----------------------------------------------------------------------------- helpers
def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        _fail(f"DATA file {str(path)!r} does not exist.")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        _fail(f"DATA file {str(path)!r} is not a readable CSV file: {exc}")
    if frame.empty:
        _fail(f"DATA file {str(path)!r} has no rows.")
    return frame


def _check_complete(frame: pd.DataFrame, data: Path) -> None:
    """Fail on missing or infinite cells, naming the columns and the CSV line numbers (header = line 1).

    Checked on the whole file before any split, so that the lines named are the file's, not positions
    within a shuffled training part.
    """
    bad = frame.isna()
    numeric = frame.select_dtypes("number")
    bad[numeric.columns] |= np.isinf(numeric.to_numpy(dtype=np.float64))
    if not bad.to_numpy().any():
        return
    columns = [str(c) for c in frame.columns[bad.any(axis=0).to_numpy()]]
    rows = np.flatnonzero(bad.any(axis=1).to_numpy())
    line_of = _data_lines(data, len(frame))
    where, unit = (line_of[rows], "line") if line_of is not None else (rows + 1, "data row")
    shown = ", ".join(map(str, where[:5].tolist())) + (f", ... ({len(where)} {unit}s)" if len(where) > 5 else "")
    _fail(
        f"DATA file {str(data)!r} has missing or infinite values in column(s) {columns} on {unit}(s) {shown}. "
        "Impute or drop them first."
    )


def _data_lines(data: Path, n_rows: int) -> np.ndarray | None:
    """The file line (1-based) of each data row: pandas skips blank lines, so count the non-blank ones.

    None when the count does not match (quoted fields spanning lines): the caller then names data rows.
    """
    try:
        text = data.read_text(errors="replace").splitlines()
    except OSError:
        return None
    nonblank = np.asarray([i + 1 for i, line in enumerate(text) if line.strip()])
    return nonblank[1:] if nonblank.shape[0] == n_rows + 1 else None  # the first non-blank line is the header


def _split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    if target not in frame.columns:
        _fail(f"--target column {target!r} is not in the data; columns are {list(frame.columns)}.")
    return frame.drop(columns=target), frame[target]


def _formula_target(formula: str, target: str | None, frame: pd.DataFrame) -> str | None:
    """The target of a formula run: its left-hand side (one source of truth); a different ``--target`` fails."""
    if "~" not in formula:
        _fail(f"--formula must be 'y ~ x1 + x2', with the target on the left of '~'. Got {formula!r}.")
    lhs = formula.split("~", 1)[0].strip()
    if target is not None and target != lhs:
        _fail(f"--target {target!r} disagrees with the formula's left-hand side {lhs!r}; give the target once (drop --target).")
    return lhs if lhs in frame.columns else target


def _formula_design(formula: str, frame: pd.DataFrame, offsets: dict[str, str | None]) -> tuple[pd.DataFrame, np.ndarray, bool]:
    """The formula's design matrix (plus any offset/exposure column), its target, and whether it has an intercept.

    Every model of a comparison reads this one design, so the classical model sees the same columns
    (transforms, factor coding, no intercept) as the deep one. Categorical levels are learned on all
    rows, before the split: the transforms the formula grammar admits are stateless.
    """
    from deepstat.data.formula import FormulaDesign

    design, X, y = FormulaDesign.fit(formula, frame, "compare")
    for column in (c for c in offsets.values() if c is not None):
        if column not in frame.columns:
            _fail(f"--offset/--exposure/--trials column {column!r} is not in the data; columns are {list(frame.columns)}.")
        X[column] = frame[column].to_numpy()
    return X, y, design.has_intercept


def _parse_floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        _fail(f"{option} must be comma-separated numbers such as 0.1,0.5,0.9. Got {text!r}.")
    return values


def _parse_network(text: str, default: Any) -> Any:
    """``--hidden`` as a network config: ``Linear()`` for "linear", else ``default`` with those widths."""
    import dataclasses

    from deepstat.nn import Linear

    sizes = _parse_hidden(text)
    return Linear() if not sizes else dataclasses.replace(default, hidden_sizes=sizes)


def _parse_hidden(text: str) -> tuple[int, ...]:
    if text.strip() in ("", "0", "none", "linear"):
        return ()
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        _fail(f"--hidden must be comma-separated layer widths such as 64,64 (or 'linear'). Got {text!r}.")
    if any(s < 1 for s in sizes):
        _fail(f"--hidden widths must be positive. Got {text!r}.")
    return sizes


def _family_with_link(family: str, link: str | None) -> Any:
    """``--family`` with ``--link``: the family name, or the family instance with that link (R's names)."""
    if link is None:
        return family
    from deepstat.families import FAMILIES

    cls = FAMILIES.get(family)
    if cls is None or not cls.link_choices:
        with_links = sorted(name for name, c in FAMILIES.items() if c.link_choices)
        _fail(f"--link is for the families {with_links}; --family {family!r} has no choice of link.")
    try:
        return cls(link=link)
    except ValueError as exc:
        _fail(f"--link {link!r} is not a link of --family {family}: {exc}")


def _is_classifier(family: Any, y: pd.Series) -> bool:
    if not isinstance(family, str):  # a family with a --link: Bernoulli(link="probit") is a regressor of the probability
        return False
    if family in CLASSIFIER_FAMILIES:
        return True
    if not pd.api.types.is_numeric_dtype(y):
        _fail(
            f"the target is not numeric (e.g. {y.dropna().iloc[0]!r}); a {family!r} model needs numbers. "
            "Use --family categorical (or bernoulli) for class labels."
        )
    return False


def _make_model(family: Any, y: pd.Series, hidden: str, epochs: int, lr: float | None, batch_size: int, seed: int, verbose: int,
                offsets: dict[str, str | None] | None = None):
    from deepstat.estimators import DeepClassifier, DeepRegressor

    settings = dict(network=_parse_network(hidden, DeepRegressor._default_network), max_epochs=epochs, lr=lr, batch_size=batch_size,
                    random_state=seed, verbose=verbose)
    offsets = {k: v for k, v in (offsets or {}).items() if v is not None}
    if _is_classifier(family, y):
        if offsets:
            _fail("--offset, --exposure and --trials are for regression families (poisson, negative_binomial, gamma, binomial ...), not classes.")
        return DeepClassifier(**settings)
    return DeepRegressor(family=family, **settings, **offsets)


def _baseline(family: Any, deep: Any, offsets: dict[str, str | None] | None = None) -> Any:
    """The classical counterpart of ``deep``: the (multinomial) logit of a classifier, else the family's GLM with the same
    link and offsets."""
    from deepstat.baselines import baseline_for

    baseline = baseline_for("categorical" if hasattr(deep, "predict_proba") else family)
    given = {k: v for k, v in (offsets or {}).items() if v is not None}
    return baseline.set_params(**given) if given else baseline


def _train_test(X: pd.DataFrame, y: pd.Series, test_size: float, seed: int):
    if not 0 < test_size < 1:
        _fail(f"--test-size must be in (0, 1). Got {test_size}.")
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    test[rng.permutation(len(y))[: max(1, int(round(test_size * len(y))))]] = True
    return X[~test], X[test], y[~test], y[test]


def _print_scores(title: str, scores: dict[str, float]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in scores.items():
        table.add_row(key, "nan" if value is None or not np.isfinite(value) else f"{value:.4f}")
    console.print(table)


def _load_model_dir(model_dir: Path) -> tuple[Any, dict[str, Any]]:
    from deepstat import load

    meta_path = model_dir / CLI_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    if not (model_dir / "model").is_dir():
        _fail(f"DIR {str(model_dir)!r} does not hold a model written by `deepstat fit` (no model/ folder).")
    return load(model_dir / "model"), meta
