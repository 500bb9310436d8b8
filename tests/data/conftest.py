"""Shared fixtures of the adapter tests: a json round trip and tampered configs."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from deepstat.data import adapter_from_config


def _json_round_trip(adapter: Any) -> Any:
    """Save through ``json.dumps`` and load with the registry, as a model directory does."""
    return adapter_from_config(json.loads(json.dumps(adapter.to_config())), "config.json")


def _tamper(config: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``config`` with ``config[path...] = value`` (``...`` deletes the field)."""
    out = copy.deepcopy(config)
    node = out
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


# (path, value, field named in the message): fields every adapter's config has.
COMMON_TAMPERS = [
    (("normalize",), "yes", "normalize"),
    (("normalize",), ..., "normalize"),
    (("dtype",), "float16", "dtype"),
    (("name",), "image3d", "name"),
    (("mean",), "0.5", "mean"),
    (("mean",), [], "mean"),
    (("mean",), [float("nan")], "mean"),
    (("scale",), ..., "scale"),
    (("extra",), 1, "fields"),
    (("input_spec",), [1, 2], "input_spec"),
    (("input_spec", "kind"), "table", "input_spec.kind"),
    (("input_spec", "n_features"), True, "input_spec.n_features"),
    (("input_spec", "n_features"), 0, "input_spec.n_features"),
    (("input_spec", "n_edge_features"), -1, "input_spec.n_edge_features"),
    (("input_spec", "shape"), "abc", "input_spec.shape"),
]


def _check_tampers(config: dict[str, Any], tampers: list[tuple[tuple[str, ...], Any, str]]) -> None:
    """Every tampered config raises ValueError naming its field (never KeyError or TypeError)."""
    for path, value, field in tampers:
        bad = _tamper(config, path, value)
        with pytest.raises(ValueError, match=f"`adapter.{field}` of config.json"):
            adapter_from_config(json.loads(json.dumps(bad)), "config.json")


@pytest.fixture
def json_round_trip() -> Any:
    return _json_round_trip


@pytest.fixture
def check_tampers() -> Any:
    """``check_tampers(config, extra)`` runs the common tampers plus ``extra``."""
    return lambda config, extra=(): _check_tampers(config, COMMON_TAMPERS + list(extra))
