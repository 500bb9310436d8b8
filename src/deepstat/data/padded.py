"""Ragged inputs (sequences, sets) as zero-padded tensors with their valid entries: the shared code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from deepstat.data.base import InputAdapter
from deepstat.data.batch import IndexedBatches
from deepstat.data.validation import as_float_tensor, as_target, check_finite_at
from deepstat.nn.networks import InputSpec

__all__ = ["pad_sequences", "read_ragged", "check_padded", "PaddedAdapter"]


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


def read_ragged(X: Any, caller: str, group: str, element: str) -> tuple[Tensor, Tensor]:
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


class PaddedAdapter(InputAdapter):
    """Shared code of the sequence and set adapters: padded ``(n, M, F)`` plus validity ``(n, M)``.

    Subclasses set the names used in messages and implement ``_read`` (validate ``X`` and its side
    information) and ``_outputs`` (what ``transform`` returns besides the padded tensor).
    """

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
