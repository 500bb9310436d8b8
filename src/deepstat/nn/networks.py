"""Networks as data: a config object per architecture, built for an input and an output size.

A network config is a small dataclass that says *which* network reads the input (an MLP of
some widths, the linear predictor, later a CNN or a GRU); ``build(input_spec, n_outputs)``
makes the ``nn.Module`` once the data are known. Configs behave like scikit-learn's kernel
objects: ``get_params`` / ``set_params`` make ``clone`` and
``GridSearchCV(model, {"network__hidden_sizes": [...]})`` work, and ``to_config`` /
:func:`network_from_config` write and read them as plain JSON through a registry (nothing is
imported or evaluated from a saved file).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from torch import nn

__all__ = [
    "InputSpec",
    "NetworkConfig",
    "NETWORKS",
    "register_network",
    "network_from_config",
    "resolve_network",
]

INPUT_KINDS = ("table", "image", "sequence", "set", "graph", "nodes")


@dataclass(frozen=True)
class InputSpec:
    """What an input adapter produces, so that a network can size its first layer.

    Parameters
    ----------
    kind : {"table", "image", "sequence", "set", "graph", "nodes"}
        The input type.
    n_features : int
        Features per element: encoded columns of a table, channels of an image, features per
        time step, per set element or per node.
    shape : tuple of int, default=()
        The per-example shape without the batch dimension where it is fixed: ``(C, H, W)`` or
        ``(C, D, H, W)`` for images, ``(n_features,)`` for a table; ``()`` when it varies.
    n_edge_features : int, default=0
        Edge features of a graph.

    Examples
    --------
    >>> InputSpec("table", 3, (3,)).describe()
    'a table of 3 column(s)'
    """

    kind: str
    n_features: int
    shape: tuple[int, ...] = ()
    n_edge_features: int = 0

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"`kind` of InputSpec must be one of {', '.join(INPUT_KINDS)}. Got {self.kind!r} instead.")

    def describe(self) -> str:
        """The input in words, for error messages and summaries."""
        if self.kind == "table":
            return f"a table of {self.n_features} column(s)"
        if self.kind == "image":
            return f"images of shape {self.shape} (channels first)"
        if self.kind == "nodes":
            return f"one graph's nodes with {self.n_features} feature(s)"
        return f"{self.kind}s with {self.n_features} feature(s) per element"

    def to_config(self) -> dict[str, Any]:
        """A JSON-ready dict (:meth:`from_config` reads it back)."""
        return {"kind": self.kind, "n_features": self.n_features, "shape": list(self.shape), "n_edge_features": self.n_edge_features}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InputSpec:
        """Rebuild from :meth:`to_config`."""
        return cls(str(config["kind"]), int(config["n_features"]), tuple(int(s) for s in config["shape"]), int(config["n_edge_features"]))


NETWORKS: dict[str, type[NetworkConfig]] = {}


def register_network(cls: type[NetworkConfig]) -> type[NetworkConfig]:
    """Class decorator: make a network config loadable by its ``name`` (:func:`network_from_config`)."""
    if not cls.name:
        raise ValueError(f"`name` of {cls.__name__} must be a non-empty string to register it. Got {cls.name!r} instead.")
    NETWORKS[cls.name] = cls
    return cls


@dataclass
class NetworkConfig:
    """Base class of network configs (the contract; subclasses add fields and ``build``).

    A subclass is a dataclass whose fields are its settings. Its ``__init__`` only stores them
    (scikit-learn's ``clone`` checks that), so settings are validated by :meth:`check`, which
    ``build`` and the estimators call.

    Attributes
    ----------
    name : str
        Registry key and the short name estimators accept (``network="mlp"``).
    input_kinds : tuple of str
        The :class:`InputSpec` kinds the network reads; ``build`` refuses others.
    absent_settings : dict of str to value
        What a setting added after a config was saved means when that config lacks it
        (:func:`network_from_config`), so that saved models keep their architecture.
    """

    name: ClassVar[str] = ""
    input_kinds: ClassVar[tuple[str, ...]] = ("table",)
    absent_settings: ClassVar[dict[str, Any]] = {}

    # ------------------------------------------------------------- scikit-learn parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The settings, by name (``deep`` is accepted for scikit-learn and has no effect)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def set_params(self, **params: Any) -> NetworkConfig:
        """Set settings by name in place, as scikit-learn's ``set_params`` does; returns self.

        Raises
        ------
        ValueError
            If a name is not a setting of this network.
        """
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"`{key}` of {type(self).__name__}.set_params must be one of its settings "
                    f"({', '.join(valid)}). Got {key!r} instead."
                )
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------- the contract
    def check(self, caller: str | None = None) -> None:
        """Raise ``ValueError`` naming the setting if one is invalid (subclasses extend it)."""

    def build(self, input_spec: InputSpec, n_outputs: int) -> nn.Module:
        """Make the module mapping the adapter's inputs to ``eta`` of shape ``(*batch, n_outputs)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement build(input_spec, n_outputs)")

    def check_input(self, input_spec: InputSpec, caller: str | None = None) -> None:
        """Refuse an input the network cannot read, naming both (a graph network on a table).

        Raises
        ------
        ValueError
            If ``input_spec.kind`` is not in ``input_kinds``.
        """
        if input_spec.kind not in self.input_kinds:
            where = caller or type(self).__name__
            raise ValueError(
                f"`network` of {where} must read the input it is given: {type(self).__name__} reads "
                f"{' or '.join(self.input_kinds)} input. Got {input_spec.describe()} instead."
            )

    @property
    def is_linear(self) -> bool:
        """Whether the network is the linear predictor (its weights are GLM coefficients)."""
        return False

    @property
    def dropout_rate(self) -> float:
        """The dropout probability of the network (0 without dropout); MC dropout asks it."""
        return float(getattr(self, "dropout", 0.0) or 0.0)

    def describe(self, input_spec: InputSpec, n_outputs: int) -> str:
        """One line for summaries and reports, e.g. ``"MLP 5 -> 64 -> 2 (relu)"``."""
        return f"{type(self).__name__} ({input_spec.describe()} -> {n_outputs} output(s))"

    # -------------------------------------------------------------------- persistence
    def to_config(self) -> dict[str, Any]:
        """``{"name": ..., "params": {...}}``, JSON-ready (tuples become lists)."""
        return {"name": self.name, "params": {k: _jsonable(v) for k, v in self.get_params().items()}}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NetworkConfig:
        """Rebuild a config written by :meth:`to_config` (see :func:`network_from_config`)."""
        return network_from_config(config)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def network_from_config(config: Any, source: str = "config") -> NetworkConfig:
    """The network config that :meth:`NetworkConfig.to_config` wrote, looked up in the registry.

    Nothing is imported or evaluated: ``name`` must be a registered network and ``params`` its
    settings, which are then checked.

    Raises
    ------
    ValueError
        If the name is unknown, a setting is not one of the network's, or a value is invalid.

    Examples
    --------
    >>> from deepstat.nn import MLP, network_from_config
    >>> network_from_config(MLP(hidden_sizes=(8,)).to_config())
    MLP(hidden_sizes=(8,), activation='relu', batch_norm=False, dropout=0.0, init='he', linear_skip=True)
    """
    if not isinstance(config, Mapping) or not isinstance(config.get("name"), str) or not isinstance(config.get("params"), Mapping):
        raise ValueError(f"`network` of {source} must be a mapping with a 'name' and 'params'. Got {config!r:.200} instead.")
    name = config["name"]
    if name not in NETWORKS:
        raise ValueError(f"`network.name` of {source} must be one of {sorted(NETWORKS)}. Got {name!r:.100} instead.")
    cls = NETWORKS[name]
    params = {**cls.absent_settings, **config["params"]}  # settings added since the config was written
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"`network.params` of {source} must name settings of {cls.__name__} ({', '.join(sorted(allowed))}). Got {unknown!r:.200} instead.")
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    network = cls(**params)
    network.check(source)
    return network


def resolve_network(value: Any, caller: str, defaults: Mapping[str, NetworkConfig] | None = None) -> NetworkConfig:
    """The network config an estimator's ``network=`` names: a config (copied) or a short name.

    ``defaults`` maps short names to the estimator's own defaults (``"mlp"`` may mean other
    widths for a survival model); other names build the registered config with its defaults.

    Raises
    ------
    ValueError
        If ``value`` is neither a config nor a known name, or a setting is invalid.
    """
    if isinstance(value, NetworkConfig):
        network = copy.deepcopy(value)  # the fitted model never shares its settings with the estimator's
    elif isinstance(value, str) and defaults is not None and value in defaults:
        network = copy.deepcopy(defaults[value])
    elif isinstance(value, str) and value in NETWORKS:
        network = NETWORKS[value]()
    else:
        names = sorted(set(NETWORKS) | set(defaults or {}))
        raise ValueError(
            f"`network` of {caller} must be a network config (deepstat.nn.MLP(...), Linear(), ...) or one of "
            f"{', '.join(repr(n) for n in names)}. Got {value!r} instead."
        )
    network.check(caller)
    return network


