r"""Link functions: maps between raw network outputs ``eta`` and distribution parameters.

A family's network emits unconstrained real numbers ``eta``; a link's ``inverse`` maps them into
the parameter's domain (``inverse(eta) = param``) and ``forward`` maps a parameter back to the
``eta`` scale (``forward(param) = eta``), which estimators use to initialise an output bias.
This follows the GLM convention: the link maps the mean to the linear predictor,
:math:`g(\mu) = \eta`, and the *inverse* link is applied to the network's output.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "Link", "IdentityLink", "LogLink", "SoftplusLink", "LogitLink", "CholeskyLink", "InverseLink", "InverseSquaredLink",
    "SqrtLink", "ProbabilityLink", "ProbitLink", "CLogLogLink", "CauchitLink", "LogitProbabilityLink", "LINKS", "choose_link",
]


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


# ----------------------------------------------------------------------------- GLM links of a mean
class InverseLink(Link):
    r"""Inverse (reciprocal) link, :math:`\eta = 1/\mu`, ``mu = 1 / eta``: R's default for ``Gamma()``.

    Its range is not the positive reals: ``eta <= 0`` gives a mean outside the domain, and the
    family's log-likelihood is then :math:`-\infty` (the line search of the L-BFGS fit backs off).

    Examples
    --------
    >>> InverseLink().inverse(torch.tensor([0.5]))
    tensor([2.])
    """

    name = "inverse"

    def inverse(self, eta: Tensor) -> Tensor:
        return 1 / eta

    def forward(self, param: Tensor) -> Tensor:
        return 1 / param


class InverseSquaredLink(Link):
    r"""Inverse-squared link, :math:`\eta = 1/\mu^2`, ``mu = eta ** -0.5``: the canonical inverse Gaussian link.

    ``eta <= 0`` lies outside its domain (the mean is NaN there, the log-likelihood :math:`-\infty`).

    Examples
    --------
    >>> InverseSquaredLink().inverse(torch.tensor([0.25]))
    tensor([2.])
    """

    name = "inverse_squared"

    def inverse(self, eta: Tensor) -> Tensor:
        return torch.rsqrt(eta)

    def forward(self, param: Tensor) -> Tensor:
        return param**-2


class SqrtLink(Link):
    r"""Square-root link, :math:`\eta = \sqrt{\mu}`, ``mu = eta ** 2`` (R's ``poisson(link="sqrt")``, statsmodels' ``Sqrt``).

    Examples
    --------
    >>> SqrtLink().inverse(torch.tensor([3.0]))
    tensor([9.])
    """

    name = "sqrt"

    def inverse(self, eta: Tensor) -> Tensor:
        return eta**2

    def forward(self, param: Tensor) -> Tensor:
        return torch.sqrt(param)


# ----------------------------------------------------------------------------- links of a probability
class ProbabilityLink(Link):
    r"""A link of a probability: the inverse link is a CDF :math:`F`, :math:`p = F(\eta)`.

    Subclasses give :meth:`log_probs`, the pair :math:`(\log F(\eta), \log(1 - F(\eta)))` computed
    without cancellation, which the Bernoulli and binomial likelihoods use.
    """

    def log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        """``(log p, log(1 - p))`` with ``p = inverse(eta)``, accurate in both tails."""
        raise NotImplementedError(f"{type(self).__name__} must implement `log_probs`.")

    def inverse(self, eta: Tensor) -> Tensor:
        return torch.exp(self.log_probs(eta)[0])


class ProbitLink(ProbabilityLink):
    r"""Probit link, :math:`p = \Phi(\eta)`, the standard normal CDF (R's ``binomial(link="probit")``).

    Examples
    --------
    >>> ProbitLink().inverse(torch.tensor([0.0]))
    tensor([0.5000])
    """

    name = "probit"

    def log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        return torch.special.log_ndtr(eta), torch.special.log_ndtr(-eta)

    def forward(self, param: Tensor) -> Tensor:
        return torch.special.ndtri(param)


class CLogLogLink(ProbabilityLink):
    r"""Complementary log-log link, :math:`p = 1 - \exp(-e^{\eta})` (R's ``binomial(link="cloglog")``).

    :math:`\log(1 - p) = -e^{\eta}` exactly, and :math:`\log p = \log(1 - e^{-r})`, :math:`r = e^{\eta}`, as
    ``log(-expm1(-r))`` for :math:`r < \log 2` and ``log1p(-exp(-r))`` above (Maechler 2012, "Accurately
    computing log(1 - exp(-|a|))").

    Examples
    --------
    >>> CLogLogLink().forward(CLogLogLink().inverse(torch.tensor([0.3], dtype=torch.float64)))
    tensor([0.3000], dtype=torch.float64)
    """

    name = "cloglog"

    def log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        rate = torch.exp(eta)
        small = rate < math.log(2)
        log_p = torch.where(small, torch.log(-torch.expm1(-rate)), torch.log1p(-torch.exp(-rate.clamp(min=math.log(2)))))
        return log_p, -rate

    def forward(self, param: Tensor) -> Tensor:
        return torch.log(-torch.log1p(-param))


class CauchitLink(ProbabilityLink):
    r"""Cauchit link, :math:`p = \tfrac12 + \arctan(\eta)/\pi`, the standard Cauchy CDF (R's ``binomial(link="cauchit")``).

    Written :math:`p = \operatorname{atan2}(1, -\eta)/\pi` and :math:`1 - p = \operatorname{atan2}(1, \eta)/\pi`,
    which keep relative accuracy in both tails.

    Examples
    --------
    >>> CauchitLink().inverse(torch.tensor([1.0]))
    tensor([0.7500])
    """

    name = "cauchit"

    def log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        one = torch.ones_like(eta)
        return torch.log(torch.atan2(one, -eta) / math.pi), torch.log(torch.atan2(one, eta) / math.pi)

    def forward(self, param: Tensor) -> Tensor:
        return torch.tan(math.pi * (param - 0.5))


class LogitProbabilityLink(ProbabilityLink, LogitLink):
    """The logit link as a :class:`ProbabilityLink` (``p = sigmoid(eta)``), for the binomial family."""

    def log_probs(self, eta: Tensor) -> tuple[Tensor, Tensor]:
        return F.logsigmoid(eta), F.logsigmoid(-eta)

    def inverse(self, eta: Tensor) -> Tensor:
        return torch.sigmoid(eta)


#: links of a family's mean by R's name (``Gamma(link="inverse")``)
LINKS: dict[str, type[Link]] = {
    cls.name: cls
    for cls in (IdentityLink, LogLink, InverseLink, InverseSquaredLink, SqrtLink, LogitProbabilityLink, ProbitLink, CLogLogLink, CauchitLink)
}


def choose_link(link: object, choices: tuple[str, ...], caller: str) -> Link:
    """The link named ``link``, one of the family's ``choices``.

    Raises
    ------
    ValueError
        Naming ``link``, the valid choices and what was given.

    Examples
    --------
    >>> choose_link("sqrt", ("log", "identity", "sqrt"), "Poisson")
    SqrtLink()
    """
    if not isinstance(link, str) or link not in choices:
        raise ValueError(f"`link` of {caller} must be one of {list(choices)}. Got {link!r} instead.")
    return LINKS[link]()
