"""Sets of varying size, padded, with a boolean mask of their elements and a per-feature normaliser."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepstat.data.base import register_adapter
from deepstat.data.padded import PaddedAdapter, check_padded, read_ragged
from deepstat.data.validation import as_float_tensor

__all__ = ["SetAdapter"]


@register_adapter
class SetAdapter(PaddedAdapter):
    """Sets of varying size (each an unordered collection of feature vectors), padded with a mask.

    ``X`` is either a list of 2-D arrays ``(m_i, F)``, one row per element (padded here with zeros
    to the largest set), or a padded array ``(n, M, F)`` with ``mask=``, a boolean array
    ``(n, M)`` that is True at the elements of each set. Every set needs at least one element
    (mean pooling of an empty set is undefined). What lies in the padding is ignored and set to 0.

    ``transform`` returns the tuple ``(x, mask)``: ``x`` of shape ``(n, M, F)`` and ``mask`` bool of
    shape ``(n, M)``; a batch's ``inputs`` is the same tuple gathered by index. The normaliser is
    the per-feature mean and standard deviation over the valid elements only.
    ``input_spec_`` is ``InputSpec("set", F)``.

    Parameters
    ----------
    normalize : bool, default=True
        Standardise each feature.
    dtype : {"float32", "float64"} or None, default=None
        See :class:`~deepstat.data.InputAdapter`.

    Raises
    ------
    TypeError
        If ``X`` is not numeric, or ``mask`` is not boolean.
    ValueError
        If ``X`` is empty or of the wrong dimension, sets disagree on their features, a valid
        element holds NaN or inf (the message names the set and the element), ``mask`` has the
        wrong shape or leaves a set empty, or the features differ from ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> x, mask = SetAdapter(normalize=False).fit_transform([np.ones((1, 2)), np.ones((3, 2))])
    >>> tuple(x.shape), mask.sum(dim=1).tolist()
    ((2, 3, 2), [1, 3])
    """

    name = "set"
    kind = "set"
    group, element, side = "set", "element", "mask"
    what = "a list of 2-D arrays (elements, features), or a padded array (n, M, features) with `mask`"

    def fit(self, X: Any, caller: str | None = None, mask: Any = None) -> SetAdapter:  # type: ignore[override]
        """Validate ``X`` and learn the per-feature normaliser over the valid elements (see the class)."""
        self._fit(X, caller or type(self).__name__, mask=mask)
        return self

    def transform(self, X: Any, caller: str | None = None, mask: Any = None) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        """Return ``(x, mask)``: standardised padded elements ``(n, M, F)`` (padding 0) and the bool mask ``(n, M)``."""
        return super().transform(X, caller, mask=mask)

    def fit_transform(self, X: Any, caller: str | None = None, mask: Any = None) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        """``fit(X, mask=mask)`` then ``transform``."""
        return self.fit(X, caller, mask=mask).transform(X, caller, mask=mask)

    def _read(self, X: Any, caller: str, mask: Any) -> tuple[Tensor, Tensor]:
        if isinstance(X, (list, tuple)):
            if mask is not None:
                raise ValueError(
                    f"`mask` of {caller} must be None when `X` is a list of sets (their sizes are read from the arrays). "
                    f"Got {type(mask).__name__} instead."
                )
            return read_ragged(X, caller, self.group, self.element)
        t = as_float_tensor(X, "X", caller, self.what)
        if t.ndim != 3:
            raise ValueError(f"`X` of {caller} must be {self.what}. Got an array of shape {tuple(t.shape)} instead.")
        if 0 in t.shape:
            raise ValueError(f"`X` of {caller} must hold at least one set, element and feature. Got shape {tuple(t.shape)} instead.")
        if mask is None:
            valid = torch.ones(t.shape[:2], dtype=torch.bool)
        else:
            valid = _check_mask(mask, tuple(t.shape[:2]), caller)
        return check_padded(t, caller, valid, self.group, self.element, self.what)

    def _outputs(self, x: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
        return x, valid


def _check_mask(mask: Any, shape: tuple[int, int], caller: str) -> Tensor:
    arr = None if isinstance(mask, Tensor) else np.asarray(mask)
    dtype = mask.dtype if arr is None else arr.dtype
    if dtype not in (torch.bool, np.dtype(bool)):
        raise TypeError(
            f"`mask` of {caller} must be a boolean array (True at the elements of each set). Got dtype {dtype} instead. "
            "Use mask.astype(bool) for a 0/1 array."
        )
    t = mask.detach().cpu() if arr is None else torch.from_numpy(arr)
    if tuple(t.shape) != shape:
        raise ValueError(f"`mask` of {caller} must have shape {shape}, as `X` has (sets, elements). Got shape {tuple(t.shape)} instead.")
    empty = ~t.any(dim=1)
    if bool(empty.any()):
        raise ValueError(
            f"`mask` of {caller} must mark at least one element of every set. Got {int(empty.sum())} empty set(s), "
            f"the first set {int(torch.nonzero(empty)[0])}, instead."
        )
    return t
