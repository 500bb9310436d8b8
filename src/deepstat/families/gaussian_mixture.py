"""Mixture-of-Gaussians family: multimodal regression (a mixture density network, Bishop 1994)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family, check_size
from deepstat.families.estimation import positive_or, weighted_mean, weighted_quantile, weighted_var
from deepstat.families.links import IdentityLink, Link, SoftplusLink

__all__ = ["GaussianMixture"]


class GaussianMixture(Family):
    r"""Mixture of ``k`` normals: ``eta`` holds ``k`` mixture logits, then ``k`` locations, then ``k`` raw scales.

    .. math:: p(y) = \sum_{j=1}^k \pi_j\, N(y; \mu_j, \sigma_j^2), \quad
              \pi = \mathrm{softmax}(\eta_{1:k}),\ \mu = \eta_{k+1:2k},\ \sigma = \mathrm{softplus}(\eta_{2k+1:3k})

    torch: ``MixtureSameFamily(Categorical(logits=logits), Normal(loc, scale))``;
    scipy: ``sum_j weights[j] * scipy.stats.norm(loc[j], scale[j]).pdf(y)``.

    Parameters
    ----------
    n_components : int
        Number of components ``k >= 1``.

    Raises
    ------
    TypeError
        If ``n_components`` is not an integer.
    ValueError
        If ``n_components < 1``.

    Notes
    -----
    All ``3k`` columns describe the shape of the distribution, so ``n_location_params = 3k``.
    The CDF is :math:`\sum_j \pi_j \Phi(z_j)` with :math:`\Phi(z) = \operatorname{erfc}(-z/\sqrt2)/2`
    (accurate in the far lower tail); quantiles invert it by bisection (float64, no gradient).

    References
    ----------
    Bishop, C. M. (1994). Mixture density networks. Aston University technical report NCRG/94/004.

    Examples
    --------
    >>> import torch
    >>> family = GaussianMixture(n_components=2)
    >>> family.n_params
    6
    >>> family.mean(torch.tensor([[0.0, 0.0, -1.0, 1.0, 0.0, 0.0]]))
    tensor([0.])
    """

    name: ClassVar[str] = "gaussian_mixture"
    location_on_target_scale = True
    support = constraints.real
    support_text = "real numbers (-inf, inf)"

    def __init__(self, n_components: int) -> None:
        self.n_components = check_size(n_components, "n_components", "GaussianMixture", 1)
        self.params = {
            "logits": constraints.real_vector,
            "loc": constraints.real_vector,
            "scale": constraints.independent(constraints.positive, 1),
        }
        self.links = {"logits": IdentityLink(), "loc": IdentityLink(), "scale": SoftplusLink()}
        self.n_location_params = 3 * self.n_components

    @property
    def n_params(self) -> int:
        return 3 * self.n_components

    @classmethod
    def from_target(cls, y: np.ndarray | Tensor, *, caller: str | None = None) -> GaussianMixture:
        """Always raises: the number of components cannot be read off the target.

        Raises
        ------
        ValueError
            Saying to construct the family with ``n_components``.
        """
        caller = caller or f"{cls.__name__}.from_target"
        raise ValueError(
            f"`family` of {caller} must say how many components a mixture has. Got {cls.name!r} instead. "
            "Use family=deepstat.families.GaussianMixture(n_components=3)."
        )

    def _config(self) -> dict[str, Any]:
        return {"n_components": self.n_components}

    def eta_columns(self) -> list[tuple[str, Link]]:
        return [item for item in self.links.items() for _ in range(self.n_components)]

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        """``{"logits", "loc", "scale"}``, each of shape ``(*batch, k)``."""
        self._check_eta(eta)
        k = self.n_components
        return {name: link.inverse(eta[..., j * k : (j + 1) * k]) for j, (name, link) in enumerate(self.links.items())}

    def _make_distribution(self, logits: Tensor, loc: Tensor, scale: Tensor) -> Distribution:
        mixing = torch.distributions.Categorical(logits=logits, validate_args=False)
        components = torch.distributions.Normal(loc, scale, validate_args=False)
        return torch.distributions.MixtureSameFamily(mixing, components, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        # sum_j pi_j Phi(z_j) with Phi(z) = erfc(-z / sqrt 2) / 2, which keeps the far lower
        # tail that torch's erf-based Normal.cdf rounds to 0
        p = self.split(eta)
        z = (y[..., None] - p["loc"]) / p["scale"]  # (..., n, k)
        return (p["logits"].softmax(-1) * 0.5 * torch.special.erfc(-z / math.sqrt(2))).sum(-1)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Equal weights; locations at the weighted (j - 1/2)/k quantiles (the mean when k = 1,
        # which with scale = sd is the MLE); scales = sd / k.
        k = self.n_components
        sd = positive_or(weighted_var(y, w).sqrt(), 1e-3)
        if k == 1:
            loc = weighted_mean(y, w).reshape(1)
        else:
            loc = weighted_quantile(y, w, (torch.arange(k, dtype=y.dtype) + 0.5) / k)
        scale = self.links["scale"].forward((sd / k).expand(k))
        return torch.cat([torch.zeros(k, dtype=y.dtype), loc, scale])
