"""Universal approximation, width and depth versions (seed; Lu et al. 2017)."""

from __future__ import annotations

import pytest

from deepstat.experiments.universal_approximation import run_universal_approximation


def test_error_falls_with_width_and_with_depth() -> None:
    res = run_universal_approximation(widths=(1, 8), depths=(1, 4), width_epochs=10, depth_epochs=600, n_restarts=2)
    assert res.claims == {"width_error_falls": True, "depth_error_falls": True}
    width, depth = res.tables["width"], res.tables["depth"]
    # 8 tanh units fit the smooth target uniformly to 0.05 (measured 0.007 at the defaults)
    assert width["sup_error"].iloc[-1] < 0.05
    assert (depth["width"] == 2 + 4).all()  # D_in + 4 with D_in = 2
    assert depth["l1_error"].iloc[-1] < 0.6 * depth["l1_error"].iloc[0]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`widths` of run_universal_approximation"):
        run_universal_approximation(widths=(0,))
