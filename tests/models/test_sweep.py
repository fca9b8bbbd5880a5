"""Sweeps: declared parameters, a 2x2x2 sweep on a process pool and on a Dask LocalCluster, resume."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox.models.params import ModelParamError
from sandbox.models.sweep import ClusterError, Sweep, declared_params, find_script, interval95, parse_grid
from tests.models.conftest import GRID, make_sweep

REPO = Path(__file__).resolve().parents[2]


def rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "results.csv").open() as fh:
        return list(csv.DictReader(fh))


def test_every_script_declares_its_parameters() -> None:
    for script in sorted((REPO / "scripts").glob("*.py")):
        params = declared_params(script)
        assert params, script.name
        for p in params:
            assert p.source and p.unit and p.range[0] <= p.default <= p.range[1], (script.name, p.name)


def test_list_json_for_tools() -> None:
    out = subprocess.run([sys.executable, "-m", "sandbox.cli", "sweep", "holding_periods", "--list", "--json"],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert [p["name"] for p in listed] == ["tokens", "years", "mean_gap_days", "minor_share"]
    assert listed[2] == {"name": "mean_gap_days", "type": "float", "default": 12.0, "range": [0.5, 730.0],
                         "unit": "days between gift attempts per token", "source": "assumption", "quick_default": 45.0}


def test_help_lists_parameters_with_sources_and_bad_values_are_refused() -> None:
    script = str(REPO / "scripts" / "digital_collectibles.py")
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, timeout=120)
    assert "--param NAME=VALUE" in shown.stdout and "wallet_cap (int, copies per wallet): default 2" in shown.stdout
    assert "source: Chinese platforms' per-user purchase limits" in shown.stdout
    bad = subprocess.run([sys.executable, script, "--param", "wallet_cap=0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "wallet_cap=0 is outside its range [1, 100]" in bad.stderr and "Traceback" not in bad.stderr


def test_grid_values_are_typed_and_checked() -> None:
    params = declared_params(find_script("digital_collectibles"))
    assert parse_grid(params, ["supply=3,5", "public_sale=0,1"]) == GRID
    with pytest.raises(ModelParamError, match="unknown parameter 'supplies'.*supply, buyers"):
        parse_grid(params, ["supplies=3"])
    with pytest.raises(ModelParamError, match="supply='x' is not a int"):
        parse_grid(params, ["supply=3,x"])
    with pytest.raises(ModelParamError, match="not NAME=VALUE"):
        parse_grid(params, ["supply"])
    with pytest.raises(ClusterError, match="neither tcp://host:port nor local:N"):
        make_sweep(Path("/nonexistent")).run(cluster="scheduler:8786")


def test_interval() -> None:
    assert interval95([2.0]) == (2.0, 2.0, 2.0)
    m, low, high = interval95([1.0, 2.0, 3.0])
    assert m == 2.0 and low == pytest.approx(2 - 4.303 / 3**0.5) and high == pytest.approx(2 + 4.303 / 3**0.5)


def test_pool_sweep_writes_table_summary_and_charts(pool_sweep: tuple[Sweep, dict[str, Any]]) -> None:
    plan, summary = pool_sweep
    assert summary["executed"] == 8 and summary["complete"]
    table = rows(plan.folder)
    assert len(table) == 8 and {(r["supply"], r["public_sale"], r["seed"]) for r in table} == {
        (s, p, seed) for s in ("3", "5") for p in ("False", "True") for seed in ("1", "2")}
    saved = json.loads((plan.folder / "sweep.json").read_text())
    point = next(p for p in saved["points"] if p["params"] == {"supply": 5, "public_sale": True})
    values = [float(r["sell_through"]) for r in table if r["supply"] == "5" and r["public_sale"] == "True"]
    stat = point["figures"]["sell_through"]
    assert stat["n"] == 2 and stat["mean"] == pytest.approx(sum(values) / 2) and stat["low"] <= stat["mean"] <= stat["high"]
    assert (plan.folder / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert "charts/sell_through__supply.png" in saved["charts"]
    for chart in saved["charts"]:
        assert (plan.folder / chart).read_bytes()[:4] == b"\x89PNG"
    assert "Sweep of digital_collectibles" in (plan.folder / "index.html").read_text()


def test_dask_local_cluster_gives_the_same_results_seed_for_seed(pool_sweep: tuple[Sweep, dict[str, Any]], tmp_path: Path) -> None:
    plan, _ = pool_sweep
    on_dask = make_sweep(tmp_path / "dask")
    summary = on_dask.run(cluster="local:2")
    assert summary["executed"] == 8
    assert rows(on_dask.folder) == rows(plan.folder)


def test_an_interrupted_sweep_resumes_with_the_missing_runs_only(pool_sweep: tuple[Sweep, dict[str, Any]], tmp_path: Path) -> None:
    plan, _ = pool_sweep
    folder = tmp_path / "resumed"
    shutil.copytree(plan.folder, folder)
    lost = sorted((folder / "runs").iterdir())[3]
    shutil.rmtree(lost)  # as if the sweep was stopped before this run finished
    again = make_sweep(folder)
    summary = again.run(workers=1)
    assert summary["executed"] == 1 and summary["kept"] == 7
    assert rows(folder) == rows(plan.folder)
    assert make_sweep(folder).run(workers=1)["executed"] == 0


def test_the_command_resumes_the_same_sweep(pool_sweep: tuple[Sweep, dict[str, Any]], tmp_path: Path) -> None:
    plan, _ = pool_sweep
    folder = tmp_path / "cli"
    shutil.copytree(plan.folder, folder)
    out = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "sweep", "digital_collectibles", "--quick", "--param", "buyers=6", "--param", "verified_share=0.3",
         "--grid", "supply=3,5", "--grid", "public_sale=0,1", "--seeds", "2", "--out", str(folder)],
        capture_output=True, text=True, timeout=300, cwd=REPO, env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "8 runs (2 seed(s) per point)" in out.stdout and "ran 0, kept 8 from before" in out.stdout
    assert "mean [95% interval] over 2 seed(s)" in out.stdout
    assert rows(folder) == rows(plan.folder)
