"""Fixtures for the workshop tests: the repository's contracts, a chain store in tmp_path, a JSON-RPC call."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.cli import app as cli

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "workshop"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh chain: SANDBOX_STATE points into tmp_path, the project is this repository."""
    path = tmp_path / "chain.db"
    monkeypatch.setenv("SANDBOX_STATE", str(path))
    monkeypatch.setenv("SANDBOX_PROJECT", str(REPO))
    monkeypatch.delenv("SANDBOX_RPC", raising=False)
    return path


@pytest.fixture
def sandbox_cmd(state_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Run ``sandbox ARGS`` in this process through cli.main(); returns exit code, stdout, stderr."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["sandbox", *args])
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield run


def run_process(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``sandbox ARGS`` as a real process, the way a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


def rpc_result(url: str, method: str, *params: Any) -> Any:
    """One JSON-RPC call to a node at ``url``; its ``result`` (an ``error`` fails the test, naming the method)."""
    import httpx

    reply = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=120).json()
    assert "error" not in reply, (method, reply)
    return reply["result"]
