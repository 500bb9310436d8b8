"""EqualMixture: the equally weighted mixture of M predictive distributions (ensembles, MC dropout)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.search import continuous_quantile, discrete_quantile

__all__ = ["EqualMixture"]


class EqualMixture(Distribution):
    r"""Equally weighted mixture of ``M`` distributions that share a batch shape ``(n,)``.

    .. math:: p(y \mid x) = \frac1M \sum_{m=1}^M p_m(y \mid x)

    The predictive of a deep ensemble (one component per network, Lakshminarayanan, Pritzel &
    Blundell 2017) and of MC dropout (one component per stochastic forward pass, Gal &
    Ghahramani 2016).

    Parameters
    ----------
    components : sequence of torch.distributions.Distribution
        The ``M`` components, all with the same ``batch_shape`` (one entry per row) and
        ``event_shape``.
    cdfs : sequence of callables or None, default=None
        ``cdfs[m](y)`` evaluates component ``m``'s CDF; ``None`` uses ``components[m].cdf``.
        Pass them for components whose torch class has no ``cdf`` (e.g. Student-t).

    Notes
    -----
    - ``log_prob`` is :math:`\operatorname{logsumexp}_m \log p_m(y) - \log M` (stable for tiny densities);
    - ``cdf`` is the mean of the component CDFs;
    - ``mean`` is the mean of the component means, ``variance`` follows the law of total
      variance :math:`\bar{\sigma^2} + \overline{\mu^2} - \bar\mu^2`;
    - ``icdf`` (univariate, batch shape ``(n,)``) inverts the mixture CDF in float64 by bisection
      (continuous components) or returns the smallest integer with ``cdf >= q`` (discrete ones),
      with :mod:`deepstat.families.search`;
    - ``sample`` picks a component uniformly for every draw and row, then draws from it; it uses
      torch's global generator (seed it, or run under ``torch.random.fork_rng``).

    Examples
    --------
    >>> import torch
    >>> from torch.distributions import Normal
    >>> mix = EqualMixture([Normal(torch.tensor([0.0]), 1.0), Normal(torch.tensor([2.0]), 1.0)])
    >>> mix.mean, mix.variance  # total variance 1 + 1
    (tensor([1.]), tensor([2.]))
    >>> round(float(mix.icdf(torch.tensor([0.5]))), 6)  # symmetric about 1
    1.0
    >>> round(float(mix.cdf(torch.tensor([1.0]))), 6)
    0.5
    """

    arg_constraints: ClassVar[dict] = {}
    has_rsample = False

    def __init__(self, components: Sequence[Distribution], cdfs: Sequence[Callable[[Tensor], Tensor]] | None = None) -> None:
        components = list(components)
        if not components:
            raise ValueError("`components` of EqualMixture must hold at least one distribution. Got an empty sequence instead.")
        first = components[0]
        for m, comp in enumerate(components):
            if not isinstance(comp, Distribution):
                raise TypeError(
                    f"`components` of EqualMixture must hold torch Distributions. Got {type(comp).__name__} at index {m} instead."
                )
            if comp.batch_shape != first.batch_shape or comp.event_shape != first.event_shape:
                raise ValueError(
                    "`components` of EqualMixture must share batch and event shapes. Got "
                    f"{tuple(first.batch_shape)}/{tuple(first.event_shape)} and, at index {m}, "
                    f"{tuple(comp.batch_shape)}/{tuple(comp.event_shape)} instead."
                )
        if cdfs is not None and len(cdfs) != len(components):
            raise ValueError(
                f"`cdfs` of EqualMixture must have one function per component ({len(components)}). Got {len(cdfs)} instead."
            )
        self.components = components
        self._cdfs = list(cdfs) if cdfs is not None else [c.cdf for c in components]
        super().__init__(first.batch_shape, first.event_shape, validate_args=False)

    @property
    def n_components(self) -> int:
        """Number of mixture components ``M``."""
        return len(self.components)

    @constraints.dependent_property
    def support(self):
        return self.components[0].support

    # ------------------------------------------------------------------ moments
    def _stack(self, attr: str) -> Tensor:
        return torch.stack([getattr(c, attr) for c in self.components])  # (M, *batch, *event)

    @property
    def mean(self) -> Tensor:
        return self._stack("mean").mean(0)

    @property
    def variance(self) -> Tensor:
        mu = self._stack("mean")
        return self._stack("variance").mean(0) + (mu**2).mean(0) - mu.mean(0) ** 2

    # ------------------------------------------------------------------ probabilities
    def log_prob(self, value: Tensor) -> Tensor:
        lp = torch.stack([c.log_prob(value) for c in self.components])  # (M, *sample, *batch)
        return torch.logsumexp(lp, dim=0) - math.log(self.n_components)

    def cdf(self, value: Tensor) -> Tensor:
        try:
            return torch.stack([f(value) for f in self._cdfs]).mean(0)
        except NotImplementedError:
            raise ValueError(
                f"`cdfs` of EqualMixture must be given for components without a torch `cdf`. Got "
                f"{type(self.components[0]).__name__} components and no `cdfs` instead."
            ) from None

    def icdf(self, value: Tensor) -> Tensor:
        """Mixture quantiles at levels ``value`` (broadcast against the batch shape ``(n,)``), float64."""
        if self.event_shape != () or len(self.batch_shape) != 1:
            raise ValueError(
                "`icdf` of EqualMixture must be called on a univariate mixture with batch shape (n,). Got batch "
                f"shape {tuple(self.batch_shape)} and event shape {tuple(self.event_shape)} instead."
            )
        q = torch.as_tensor(value, dtype=torch.float64)
        shape = torch.broadcast_shapes(q.shape, self.batch_shape)
        grid = q.expand(shape).reshape(-1, self.batch_shape[0])  # (m, n)
        if not bool(((grid > 0) & (grid < 1)).all()):
            raise ValueError("`value` of EqualMixture.icdf must hold levels in the open interval (0, 1).")

        def cdf(y: Tensor) -> Tensor:
            return self.cdf(y).to(torch.float64)

        support = self.support
        lower = float(getattr(support, "lower_bound", -math.inf))
        upper = float(getattr(support, "upper_bound", math.inf))
        if support.is_discrete:
            out = discrete_quantile(cdf, grid, lower=int(lower))
        else:
            out = continuous_quantile(cdf, grid, lower, upper)
        return out.reshape(shape)

    # ------------------------------------------------------------------ sampling
    def sample(self, sample_shape: torch.Size | Sequence[int] = ()) -> Tensor:
        sample_shape = torch.Size(sample_shape)
        with torch.no_grad():
            draws = torch.stack([c.sample(sample_shape) for c in self.components])  # (M, *sample, *batch, *event)
            pick = torch.randint(self.n_components, (1, *sample_shape, *self.batch_shape))
            pick = pick.reshape(*pick.shape, *([1] * len(self.event_shape))).expand(1, *draws.shape[1:])
            return torch.gather(draws, 0, pick)[0]

    def __repr__(self) -> str:
        return f"EqualMixture(n_components={self.n_components}, batch_shape={tuple(self.batch_shape)})"
