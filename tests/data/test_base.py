"""The adapter contract: registry, config dispatch, and the shared boundary checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepstat.data import ADAPTERS, GraphAdapter, ImageAdapter, InputAdapter, NodeAdapter, SequenceAdapter, SetAdapter, TableAdapter
from deepstat.data import adapter_from_config, register_adapter
from deepstat.data.base import as_float_tensor, check_finite_at


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


def test_as_float_tensor_keeps_floats_and_widens_the_rest():
    f32 = np.zeros(3, dtype=np.float32)
    assert as_float_tensor(f32, "X", "C", "an array").dtype == torch.float32
    assert as_float_tensor(np.arange(3), "X", "C", "an array").dtype == torch.float64
    assert as_float_tensor(np.array([True]), "X", "C", "an array").dtype == torch.float64
    assert as_float_tensor(torch.zeros(2, dtype=torch.float16), "X", "C", "an array").dtype == torch.float32
    assert as_float_tensor(np.zeros(2, dtype=np.float16), "X", "C", "an array").dtype == torch.float32
    with pytest.raises(TypeError, match="`X` of C must be an array of numbers. Got ndarray of dtype object"):
        as_float_tensor(np.array([object()]), "X", "C", "an array")


def test_check_finite_at_names_the_position():
    t = torch.zeros(2, 3, 4)
    t[1, 2, 3] = float("nan")
    with pytest.raises(ValueError, match=r"`X` of C must contain only finite values. Got 1 NaN .* sequence 1, step 2, feature 3 \(nan\)"):
        check_finite_at(t, "X", "C", ("sequence", "step"))
    with pytest.raises(ValueError, match=r"graph 7, node 2, feature 3"):
        check_finite_at(t[1], "X", "C", ("graph", "node"), leading=(7,))
