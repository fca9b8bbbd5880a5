"""console.log at the command line: after `sandbox send`/`call`/`deploy` output, and in `sandbox node`'s log (real processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox import Sandbox

INSPECT = Path(__file__).resolve().parent / "data" / "inspect"
SANDBOX = [sys.executable, "-m", "sandbox.cli"]
LINES = ["work called with 3", "by 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "Callee.double", "doubled 6, over ten: false"]


def run(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SANDBOX, *args, "--project", str(INSPECT), "--state", str(state)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


def test_lines_follow_the_commands_output(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    callee = run("deploy", "Callee", state=state)
    assert callee.returncode == 0, callee.stderr
    address = callee.stdout.split(" at ")[1].split()[0]
    assert run("deploy", "Logger", address, state=state).returncode == 0
    sent = run("send", "Logger.work", "3", state=state)
    assert sent.returncode == 0 and "Logger.work in block" in sent.stdout
    assert sent.stderr.splitlines() == ["console.log:", *("  " + line for line in LINES)]
    as_json = run("send", "Logger.work", "3", "--json", state=state)
    assert as_json.stdout.lstrip().startswith("{") and "console.log:" not in as_json.stdout and "Callee.double" in as_json.stderr
    read = run("call", "Logger.quiet", state=state)
    assert read.stdout.strip() == "12" and read.stderr.splitlines() == ["console.log:", "  12"]
    failed = run("send", "Logger.fail", "9", state=state)
    assert failed.returncode == 1 and failed.stderr.splitlines() == ["console.log:", "  about to fail", "error: execution reverted: TooBig(value=9, limit=5)"]
    quiet = run("deploy", "Token", state=state)
    assert quiet.returncode == 0 and "console.log" not in quiet.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_node_log_prints_lines_as_anvil(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "node.log"
    with log.open("w") as out:
        process = subprocess.Popen([*SANDBOX, "node", "--port", str(port), "--project", str(INSPECT), "--state", str(tmp_path / "s.json")],
                                   stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + 120
        while "JSON-RPC node on" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        sb = Sandbox(INSPECT, rpc=f"http://127.0.0.1:{port}")
        callee = sb.deploy("Callee", sender=sb.accounts.alice)
        logger = sb.deploy("Logger", callee, sender=sb.accounts.alice)
        logger.work(3, sender=sb.accounts.alice)
        assert logger.quiet() == 6
        time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
    printed = log.read_text().splitlines()
    # as anvil: plain lines, for every run (the estimate and the transaction, then the call)
    at = printed.index(LINES[0])
    assert printed[at : at + 4] == LINES and printed.count(LINES[0]) >= 2 and printed.count(LINES[2]) == printed.count(LINES[0])
    assert printed[-1] == "6" or "6" in printed[at + 4 :]


def test_revm_prints_the_same_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_BACKEND", "revm")  # a console run and revm's tracer (sandbox.backends.revm.tracing) find them
    state = tmp_path / "state.json"
    callee = run("deploy", "Callee", state=state)
    address = callee.stdout.split(" at ")[1].split()[0]
    assert run("deploy", "Logger", address, state=state).returncode == 0
    sent = run("send", "Logger.work", "3", state=state)
    assert sent.returncode == 0 and "Logger.work in block" in sent.stdout
    assert sent.stderr.splitlines() == ["console.log:", *("  " + line for line in LINES)]
    read = run("call", "Logger.quiet", state=state)
    assert read.stdout.strip() == "6" and read.stderr.splitlines() == ["console.log:", "  6"]
    failed = run("send", "Logger.fail", "9", state=state)
    assert failed.returncode == 1 and failed.stderr.splitlines() == ["console.log:", "  about to fail", "error: execution reverted: TooBig(value=9, limit=5)"]
