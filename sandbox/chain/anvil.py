"""Start and stop anvil (from npm's ``@foundry-rs/anvil-linux-amd64``) on a free port.

Blocks are one second apart (``anvil_setBlockTimestampInterval``) rather
than following the wall clock, so timestamps are as predictable as on the
embedded chain and a suite gives the same answers on both.

Anvil is asked for port 0, so the kernel picks a free port with no race
between choosing it and binding it; the port is read back from anvil's
"Listening on" line. Its output goes to a temporary file, not a pipe, so a
chatty node never blocks on a full pipe buffer.

>>> with Anvil() as node:                     # doctest: +SKIP
...     sb = Sandbox(rpc=node.url)
"""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox.chain.chain import DEFAULT_CHAIN_ID
from sandbox.errors import NodeError
from sandbox.project.toolchain import foundry_binary

_LISTENING = re.compile(r"Listening on ([0-9.]+):(\d+)")
START_TIMEOUT = 60.0


class Anvil:
    """One anvil process on 127.0.0.1 with the dev mnemonic's ten funded accounts."""

    def __init__(
        self,
        *,
        chain_id: int = DEFAULT_CHAIN_ID,
        accounts: int = 10,
        block_interval: int | None = 1,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.chain_id = chain_id
        self.block_interval = block_interval
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
                if self.block_interval is not None:
                    # Each block one second after its parent, whatever the wall clock
                    # says, as on the embedded chain after a time travel: tests can
                    # predict the next block's timestamp on both.
                    self.request("anvil_setBlockTimestampInterval", self.block_interval)
                return self.url
            code = self.process.poll()
            if code is not None:
                output = self._log.read_text(errors="replace")[-2000:]
                self.stop()
                raise NodeError(f"anvil exited with code {code} before listening; its output:\n{output}")
            time.sleep(0.02)
        self.stop()
        raise NodeError(f"anvil did not start listening within {timeout:.0f}s; is the machine overloaded? (binary: {binary})")

    def request(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call to this anvil; returns its result."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        post = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=30) as response:
            reply = json.loads(response.read())
        if "error" in reply:
            raise NodeError(f"anvil rejected {method}: {reply['error'].get('message')}")
        return reply.get("result")

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

    def output(self) -> str:
        """What anvil has printed so far (its request log, console.log lines, mined transactions); '' once stopped."""
        return self._log.read_text(errors="replace") if self._log is not None else ""

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
