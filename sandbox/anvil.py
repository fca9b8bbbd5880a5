"""Start and stop anvil (from npm's ``@foundry-rs/anvil-linux-amd64``) on a free port.

Anvil is asked for port 0, so the kernel picks a free port with no race
between choosing it and binding it; the port is read back from anvil's
"Listening on" line. Its output goes to a temporary file, not a pipe, so a
chatty node never blocks on a full pipe buffer.

>>> with Anvil() as node:                     # doctest: +SKIP
...     sb = Sandbox(rpc=node.url)
"""

from __future__ import annotations

import atexit
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from sandbox.chain import DEFAULT_CHAIN_ID
from sandbox.errors import NodeError
from sandbox.toolchain import foundry_binary

_LISTENING = re.compile(r"Listening on ([0-9.]+):(\d+)")
START_TIMEOUT = 60.0


class Anvil:
    """One anvil process on 127.0.0.1 with the dev mnemonic's ten funded accounts."""

    def __init__(self, *, chain_id: int = DEFAULT_CHAIN_ID, accounts: int = 10, extra_args: tuple[str, ...] = ()) -> None:
        self.chain_id = chain_id
        self.accounts = accounts
        self.extra_args = extra_args
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start anvil and wait until it listens; returns its URL."""
        if self.process is not None:
            return self.url
        binary = foundry_binary("anvil")
        fd, log_name = tempfile.mkstemp(prefix="sandbox-anvil-", suffix=".log")
        self._log = Path(log_name)
        args = [str(binary), "--host", "127.0.0.1", "--port", "0", "--chain-id", str(self.chain_id),
                "--accounts", str(self.accounts), *self.extra_args]
        try:
            self.process = subprocess.Popen(args, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except OSError as exc:
            os.close(fd)
            raise NodeError(f"cannot run anvil at {binary} ({exc.strerror}); run `make setup` or set SANDBOX_ANVIL to an anvil binary") from None
        os.close(fd)
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(self._log.read_text(errors="replace"))
            if found:
                self.url = f"http://{found.group(1)}:{found.group(2)}"
                return self.url
            code = self.process.poll()
            if code is not None:
                output = self._log.read_text(errors="replace")[-2000:]
                self.stop()
                raise NodeError(f"anvil exited with code {code} before listening; its output:\n{output}")
            time.sleep(0.02)
        self.stop()
        raise NodeError(f"anvil did not start listening within {timeout:.0f}s; is the machine overloaded? (binary: {binary})")

    def stop(self) -> None:
        """Stop anvil (idempotent) and remove its log."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None
        atexit.unregister(self.stop)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> Anvil:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Anvil {self.url or 'not started'}>"
