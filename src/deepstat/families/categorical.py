"""Categorical family: multiclass classification with labels 0, ..., k - 1."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family, check_size
from deepstat.families.links import IdentityLink, Link
from deepstat.utils.validation import format_values

__all__ = ["Categorical"]


class Categorical(Family):
    r"""Categorical family: :math:`P(y = j) = \mathrm{softmax}(\eta)_j`, ``eta`` the ``k`` logits.

    .. math:: \log p(y) = \eta_y - \log\sum_{j=0}^{k-1} e^{\eta_j} \quad (\text{cross-entropy})

    scipy: ``scipy.stats.multinomial(n=1, p=softmax(logits))`` evaluated at the one-hot label.

    Parameters
    ----------
    n_classes : int
        Number of classes ``k >= 2``.

    Raises
    ------
    TypeError
        If ``n_classes`` is not an integer.
    ValueError
        If ``n_classes < 2``.

    Notes
    -----
    The target holds integer labels ``0 .. k-1`` (a floating tensor; cast to long internally).
    :meth:`mean`, :meth:`variance`, :meth:`cdf` and :meth:`quantile` treat the labels as the
    numbers ``0 .. k-1``: meaningful for ordered classes only. For nominal classes use
    ``split(eta)["probs"]`` and :meth:`mode`.

    Examples
    --------
    >>> import torch
    >>> Categorical(3).split(torch.zeros(1, 3))["probs"]
    tensor([[0.3333, 0.3333, 0.3333]])
    """

    name: ClassVar[str] = "categorical"
    sized_by_target: ClassVar[bool] = True
    support_text = ""
    target_hint = "Encode the labels as 0, ..., k-1, e.g. with sklearn.preprocessing.LabelEncoder."
    is_discrete = True

    def __init__(self, n_classes: int) -> None:
        self.n_classes = check_size(n_classes, "n_classes", "Categorical", 2)
        k = self.n_classes
        self.params = {"logits": constraints.real_vector}
        self.links = {"logits": IdentityLink()}  # applied to all k columns at once
        self.support = constraints.integer_interval(0, k - 1)
        self.support_text = f"integer labels {{0, 1, ..., {k - 1}}}"
        self.support_bounds = (0.0, float(k - 1))
        self.n_location_params = k

    @property
    def n_params(self) -> int:
        return self.n_classes

    @classmethod
    def from_target(cls, y: np.ndarray | Tensor, *, caller: str | None = None) -> Categorical:
        """``Categorical(n_classes=k)`` with ``k - 1`` the largest label of ``y`` (at least 2 classes).

        ``y`` holds integer labels ``0, 1, ...`` in any batch shape.

        Raises
        ------
        ValueError
            If a label is not a non-negative integer, or the largest label exceeds the number
            of entries of ``y`` (more classes than observations: pass ``n_classes`` instead).
        """
        caller = caller or f"{cls.__name__}.from_target"
        try:
            arr = np.asarray(y.detach().cpu() if isinstance(y, Tensor) else y, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"`y` of {caller} must be numeric labels. Got {type(y).__name__} instead.") from None
        labels = np.unique(arr)
        if not (labels.size and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)) and labels.min() >= 0):
            raise ValueError(
                f"`y` of {caller} must hold integer labels 0, 1, ... for family 'categorical'. Got {format_values(labels)} "
                "instead. DeepClassifier takes labels of any type."
            )
        k = int(labels.max()) + 1
        n = arr.size  # rows of a table target
        if k > max(2, n):
            raise ValueError(
                f"`y` of {caller} has label {k - 1}, more classes than rows ({n}). Pass "
                "family=deepstat.families.Categorical(n_classes=k) to fix the number of classes."
            )
        return cls(n_classes=max(2, k))

    def _config(self) -> dict[str, Any]:
        return {"n_classes": self.n_classes}

    def eta_columns(self) -> list[tuple[str, Link]]:
        return [("logits", IdentityLink())] * self.n_params

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        """``{"logits": (*batch, k), "probs": (*batch, k)}``."""
        self._check_eta(eta)
        return {"logits": eta, "probs": torch.softmax(eta, dim=-1)}

    def distribution(self, eta: Tensor) -> Distribution:
        self._check_eta(eta)
        return torch.distributions.Categorical(logits=eta, validate_args=False)

    def _value(self, y: Tensor) -> Tensor:
        return y.long()

    def _moments(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        probs = self.split(eta)["probs"]
        labels = torch.arange(self.n_classes, dtype=probs.dtype, device=probs.device)
        mean = probs @ labels
        return mean, probs @ labels**2 - mean**2

    def mean(self, eta: Tensor) -> Tensor:
        return self._moments(eta)[0]

    def variance(self, eta: Tensor) -> Tensor:
        return self._moments(eta)[1]

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        cum = torch.cumsum(self.split(eta)["probs"], dim=-1)  # (*batch, k)
        y, cum = torch.broadcast_tensors(y[..., None], cum)  # (..., n, k)
        idx = torch.floor(y[..., :1]).clamp(0, self.n_classes - 1).long()
        out = cum.gather(-1, idx)[..., 0]
        y = y[..., 0]
        return torch.where(y < 0, torch.zeros_like(out), torch.where(y >= self.n_classes - 1, torch.ones_like(out), out))

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: log of the weighted class frequencies; a class never observed gets half an
        # observation (1 / (2 n_eff)) so that its logit is finite.
        freq = torch.zeros(self.n_classes, dtype=y.dtype).index_add_(0, y.long(), w)
        freq = torch.where(freq > 0, freq, 0.5 * (w**2).sum())
        return torch.log(freq / freq.sum())
