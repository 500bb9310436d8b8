r"""Multilayer perceptron: the network for tabular inputs.

Each hidden layer is :math:`h_l = \mathrm{dropout}(a(\mathrm{BN}(W_l h_{l-1} + b_l)))`, and the
output layer is linear, :math:`\eta = W_{L+1} h_L + b_{L+1}`, so that a family's links (not the
network) map :math:`\eta` into the parameter space (DESIGN, "the likelihood recipe").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from numbers import Integral, Real
from typing import Any

from torch import Tensor, nn

from deepstat.nn.activations import get_activation
from deepstat.nn.init import INIT_SCHEMES, init_weights

__all__ = ["MLPModuleConfig", "MLPModule"]


def _check_positive_int(value: Any, name: str, caller: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"`{name}` of {caller} must be a positive integer. Got {value!r} instead.")
    return int(value)


def _validate(
    caller: str,
    in_features: Any,
    out_features: Any,
    hidden_sizes: Any,
    activation: Any,
    activation_params: Any,
    batch_norm: Any,
    dropout: Any,
    init: Any,
    bias_init: Any,
) -> tuple[int, int, tuple[int, ...], dict[str, float] | None, float, float]:
    """Check the MLPModule settings; return the normalised ints, sizes, params, dropout and bias."""
    n_in = _check_positive_int(in_features, "in_features", caller)
    n_out = _check_positive_int(out_features, "out_features", caller)
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise ValueError(
            f"`hidden_sizes` of {caller} must be a sequence of positive integers (use () for a "
            f"linear predictor). Got {hidden_sizes!r} instead."
        )
    for size in hidden_sizes:
        if isinstance(size, bool) or not isinstance(size, Integral) or size < 1:
            raise ValueError(
                f"`hidden_sizes` of {caller} must be a sequence of positive integers. Got {hidden_sizes!r} instead."
            )
    if activation_params is not None and not isinstance(activation_params, Mapping):
        raise ValueError(
            f"`activation_params` of {caller} must be a mapping or None. Got {activation_params!r} instead."
        )
    get_activation(activation, activation_params)  # raises on unknown names or parameters
    if not isinstance(batch_norm, bool):
        raise ValueError(f"`batch_norm` of {caller} must be a bool. Got {batch_norm!r} instead.")
    if isinstance(dropout, bool) or not isinstance(dropout, Real) or not 0 <= dropout < 1:
        raise ValueError(f"`dropout` of {caller} must be a real number in [0, 1). Got {dropout!r} instead.")
    if not isinstance(init, str) or init not in INIT_SCHEMES:
        raise ValueError(f"`init` of {caller} must be one of {', '.join(INIT_SCHEMES)}. Got {init!r} instead.")
    if isinstance(bias_init, bool) or not isinstance(bias_init, Real) or not math.isfinite(bias_init):
        raise ValueError(f"`bias_init` of {caller} must be a finite real number. Got {bias_init!r} instead.")
    params = None if activation_params is None else dict(activation_params)
    return n_in, n_out, tuple(int(s) for s in hidden_sizes), params, float(dropout), float(bias_init)


@dataclass(frozen=True)
class MLPModuleConfig:
    """Settings of an :class:`MLPModule` (one frozen record, STYLE 4.4).

    Parameters
    ----------
    in_features : int
        Number of input columns, ``n_features``.
    out_features : int
        Number of outputs, e.g. ``family.n_params``.
    hidden_sizes : tuple of int, default=(64, 64)
        Width of each hidden layer; ``()`` gives a linear predictor.
    activation : str or callable, default="relu"
        Name from :data:`deepstat.nn.ACTIVATIONS`, or a factory returning an ``nn.Module``.
    activation_params : dict of str to float or None, default=None
        Keyword parameters of the activation (see :func:`deepstat.nn.get_activation`).
    batch_norm : bool, default=False
        Insert ``nn.BatchNorm1d`` after each hidden linear layer.
    dropout : float, default=0.0
        Dropout probability after each hidden activation, in [0, 1).
    init : str, default="he"
        Weight scheme from :data:`deepstat.nn.INIT_SCHEMES`.
    bias_init : float, default=0.0
        Constant every bias starts at.

    Raises
    ------
    ValueError
        If any setting is out of range (see :class:`MLPModule`).

    Examples
    --------
    >>> from deepstat.nn import MLPModuleConfig
    >>> MLPModuleConfig(20, 2, hidden_sizes=[64, 64]).hidden_sizes
    (64, 64)
    """

    in_features: int
    out_features: int
    hidden_sizes: tuple[int, ...] = (64, 64)
    activation: str | Callable[[], nn.Module] = "relu"
    activation_params: dict[str, float] | None = field(default=None)
    batch_norm: bool = False
    dropout: float = 0.0
    init: str = "he"
    bias_init: float = 0.0

    def __post_init__(self) -> None:
        n_in, n_out, sizes, params, dropout, bias_init = _validate(
            "MLPModuleConfig",
            self.in_features,
            self.out_features,
            self.hidden_sizes,
            self.activation,
            self.activation_params,
            self.batch_norm,
            self.dropout,
            self.init,
            self.bias_init,
        )
        # Normalise (list -> tuple, numpy ints -> int) so that configs compare and serialise.
        for name, value in [
            ("in_features", n_in),
            ("out_features", n_out),
            ("hidden_sizes", sizes),
            ("activation_params", params),
            ("dropout", dropout),
            ("bias_init", bias_init),
        ]:
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain dict (JSON-ready when ``activation`` is a name).

        Returns
        -------
        dict
            Keyword arguments of :class:`MLPModuleConfig`; ``hidden_sizes`` becomes a list.
        """
        out = asdict(self)
        out["hidden_sizes"] = list(self.hidden_sizes)
        return out


