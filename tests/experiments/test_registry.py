"""list_experiments / run: the names of the issue, lookup errors, kwargs pass-through."""

from __future__ import annotations

import pytest

from deepstat.experiments import ExperimentResult, list_experiments, run


def test_lists_the_eight_experiments_of_issue_6() -> None:
    assert list_experiments() == [
        "depth_vs_width", "universal_approximation", "activations", "optimizers",
        "backprop", "initialization", "batch_norm", "regularization",
    ]  # fmt: skip


def test_run_passes_settings_through() -> None:
    res = run("backprop", n_samples=3)
    assert isinstance(res, ExperimentResult) and res.name == "backprop"
    assert res.all_claims_hold


def test_unknown_name_lists_the_experiments() -> None:
    with pytest.raises(ValueError, match="`name` of run must be one of depth_vs_width"):
        run("dropout")


def test_unknown_setting_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        run("activations", n_epochs=3)
