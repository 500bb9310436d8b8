"""Sequences of varying length, padded, with their lengths and a per-feature normaliser."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepstat.data.base import InputAdapter, as_float_tensor, as_target, check_finite_at, register_adapter
from deepstat.data.batch import IndexedBatches
from deepstat.nn.networks import InputSpec

__all__ = ["SequenceAdapter", "pad_sequences"]


def pad_sequences(sequences: Sequence[Tensor], dtype: torch.dtype | None = None) -> tuple[Tensor, Tensor]:
    """Stack 2-D tensors ``(T_i, F)`` into one zero-padded tensor ``(n, max T_i, F)``.

    Parameters
    ----------
    sequences : sequence of Tensor
        Non-empty list of tensors sharing their last dimension.
    dtype : torch.dtype or None, default=None
        Type of the result; that of the first tensor when ``None``.

    Returns
    -------
    padded : Tensor
        Shape ``(n, max T_i, F)``; ``padded[i, :T_i] == sequences[i]`` and the rest is zero.
    lengths : Tensor
        ``int64`` of shape ``(n,)``: the ``T_i``.

    Examples
    --------
    >>> import torch
    >>> padded, lengths = pad_sequences([torch.ones(2, 1), torch.ones(3, 1)])
    >>> padded[:, :, 0], lengths
    (tensor([[1., 1., 0.],
            [1., 1., 1.]]), tensor([2, 3]))
    """
    lengths = torch.tensor([s.shape[0] for s in sequences], dtype=torch.int64)
    dtype = dtype or sequences[0].dtype
    padded = torch.zeros((len(sequences), int(lengths.max()), sequences[0].shape[-1]), dtype=dtype)
    for i, s in enumerate(sequences):  # once, at transform time; batches are gathers
        padded[i, : s.shape[0]] = s.to(dtype)
    return padded, lengths


def read_ragged(X: Any, caller: str, group: str, element: str, what: str) -> tuple[Tensor, Tensor]:
    """A list of 2-D arrays ``(m_i, F)`` as ``(padded (n, M, F), valid (n, M) bool)``, validated.

    ``group`` and ``element`` name the parts in messages ("sequence"/"step", "set"/"element").
    """
    items = list(X)
    if not items:
        raise ValueError(f"`X` of {caller} must hold at least one {group}. Got an empty {type(X).__name__} instead.")
    tensors = []
    n_features = None
    for i, item in enumerate(items):
        t = as_float_tensor(item, f"X[{i}]", caller, f"a 2-D array ({element}s, features)")
        if t.ndim != 2:
            raise ValueError(
                f"`X[{i}]` of {caller} must be a 2-D array ({element}s, features). Got shape {tuple(t.shape)} instead. "
                "Use x.reshape(-1, 1) for a single feature."
            )
        if t.shape[0] == 0:
            raise ValueError(f"`X[{i}]` of {caller} must have at least one {element}. Got shape {tuple(t.shape)} instead.")
        if n_features is None:
            n_features = t.shape[1]
        elif t.shape[1] != n_features:
            raise ValueError(
                f"`X[{i}]` of {caller} must have {n_features} feature(s) per {element}, as `X[0]` has. "
                f"Got shape {tuple(t.shape)} instead."
            )
        check_finite_at(t, "X", caller, (group, element), leading=(i,))
        tensors.append(t)
    dtype = torch.float32 if all(t.dtype == torch.float32 for t in tensors) else torch.float64
    padded, lengths = pad_sequences(tensors, dtype)
    valid = torch.arange(padded.shape[1]) < lengths[:, None]
    return padded, valid


def check_padded(X: Any, caller: str, valid: Tensor, group: str, element: str, what: str) -> tuple[Tensor, Tensor]:
    """A padded array ``(n, M, F)`` with its valid entries ``(n, M)``: padding set to 0, finiteness checked."""
    t = as_float_tensor(X, "X", caller, what)
    zero = torch.zeros((), dtype=t.dtype)
    t = torch.where(valid[..., None], t, zero)  # padded entries never count, whatever they hold
    check_finite_at(t, "X", caller, (group, element))
    return t, valid


class _PaddedAdapter(InputAdapter):
    """Shared code of the sequence and set adapters: padded ``(n, M, F)`` plus validity."""

    group = ""
    element = ""
    side = ""  # the keyword of the side information: lengths or mask
    what = ""

    def _read(self, X: Any, caller: str, side: Any) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _outputs(self, padded: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _fit(self, X: Any, caller: str, **kwargs: Any) -> None:
        padded, valid = self._read(X, caller, kwargs.get(self.side))
        self.set_statistics(padded, valid)
        self.input_spec_ = InputSpec(self.kind, int(padded.shape[-1]))

    def transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> tuple[Tensor, Tensor]:
        caller = caller or type(self).__name__
        self.check_fitted(caller)
        padded, valid = self._read(X, caller, kwargs.get(self.side))
        n_features = self.input_spec_.n_features
        if padded.shape[-1] != n_features:
            raise ValueError(
                f"`X` of {caller} must have {n_features} feature(s) per {self.element}, as in fit. "
                f"Got {padded.shape[-1]} feature(s) (padded shape {tuple(padded.shape)}) instead."
            )
        x = self.standardise(padded, self.out_dtype(padded.dtype))
        x = torch.where(valid[..., None], x, torch.zeros((), dtype=x.dtype))  # padding stays 0
        return self._outputs(x, valid)

    def n_samples(self, X: Any, **kwargs: Any) -> int:
        return int(self._read(X, type(self).__name__, kwargs.get(self.side))[0].shape[0])

    def batches(self, X: Any, target: Any, weight: Any = None, caller: str | None = None, **kwargs: Any) -> IndexedBatches:
        caller = caller or type(self).__name__
        inputs = self.transform(X, caller, **kwargs)
        return IndexedBatches(inputs, as_target(target, "target", caller), as_target(weight, "weight", caller), caller)


@register_adapter
class SequenceAdapter(_PaddedAdapter):
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
            return read_ragged(X, caller, self.group, self.element, self.what)
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
    t = lengths.detach() if isinstance(lengths, Tensor) else torch.as_tensor(_as_int_array(lengths, caller))
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
