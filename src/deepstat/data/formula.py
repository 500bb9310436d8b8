"""Model formulas (``"y ~ x1 + np.log(x2) + C(g)"``) for the estimators, through formulaic.

The right-hand side becomes a numeric design matrix (the intercept column is dropped: the network
has its own bias); the left-hand side is the target column, or an expression of columns. The
design remembers its encoding, so a fitted estimator predicts from a DataFrame with the same raw
columns, and it is saved as plain JSON (the formula and the levels of each categorical factor).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from deepstat.utils.validation import format_values

__all__ = ["FormulaDesign", "check_formula_safe"]

# What a saved formula may call when a model folder is loaded: formulaic evaluates each factor as Python,
# so a formula read from a file is checked against this table first and anything else is refused.
SAFE_FUNCTIONS = frozenset({
    "C", "I", "Treatment", "Sum", "Helmert", "Poly", "Diff",
    "contr.treatment", "contr.sum", "contr.helmert", "contr.poly", "contr.diff",
    "np.log", "np.log1p", "np.log2", "np.log10", "np.exp", "np.expm1", "np.sqrt", "np.abs", "np.square",
    "np.sin", "np.cos", "np.tan", "np.tanh", "np.arcsinh", "np.arctan", "np.sign", "np.floor", "np.ceil",
    "np.round", "np.minimum", "np.maximum", "np.clip", "np.power",
    "log", "exp", "sqrt", "abs", "poly", "bs", "center", "scale", "standardize",
})
_SAFE_NODES = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd, ast.Not,
    ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq, ast.And, ast.Or, ast.List, ast.Tuple, ast.keyword,
)
_QUOTED = re.compile(r"`[^`]*`")


def _formulaic():
    try:
        import formulaic
    except ImportError:  # pragma: no cover - formulaic is in the "formula" extra
        raise ImportError("Formulas need formulaic: pip install 'deepstat[formula]'.") from None
    return formulaic


@dataclass
class FormulaDesign:
    """A fitted formula: how to turn a DataFrame into the design matrix and the target.

    Parameters
    ----------
    formula : str
        ``"lhs ~ rhs"`` in formulaic (Wilkinson-Rogers, patsy-compatible) syntax.
    columns : list of str
        Design columns seen in fit (the intercept excluded).
    levels : dict
        Levels of each categorical variable, as learned in fit.
    """

    formula: str
    columns: list[str] = field(default_factory=list)
    levels: dict[str, list[Any]] = field(default_factory=dict)
    _spec: Any = field(default=None, repr=False, compare=False)

    @property
    def lhs(self) -> str:
        return self.formula.split("~", 1)[0].strip()

    @property
    def rhs(self) -> str:
        return self.formula.split("~", 1)[1].strip()

    @property
    def has_intercept(self) -> bool:
        """Whether the right-hand side keeps the intercept (``0 +``, ``+ 0`` and ``- 1`` remove it)."""
        return any(str(term) == "1" for term in _formulaic().Formula(self.rhs))

    @classmethod
    def fit(cls, formula: str, data: pd.DataFrame, caller: str) -> tuple[FormulaDesign, pd.DataFrame, np.ndarray]:
        """Parse ``formula`` on ``data``; return the design, the design matrix X and the target y.

        Raises
        ------
        TypeError
            If ``data`` is not a DataFrame or ``formula`` not a string.
        ValueError
            If the formula has no ``~``, names missing columns, or the data have missing values.
        """
        if not isinstance(formula, str) or formula.count("~") != 1:
            raise ValueError(f"`formula` of {caller}.from_formula must be a string 'y ~ x1 + x2'. Got {formula!r} instead.")
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"`data` of {caller}.from_formula must be a pandas DataFrame. Got {type(data).__name__} instead.")
        design = cls(formula=formula)
        y = design.target(data, caller)
        mm = design._materialize(design.rhs, data, caller, na_action="raise")
        spec = mm.model_spec
        if spec.transform_state:
            raise ValueError(
                f"`formula` of {caller}.from_formula must not use stateful transforms such as "
                f"{sorted(spec.transform_state)}: their state cannot be saved as JSON. Transform the column in the data first."
            )
        design._spec = spec
        for factor, (kind, state) in spec.encoder_state.items():
            if getattr(kind, "value", kind) != "categorical":
                continue
            variables = sorted(v for v in spec.factor_variables[_factor_key(spec, factor)] if v in spec.required_variables)
            if len(variables) != 1:
                raise ValueError(
                    f"`formula` of {caller}.from_formula must build each categorical factor from one column. "
                    f"Got {factor!r} from {variables!r} instead."
                )
            design.levels[variables[0]] = [_plain(v) for v in state["categories"]]
        X = pd.DataFrame(np.asarray(mm, dtype=np.float64), columns=list(mm.columns), index=data.index)
        X = X.drop(columns=["Intercept"], errors="ignore")
        design.columns = list(X.columns)
        return design, X, y

    def transform(self, data: pd.DataFrame, caller: str) -> pd.DataFrame:
        """The design matrix of new data (same columns as in fit).

        Raises
        ------
        ValueError
            On missing columns, missing values or categories not seen in fit.
        """
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"`X` of {caller} must be a DataFrame with the formula's columns. Got {type(data).__name__} instead.")
        missing = sorted(set(_required_variables(self.rhs)) - set(map(str, data.columns)))
        if missing:
            raise ValueError(f"`X` of {caller} must have the formula's columns. Got no column(s) {missing!r} instead.")
        for var, levels in self.levels.items():
            if var in data.columns:
                unseen = ~data[var].isin(levels) & data[var].notna()
                if unseen.any():
                    raise ValueError(
                        f"`X` column {var!r} of {caller} must hold categories seen in fit {format_values(levels)}. "
                        f"Got unseen categor{'y' if unseen.sum() == 1 else 'ies'} {format_values(data[var][unseen].unique())} instead."
                    )
        mm = self._spec_or_rebuild(caller).get_model_matrix(data, na_action="raise")
        X = pd.DataFrame(np.asarray(mm, dtype=np.float64), columns=list(mm.columns), index=data.index)
        return X.drop(columns=["Intercept"], errors="ignore")[self.columns]

    def target(self, data: pd.DataFrame, caller: str) -> np.ndarray:
        """The target of ``data`` (the formula's left-hand side)."""
        lhs = self.lhs
        if lhs in data.columns:
            y = data[lhs]
            if y.isna().any():
                raise ValueError(f"`data` column {lhs!r} of {caller}.from_formula must have no missing values. Got {int(y.isna().sum())} instead.")
            return y.to_numpy()
        mm = self._materialize(lhs + " - 1", data, caller, na_action="raise")
        if mm.shape[1] != 1:
            raise ValueError(f"`formula` of {caller}.from_formula must have one target on the left. Got columns {list(mm.columns)!r} instead.")
        return np.asarray(mm, dtype=np.float64)[:, 0]

    def _materialize(self, rhs: str, data: pd.DataFrame, caller: str, na_action: str):
        formulaic = _formulaic()
        try:
            with warnings.catch_warnings():
                # formulaic turns unseen categories into NaN with a warning; deepstat refuses them
                warnings.simplefilter("error", category=formulaic.errors.DataMismatchWarning)
                return formulaic.model_matrix(rhs, data, na_action=na_action)
        except (formulaic.errors.FactorEvaluationError, formulaic.errors.FormulaSyntaxError, NameError, KeyError,
                SyntaxError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"`formula` of {caller}.from_formula could not be evaluated on the data: {first}") from None
        except (ValueError, formulaic.errors.DataMismatchWarning) as exc:
            raise ValueError(f"`data` of {caller}.from_formula: {exc}") from None

    def _spec_or_rebuild(self, caller: str):
        """The formulaic spec; after loading from JSON, rebuilt from the formula and the saved levels."""
        if self._spec is not None:
            return self._spec
        formulaic = _formulaic()
        n = max([2] + [len(v) for v in self.levels.values()])
        variables = _required_variables(self.rhs)
        frame = {var: np.ones(n) for var in variables}
        for var, levels in self.levels.items():
            frame[var] = [levels[i % len(levels)] for i in range(n)]
        spec = formulaic.model_matrix(self.rhs, pd.DataFrame(frame), na_action="ignore").model_spec
        built = [c for c in spec.column_names if c != "Intercept"]
        if built != self.columns:
            raise ValueError(f"`formula` of {caller} could not be rebuilt from its saved state: columns {built!r} != {self.columns!r}.")
        self._spec = spec
        return spec

    def to_dict(self) -> dict[str, Any]:
        return {"formula": self.formula, "columns": list(self.columns), "levels": self.levels}

    @classmethod
    def from_dict(cls, state: dict[str, Any], source: str = "load") -> FormulaDesign:
        """The design :meth:`to_dict` wrote; the formula is checked against the safe grammar first.

        Raises
        ------
        ValueError
            If the formula could make formulaic evaluate anything but column names, numbers,
            operators and the transforms of :data:`SAFE_FUNCTIONS`, or a field has the wrong type.
        """
        if not isinstance(state, dict):
            raise ValueError(f"`formula` of {source} must be an object with formula, columns and levels. Got {state!r:.100} instead.")
        formula = check_formula_safe(state.get("formula"), source)
        columns, levels = state.get("columns"), state.get("levels")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ValueError(f"`formula.columns` of {source} must be a list of strings. Got {columns!r:.100} instead.")
        if not isinstance(levels, dict) or not all(
            isinstance(v, list) and v and all(isinstance(x, (str, int, float, bool)) for x in v) for v in levels.values()
        ):
            raise ValueError(f"`formula.levels` of {source} must map column names to non-empty lists of levels. Got {levels!r:.100} instead.")
        design = cls(formula=formula, columns=list(columns), levels=dict(levels))
        try:  # rebuilt now (the formula is safe to evaluate), so that a broken state fails at load, not at predict
            design._spec_or_rebuild(source)
        except ValueError:
            raise
        except Exception as exc:  # formulaic's errors on a state no fit could have produced
            raise ValueError(f"`formula` of {source} could not be rebuilt from its saved state: {type(exc).__name__} {exc!s:.120}.") from None
        return design


def _factor_key(spec: Any, name: str) -> Any:
    for factor in spec.factor_variables:
        if str(factor) == name:
            return factor
    raise KeyError(name)  # pragma: no cover - formulaic keeps both in step


def _required_variables(rhs: str) -> list[str]:
    formulaic = _formulaic()
    parsed = formulaic.Formula(rhs)
    return sorted(parsed.required_variables)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _check_expression(expr: str, formula: str, source: str) -> None:
    """One factor of a formula: column names, numbers, strings, operators and calls of SAFE_FUNCTIONS only."""

    def refuse(what: str) -> ValueError:
        return ValueError(
            f"`formula` of {source} must use only column names, numbers, operators and the transforms of "
            f"deepstat.data.formula.SAFE_FUNCTIONS (np.log, np.exp, np.sqrt, C(), I() ...). Got {what} in {formula!r:.200} instead."
        )

    text = _QUOTED.sub("_quoted_column", expr)  # `a column name with spaces`
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise refuse(f"the term {expr!r:.80}, which is not an expression") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name not in SAFE_FUNCTIONS:
                raise refuse(f"a call of {ast.unparse(node.func)!r:.80}")
        elif isinstance(node, ast.Attribute):
            # dotted column names (R's Sepal.Length) and allowed functions; never a private or dunder attribute
            dotted = _dotted(node)
            if dotted is None or any(part.startswith("_") for part in dotted.split(".")):
                raise refuse(f"the attribute {ast.unparse(node)!r:.80}")
        elif isinstance(node, ast.Name):
            if node.id.startswith("_") and node.id != "_quoted_column":
                raise refuse(f"the name {node.id!r:.80}")
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool)) or node.value is None:
                raise refuse(f"the constant {node.value!r:.80}")
        elif not isinstance(node, _SAFE_NODES):
            raise refuse(f"the construct {type(node).__name__}")


