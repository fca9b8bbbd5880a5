"""The ``sandbox`` command end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SANDBOX = [sys.executable, "-m", "sandbox.cli"]


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SANDBOX, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_demo_mints_transfers_and_writes_art(tmp_path: Path) -> None:
    out = tmp_path / "art"
    result = run("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "deployed SandboxNFT at 0x" in text
    assert "bob gave token #1 to carol" in text
    # The table: token 1 now belongs to carol, royalty 5% to alice.
    assert "Dunhuang Apsara #2" in text and "5.0% to alice" in text
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert [row.split("│")[2].strip() for row in rows] == ["alice", "carol", "carol"]
    svgs = sorted(p.name for p in out.iterdir())
    assert svgs == ["token-0.svg", "token-1.svg", "token-2.svg"]
    assert (out / "token-1.svg").read_text().startswith("<svg")
    assert "Next, try" in text and "sandbox ui" in text and "sandbox mint --to bob" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("compile", "--project", "/nonexistent/project"), "error: project folder '/nonexistent/project' does not exist"),
        (("bogus",), "No such command 'bogus'"),
    ],
)
def test_bad_input_is_one_line_without_traceback(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_compile_error_at_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Broken.sol").write_text("pragma solidity ^0.8.24;\ncontract Broken { uint x = ; }\n")
    result = run("compile", "--project", str(tmp_path))
    assert result.returncode == 1
    assert "contracts/Broken.sol:2:" in result.stderr and "ParserError" in result.stderr
    assert "Traceback" not in result.stderr
