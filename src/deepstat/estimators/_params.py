"""A declarative table of hyperparameter constraints, checked once at the start of ``fit`` (STYLE 7.5)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

__all__ = ["ColumnNames", "Options", "Interval", "InstanceOf", "RegistryKey", "Sizes", "validate_params", "store_params"]


@dataclass(frozen=True)
class Options:
    """The value must be one of ``values``."""

    values: frozenset[Any]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values))


@dataclass(frozen=True)
class Interval:
    """A number of ``kind`` (Integral or Real) in the interval; ``closed`` says which ends are included."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"  # "both", "left", "right", "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        kind = "an int" if self.kind is Integral else "a float"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"{kind} in {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class InstanceOf:
    """The value must be an instance of one of ``types`` (``None`` allowed by listing ``type(None)``)."""

    types: tuple[type, ...]
    label: str

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Sizes:
    """A sequence (possibly empty) of positive ints, such as hidden layer widths."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            return False
        return all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in value)

    def __str__(self) -> str:
        return "a tuple of positive ints (empty for a linear predictor)"


@dataclass(frozen=True)
class ColumnNames:
    """None, one column name (a str or a non-bool int), or a non-empty list/tuple of them."""

    def accepts(self, value: Any) -> bool:
        def one(v: Any) -> bool:
            return isinstance(v, str) or (isinstance(v, Integral) and not isinstance(v, bool))

        if value is None or one(value):
            return True
        return isinstance(value, (list, tuple)) and len(value) > 0 and all(one(v) for v in value)

    def __str__(self) -> str:
        return "None, a column name or a non-empty list of column names"


@dataclass(frozen=True)
class RegistryKey:
    """A key of ``registry`` (a dict read at check time, so entries registered later count)."""

    registry: Mapping[str, Any]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.registry

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.registry))


Constraint = Options | Interval | InstanceOf | Sizes | ColumnNames | RegistryKey | Callable[[Any], bool]


def validate_params(estimator: Any, table: Mapping[str, Sequence[Constraint]]) -> None:
    """Check every hyperparameter of ``estimator`` named in ``table``.

    Raises
    ------
    ValueError
        Naming the parameter, the estimator, what is allowed and what was given (STYLE 7.1).
    """
    caller = type(estimator).__name__
    for name, constraints in table.items():
        value = getattr(estimator, name)
        if any(c.accepts(value) for c in constraints):
            continue
        allowed = " or ".join(str(c) for c in constraints)
        raise ValueError(f"`{name}` of {caller} must be {allowed}. Got {value!r} instead.")


NONE = InstanceOf((type(None),), "None")
POS_INT = Interval(Integral, 1, None)
POS_REAL = Interval(Real, 0, None, closed="neither")
NONNEG_REAL = Interval(Real, 0, None, closed="left")


def store_params(estimator: Any, arguments: Mapping[str, Any]) -> None:
    """Store every ``__init__`` argument unchanged, as scikit-learn requires (``store_params(self, locals())``).

    ``__init__`` only stores its arguments (STYLE 5.1); the explicit signatures stay in each estimator
    because ``get_params`` reads them.
    """
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
