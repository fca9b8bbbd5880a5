"""`sandbox coverage` shows the last report; contracts without source maps are named with why; branch outcomes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.contracts.coverage import measure, read_lcov, write_lcov
from sandbox.testing.coverage_html import write_html

INSPECT = Path(__file__).resolve().parent / "data" / "inspect"


@pytest.fixture(scope="module")
def ran() -> Iterator[tuple[Sandbox, dict[bytes, set[int]], dict[bytes, set[tuple[int, bool]]]]]:
    """A py-evm chain made while coverage records: Token minted (the owner check passes), Callee.check both ways."""
    from sandbox.backends.pyevm import coverage
    from sandbox.errors import ContractReverted

    coverage.HITS, coverage.BRANCHES = {}, {}
    try:
        sb = Sandbox(INSPECT, backend="pyevm")
        alice = sb.accounts.alice
        token = sb.deploy("Token", sender=alice)
        token.mint(alice, 5, sender=alice)
        callee = sb.deploy("Callee", sender=alice)
        callee.check(3)
        with pytest.raises(ContractReverted):
            callee.check(9)
        yield sb, coverage.HITS, coverage.BRANCHES
    finally:
        coverage.HITS = coverage.BRANCHES = None


def test_branches_seen_both_ways_and_one_way(ran: tuple[Sandbox, dict[bytes, set[int]], dict[bytes, set[tuple[int, bool]]]]) -> None:
    sb, hits, branches = ran
    files = measure(sb.project, sb.compile(), hits, branches).files
    assert files["contracts/Logger.sol"].branches == {(74, 0): [True, True]}  # check(3) and check(9)
    token = files["contracts/Token.sol"].branches
    assert token[(20, 0)] == [True, False]  # owner check: never reverted
    assert token[(27, 0)] is None  # transfer's require never ran
    assert files["contracts/Proxy.sol"].branches == {(7, 0): None}


def test_a_contract_without_source_maps_is_named(ran: tuple[Sandbox, dict[bytes, set[int]], dict[bytes, set[tuple[int, bool]]]]) -> None:
    sb, hits, branches = ran
    compiled = sb.compile()
    token = compiled.get("Token")
    stripped = dataclasses.replace(token, source_map="", deployed_source_map="")
    bare = dataclasses.replace(compiled, artifacts={k: (stripped if a is token else a) for k, a in compiled.artifacts.items()})
    measured = measure(sb.project, bare, hits, branches)
    names = [n.split(":", 2)[:2] for n in measured.unmapped]
    assert names == [["contracts/Token.sol", "Token (runtime code)"], ["contracts/Token.sol", "Token (creation code)"]]
    assert all("no source map" in n and "sandbox compile --force" in n for n in measured.unmapped)
    assert measured.files["contracts/Token.sol"].coverable == {36, 38, 40, 41}  # OffsetToken's lines alone


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sandbox.cli", "coverage", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


def test_sandbox_coverage_shows_the_last_report(ran: tuple[Sandbox, dict[bytes, set[int]], dict[bytes, set[tuple[int, bool]]]], tmp_path: Path) -> None:
    sb, hits, branches = ran
    measured = measure(sb.project, sb.compile(), hits, branches)
    folder = tmp_path / "coverage"
    write_lcov(measured.files, sb.project.root, folder / "lcov.info")
    write_html(measured.files, sb.project.root, folder)
    (folder / "report.json").write_text(json.dumps({"root": str(sb.project.root), "unmapped": ["contracts/X.sol:X (runtime code): no source map"]}))
    assert read_lcov(folder / "lcov.info", sb.project.root)["contracts/Logger.sol"].branches == {(74, 0): [True, True]}
    shown = _cli("--dir", str(folder))
    assert shown.returncode == 0, shown.stderr
    rows = shown.stdout.splitlines()
    assert rows[0].split() == ["file", "lines", "hit", "cover", "branches", "hit", "cover"]
    assert rows[1].split()[0] == "contracts/Logger.sol" and rows[1].split()[-3:] == ["2", "2", "100.0%"]
    assert "not measured: contracts/X.sol:X (runtime code): no source map" in shown.stdout and (folder / "index.html").as_uri() in shown.stdout
    one = _cli("--dir", str(folder), "--file", "contracts/Token.sol").stdout.splitlines()
    assert one[19].split()[:3] == ["20", "✓", "✓✗"] and one[26].split()[:3] == ["27", "✗", "··"] and one[-1] == "lines 9/22, branches 1/4"


def test_sandbox_coverage_bad_input(tmp_path: Path) -> None:
    missing = _cli("--dir", str(tmp_path / "none"))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "pytest --sandbox-coverage" in missing.stderr
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "lcov.info").write_text("TN:\nSF:/x/contracts/A.sol\nDA:1,1\nend_of_record\n")
    unknown = _cli("--dir", str(tmp_path / "c"), "--file", "contracts/B.sol")
    assert unknown.returncode == 1 and "'contracts/B.sol' is not in the report" in unknown.stderr and "/x/contracts/A.sol" in unknown.stderr