class MLPModule(nn.Module):
    r"""Multilayer perceptron mapping ``x`` of shape (n, in_features) to ``eta`` of shape (n, out_features).

    Parameters
    ----------
    in_features : int
        Number of input columns.
    out_features : int
        Number of outputs; an estimator asks for ``family.n_params``.
    hidden_sizes : sequence of int, default=(64, 64)
        Width of each hidden layer. ``()`` gives a single ``nn.Linear``: a linear predictor
        (with an identity link, a GLM).
    activation : str or callable, default="relu"
        Name from :data:`deepstat.nn.ACTIVATIONS` or a factory returning an ``nn.Module``;
        each hidden layer gets its own instance.
    activation_params : mapping of str to float or None, default=None
        Keyword parameters of the activation, e.g. ``{"negative_slope": 0.1}``.
    batch_norm : bool, default=False
        Add ``nn.BatchNorm1d`` between each hidden linear layer and its activation.
    dropout : float, default=0.0
        Dropout probability after each hidden activation, in [0, 1); 0 adds no layer.
    init : str, default="he"
        Weight initialisation (:func:`deepstat.nn.init_weights`) of every linear layer.
    bias_init : float, default=0.0
        Constant every bias starts at.

    Attributes
    ----------
    config : MLPModuleConfig
        The settings, enough to rebuild the architecture with :meth:`from_config`.
    hidden : torch.nn.Sequential
        The hidden blocks, Linear -> BatchNorm1d (if) -> activation -> Dropout (if);
        empty when ``hidden_sizes=()``.
    output_layer : torch.nn.Linear
        The last linear layer. Its bias is the intercept: an estimator may set it to the
        family's intercept-only estimate.

    Raises
    ------
    ValueError
        If a size is not a positive integer, ``dropout`` is outside [0, 1), ``batch_norm``
        is not a bool, ``bias_init`` is not finite, or ``activation``/``init`` is unknown.

    See Also
    --------
    deepstat.nn.get_activation, deepstat.nn.init_weights

    Notes
    -----
    The output layer has no activation: the network emits unconstrained ``eta`` and the
    family's link functions constrain it (STYLE 3).

    Examples
    --------
    >>> import torch
    >>> from deepstat.nn import MLPModule
    >>> _ = torch.manual_seed(0)
    >>> net = MLPModule(20, 2, hidden_sizes=(64, 64), dropout=0.1)
    >>> net(torch.randn(5, 20)).shape
    torch.Size([5, 2])
    >>> MLPModule(3, 1, hidden_sizes=())
    MLPModule(
      (hidden): Sequential()
      (output_layer): Linear(in_features=3, out_features=1, bias=True)
    )
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str | Callable[[], nn.Module] = "relu",
        *,
        activation_params: Mapping[str, float] | None = None,
        batch_norm: bool = False,
        dropout: float = 0.0,
        init: str = "he",
        bias_init: float = 0.0,
    ) -> None:
        super().__init__()
        _validate(
            "MLPModule", in_features, out_features, hidden_sizes, activation,
            activation_params, batch_norm, dropout, init, bias_init,
        )  # fmt: skip
        cfg = MLPModuleConfig(
            in_features=in_features,
            out_features=out_features,
            hidden_sizes=tuple(hidden_sizes),
            activation=activation,
            activation_params=None if activation_params is None else dict(activation_params),
            batch_norm=batch_norm,
            dropout=dropout,
            init=init,
            bias_init=bias_init,
        )
        self.config = cfg

        blocks: list[nn.Module] = []
        width = cfg.in_features
        for size in cfg.hidden_sizes:
            blocks.append(nn.Linear(width, size))
            if cfg.batch_norm:
                blocks.append(nn.BatchNorm1d(size))
            blocks.append(get_activation(cfg.activation, cfg.activation_params))
            if cfg.dropout > 0:
                blocks.append(nn.Dropout(cfg.dropout))
            width = size
        self.hidden = nn.Sequential(*blocks)
        self.output_layer = nn.Linear(width, cfg.out_features)
        init_weights(self, cfg.init, bias=cfg.bias_init)

    @classmethod
    def from_config(cls, config: MLPModuleConfig) -> MLPModule:
        """Build a new (freshly initialised) MLPModule from its settings.

        Parameters
        ----------
        config : MLPModuleConfig
            Settings, e.g. another network's ``.config``.

        Returns
        -------
        MLPModule
            A network with the same architecture; load a ``state_dict`` to copy weights.

        Raises
        ------
        TypeError
            If ``config`` is not an :class:`MLPModuleConfig`.

        Examples
        --------
        >>> from deepstat.nn import MLPModule
        >>> net = MLPModule(4, 2, hidden_sizes=(8,), activation="tanh")
        >>> MLPModule.from_config(net.config).config == net.config
        True
        """
        if not isinstance(config, MLPModuleConfig):
            raise TypeError(f"`config` of MLPModule.from_config must be an MLPModuleConfig. Got {type(config).__name__} instead.")
        return cls(
            config.in_features,
            config.out_features,
            config.hidden_sizes,
            config.activation,
            activation_params=config.activation_params,
            batch_norm=config.batch_norm,
            dropout=config.dropout,
            init=config.init,
            bias_init=config.bias_init,
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map ``x`` of shape (n, in_features) to ``eta`` of shape (n, out_features).

        Raises
        ------
        ValueError
            If ``x`` is not 2-D with ``in_features`` columns.
        """
        if x.dim() != 2 or x.shape[1] != self.config.in_features:
            raise ValueError(
                f"`x` of MLPModule.forward must have shape (n, {self.config.in_features}). Got shape "
                f"{tuple(x.shape)} instead."
            )
        h = self.hidden(x)  # (n, hidden_sizes[-1]), or x itself when hidden_sizes=()
        return self.output_layer(h)  # (n, out_features)
