r"""Link functions: maps between raw network outputs ``eta`` and distribution parameters.

A family's network emits unconstrained real numbers ``eta``; a link's ``inverse`` maps them into
the parameter's domain (``inverse(eta) = param``) and ``forward`` maps a parameter back to the
``eta`` scale (``forward(param) = eta``), which estimators use to initialise an output bias.
This follows the GLM convention: the link maps the mean to the linear predictor,
:math:`g(\mu) = \eta`, and the *inverse* link is applied to the network's output.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["Link", "IdentityLink", "LogLink", "SoftplusLink", "LogitLink", "CholeskyLink"]


class Link:
    """Base class of links: ``inverse(eta) -> param`` and ``forward(param) -> eta``.

    Subclasses set ``name`` and implement both maps elementwise (``CholeskyLink`` maps
    a vector to a matrix instead).

    Examples
    --------
    >>> import torch
    >>> link = LogLink()
    >>> link.inverse(torch.tensor([0.0]))
    tensor([1.])
    >>> link.forward(torch.tensor([1.0]))
    tensor([0.])
    """

    name: ClassVar[str] = "link"

    def inverse(self, eta: Tensor) -> Tensor:
        """Map raw outputs ``eta`` to the parameter's domain (the inverse link)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `inverse`.")

    def forward(self, param: Tensor) -> Tensor:
        """Map a parameter value to the ``eta`` scale (the link itself)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `forward`.")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class IdentityLink(Link):
    """Identity link, ``param = eta``, for locations and logits.

    Examples
    --------
    >>> IdentityLink().inverse(torch.tensor([-2.0]))
    tensor([-2.])
    """

    name = "identity"

    def inverse(self, eta: Tensor) -> Tensor:
        return eta

    def forward(self, param: Tensor) -> Tensor:
        return param


class LogLink(Link):
    """Log link, ``param = exp(eta)``: the canonical GLM link for Poisson rates and means.

    Notes
    -----
    ``exp`` overflows float32 for ``eta > 88.7``; nothing is clamped, so an overflow shows up
    as an infinite parameter rather than a silently wrong one.

    Examples
    --------
    >>> LogLink().inverse(torch.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """

    name = "log"

    def inverse(self, eta: Tensor) -> Tensor:
        return torch.exp(eta)

    def forward(self, param: Tensor) -> Tensor:
        return torch.log(param)


class SoftplusLink(Link):
    r"""Softplus link, ``param = log(1 + exp(eta))``, for scales and concentrations.

    Softplus grows linearly for large ``eta`` (no overflow) and stays positive for negative
    ``eta``, which keeps scales stable in float32. Its inverse is
    :math:`\eta = \log(\operatorname{expm1}(p)) = p + \log(-\operatorname{expm1}(-p))`; the second
    form is used because it does not overflow for large ``p``.

    Examples
    --------
    >>> eta = torch.tensor([-3.0, 0.0, 30.0])
    >>> torch.allclose(SoftplusLink().forward(SoftplusLink().inverse(eta)), eta, atol=1e-5)
    True
    """

    name = "softplus"

    def inverse(self, eta: Tensor) -> Tensor:
        return F.softplus(eta)

    def forward(self, param: Tensor) -> Tensor:
        return param + torch.log(-torch.expm1(-param))


class LogitLink(Link):
    """Logit link, ``param = sigmoid(eta)``, for probabilities and means in (0, 1).

    Examples
    --------
    >>> LogitLink().inverse(torch.tensor([0.0]))
    tensor([0.5000])
    >>> LogitLink().forward(torch.tensor([0.5]))
    tensor([0.])
    """

    name = "logit"

    def inverse(self, eta: Tensor) -> Tensor:
        return torch.sigmoid(eta)

    def forward(self, param: Tensor) -> Tensor:
        return torch.logit(param)


class CholeskyLink(Link):
    r"""Map ``d (d + 1) / 2`` raw numbers to a lower-triangular Cholesky factor with positive diagonal.

    The entries fill the lower triangle row by row, in the order of
    ``torch.tril_indices(d, d)``: ``(0, 0), (1, 0), (1, 1), (2, 0), ...``. Diagonal entries go
    through softplus (positive), off-diagonal entries are used as they are, so every real
    vector gives a valid factor :math:`L` of a covariance :math:`\Sigma = L L^\top`.

    Parameters
    ----------
    dim : int
        Dimension ``d`` of the target.

    Examples
    --------
    >>> link = CholeskyLink(2)
    >>> L = link.inverse(torch.tensor([[0.0, 1.0, 0.0]]))
    >>> L.shape
    torch.Size([1, 2, 2])
    >>> torch.allclose(link.forward(L), torch.tensor([[0.0, 1.0, 0.0]]), atol=1e-6)
    True
    """

    name = "cholesky"

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def _indices(self, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
        rows, cols = torch.tril_indices(self.dim, self.dim, device=device)
        return rows, cols, rows == cols

    def inverse(self, eta: Tensor) -> Tensor:
        """Map ``eta`` of shape ``(..., d (d + 1) / 2)`` to factors of shape ``(..., d, d)``."""
        rows, cols, diag = self._indices(eta.device)
        entries = torch.where(diag, F.softplus(eta), eta)
        L = eta.new_zeros(*eta.shape[:-1], self.dim, self.dim)
        L[..., rows, cols] = entries
        return L

    def forward(self, param: Tensor) -> Tensor:
        """Map factors of shape ``(..., d, d)`` back to ``(..., d (d + 1) / 2)``."""
        rows, cols, diag = self._indices(param.device)
        entries = param[..., rows, cols]
        return torch.where(diag, SoftplusLink().forward(entries), entries)
