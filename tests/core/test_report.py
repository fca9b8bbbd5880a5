from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.models.report import ModelRun, gini


def test_gini_bounds() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([]) == 0.0


def test_model_run_writes_figures_chart_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = ModelRun("unit", "a tiny model", ["--quick", "--out", str(tmp_path / "o"), "--seed", "3"])
    assert run.quick and run.size(2, 100) == 2
    assert list(run.progress(range(3), "steps")) == [0, 1, 2]
    run.figures["answer"] = 42
    run.table("Results", ["what", "value"], [["answer", 42], ["share", 0.1234]])
    run.chart(lambda fig: fig.add_subplot(1, 1, 1).plot([1, 2, 3]))
    figures = run.finish()
    assert figures["answer"] == 42 and figures["seed"] == 3
    assert json.loads((tmp_path / "o" / "figures.json").read_text())["answer"] == 42
    assert (tmp_path / "o" / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "Results" in out and "0.1234" in out
    assert not list((tmp_path / "o").glob(".tmp-*"))
