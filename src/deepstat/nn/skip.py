r"""A network with a linear skip connection: :math:`\eta = W x + b + g(x)`.

The combined actuarial neural network (CANN) of Schelldorfer and Wuethrich (2019), and the
semi-structured models of R's deepregression: the linear predictor of a GLM plus a network on
top of it. An estimator fits the linear part first (the classical model) and starts the network
at zero, so that training starts at the classical fit and keeps it when nothing better is found
(``deepstat.estimators`` does this for ``MLP(linear_skip=True)``, the default).
"""

from __future__ import annotations

from torch import Tensor, nn

from deepstat.nn.mlp import MLPModule

__all__ = ["LinearSkipModule"]


class LinearSkipModule(nn.Module):
    r"""The sum of a linear predictor and a network of the same inputs and outputs.

    .. math:: \eta(x) = W x + b + g(x; \phi)

    Parameters
    ----------
    network : MLPModule
        The non-linear part :math:`g`; its input and output sizes are the module's.

    Attributes
    ----------
    linear : torch.nn.Linear
        The skip connection :math:`W x + b` (the GLM's linear predictor).
    network : MLPModule

    Examples
    --------
    >>> import torch
    >>> net = LinearSkipModule(MLPModule(3, 2, hidden_sizes=(8,)))
    >>> net.start_network_at_zero()
    >>> x = torch.randn(5, 3)
    >>> torch.allclose(net(x), net.linear(x))
    True
    """

    def __init__(self, network: MLPModule) -> None:
        super().__init__()
        if not isinstance(network, MLPModule):
            raise TypeError(f"`network` of LinearSkipModule must be an MLPModule. Got {type(network).__name__} instead.")
        self.network = network
        self.linear = nn.Linear(network.config.in_features, network.config.out_features)

    def start_network_at_zero(self) -> None:
        """Zero the network's output layer, so that the module starts as its linear part alone."""
        nn.init.zeros_(self.network.output_layer.weight)
        nn.init.zeros_(self.network.output_layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x) + self.network(x)  # (n, out_features)
