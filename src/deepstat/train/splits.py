"""Validation splitters: which positions train and which validate, following the data.

Each splitter has ``split(n, generator_or_seed) -> (train_index, val_index)``, two sorted 1-D
``int64`` tensors of positions in ``0..n-1`` that are disjoint and together cover every position:
random rows (:class:`RandomSplit`, the engine's default), rows stratified by a label and kept
whole by group (:class:`StratifiedSplit`, event-stratified survival data), the last positions in
order (:class:`TemporalSplit`, forecasting) and given masks (:class:`MaskSplit`, graph nodes).
Pass one to :func:`~deepstat.train.fit_module` as ``splitter=``.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

__all__ = ["MaskSplit", "RandomSplit", "Splitter", "StratifiedSplit", "TemporalSplit"]

Seed = torch.Generator | int


@runtime_checkable
class Splitter(Protocol):
    """Anything that splits ``n`` positions into sorted training and validation index tensors."""

    def split(self, n: int, generator: Seed) -> tuple[Tensor, Tensor]: ...


def _check_fraction(fraction: object, caller: str) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"`fraction` of {caller} must be a float in (0, 1). Got {fraction!r} instead.")
    return float(fraction)


def _check_n(n: object, caller: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"`n` of {caller}.split must be a non-negative integer. Got {n!r} instead.")
    return int(n)


def _torch_generator(generator: Seed, caller: str) -> torch.Generator:
    if isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return torch.Generator().manual_seed(int(generator))
    raise TypeError(
        f"`generator` of {caller}.split must be a torch.Generator or an int seed. Got {type(generator).__name__} instead."
    )


class RandomSplit:
    """Random rows: ``ceil(fraction * n)`` positions drawn for validation by a seeded permutation.

    The engine's default split (``fit_module`` without ``splitter`` draws
    ``RandomSplit(config.validation_fraction)`` from its own generator), as
    ``sklearn.model_selection.train_test_split`` sizes it.

    Parameters
    ----------
    fraction : float in (0, 1)
        Share of the positions in validation.

    Examples
    --------
    >>> train, val = RandomSplit(0.25).split(8, 0)
    >>> len(train), len(val), sorted(train.tolist() + val.tolist()) == list(range(8))
    (6, 2, True)
    """

    def __init__(self, fraction: float) -> None:
        self.fraction = _check_fraction(fraction, "RandomSplit")

    def split(self, n: int, generator: Seed) -> tuple[Tensor, Tensor]:
        """Positions ``(train, validation)``, each sorted; a torch.Generator is advanced by one ``randperm(n)``."""
        n = _check_n(n, "RandomSplit")
        g = _torch_generator(generator, "RandomSplit")
        n_val = math.ceil(self.fraction * n)
        perm = torch.randperm(n, generator=g)
        return perm[n_val:].sort().values, perm[:n_val].sort().values

    def __repr__(self) -> str:
        return f"RandomSplit(fraction={self.fraction!r})"


class StratifiedSplit:
    """Rows stratified by ``labels``, whole ``groups`` on one side: the survival estimators' split.

    Each stratum (each value of ``labels``; with ``groups``, each value of the largest label of a
    group, e.g. whether a subject has an event anywhere in its history) sends
    ``ceil(fraction * size)`` of its units to validation, drawn by a seeded permutation; a stratum
    of one unit stays in training. So the event proportion of each side is that of the data
    within one unit per stratum.

    Parameters
    ----------
    fraction : float in (0, 1)
        Share of the units of each stratum in validation.
    labels : array-like of shape (n,)
        Integer stratum of each row: the event indicator, the cause code, or a combination with
        strata (``2 * stratum + event``).
    groups : array-like of shape (n,) or None, default=None
        Group of each row (the subject of counting-process rows); a group is never split.

    Notes
    -----
    Drawn with ``numpy.random.default_rng(seed)``: given an int, that seed; given a
    torch.Generator, a seed drawn from it (one ``randint``).

    Examples
    --------
    >>> import numpy as np
    >>> event = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    >>> train, val = StratifiedSplit(0.2, event).split(10, 0)
    >>> int(event[val.numpy()].sum()), len(val)  # ceil(0.2 * 4) events, ceil(0.2 * 6) censored rows
    (1, 3)
    """

    def __init__(self, fraction: float, labels: object, groups: object = None) -> None:
        self.fraction = _check_fraction(fraction, "StratifiedSplit")
        labels = np.asarray(labels.cpu() if isinstance(labels, Tensor) else labels)
        if labels.ndim != 1 or labels.dtype.kind not in "biu":
            raise ValueError(
                f"`labels` of StratifiedSplit must be a 1-D array of integer codes. "
                f"Got shape {labels.shape} and dtype {labels.dtype} instead."
            )
        self.labels = labels
        if groups is not None:
            groups = np.asarray(groups.cpu() if isinstance(groups, Tensor) else groups)
            if groups.shape != labels.shape:
                raise ValueError(
                    f"`groups` of StratifiedSplit must have shape {labels.shape}, as `labels` has. "
                    f"Got shape {groups.shape} instead."
                )
        self.groups = groups

    def split(self, n: int, generator: Seed) -> tuple[Tensor, Tensor]:
        """Positions ``(train, validation)``, each sorted."""
        n = _check_n(n, "StratifiedSplit")
        if n != self.labels.shape[0]:
            raise ValueError(f"`n` of StratifiedSplit.split must be {self.labels.shape[0]}, one label per row. Got {n} instead.")
        if isinstance(generator, torch.Generator):
            seed = int(torch.randint(0, 2**63 - 1, (1,), generator=generator))
        elif isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            seed = int(generator)
        else:
            raise TypeError(
                f"`generator` of StratifiedSplit.split must be a torch.Generator or an int seed. "
                f"Got {type(generator).__name__} instead."
            )
        rng = np.random.default_rng(seed)
        labels, groups = self.labels, self.groups
        if groups is None:
            units, unit_labels = np.arange(len(labels)), labels
        else:
            units, inverse = np.unique(groups, return_inverse=True)
            unit_labels = np.zeros(len(units), dtype=labels.dtype)
            np.maximum.at(unit_labels, inverse, labels)
        val_units = [np.zeros(0, dtype=np.int64)]
        for value in np.unique(unit_labels):
            members = np.flatnonzero(unit_labels == value)
            n_val = int(np.ceil(self.fraction * len(members)))
            if n_val >= len(members):  # a stratum of one unit stays in training
                n_val = len(members) - 1
            val_units.append(rng.permutation(members)[:n_val])
        is_val = np.zeros(len(units), dtype=bool)
        is_val[np.concatenate(val_units)] = True
        if groups is not None:
            is_val = is_val[inverse.reshape(-1)]
        return torch.as_tensor(np.flatnonzero(~is_val)), torch.as_tensor(np.flatnonzero(is_val))

    def __repr__(self) -> str:
        grouped = "" if self.groups is None else f", groups={len(np.unique(self.groups))} groups"
        return f"StratifiedSplit(fraction={self.fraction!r}, labels={len(np.unique(self.labels))} strata{grouped})"


class TemporalSplit:
    """The last ``ceil(fraction * n)`` positions, in order, validate (forecasting: never train on the future).

    Parameters
    ----------
    fraction : float in (0, 1)
        Share of the positions in validation.

    Examples
    --------
    >>> TemporalSplit(0.3).split(6, 0)
    (tensor([0, 1, 2, 3]), tensor([4, 5]))
    """

    def __init__(self, fraction: float) -> None:
        self.fraction = _check_fraction(fraction, "TemporalSplit")

    def split(self, n: int, generator: Seed | None = None) -> tuple[Tensor, Tensor]:
        """Positions ``(train, validation)``; ``generator`` is not used (the split is not random)."""
        n = _check_n(n, "TemporalSplit")
        n_train = n - math.ceil(self.fraction * n)
        return torch.arange(n_train), torch.arange(n_train, n)

    def __repr__(self) -> str:
        return f"TemporalSplit(fraction={self.fraction!r})"


class MaskSplit:
    """Given boolean masks: the positions where ``train_mask`` is True train, where ``val_mask`` is True validate.

    Positions in neither mask are left out of both (the test nodes of a node-level task).

    Parameters
    ----------
    train_mask, val_mask : bool Tensor or array of shape (n,)
        Disjoint masks (PyTorch Geometric's ``data.train_mask`` and ``data.val_mask``).

    Raises
    ------
    ValueError
        If the masks are not 1-D booleans of one length, or overlap.

    Examples
    --------
    >>> import torch
    >>> MaskSplit(torch.tensor([True, False, True, False]), torch.tensor([False, True, False, False])).split(4, 0)
    (tensor([0, 2]), tensor([1]))
    """

    def __init__(self, train_mask: object, val_mask: object) -> None:
        masks = []
        for name, mask in (("train_mask", train_mask), ("val_mask", val_mask)):
            mask = torch.as_tensor(np.asarray(mask) if not isinstance(mask, Tensor) else mask).cpu()
            if mask.dtype != torch.bool or mask.ndim != 1:
                raise ValueError(
                    f"`{name}` of MaskSplit must be a 1-D boolean mask. Got shape {tuple(mask.shape)} and dtype "
                    f"{mask.dtype} instead."
                )
            masks.append(mask)
        if masks[0].shape != masks[1].shape:
            raise ValueError(
                f"`val_mask` of MaskSplit must have shape {tuple(masks[0].shape)}, as `train_mask` has. "
                f"Got shape {tuple(masks[1].shape)} instead."
            )
        both = masks[0] & masks[1]
        if bool(both.any()):
            rows = torch.nonzero(both)[:5, 0].tolist()
            raise ValueError(
                f"`val_mask` of MaskSplit must not overlap `train_mask`. Got {int(both.sum())} position(s) in both "
                f"(first {rows}) instead."
            )
        self.train_mask, self.val_mask = masks

    def split(self, n: int, generator: Seed | None = None) -> tuple[Tensor, Tensor]:
        """Positions ``(train, validation)`` of the masks; ``generator`` is not used."""
        n = _check_n(n, "MaskSplit")
        if n != self.train_mask.shape[0]:
            raise ValueError(f"`n` of MaskSplit.split must be {self.train_mask.shape[0]}, the masks' length. Got {n} instead.")
        return torch.nonzero(self.train_mask)[:, 0], torch.nonzero(self.val_mask)[:, 0]

    def __repr__(self) -> str:
        return f"MaskSplit(train={int(self.train_mask.sum())}, validation={int(self.val_mask.sum())})"
