"""Small helpers that format and raise the error messages of STYLE 7."""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
import torch

__all__ = ["format_values", "check_finite", "resolve_seed", "user_stacklevel"]


def format_values(values: Any, max_items: int = 5) -> str:
    """Format offending values for an error message, truncated to ``max_items`` (STYLE 7.2).

    Examples
    --------
    >>> format_values([1.0, -2.0, float("nan")])
    '[1.0, -2.0, nan]'
    >>> format_values(list(range(10)), max_items=3)
    '[0, 1, 2, ...] (10 values)'
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    flat = np.asarray(values).ravel().tolist()
    shown = ", ".join(repr(v) for v in flat[:max_items])
    if len(flat) > max_items:
        return f"[{shown}, ...] ({len(flat)} values)"
    return f"[{shown}]"


def check_finite(values: np.ndarray | torch.Tensor, name: str, caller: str) -> None:
    """Raise ValueError naming ``name`` and ``caller`` when ``values`` holds NaN or inf.

    Raises
    ------
    ValueError
        With the count of non-finite entries and the first offending positions.
    """
    arr = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    if arr.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[:5].tolist()
        raise ValueError(
            f"`{name}` of {caller} must contain only finite values. Got {int(bad.sum())} NaN or "
            f"infinite value(s) (first at index {where}) instead. Impute or drop them first."
        )


def resolve_seed(random_state: Any) -> int:
    """Turn a scikit-learn style ``random_state`` into one integer seed for torch.

    ``None`` draws a fresh seed; an int is used as is; a ``numpy.random.RandomState`` or
    ``numpy.random.Generator`` draws one integer from it (so it advances, as in scikit-learn).

    Raises
    ------
    TypeError
        If ``random_state`` is none of these.
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(f"`random_state` must be None, an int or a numpy random generator. Got {random_state!r} instead.")
    if isinstance(random_state, (int, np.integer)):
        if random_state < 0:
            raise ValueError(f"`random_state` must be a non-negative integer. Got {random_state!r} instead.")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise TypeError(
        f"`random_state` must be None, an int or a numpy random generator. Got {type(random_state).__name__} instead."
    )


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../deepstat


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that points at the first caller outside deepstat.

    A warning raised deep in the engine then names the user's line (``model.fit(...)``), not the
    library's, whichever estimator called the engine.
    """
    frame, level = sys._getframe(1), 1  # the caller of user_stacklevel is level 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level