def check_formula_safe(formula: Any, source: str) -> str:
    """Refuse a formula (read from a file) that would make formulaic evaluate anything but the safe grammar.

    Each factor that formulaic evaluates as Python is parsed with :mod:`ast` and checked node by node:
    column names, numbers and strings, arithmetic and comparison operators, and calls of the functions
    in :data:`SAFE_FUNCTIONS` (``np.log``, ``C()``, ``I()`` ...). Nothing is evaluated here.

    Raises
    ------
    ValueError
        If the formula is not a string ``"lhs ~ rhs"`` or uses anything outside the grammar.
    """
    if not isinstance(formula, str) or formula.count("~") != 1 or len(formula) > 10_000:
        raise ValueError(f"`formula` of {source} must be a string 'y ~ x1 + x2'. Got {formula!r:.200} instead.")
    formulaic = _formulaic()
    try:
        parsed = formulaic.Formula(formula)
    except Exception as exc:  # formulaic's parser raises several types; none of them evaluates anything
        raise ValueError(f"`formula` of {source} must parse as a model formula. Got {formula!r:.200} instead ({exc!s:.120}).") from None
    for part in (parsed.lhs, parsed.rhs):
        for term in part:
            for factor in term.factors:
                method = getattr(factor.eval_method, "value", factor.eval_method)
                if method == "python":
                    _check_expression(str(factor.expr), formula, source)
                elif method == "lookup" and any(part.startswith("_") for part in str(factor.expr).split(".")):
                    # a column is looked up by name; a private or dunder attribute is never a column
                    raise ValueError(f"`formula` of {source} must name columns. Got {str(factor.expr)!r:.80} in {formula!r:.200} instead.")
    return formula
