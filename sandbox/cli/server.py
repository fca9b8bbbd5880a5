"""``sandbox server``: a warm process that runs ``sandbox`` commands without importing anything again.

The server imports web3.py, eth-tester, py-evm, pyrevm and the sandbox once,
then waits on a Unix socket (a private folder, mode 0700, and the caller's
uid checked). A command (:mod:`sandbox.cli.launch`) sends its arguments,
folder and environment with its stdin/stdout/stderr; the server ``fork()``s
and the child runs the command exactly as ``sandbox`` would (it imports the
command-line app's consoles again after taking the caller's terminal, so
colours and widths are the caller's), writing straight to the caller's terminal. The parent
sends back the exit status when the child ends, and interrupts the child if
the caller goes away (Ctrl-C). Each command is a fresh process, so
nothing leaks from one command to the next, and several commands at once
lock the chain store as separate processes always have.

Why fork and not threads in one process: a command is then the same code
path as without a server (one process per command, its own folder,
environment and terminal), and nothing a command does in memory can change
the next one. The chain itself is read from the store by each command (the
store opens in tens of milliseconds; SQLite connections must not cross a
fork, so the server keeps none).

It stops itself after ``--idle`` seconds without a command, when its code
changes (another server, for the new code, starts on the next command),
and on ``sandbox server stop``.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import fcntl
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.cli import launch

#: How often the server looks at its children, its idle time and its code (seconds).
TICK = 0.05
CODE_CHECK_EVERY = 5.0


@dataclass
class Running:
    """A command running in a child, and the caller's connection to answer on."""

    pid: int
    conn: socket.socket
    argv: list[str]
    started: float = field(default_factory=time.monotonic)


def preload() -> None:
    """Import what commands need, once (the point of the server), and hash the bundled contracts' ABI
    signatures (every command's sandbox registers them with its decoders)."""
    import rich.console  # noqa: F401
    import typer  # noqa: F401

    import sandbox.backends.pyevm
    import sandbox.backends.revm
    import sandbox.cli.app
    import sandbox.helpers.nft
    import sandbox.main
    import sandbox.project.compiler
    import sandbox.workshop.collection
    import sandbox.workshop.session

    sandbox.cli.app.command_line()
    _warm_abi_caches()
    start = time.perf_counter()
    warmed = _warm_workshop()
    if warmed:
        print(f"warmed up on {', '.join(warmed)} in {time.perf_counter() - start:.1f} s", flush=True)


