"""The table's network configs: the multilayer perceptron and the linear predictor.

``MLP(hidden_sizes=(64, 64))`` and ``Linear()`` are what an estimator's ``network=`` takes for
tabular input; ``build`` makes an :class:`~deepstat.nn.mlp.MLPModule`. ``Linear()`` is the
classical model made explicit: with a family's links, a GLM (and with the Cox loss, Cox PH).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import nn

from deepstat.nn.mlp import MLPModule, _validate
from deepstat.nn.networks import InputSpec, NetworkConfig, register_network
from deepstat.nn.skip import LinearSkipModule

__all__ = ["MLP", "Linear"]


@register_network
@dataclass
class MLP(NetworkConfig):
    r"""A multilayer perceptron for tables: :math:`h_l = \mathrm{dropout}(a(\mathrm{BN}(W_l h_{l-1} + b_l)))`.

    The output layer is linear (``eta = W h_L + b``); the family's links, not the network,
    constrain the parameters.

    Parameters
    ----------
    hidden_sizes : tuple of int, default=(64, 64)
        Width of each hidden layer; ``()`` is the linear predictor (prefer :class:`Linear`).
    activation : str, default="relu"
        One of :data:`deepstat.nn.ACTIVATIONS`.
    batch_norm : bool, default=False
        ``BatchNorm1d`` after each hidden linear layer.
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden activation (MC dropout needs it > 0).
    init : str, default="he"
        Weight initialisation, one of :data:`deepstat.nn.INIT_SCHEMES`.
    linear_skip : bool, default=True
        Add a linear predictor to the network's output, :math:`\eta = W x + b + g(x)`
        (:class:`~deepstat.nn.skip.LinearSkipModule`). An estimator then fits the linear part
        first, by maximum likelihood (the classical model, early-stopped on the validation
        split), and trains the whole from there with the network starting at zero: the fit
        starts at the classical model and keeps it unless the validation data confirm
        something better (the combined actuarial neural network of Schelldorfer and
        Wuethrich, 2019). ``False`` is the plain MLP.

    Examples
    --------
    >>> import torch
    >>> from deepstat.nn import MLP, InputSpec
    >>> net = MLP(hidden_sizes=(8,)).build(InputSpec("table", 3, (3,)), n_outputs=2)
    >>> net(torch.zeros(5, 3)).shape
    torch.Size([5, 2])
    >>> MLP().set_params(hidden_sizes=(16,)).hidden_sizes
    (16,)
    """

    name = "mlp"
    # a model saved before ``linear_skip`` existed holds a plain MLP
    absent_settings: ClassVar[dict[str, Any]] = {"linear_skip": False}

    hidden_sizes: Sequence[int] = (64, 64)
    activation: str | Callable[[], nn.Module] = "relu"
    batch_norm: bool = False
    dropout: float = 0.0
    init: str = "he"
    linear_skip: bool = True

    def check(self, caller: str | None = None) -> None:
        """Raise ``ValueError`` naming the first invalid setting."""
        where = "MLP" if caller is None else f"MLP (the network of {caller})"
        _validate(where, 1, 1, self.hidden_sizes, self.activation, None, self.batch_norm, self.dropout, self.init, 0.0)
        if not isinstance(self.linear_skip, bool):
            raise ValueError(f"`linear_skip` of {where} must be a bool. Got {self.linear_skip!r} instead.")

    def build(self, input_spec: InputSpec, n_outputs: int) -> MLPModule | LinearSkipModule:
        """An :class:`~deepstat.nn.mlp.MLPModule` from ``input_spec.n_features`` columns to ``n_outputs``
        (inside a :class:`~deepstat.nn.skip.LinearSkipModule` with ``linear_skip`` and hidden layers)."""
        self.check()
        self.check_input(input_spec)
        network = MLPModule(
            input_spec.n_features,
            n_outputs,
            tuple(self.hidden_sizes),
            self.activation,
            batch_norm=bool(self.batch_norm),
            dropout=float(self.dropout),
            init=self.init,
        )
        return LinearSkipModule(network) if self.linear_skip and not self.is_linear else network

    @property
    def is_linear(self) -> bool:
        """An MLP without hidden layers is the linear predictor."""
        return len(tuple(self.hidden_sizes)) == 0

    def describe(self, input_spec: InputSpec, n_outputs: int) -> str:
        """``"MLP 5 -> 64 -> 64 -> 2 (relu)"``, or ``"linear predictor"`` without hidden layers."""
        if self.is_linear:
            return "linear predictor"
        widths = [input_spec.n_features, *tuple(self.hidden_sizes), n_outputs]
        activation = self.activation if isinstance(self.activation, str) else getattr(self.activation, "__name__", "custom")
        skip = " + linear skip" if self.linear_skip else ""
        return f"MLP {' -> '.join(map(str, widths))} ({activation}){skip}"

    def to_config(self) -> dict[str, Any]:
        """JSON-ready settings; the activation must be given by name to be saved.

        Raises
        ------
        TypeError
            If ``activation`` is a class or factory (JSON stores names only).
        """
        if not isinstance(self.activation, str):
            raise TypeError(f"`activation` of MLP must be a name to save the model. Got {self.activation!r} instead.")
        return super().to_config()


@register_network
@dataclass
class Linear(NetworkConfig):
    r"""The linear predictor :math:`\eta = W x + b`: with a family's links, a GLM.

    With it an estimator's default fit is the classical maximum-likelihood fit, and
    ``linear_coefficients()`` reports the coefficients on the inputs' original scale.

    Examples
    --------
    >>> import torch
    >>> from deepstat.nn import Linear, InputSpec
    >>> Linear().build(InputSpec("table", 3, (3,)), n_outputs=1)(torch.zeros(4, 3)).shape
    torch.Size([4, 1])
    """

    name = "linear"

    def build(self, input_spec: InputSpec, n_outputs: int) -> MLPModule:
        """A single ``nn.Linear`` (an :class:`~deepstat.nn.mlp.MLPModule` without hidden layers)."""
        self.check_input(input_spec)
        return MLPModule(input_spec.n_features, n_outputs, ())

    @property
    def is_linear(self) -> bool:
        """Always True."""
        return True

    def describe(self, input_spec: InputSpec, n_outputs: int) -> str:
        """``"linear predictor"``."""
        return "linear predictor"
