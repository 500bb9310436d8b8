r"""Plackett-Luce rankings: the distribution (torch has none) and the family.

A ranking of ``k`` items lists item indices from first (most preferred) to last. A partial
top-``m`` ranking lists the first ``m`` items and pads the rest with ``-1``. Under the model with
scores :math:`s` (the logits), the items are chosen one at a time from those still unranked,

.. math:: P(\text{ranking } r) = \prod_{j=0}^{m-1} \frac{e^{s_{r_j}}}{\sum_{l \notin \{r_0, \dots, r_{j-1}\}} e^{s_l}}

(Luce 1959; Plackett 1975). Equivalently, :math:`r` orders :math:`s + G` decreasingly with
:math:`G` i.i.d. standard Gumbel, which gives an exact sampler (Yellott 1977).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family, check_size, vector_size
from deepstat.families.links import IdentityLink, Link
from deepstat.utils.validation import format_values

__all__ = ["PlackettLuceDistribution", "PlackettLuce"]


class _Ranking(constraints.Constraint):
    """Rankings of ``n_items`` items: distinct indices first, then ``-1`` padding (at least one ranked)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items
        super().__init__()

    def check(self, value: Tensor) -> Tensor:
        k = self.n_items
        if value.shape[-1:] != (k,):
            return torch.zeros(value.shape[:-1], dtype=torch.bool, device=value.device)
        ranked = (value >= 0) & (value <= k - 1) & (value == torch.floor(value))
        padding = value == -1
        ok = (ranked | padding).all(-1) & ranked[..., 0]
        ok = ok & (ranked[..., 1:] <= ranked[..., :-1]).all(-1)  # padding only at the end
        idx = torch.where(ranked, value, torch.full_like(value, k)).long()
        counts = F.one_hot(idx, k + 1)[..., :k].sum(-2)  # times each item is ranked
        return ok & (counts <= 1).all(-1)

    def __repr__(self) -> str:
        return f"Ranking(n_items={self.n_items})"


