"""The training rows as a weighted set: duplicates merged, zero weights dropped, in an order set by content.

A sample weight of k is k copies of a row (scikit-learn's sample-weight equivalence, STYLE 8.5): so
that a fit with weights is *exactly* the fit on the repeated rows, whatever the order the rows came
in, the rows a network is trained on are first made canonical. Rows equal in every input column and
in the target become one row whose weight is the sum of theirs; rows of total weight 0 are dropped;
and the rows are put in an order that depends only on their content (a hash of their bits). The
random validation split, the minibatches and every weighted sum then see the same numbers in the
same order for ``(X, y, w)`` and for the rows repeated ``w`` times. It also keeps the copies of a
row together, on one side of the validation split, so that early stopping is not judged on copies
of training rows.

The merge is O(n log n) (one sort of 64-bit hashes), and exact: rows are merged only when equal,
checked after the sort (a hash collision, probability about n^2 / 2^64, leaves the rows as given).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["merge_duplicate_rows"]

# fixed odd multipliers of the row hash (any fixed choice gives a content-defined order)
_MIX = torch.randint(1, 2**62, (64,), generator=torch.Generator().manual_seed(20251202), dtype=torch.int64) | 1


def _row_hash(key: Tensor) -> Tensor:
    """A 64-bit hash of each row of a float64 matrix (its bit patterns mixed column by column)."""
    bits = key.contiguous().view(torch.int64)  # (n, k)
    k = bits.shape[1]
    mix = _MIX.repeat((k + len(_MIX) - 1) // len(_MIX))[:k]
    h = torch.zeros(bits.shape[0], dtype=torch.int64)
    for j in range(k):  # over columns, not rows: integer arithmetic wraps, as a hash should
        h = (h ^ bits[:, j]) * mix[j]
        h = h ^ (h >> 29)
    return h


def merge_duplicate_rows(X: Tensor, y: Tensor, weight: Tensor | None) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
    """Merge equal rows of ``(X, y)`` (summing their weights), drop rows of weight 0, order by content.

    Parameters
    ----------
    X : Tensor of shape (n, p)
        The encoded inputs (with any offset or trials columns).
    y : Tensor of shape (n,) or (n, d)
        The encoded target.
    weight : Tensor of shape (n,) or None
        Non-negative sample weights (None: all 1).

    Returns
    -------
    X, y : Tensor
        The distinct rows of positive weight, in an order set by their content.
    weight : Tensor or None
        Their total weights; None when every total is 1 (no duplicates, no weights other than 1).
    index : Tensor of shape (m,)
        The rows of the input kept (``X[index]``).
    """
    n = int(X.shape[0])
    if n == 0 or X.ndim != 2 or not X.is_floating_point():
        return X, y, weight, torch.arange(n)
    key = torch.cat([X.detach().double(), y.detach().double().reshape(n, -1)], dim=1)
    key = key + 0.0  # -0.0 and 0.0 hash alike
    h = _row_hash(key)
    order = torch.sort(h, stable=True).indices
    hs = h[order]
    first = torch.ones(n, dtype=torch.bool)
    first[1:] = hs[1:] != hs[:-1]
    group = torch.cumsum(first.long(), 0) - 1  # group of each row in sorted order
    heads = order[first]  # one representative per group
    if not bool((key[order] == key[heads][group]).all()):  # a hash collision: keep the rows as given
        return X, y, weight, torch.arange(n)
    w = torch.ones(n, dtype=torch.float64) if weight is None else weight.detach().double()
    total = torch.zeros(len(heads), dtype=torch.float64).index_add_(0, group, w[order])
    keep = total > 0
    index = heads[keep]  # groups in the order of their hashes: set by content alone
    total = total[keep]
    dtype = weight.dtype if weight is not None else X.dtype
    merged = None if bool((total == 1).all()) else total.to(dtype)
    return X[index], y[index], merged, index