def _warm_workshop() -> list[str]:
    """Run a mint and a read on a throwaway chain on each engine, once: what a command meets on first use
    (imports inside functions, engine set-up, compiled regexes, the bundled contracts' artifacts) is then
    in memory every child shares. Nothing of it stays: the folder is removed and its store closed, so no
    SQLite connection crosses a fork. A failure here only leaves the server less warm."""
    import io
    import shutil
    import tempfile

    from sandbox.backends import EMBEDDED
    from sandbox.workshop import collection
    from sandbox.workshop.session import COLLECTION, Workshop

    project = launch.package_dir().parent  # the workshop's contracts live in the repository beside the package
    if not (project / "contracts" / f"{COLLECTION[0]}.sol").is_file():
        return []
    warmed: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="sandbox-warm-"))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for engine in EMBEDDED:
                for name in ("warm-up", "warm-up again"):  # the second on a saved chain, loaded as a command loads it
                    ws = Workshop(project, state=folder / f"{engine}.db", backend=engine)
                    try:
                        with ws.session(write=True) as sb:
                            collection.mint(ws, sb, to="bob", name=name)
                        with ws.session() as sb:
                            collection.tokens(ws, sb)
                    finally:
                        ws.store.close()
                warmed.append(engine)
    except Exception as exc:  # a warm-up, not a command: it only leaves the server less warm
        print(f"warm-up skipped: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return warmed


def _warm_abi_caches() -> None:
    """Hash every function, event and error signature of the bundled contracts (the decoders' keys)."""
    import gzip

    from sandbox.contracts.abi import signature
    from sandbox.contracts.selectors import topic
    from sandbox.project.bundled import BUNDLED

    for entry in sorted(BUNDLED.glob("compile-*.json.gz")):
        try:
            cache = json.loads(gzip.decompress(entry.read_bytes()))
        except (OSError, ValueError):
            continue
        for abi in _artifacts(cache):
            for item in abi:
                if item.get("type") in ("function", "event", "error"):
                    topic(signature(item))


def _artifacts(node: Any) -> list[list[dict[str, Any]]]:
    """Every ABI in a compile cache entry (lists of ABI items under an "abi" key, at any depth)."""
    found: list[list[dict[str, Any]]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            abi = item.get("abi")
            if isinstance(abi, list) and all(isinstance(e, dict) for e in abi):
                found.append(abi)
            stack.extend(v for k, v in item.items() if k != "abi")
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request line and the descriptors sent with it."""
    data, fds = b"", []
    conn.settimeout(5.0)
    while not data.endswith(b"\n"):
        chunk, ancdata, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(3 * array.array("i").itemsize))
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                got = array.array("i")
                got.frombytes(payload[: len(payload) - len(payload) % got.itemsize])
                fds += list(got)
        if not chunk:
            break
        data += chunk
    if len(data) > 4 * 1024 * 1024:
        raise ValueError("request too large")
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ValueError("request is not an object")
    return message, fds


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps(message).encode() + b"\n")


def _child(message: dict[str, Any], fds: list[int]) -> int:
    """In the fork: become the caller's command (its terminal, folder, environment), run it."""
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(str(message["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(message["env"]).items()})
    argv = [str(a) for a in message["argv"]]
    sys.argv = ["sandbox", *argv]
    from sandbox.cli import app, consoles

    consoles.fresh()  # made in the server, for its terminal (none); now for the caller's
    try:
        app.main(prog_name=str(message.get("prog") or "sandbox"))
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("aborted", file=sys.stderr)
        return 130
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


class Server:
    """The accept loop: one fork per command, answers when each child ends."""

    def __init__(self, directory: Path, *, idle: float) -> None:
        self.directory = directory
        self.idle = idle
        self.print = launch.fingerprint()
        self.path = launch.socket_path(directory, self.print)
        self.info_path = directory / f"{self.print}.json"
        self.running: dict[int, Running] = {}
        self.served = 0
        self.started = time.time()
        self.last = time.monotonic()
        self.stopping = False
        self._lock_file: Any = None

    def claim(self) -> bool:
        """Take this code's server slot (a lock held for the server's life); False if another has it."""
        self._lock_file = open(self.directory / f"{self.print}.lock", "w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a socket left by a server that was killed
        return True

    def info(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(), "started": self.started, "idle": self.idle, "socket": str(self.path),
            "package": str(launch.package_dir()), "python": sys.executable, "served": self.served,
            "running": [{"pid": r.pid, "argv": r.argv} for r in self.running.values()],
            "idle_for": 0.0 if self.running else round(time.monotonic() - self.last, 1),
        }

    def serve(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        listener.listen(64)
        self.info_path.write_text(json.dumps(self.info()))
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ, None)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        checked = time.monotonic()
        try:
            while not (self.stopping and not self.running):
                for key, _events in selector.select(TICK):
                    if key.data is None:
                        self._accept(listener, selector)
                    else:
                        self._caller_event(key.data, selector)
                self._reap(selector)
                now = time.monotonic()
                if not self.running and now - self.last > self.idle:
                    self.stopping = True
                if now - checked > CODE_CHECK_EVERY:
                    checked = now
                    if not self.stopping and launch.fingerprint() != self.print:
                        self.stopping = True  # the code changed: the next command starts a server for it
        finally:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):
                self.info_path.unlink()
            with contextlib.suppress(OSError):
                (self.directory / f"{self.print}.lock").unlink()
            listener.close()

    def _accept(self, listener: socket.socket, selector: selectors.BaseSelector) -> None:
        conn, _ = listener.accept()
        fds: list[int] = []
        try:
            if _peer_uid(conn) != os.getuid():
                conn.close()
                return
            message, fds = _receive(conn)
            op = message.get("op")
            if op == "status":
                _send(conn, self.info())
            elif op == "stop":
                self.stopping = True
                _send(conn, {"stopping": True, "pid": os.getpid(), "running": len(self.running)})
            elif op == "run" and not self.stopping and len(fds) == 3:
                self._fork(conn, message, fds, selector)
                return
            else:
                _send(conn, {"started": False, "why": "stopping" if self.stopping else f"unknown request {op!r}"})
        except (OSError, ValueError) as exc:
            _send(conn, {"started": False, "why": str(exc)})
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        conn.close()

    def _fork(self, conn: socket.socket, message: dict[str, Any], fds: list[int], selector: selectors.BaseSelector) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                conn.close()
                for key in list(selector.get_map().values()):
                    with contextlib.suppress(OSError):
                        key.fileobj.close()  # type: ignore[union-attr]
                selector.close()
                if self._lock_file is not None:
                    self._lock_file.close()  # the server's slot stays the server's: a command outliving it must not hold it
                code = _child(message, fds)
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(code)
        for fd in fds:
            os.close(fd)
        fds.clear()
        self.served += 1
        self.last = time.monotonic()
        self.running[pid] = Running(pid, conn, [str(a) for a in message["argv"]])
        _send(conn, {"started": True, "pid": pid})
        conn.setblocking(False)
        selector.register(conn, selectors.EVENT_READ, pid)

    def _caller_event(self, pid: int, selector: selectors.BaseSelector) -> None:
        running = self.running.get(pid)
        if running is None:
            return
        try:
            data = running.conn.recv(1024)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the caller went away or was interrupted: interrupt the command as Ctrl-C would
            selector.unregister(running.conn)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)

    def _reap(self, selector: selectors.BaseSelector) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            running = self.running.pop(pid, None)
            if running is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code < 0:
                code = 128 - code  # killed by a signal, as a shell reports it
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(running.conn)
            running.conn.setblocking(True)
            _send(running.conn, {"exit": code})
            running.conn.close()
            self.last = time.monotonic()


# -- control: start, status, stop (the ``sandbox server`` commands) ------------


def status(directory: Path | None = None) -> dict[str, Any] | None:
    """The running server's facts (pid, served, idle), or None when none runs for this code."""
    directory = directory or launch.server_dir()
    try:
        sock, reply = launch.request(launch.socket_path(directory, launch.fingerprint()), {"op": "status"})
    except (OSError, ValueError):
        return None
    sock.close()
    return dict(reply)


def stop(directory: Path | None = None, *, wait: float = 10.0) -> dict[str, Any] | None:
    """Ask the server to stop (it lets running commands finish); None when none ran."""
    directory = directory or launch.server_dir()
    path = launch.socket_path(directory, launch.fingerprint())
    try:
        sock, reply = launch.request(path, {"op": "stop"})
    except (OSError, ValueError):
        return None
    sock.close()
    deadline = time.monotonic() + wait
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return dict(reply)


def start(directory: Path | None = None, *, idle: float = launch.DEFAULT_IDLE, wait: float = 60.0) -> dict[str, Any]:
    """Start a server (or find the one running) and wait until it answers."""
    from sandbox.errors import ServerError

    directory = directory or launch.server_dir()
    if not launch.private_dir(directory):
        raise ServerError(f"{directory} is not a private folder of this user (mode 0700); set SANDBOX_SERVER_DIR to one")
    running = status(directory)
    if running is not None:
        return running
    process = launch.spawn_server(directory, idle=idle)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        running = status(directory)
        if running is not None:
            return running
        if process.poll() not in (None, 0):
            break
        time.sleep(0.05)
    raise ServerError(f"the sandbox server did not start; its log is {directory / 'server.log'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cli.server", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=None, help="folder of the socket (default: the user's runtime folder)")
    parser.add_argument("--idle", type=float, default=launch.DEFAULT_IDLE, help="seconds without a command before it stops")
    options = parser.parse_args(argv)
    directory = options.dir or launch.server_dir()
    if not launch.private_dir(directory):
        sys.exit(f"{directory} is not a private folder of this user")
    server = Server(directory, idle=options.idle)
    if not server.claim():
        return  # another server for this code runs (or is starting)
    preload()
    # Everything loaded so far lives as long as the server: out of the collector's sight, so a child's
    # collections neither walk it nor touch (and so copy) the pages it shares with the server.
    gc.collect()
    gc.freeze()
    server.started, server.last = time.time(), time.monotonic()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} sandbox server {os.getpid()} ready on {server.path}", flush=True)
    server.serve()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} sandbox server {os.getpid()} stopped after {server.served} commands", flush=True)


if __name__ == "__main__":
    main()