class PlackettLuceDistribution(Distribution):
    r"""Plackett-Luce distribution over (partial) rankings of ``k`` items.

    Parameters
    ----------
    logits : Tensor
        Item scores :math:`s`, shape ``(*batch_shape, k)``; only differences matter.
    validate_args : bool or None, default=None
        As in ``torch.distributions``.

    Notes
    -----
    ``log_prob`` completes each ranking to a full permutation (unranked items appended in any
    order), gathers the ordered scores and takes :math:`s_{o_j} - \log\sum_{l \ge j} e^{s_{o_l}}`
    from one reversed ``torch.logcumsumexp``; it sums the first ``m`` terms, so partial rankings
    need no special case and nothing loops over rows. ``mean`` and ``variance`` are not defined
    for rankings; :attr:`expected_rank` gives :math:`E[\text{position of item } i]` (0 = first) in
    closed form, because pairwise marginals are logistic:
    :math:`P(j \text{ before } i) = \mathrm{sigmoid}(s_j - s_i)`.

    Examples
    --------
    >>> import torch
    >>> dist = PlackettLuceDistribution(torch.tensor([[0.0, 0.0, 0.0]]))
    >>> dist.log_prob(torch.tensor([[2, 0, 1]])).exp()  # 1 / 3!
    tensor([0.1667])
    >>> dist.log_prob(torch.tensor([[2, -1, -1]])).exp()  # top-1: 1 / 3
    tensor([0.3333])
    """

    arg_constraints = {"logits": constraints.real_vector}
    has_rsample = False

    def __init__(self, logits: Tensor, validate_args: bool | None = None) -> None:
        if logits.ndim < 1 or logits.shape[-1] < 2:
            raise ValueError(
                "`logits` of PlackettLuceDistribution must have a last dimension >= 2. "
                f"Got shape {tuple(logits.shape)} instead."
            )
        self.logits = logits
        super().__init__(logits.shape[:-1], logits.shape[-1:], validate_args=validate_args)

    @property
    def n_items(self) -> int:
        return int(self.logits.shape[-1])

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return _Ranking(self.n_items)

    def expand(self, batch_shape: torch.Size | tuple[int, ...], _instance: Any = None) -> PlackettLuceDistribution:
        return PlackettLuceDistribution(self.logits.expand(*batch_shape, self.n_items), validate_args=False)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self.n_items
        r = value.long()
        logits, r = torch.broadcast_tensors(self.logits, r)  # (..., k)
        ranked = r >= 0
        positions = torch.arange(k, device=r.device).expand(r.shape)
        # position of each item in the completed ranking: ranked items their own, the rest after
        key = (k + torch.arange(k + 1, device=r.device)).expand(*r.shape[:-1], k + 1).clone()
        key.scatter_(-1, torch.where(ranked, r, k), positions)  # column k absorbs the padding
        order = torch.argsort(key[..., :k], dim=-1)
        s = logits.gather(-1, order)  # ordered scores
        tail = torch.flip(torch.logcumsumexp(torch.flip(s, [-1]), dim=-1), [-1])  # log sum_{l >= j}
        stage = positions < ranked.sum(-1, keepdim=True)
        return ((s - tail) * stage).sum(-1)

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            gumbel = -torch.log(torch.empty(shape, dtype=self.logits.dtype, device=self.logits.device).exponential_())
            return torch.argsort(self.logits.expand(shape) + gumbel, dim=-1, descending=True)

    @property
    def mode(self) -> Tensor:
        """The most probable ranking: items by decreasing score."""
        return torch.argsort(self.logits, dim=-1, descending=True)

    @property
    def expected_rank(self) -> Tensor:
        """Expected 0-based position of each item, shape ``(*batch_shape, k)``."""
        s = self.logits
        pairwise = torch.sigmoid(s[..., None, :] - s[..., :, None])  # [i, j] = P(j before i)
        return pairwise.sum(-1) - 0.5  # drop the diagonal sigmoid(0) = 1/2

    @property
    def mean(self) -> Tensor:
        raise ValueError(
            "`mean` of PlackettLuceDistribution must not be requested: a ranking has no mean. "
            "Got a request for it instead; use `expected_rank` or `mode`."
        )

    @property
    def variance(self) -> Tensor:
        raise ValueError(
            "`variance` of PlackettLuceDistribution must not be requested: a ranking has no variance. "
            "Got a request for it instead; use `expected_rank` or samples."
        )


