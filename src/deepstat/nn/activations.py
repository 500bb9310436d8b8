r"""Activation functions of the course (seed, "Activation Functions"), looked up by name.

The seed's list: logistic sigmoid, tanh, ReLU, leaky ReLU, parametric ReLU (initial slope
0.25), SoftPlus, GELU, SiLU, ELU (:math:`\alpha`), SELU and Swish (:math:`\beta`). All but
Swish are ``torch.nn`` modules; Swish is written here because torch only ships its
:math:`\beta = 1` case (``nn.SiLU``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["ACTIVATIONS", "Swish", "get_activation"]


class Swish(nn.Module):
    r"""Swish activation, :math:`\operatorname{swish}_\beta(x) = x\,\sigma(\beta x)`.

    Parameters
    ----------
    beta : float, default=1.0
        Slope inside the sigmoid. ``beta=1`` is the SiLU, ``beta=0`` the linear map
        :math:`x/2`, and :math:`\beta \to \infty` tends to the ReLU.
    learnable : bool, default=False
        If True, ``beta`` is an ``nn.Parameter`` trained with the network's weights
        (Ramachandran et al. 2017); otherwise a fixed buffer.

    Raises
    ------
    ValueError
        If ``beta`` is not a finite real number.
    TypeError
        If ``learnable`` is not a bool.

    See Also
    --------
    torch.nn.SiLU : the case ``beta=1``.

    Notes
    -----
    ``beta`` is stored as a 0-dim tensor (parameter or buffer), so it follows the module
    through ``.to(dtype)`` / ``.to(device)`` and into the ``state_dict``.

    References
    ----------
    Ramachandran, P., Zoph, B. and Le, Q. V. (2017). Searching for activation functions.
    arXiv:1710.05941.

    Examples
    --------
    >>> import torch
    >>> from deepstat.nn import Swish
    >>> Swish(beta=1.0)(torch.tensor([0.0, 2.0]))
    tensor([0.0000, 1.7616])
    """

    def __init__(self, beta: float = 1.0, learnable: bool = False) -> None:
        super().__init__()
        if isinstance(beta, bool) or not isinstance(beta, Real) or not math.isfinite(beta):
            raise ValueError(f"`beta` of Swish must be a finite real number. Got {beta!r} instead.")
        if not isinstance(learnable, bool):
            raise TypeError(f"`learnable` of Swish must be a bool. Got {learnable!r} instead.")
        value = torch.tensor(float(beta))
        self.learnable = learnable
        if learnable:
            self.beta = nn.Parameter(value)
        else:
            self.register_buffer("beta", value)

    def forward(self, x: Tensor) -> Tensor:
        """Apply :math:`x\\,\\sigma(\\beta x)` elementwise; the output has the shape of ``x``."""
        return x * torch.sigmoid(self.beta * x)

    def extra_repr(self) -> str:
        return f"beta={float(self.beta):g}, learnable={self.learnable}"


# name -> (factory, the keyword parameters it accepts).
_REGISTRY: dict[str, tuple[Callable[..., nn.Module], tuple[str, ...]]] = {
    "sigmoid": (nn.Sigmoid, ()),
    "tanh": (nn.Tanh, ()),
    "relu": (nn.ReLU, ()),
    "leaky_relu": (nn.LeakyReLU, ("negative_slope",)),
    "prelu": (lambda init=0.25: nn.PReLU(init=init), ("init",)),
    "softplus": (nn.Softplus, ("beta", "threshold")),
    "gelu": (nn.GELU, ()),
    "silu": (nn.SiLU, ()),
    "elu": (nn.ELU, ("alpha",)),
    "selu": (nn.SELU, ()),
    "swish": (Swish, ("beta", "learnable")),
}

ACTIVATIONS: tuple[str, ...] = tuple(_REGISTRY)
"""Names accepted by :func:`get_activation`, in the seed's order."""

_POSITIVE = {("softplus", "beta")}  # torch's Softplus divides by beta.


