"""Checks of arrays at the adapters' public boundary, with the messages of STYLE 7."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["as_float_tensor", "check_finite_at", "as_target"]


def as_float_tensor(X: Any, name: str, caller: str, what: str) -> Tensor:
    """``X`` (numpy array, torch tensor or nested lists) as a real tensor, or a STYLE 7 error.

    Integers and booleans become float64; float16/bfloat16 become float32; float32 and float64
    are kept (no copy of numpy memory). A tensor on an accelerator is copied to the CPU: adapters
    hold their data in host memory and the engine moves each batch to its device.

    Raises
    ------
    TypeError
        If ``X`` is not numeric (strings, objects, a DataFrame of text).
    ValueError
        If ``X`` is complex.
    """
    if isinstance(X, Tensor):
        t = X.detach().cpu()
    else:
        if hasattr(X, "to_numpy"):  # pandas
            X = X.to_numpy()
        try:
            arr = np.asarray(X)
        except (TypeError, ValueError) as exc:  # ragged nested lists
            raise TypeError(f"`{name}` of {caller} must be {what}. Got {type(X).__name__} that is not an array ({exc}) instead.") from None
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"`{name}` of {caller} must be {what} of numbers. Got {type(X).__name__} of dtype {arr.dtype} instead.")
        if arr.dtype.kind == "f" and arr.dtype.itemsize == 2:
            arr = arr.astype(np.float32)
        t = torch.from_numpy(np.ascontiguousarray(arr)) if arr.dtype.kind != "b" else torch.from_numpy(arr.astype(np.float64))
    if t.is_complex():
        raise ValueError(f"`{name}` of {caller} must be real-valued. Got complex dtype {t.dtype} instead.")
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.to(torch.float32)
    if not t.is_floating_point():
        return t.to(torch.float64)
    return t


def check_finite_at(t: Tensor, name: str, caller: str, axes: tuple[str, ...], leading: tuple[int, ...] = ()) -> None:
    """Raise ValueError naming the first non-finite entry of ``t`` by its ``axes`` names.

    ``axes`` names the leading dimensions (``("image",)``, ``("sequence", "step")``); the rest of
    the position is printed as a tuple. ``leading`` gives the indices of the first axes when
    ``t`` is one part of the input (sequence ``i`` of a list: ``leading=(i,)``).
    """
    bad = ~torch.isfinite(t)
    if not bool(bad.any()):
        return
    inner = torch.nonzero(bad)[0].tolist()
    first = list(leading) + inner
    where = ", ".join(f"{axis} {i}" for axis, i in zip(axes, first))
    rest = first[len(axes):]
    if rest:
        where += f", position {tuple(rest)}" if len(rest) > 1 else f", feature {rest[0]}"
    raise ValueError(
        f"`{name}` of {caller} must contain only finite values. Got {int(bad.sum())} NaN or infinite value(s), "
        f"the first at {where} ({t[tuple(inner)].item()!r}), instead. Impute or drop them first."
    )


def as_target(value: Any, name: str, caller: str) -> Any:
    """A numpy array becomes a tensor; tensors and containers of tensors pass through."""
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic)) or (isinstance(value, list) and value and not isinstance(value[0], Tensor)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` of {caller} must be numeric. Got dtype {arr.dtype} instead.")
        return torch.from_numpy(np.ascontiguousarray(arr))
    return value

