"""Sequences of varying length, padded, with their lengths and a per-feature normaliser."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepstat.data.base import register_adapter
from deepstat.data.padded import PaddedAdapter, check_padded, read_ragged
from deepstat.data.validation import as_float_tensor

__all__ = ["SequenceAdapter"]


@register_adapter
class SequenceAdapter(PaddedAdapter):
    """Sequences of varying length, as padded tensors with their lengths.

    ``X`` is either a list of 2-D arrays ``(T_i, F)`` (padded here with zeros to the longest), or
    a padded array ``(n, T, F)`` with ``lengths=`` (integers in ``1..T``; sequence ``i`` is
    ``X[i, :lengths[i]]``). A padded array without ``lengths`` is read as ``n`` sequences of the
    full length ``T``. What lies in the padding (zeros, NaN) is ignored and set to zero.

    ``transform`` returns the tuple ``(x, lengths)``: ``x`` of shape ``(n, T, F)`` and ``lengths``
    ``int64`` of shape ``(n,)``; a batch's ``inputs`` is the same tuple gathered by index. The
    normaliser is the per-feature mean and standard deviation over the valid (unpadded) steps.
    ``input_spec_`` is ``InputSpec("sequence", F)`` (shape ``()``: lengths vary).

    Parameters
    ----------
    normalize : bool, default=True
        Standardise each feature.
    dtype : {"float32", "float64"} or None, default=None
        See :class:`~deepstat.data.InputAdapter`.

    Raises
    ------
    TypeError
        If ``X`` is not a list of numeric arrays or a numeric array, or ``lengths`` is not integer.
    ValueError
        If ``X`` is empty or of the wrong dimension, sequences disagree on their features, a
        valid step holds NaN or inf (the message names the sequence and the step), ``lengths``
        has the wrong shape or values outside ``1..T``, or the features differ from ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> X = [np.ones((2, 3)), np.zeros((4, 3))]
    >>> x, lengths = SequenceAdapter(normalize=False).fit_transform(X)
    >>> tuple(x.shape), lengths.tolist()
    ((2, 4, 3), [2, 4])
    """

    name = "sequence"
    kind = "sequence"
    group, element, side = "sequence", "step", "lengths"
    what = "a list of 2-D arrays (steps, features), or a padded array (n, T, features) with `lengths`"

    def fit(self, X: Any, caller: str | None = None, lengths: Any = None) -> SequenceAdapter:  # type: ignore[override]
        """Validate ``X`` and learn the per-feature normaliser over the valid steps (see the class)."""
        self._fit(X, caller or type(self).__name__, lengths=lengths)
        return self

    def _read(self, X: Any, caller: str, lengths: Any) -> tuple[Tensor, Tensor]:
        if isinstance(X, (list, tuple)):
            if lengths is not None:
                raise ValueError(
                    f"`lengths` of {caller} must be None when `X` is a list of sequences (their lengths are read "
                    f"from the arrays). Got {type(lengths).__name__} instead."
                )
            return read_ragged(X, caller, self.group, self.element)
        t = as_float_tensor(X, "X", caller, self.what)
        if t.ndim != 3:
            raise ValueError(f"`X` of {caller} must be {self.what}. Got an array of shape {tuple(t.shape)} instead.")
        n, T = t.shape[0], t.shape[1]
        if n == 0 or T == 0 or t.shape[2] == 0:
            raise ValueError(f"`X` of {caller} must hold at least one sequence, step and feature. Got shape {tuple(t.shape)} instead.")
        lengths_t = torch.full((n,), T, dtype=torch.int64) if lengths is None else _check_lengths(lengths, n, T, caller)
        valid = torch.arange(T) < lengths_t[:, None]
        return check_padded(t, caller, valid, self.group, self.element, self.what)

    def transform(self, X: Any, caller: str | None = None, lengths: Any = None) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        """Return ``(x, lengths)``: standardised padded steps ``(n, T, F)`` (padding 0) and ``int64`` lengths ``(n,)``."""
        return super().transform(X, caller, lengths=lengths)

    def fit_transform(self, X: Any, caller: str | None = None, lengths: Any = None) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        """``fit(X, lengths=lengths)`` then ``transform``."""
        return self.fit(X, caller, lengths=lengths).transform(X, caller, lengths=lengths)

    def _outputs(self, x: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        return x, valid.sum(dim=1)


def _check_lengths(lengths: Any, n: int, T: int, caller: str) -> Tensor:
    t = lengths.detach().cpu() if isinstance(lengths, Tensor) else torch.as_tensor(_as_int_array(lengths, caller))
    if t.dtype.is_floating_point or t.dtype.is_complex or t.dtype == torch.bool:
        raise TypeError(f"`lengths` of {caller} must be integers (the number of valid steps). Got dtype {t.dtype} instead.")
    if t.shape != (n,):
        raise ValueError(f"`lengths` of {caller} must have shape ({n},), one per sequence of `X`. Got shape {tuple(t.shape)} instead.")
    bad = (t < 1) | (t > T)
    if bool(bad.any()):
        i = int(torch.nonzero(bad)[0])
        raise ValueError(
            f"`lengths` of {caller} must lie in 1..{T} (the padded length of `X`). "
            f"Got {int(bad.sum())} outside, the first lengths[{i}] = {int(t[i])}, instead."
        )
    return t.to(torch.int64)


def _as_int_array(values: Any, caller: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"`lengths` of {caller} must be integers (the number of valid steps). Got dtype {arr.dtype} instead.")
    return arr.astype(np.int64)