def _check_params(name: str, params: Mapping[str, Any]) -> None:
    allowed = _REGISTRY[name][1]
    for key, value in params.items():
        if key not in allowed:
            accepted = ", ".join(repr(a) for a in allowed) if allowed else "none"
            raise ValueError(
                f"`params` of get_activation must name parameters of {name!r} (accepted: "
                f"{accepted}). Got {key!r} instead."
            )
        if key == "learnable":
            continue  # Swish checks its own bool.
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(
                f"`params[{key!r}]` of get_activation must be a finite real number. Got {value!r} instead."
            )
        if (name, key) in _POSITIVE and value <= 0:
            raise ValueError(
                f"`params[{key!r}]` of get_activation must be positive for {name!r}. Got {value!r} instead."
            )


def get_activation(
    name: str | Callable[[], nn.Module], params: Mapping[str, float] | None = None
) -> nn.Module:
    r"""Build a fresh activation module from its name (or from a factory).

    Parameters
    ----------
    name : str or callable
        One of :data:`ACTIVATIONS`: ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
        ``"prelu"``, ``"softplus"``, ``"gelu"``, ``"silu"``, ``"elu"``, ``"selu"``,
        ``"swish"``. Or a callable returning an ``nn.Module`` (e.g. the class ``nn.Mish``),
        called as ``name(**params)``.
    params : mapping of str to float, default=None
        Keyword parameters of the activation. Accepted per name:
        ``leaky_relu``: ``negative_slope`` (default 0.01);
        ``prelu``: ``init`` (initial slope, default 0.25 as in the seed);
        ``softplus``: ``beta`` (> 0, default 1), ``threshold`` (default 20);
        ``elu``: ``alpha`` (default 1);
        ``swish``: ``beta`` (default 1), ``learnable`` (bool, default False).
        The others take none.

    Returns
    -------
    torch.nn.Module
        A new module (never shared between calls, so a PReLU slope is per layer). It maps
        a tensor to a tensor of the same shape.

    Raises
    ------
    ValueError
        If ``name`` is not a known activation (the message lists them), if ``params``
        names a parameter the activation does not take, or holds a non-finite value.
    TypeError
        If ``name`` is neither a str nor a callable, or the callable does not return an
        ``nn.Module``.

    See Also
    --------
    Swish : :math:`x\,\sigma(\beta x)`.

    Notes
    -----
    Closed forms, with :math:`\sigma(x) = 1/(1+e^{-x})` and :math:`\Phi` the standard normal
    CDF: sigmoid :math:`\sigma(x)`; tanh; relu :math:`\max(0, x)`; leaky_relu / prelu
    :math:`\max(0, x) + a\min(0, x)`; softplus :math:`\beta^{-1}\log(1 + e^{\beta x})`;
    gelu :math:`x\Phi(x)`; silu :math:`x\sigma(x)`; elu :math:`x` for :math:`x > 0`, else
    :math:`\alpha(e^x - 1)`; selu :math:`\lambda\,\mathrm{elu}_\alpha(x)` with
    :math:`\lambda \approx 1.0507, \alpha \approx 1.6733` (Klambauer et al. 2017).

    References
    ----------
    Klambauer, G., Unterthiner, T., Mayr, A. and Hochreiter, S. (2017). Self-normalizing
    neural networks. NeurIPS 30.

    Examples
    --------
    >>> import torch
    >>> from deepstat.nn import get_activation
    >>> get_activation("leaky_relu", {"negative_slope": 0.1})(torch.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    >>> get_activation("swish", {"beta": 1.4})
    Swish(beta=1.4, learnable=False)
    """
    params = {} if params is None else dict(params)
    if isinstance(name, str):
        if name not in _REGISTRY:
            raise ValueError(
                f"`name` of get_activation must be one of {', '.join(ACTIVATIONS)}. Got {name!r} instead."
            )
        _check_params(name, params)
        return _REGISTRY[name][0](**params)
    if callable(name):
        module = name(**params)
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"`name` of get_activation must return an nn.Module when called. Got "
                f"{type(module).__name__} from {name!r} instead."
            )
        return module
    raise TypeError(
        f"`name` of get_activation must be a str or a callable returning an nn.Module. Got {name!r} instead."
    )
