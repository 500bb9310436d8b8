r"""Weight initialisation schemes of the course (seed, "Initialization Techniques").

Each scheme fills the weight of every ``nn.Linear`` and ``nn.Conv1d/2d/3d`` inside a module;
biases get one constant. For a weight of shape ``(out, in, *kernel)``,
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real

from torch import Tensor, nn
from torch.nn.parameter import UninitializedParameter

__all__ = ["INIT_SCHEMES", "init_weights"]


def _xavier_uniform(w: Tensor, std: float) -> None:
    nn.init.xavier_uniform_(w)


def _he(w: Tensor, std: float) -> None:
    nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")  # N(0, 2 / fan_in)


# scheme -> fill function (weight, std). Aliases point at the same function.
_SCHEMES: dict[str, Callable[[Tensor, float], object]] = {
    "zeros": lambda w, std: nn.init.zeros_(w),
    "normal": lambda w, std: nn.init.normal_(w, mean=0.0, std=std),
    "xavier_uniform": _xavier_uniform,
    "xavier": _xavier_uniform,
    "xavier_normal": lambda w, std: nn.init.xavier_normal_(w),
    "he": _he,
    "kaiming_normal": _he,
    # U(-sqrt(6 / fan_in), sqrt(6 / fan_in)): variance 2 / fan_in, as He.
    "kaiming_uniform": lambda w, std: nn.init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu"),
    # gain 1 ("linear") gives N(0, 1 / fan_in).
    "lecun_normal": lambda w, std: nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="linear"),
    "orthogonal": lambda w, std: nn.init.orthogonal_(w),
}

INIT_SCHEMES: tuple[str, ...] = tuple(_SCHEMES)
"""Names accepted by :func:`init_weights` (``"xavier"`` = ``"xavier_uniform"``, ``"he"`` = ``"kaiming_normal"``)."""

_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def init_weights(module: nn.Module, scheme: str = "he", *, bias: float = 0.0, std: float = 0.01) -> nn.Module:
    r"""Initialise, in place, every linear and convolutional layer inside ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        The network; ``module`` itself and all its submodules of type ``nn.Linear``,
        ``nn.Conv1d``, ``nn.Conv2d`` or ``nn.Conv3d`` are initialised. Other layers
        (batch norm, embeddings, recurrent cells) are left as they are.
    scheme : str, default="he"
        One of :data:`INIT_SCHEMES`:

        - ``"zeros"``: :math:`W = 0` (every unit identical: the seed's symmetry warning);
        - ``"normal"``: :math:`W \sim N(0, \mathrm{std}^2)`;
        - ``"xavier_uniform"`` / ``"xavier"``:
          :math:`W \sim U(-a, a)`, :math:`a = \sqrt{6/(\mathrm{fan\_in} + \mathrm{fan\_out})}`;
        - ``"xavier_normal"``: :math:`W \sim N(0, 2/(\mathrm{fan\_in} + \mathrm{fan\_out}))`;
        - ``"he"`` / ``"kaiming_normal"``: :math:`W \sim N(0, 2/\mathrm{fan\_in})`;
        - ``"kaiming_uniform"``: :math:`W \sim U(-a, a)`, :math:`a = \sqrt{6/\mathrm{fan\_in}}`;
        - ``"lecun_normal"``: :math:`W \sim N(0, 1/\mathrm{fan\_in})` (for SELU);
        - ``"orthogonal"``: :math:`W` with orthonormal rows (or columns, if it has more
          rows than columns), from the QR decomposition of a Gaussian matrix.
    bias : float, default=0.0
        Constant every bias is set to (the seed mentions small positive values such as 0.01).
    std : float, default=0.01
        Standard deviation of the ``"normal"`` scheme; ignored by the others.

    Returns
    -------
    torch.nn.Module
        ``module`` itself, for chaining.

    Raises
    ------
    ValueError
        If ``scheme`` is unknown (the message lists the valid ones), ``bias`` is not a
        finite number, ``std`` is not a positive finite number, or a lazy layer has not
        been materialised yet.
    TypeError
        If ``module`` is not an ``nn.Module``.

    Notes
    -----
    Random draws use torch's global generator: seed it (``torch.manual_seed``) for
    reproducible weights. ``lecun_normal`` follows the seed's untruncated normal; Keras and
    JAX truncate it at two standard deviations.

    References
    ----------
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep
    feedforward neural networks. AISTATS.
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into rectifiers. ICCV.
    LeCun, Y., Bottou, L., Orr, G. and Müller, K.-R. (1998). Efficient BackProp.
    Saxe, A. M., McClelland, J. L. and Ganguli, S. (2014). Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks. ICLR.

    Examples
    --------
    >>> import torch
    >>> from deepstat.nn import init_weights
    >>> layer = init_weights(torch.nn.Linear(3, 2), "zeros", bias=0.01)
    >>> layer.weight.abs().sum().item(), layer.bias.tolist()
    (0.0, [0.009999999776482582, 0.009999999776482582])
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"`module` of init_weights must be a torch.nn.Module. Got {type(module).__name__} instead.")
    if not isinstance(scheme, str) or scheme not in _SCHEMES:
        raise ValueError(f"`scheme` of init_weights must be one of {', '.join(INIT_SCHEMES)}. Got {scheme!r} instead.")
    if isinstance(bias, bool) or not isinstance(bias, Real) or not math.isfinite(bias):
        raise ValueError(f"`bias` of init_weights must be a finite real number. Got {bias!r} instead.")
    if isinstance(std, bool) or not isinstance(std, Real) or not (math.isfinite(std) and std > 0):
        raise ValueError(f"`std` of init_weights must be a positive finite real number. Got {std!r} instead.")

    fill = _SCHEMES[scheme]
    for name, layer in module.named_modules():
        if not isinstance(layer, _LAYERS):
            continue
        if isinstance(layer.weight, UninitializedParameter):
            raise ValueError(
                f"`module` of init_weights must have materialised weights. Got the lazy layer "
                f"{name or type(layer).__name__!r} instead. Run one forward pass first."
            )
        fill(layer.weight, float(std))
        if layer.bias is not None:
            nn.init.constant_(layer.bias, float(bias))
    return module
