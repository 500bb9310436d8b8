"""ExperimentResult: saving tables as CSV and figures as PNG, and the claims summary."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from deepstat.experiments import ExperimentResult


def _result(claims: dict[str, bool]) -> ExperimentResult:
    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    return ExperimentResult("demo", {"numbers": pd.DataFrame({"a": [1.5, 2.5]})}, {"line": fig}, claims, "text")


def test_save_writes_every_table_and_figure(tmp_path) -> None:
    paths = _result({"ok": True}).save(tmp_path / "out")
    assert [p.name for p in paths] == ["demo_numbers.csv", "demo_line.png"]
    assert pd.read_csv(paths[0])["a"].tolist() == [1.5, 2.5]
    assert paths[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the PNG signature (PNG spec, section 5.2)


def test_all_claims_hold() -> None:
    assert _result({"a": True, "b": True}).all_claims_hold
    assert not _result({"a": True, "b": False}).all_claims_hold
    assert not _result({}).all_claims_hold  # no claim checked is not success
    assert "1/2 hold" in repr(_result({"a": True, "b": False}))


def test_save_rejects_unsafe_names(tmp_path) -> None:
    res = ExperimentResult("demo", {"../x": pd.DataFrame()}, {}, {}, "")
    with pytest.raises(ValueError, match="file-name safe"):
        res.save(tmp_path)
