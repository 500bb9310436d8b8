"""Multivariate normal family: multivariate regression with a full, input-dependent covariance."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family, check_size, vector_size
from deepstat.families.estimation import positive_or, weighted_mean
from deepstat.families.links import CholeskyLink, IdentityLink, Link, SoftplusLink

__all__ = ["MultivariateNormal"]


class MultivariateNormal(Family):
    r"""Multivariate normal family: :math:`y \sim N_d(\mu, L L^\top)`; ``eta`` holds ``d`` means, then the
    ``d (d + 1) / 2`` entries of the Cholesky factor :math:`L` (see :class:`~deepstat.families.links.CholeskyLink`:
    row-major lower triangle, softplus on the diagonal, identity off it).

    .. math:: \log p(y) = -\tfrac{d}{2}\log(2\pi) - \sum_i \log L_{ii} - \tfrac12 \lVert L^{-1}(y - \mu)\rVert^2

    scipy: ``scipy.stats.multivariate_normal(mean=loc, cov=scale_tril @ scale_tril.T)``.

    Parameters
    ----------
    dim : int
        Dimension ``d >= 1`` of the target.

    Raises
    ------
    TypeError
        If ``dim`` is not an integer.
    ValueError
        If ``dim < 1``.

    Notes
    -----
    :meth:`variance` is the diagonal of the covariance, shape ``(*batch, d)``; the full covariance is
    ``distribution(eta).covariance_matrix``. ``cdf`` and ``quantile`` are not defined.

    Examples
    --------
    >>> import torch
    >>> family = MultivariateNormal(dim=2)
    >>> family.n_params
    5
    >>> family.sample(torch.zeros(4, 5), n_samples=3).shape
    torch.Size([3, 4, 2])
    """

    name: ClassVar[str] = "multivariate_normal"
    event_rank: ClassVar[int] = 1
    sized_by_target: ClassVar[bool] = True
    support = constraints.real_vector
    support_text = "finite real vectors"

    def __init__(self, dim: int) -> None:
        self.dim = check_size(dim, "dim", "MultivariateNormal", 1)
        self.params = {"loc": constraints.real_vector, "scale_tril": constraints.lower_cholesky}
        self.links = {"loc": IdentityLink(), "scale_tril": CholeskyLink(self.dim)}
        self.event_shape = (self.dim,)
        self.n_location_params = self.dim
        self.support_text = f"finite real vectors of length {self.dim}"

    @property
    def n_params(self) -> int:
        return self.dim + self.dim * (self.dim + 1) // 2

    @classmethod
    def from_target(cls, y: np.ndarray | Tensor, *, caller: str | None = None) -> MultivariateNormal:
        """``MultivariateNormal(dim=y.shape[-1])`` for targets ``y`` of shape ``(*batch, d)``.

        Raises
        ------
        ValueError
            If ``y`` has fewer than 2 dimensions.
        """
        return cls(dim=vector_size(y, cls.name, caller or f"{cls.__name__}.from_target"))

    def _config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    location_on_target_scale = True

    def eta_columns(self) -> list[tuple[str, Link]]:
        rows, cols = torch.tril_indices(self.dim, self.dim)
        tril = [(f"scale_tril[{r},{c}]", SoftplusLink() if r == c else IdentityLink()) for r, c in zip(rows.tolist(), cols.tolist())]
        return [("loc", IdentityLink())] * self.dim + tril

    def eta_scale(self, y: Tensor, weight: Tensor | None = None) -> Tensor:
        """As :meth:`Family.eta_scale`; off-diagonal Cholesky entries, in units of ``y``, get their row's sd."""
        scale = super().eta_scale(y, weight)
        y64, w = self._pool(y, weight, "eta_scale")
        w = w / w.sum()
        sd = positive_or((w @ (y64 - w @ y64) ** 2).sqrt(), 1.0)
        rows, cols = torch.tril_indices(self.dim, self.dim)
        off = (rows != cols).nonzero().flatten()
        scale[self.dim + off] = sd[rows[off]].to(scale.dtype)
        return scale

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        """``{"loc": (*batch, d), "scale_tril": (*batch, d, d)}``."""
        self._check_eta(eta)
        d = self.dim
        return {"loc": eta[..., :d], "scale_tril": self.links["scale_tril"].inverse(eta[..., d:])}

    def _make_distribution(self, loc: Tensor, scale_tril: Tensor) -> Distribution:
        return torch.distributions.MultivariateNormal(loc, scale_tril=scale_tril, validate_args=False)

    def _table_target_shape(self, arr: np.ndarray) -> tuple[int, ...]:
        if arr.ndim == 2 and arr.shape[1] == self.dim:
            return arr.shape
        raise ValueError(f"`y` of MultivariateNormal must have shape (n, {self.dim}). Got shape {arr.shape} instead.")

    def _outside_support(self, arr: np.ndarray) -> np.ndarray:
        return ~np.isfinite(arr)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # MLE: weighted mean and Cholesky factor of the weighted covariance (divisor: total
        # weight). A singular covariance (n <= d, collinear or constant columns) falls back to
        # its diagonal, with zero variances replaced by 1e-6.
        loc = weighted_mean(y, w)
        centred = y - loc
        cov = (centred * w[:, None]).T @ centred
        L, info = torch.linalg.cholesky_ex(cov)
        if int(info) != 0:
            L = torch.diag(positive_or(torch.diagonal(cov), 1e-6).sqrt())
        return torch.cat([loc, self.links["scale_tril"].forward(L)])
