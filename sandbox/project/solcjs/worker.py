"""solc-js kept loaded between compiles: one ``node solc.js --serve`` per compiler release, per process.

Every compile through the ``solc`` wrapper starts node and loads the
compiler's WebAssembly again (most of a second of CPU, several on a busy
machine) before any source is read. A worker loads it once and answers each
standard-JSON request on the same pipe, so the second and later compiles of a
process (other units, other projects, ``--force``) pay only for compiling;
workers of different releases are separate processes, so units of different
versions can compile side by side. The answer is what ``solc --standard-json``
prints, and :func:`compile_standard` raises as ``solcx.compile_standard`` does.

>>> output = compile_standard(standard_input, Path("~/.cache/.../solc/0.8.28/solc"))  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

_WORKERS: dict[tuple[Path, str], Worker] = {}
_LOCK = threading.Lock()


class WorkerError(RuntimeError):
    """Raised when the worker process died or answered with something that is not an answer."""


class Worker:
    """One node process with one solc-js release loaded; requests are answered one at a time."""

    def __init__(self, script: Path, node: str) -> None:
        self.script = script
        self.node = node
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen([self.node, str(self.script), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL)
        return self._process

    def compile(self, standard_json: str, cwd: str) -> str:
        """solc's standard-JSON output (text) for ``standard_json``; imports resolved from ``cwd``."""
        with self._lock:
            process = self._start()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps({"input": standard_json, "cwd": cwd}).encode() + b"\n")
                process.stdin.flush()
                return _answer(process.stdout)
            except (OSError, ValueError) as exc:
                self.stop()
                raise WorkerError(f"the solc-js worker {self.script} stopped ({type(exc).__name__}: {exc})") from None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answer(stdout: IO[bytes]) -> str:
    header = stdout.readline()
    if not header:
        raise ValueError("no answer (the worker exited)")
    failed = header.startswith(b"E")
    size = int(header[1:] if failed else header)
    body = stdout.read(size).decode("utf-8")
    if failed:
        raise WorkerError(f"solc-js failed: {body}")
    return body


def worker_for(solc: Path) -> Worker:
    """The worker of the release whose ``solc`` wrapper is ``solc`` (``solc.js`` beside it), on the node the
    wrapper would use (``SANDBOX_NODE``, else ``node``); started on first use."""
    key = (Path(solc).with_name("solc.js"), os.environ.get("SANDBOX_NODE") or "node")
    with _LOCK:
        found = _WORKERS.get(key)
        if found is None:
            found = _WORKERS[key] = Worker(*key)
        return found


def compile_standard(standard_input: dict[str, Any], solc: Path) -> dict[str, Any]:
    """``solcx.compile_standard(standard_input, solc_binary=solc, allow_empty=True)`` through the release's worker."""
    from solcx.exceptions import SolcError

    text = json.dumps(standard_input)
    output: dict[str, Any] = json.loads(worker_for(solc).compile(text, os.getcwd()))
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SolcError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors), command=[str(solc), "--serve"],
                        return_code=0, stdin_data=text, stdout_data=json.dumps(output), stderr_data="", error_dict=output["errors"])
    return output


def stop_all() -> None:
    """Stop every worker of this process (also at exit)."""
    with _LOCK:
        workers = list(_WORKERS.values())
        _WORKERS.clear()
    for worker in workers:
        worker.stop()


atexit.register(stop_all)
