"""Model formulas (``"y ~ x1 + np.log(x2) + C(g)"``) for the estimators, through formulaic.

The right-hand side becomes a numeric design matrix (the intercept column is dropped: the network
has its own bias); the left-hand side is the target column, or an expression of columns. The
design remembers its encoding, so a fitted estimator predicts from a DataFrame with the same raw
columns, and it is saved as plain JSON (the formula and the levels of each categorical factor).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from deepstat.utils.validation import format_values

__all__ = ["FormulaDesign"]


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
    def from_dict(cls, state: dict[str, Any]) -> FormulaDesign:
        return cls(formula=state["formula"], columns=list(state["columns"]), levels=dict(state["levels"]))


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