class PlackettLuce(Family):
    r"""Plackett-Luce family for rankings of ``k`` items: ``eta`` are the ``k`` item scores (identity link).

    .. math:: \log p(r) = \sum_{j=0}^{m-1} \Big(\eta_{r_j} - \log \sum_{l \notin \{r_0..r_{j-1}\}} e^{\eta_l}\Big)

    scipy: none; the reference is the product formula above.

    Parameters
    ----------
    n_items : int
        Number of items ``k >= 2``.

    Raises
    ------
    TypeError
        If ``n_items`` is not an integer.
    ValueError
        If ``n_items < 2``.

    Notes
    -----
    Targets have shape ``(n, k)`` (``(*batch, k)`` in general): each row a permutation of ``0 .. k-1``, or a top-``m`` ranking
    padded with ``-1`` at the end. :meth:`mean` and :meth:`variance` raise ``ValueError``; use
    :meth:`expected_rank` or :meth:`mode`. ``cdf``/``quantile`` are not defined.

    Examples
    --------
    >>> import torch
    >>> family = PlackettLuce(n_items=3)
    >>> family.log_prob(torch.tensor([[0.0, 1.0, 2.0]]), torch.zeros(1, 3)).exp()
    tensor([0.1667])
    """

    name: ClassVar[str] = "plackett_luce"
    is_discrete = True
    event_rank: ClassVar[int] = 1
    sized_by_target: ClassVar[bool] = True

    def __init__(self, n_items: int) -> None:
        self.n_items = check_size(n_items, "n_items", "PlackettLuce", 2)
        k = self.n_items
        self.params = {"logits": constraints.real_vector}
        self.links = {"logits": IdentityLink()}  # applied to all k columns at once
        self.support = _Ranking(k)
        self.support_text = (
            f"rankings of the items 0..{k - 1}: each row a permutation, or a top-m ranking padded with -1 at the end"
        )
        self.event_shape = (k,)
        self.n_location_params = k

    @property
    def n_params(self) -> int:
        return self.n_items

    @classmethod
    def from_target(cls, y: np.ndarray | Tensor, *, caller: str | None = None) -> PlackettLuce:
        """``PlackettLuce(n_items=y.shape[-1])`` for rankings ``y`` of shape ``(*batch, k)``.

        Raises
        ------
        ValueError
            If ``y`` has fewer than 2 dimensions.
        """
        return cls(n_items=vector_size(y, cls.name, caller or f"{cls.__name__}.from_target"))

    def _config(self) -> dict[str, Any]:
        return {"n_items": self.n_items}

    point_prediction = "mode"

    def eta_columns(self) -> list[tuple[str, Link]]:
        return [("logits", IdentityLink())] * self.n_params

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        """``{"logits": (*batch, k), "probs": (*batch, k)}``; ``probs`` are the first-choice probabilities."""
        self._check_eta(eta)
        return {"logits": eta, "probs": torch.softmax(eta, dim=-1)}

    def distribution(self, eta: Tensor) -> Distribution:
        self._check_eta(eta)
        return PlackettLuceDistribution(eta, validate_args=False)

    def expected_rank(self, eta: Tensor) -> Tensor:
        """Expected 0-based position of each item, shape ``(*batch, k)``."""
        return self.distribution(eta).expected_rank

    def _table_target_shape(self, arr: np.ndarray) -> tuple[int, ...]:
        if arr.ndim == 2 and arr.shape[1] == self.n_items:
            return arr.shape
        raise ValueError(f"`y` of PlackettLuce must have shape (n, {self.n_items}). Got shape {arr.shape} instead.")

    def check_target(self, y: np.ndarray | Tensor, *, batch_shape: Sequence[int] | None = None) -> None:
        arr = self._as_array(y)
        arr = arr.reshape(self._target_shape(arr, batch_shape))
        bad = ~self.support.check(torch.from_numpy(arr)).numpy()  # batch shape, one flag per ranking
        if bad.any():
            if bad.ndim == 1:
                rows = np.flatnonzero(bad)
                where, first = f"rows {format_values(rows)}", arr[rows[0]]
            else:  # batch positions as index tuples
                positions = [tuple(int(i) for i in p) for p in np.argwhere(bad)]
                shown = ", ".join(map(str, positions[:5])) + (", ..." if len(positions) > 5 else "")
                where, first = f"at batch positions [{shown}]", arr[positions[0]]
            raise ValueError(
                f"`y` of PlackettLuce must lie in the support {self.support_text}. Got {int(bad.sum())} "
                f"ranking(s) outside it, {where}, first {first.tolist()} instead."
            )

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE of the scores by L-BFGS on the weighted NLL plus a ridge 1e-4 ||s||^2, which keeps
        # the scores finite when an item is never preferred; centred to sum zero.
        s = torch.zeros(self.n_items, dtype=y.dtype, requires_grad=True)
        ranking = y.long()
        opt = torch.optim.LBFGS(
            [s], max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe"
        )

        def closure() -> Tensor:
            opt.zero_grad()
            log_lik = PlackettLuceDistribution(s.expand(len(ranking), -1), validate_args=False).log_prob(ranking)
            loss = -(w * log_lik).sum() + 1e-4 * (s**2).sum()
            loss.backward()
            return loss

        with torch.enable_grad():
            opt.step(closure)
        s = s.detach()
        return s - s.mean()
