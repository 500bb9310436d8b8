"""Architectures as plain ``torch.nn.Module``s; each takes its output size as an argument."""

from deepstat.nn.activations import ACTIVATIONS, Swish, get_activation
from deepstat.nn.heads import DistributionalHead
from deepstat.nn.init import INIT_SCHEMES, init_weights
from deepstat.nn.mlp import MLP, MLPConfig

__all__ = [
    "ACTIVATIONS",
    "Swish",
    "get_activation",
    "DistributionalHead",
    "INIT_SCHEMES",
    "init_weights",
    "MLP",
    "MLPConfig",
]
