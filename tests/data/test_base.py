"""The adapter contract: registry, config dispatch, and the shared boundary checks."""

from __future__ import annotations

import pytest

from deepstat.data import ADAPTERS, GraphAdapter, ImageAdapter, InputAdapter, NodeAdapter, SequenceAdapter, SetAdapter, TableAdapter
from deepstat.data import adapter_from_config, register_adapter


def test_every_adapter_is_registered():
    assert ADAPTERS == {
        "image": ImageAdapter,
        "sequence": SequenceAdapter,
        "set": SetAdapter,
        "graph": GraphAdapter,
        "nodes": NodeAdapter,
        "table": TableAdapter,
    }
    for name, cls in ADAPTERS.items():
        adapter = adapter_from_config(cls().to_config())
        assert type(adapter) is cls and cls.name == name


@pytest.mark.parametrize("config", [None, [1], {"name": 3}, {"name": "__import__('os')"}, {}])
def test_adapter_from_config_refuses_unknown_configs(config):
    with pytest.raises(ValueError, match="`adapter(.name)?` of config.json must be"):
        adapter_from_config(config, "config.json")


def test_register_needs_a_name():
    class Nameless(InputAdapter):
        pass

    with pytest.raises(ValueError, match="`name` of Nameless must be a non-empty string"):
        register_adapter(Nameless)
