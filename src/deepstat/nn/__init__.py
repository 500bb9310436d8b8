"""Networks by input type: each is a config object (``MLP()``, ``Linear()``) that builds its ``nn.Module``.

The config is what an estimator's ``network=`` takes; ``build(input_spec, n_outputs)`` makes the
module once the adapter has described the input (DESIGN.md, nn/).
"""

from deepstat.nn.activations import ACTIVATIONS, Swish, get_activation
from deepstat.nn.feedforward import MLP, Linear
from deepstat.nn.heads import DistributionalHead
from deepstat.nn.init import INIT_SCHEMES, init_weights
from deepstat.nn.mlp import MLPModule, MLPModuleConfig
from deepstat.nn.skip import LinearSkipModule
from deepstat.nn.networks import NETWORKS, InputSpec, NetworkConfig, network_from_config, register_network, resolve_network

__all__ = [
    "ACTIVATIONS",
    "Swish",
    "get_activation",
    "DistributionalHead",
    "INIT_SCHEMES",
    "init_weights",
    "InputSpec",
    "NetworkConfig",
    "NETWORKS",
    "register_network",
    "network_from_config",
    "resolve_network",
    "MLP",
    "Linear",
    "MLPModule",
    "MLPModuleConfig",
    "LinearSkipModule",
]
