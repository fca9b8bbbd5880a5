"""The ``sandbox`` command's first step: hand the command to a warm server, or run it here.

Most of a command's time is Python importing web3.py, py-evm and the rest
(about a second) before any work. ``sandbox server`` (:mod:`sandbox.cli.server`)
is a process that has imported all of it once; each command then runs in a
``fork()`` of it, with this process's arguments, folder, environment and
terminal (its stdin, stdout and stderr are passed over a Unix socket), so it
behaves exactly as it would here: same output, colours, exit status and
Ctrl-C, same locking of the chain store, only without the imports.

This module imports nothing but the standard library, so asking costs a few
milliseconds; when no server answers, the command runs in this process as
before, and a workshop command (``mint``, ``list``, ...) starts a server in
the background for the next one (``SANDBOX_SERVER=off`` never starts or uses
one; ``sandbox server stop`` stops it; it stops itself when idle).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

#: Commands a server runs (short ones; a long-running ``node``, ``ui`` or ``room`` stays a process of its own).
FORWARDED = frozenset({
    "accounts", "mint", "show", "list", "transfer", "deploy", "call", "send", "reset",
    "state", "did", "compile", "coverage", "demo",
})
#: Commands an attendee repeats: the first of them starts a server when none runs.
STARTS_SERVER = frozenset({"accounts", "mint", "show", "list", "transfer", "deploy", "call", "send"})
#: Seconds without a command after which a server stops itself.
DEFAULT_IDLE = 600.0
PROTOCOL = 1


def package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def fingerprint() -> str:
    """This Python and this copy of the package, down to each source file's size and mtime: a server
    started from other code (an edit, an upgrade, another checkout) is a different server."""
    digest = hashlib.sha256(f"{PROTOCOL}\0{sys.executable}\0{package_dir()}".encode())
    stack = [str(package_dir())]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def server_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """Where servers keep their sockets: ``SANDBOX_SERVER_DIR``, else the user's runtime folder."""
    explicit = environ.get("SANDBOX_SERVER_DIR")
    if explicit:
        return Path(explicit)
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "nft-dapp-sandbox"
    import tempfile  # only here: it imports random, shutil and more (milliseconds the common case saves)

    return Path(tempfile.gettempdir()) / f"nft-dapp-sandbox-{os.getuid()}"


def private_dir(path: Path) -> bool:
    """Create ``path`` (mode 0700) or check that it is this user's and nobody else's."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)


def socket_path(directory: Path, print_: str) -> Path:
    return directory / f"{print_}.sock"


def command_of(argv: list[str]) -> str | None:
    """The subcommand (``mint`` in ``sandbox mint --to bob``), or None before any (``--help``)."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def request(path: Path, message: dict[str, Any], *, fds: list[int] | None = None, timeout: float | None = 5.0) -> tuple[socket.socket, Any]:
    """Send one JSON message (with open file descriptors) and read the first JSON reply line.

    ``timeout`` bounds connecting and sending only: once the server has the request it may take as
    long as it needs to answer (under load, forking thirty commands takes a while), and a caller that
    gave up then and ran the command itself would run it twice."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(str(path))
        payload = json.dumps(message).encode() + b"\n"
        sent = socket.send_fds(sock, [payload], fds) if fds else 0
        sock.sendall(payload[sent:])
        sock.settimeout(None)
        return sock, read_reply(sock)
    except BaseException:
        sock.close()
        raise


def read_reply(sock: socket.socket) -> Any:
    """The next JSON reply line, and nothing after it: a quick command's ``{"started"}`` and ``{"exit"}`` lines can
    arrive in one read, and taking both as one reply made it look malformed, so the caller ran the command again."""
    data = b""
    while True:
        peeked = sock.recv(65536, socket.MSG_PEEK)
        if not peeked:
            raise ConnectionError("the sandbox server closed the connection")
        end = peeked.find(b"\n")
        want = end + 1 if end >= 0 else len(peeked)
        while want:  # take exactly what was peeked up to the line's end; what follows stays for the next reply
            chunk = sock.recv(want)
            if not chunk:
                raise ConnectionError("the sandbox server closed the connection")
            data += chunk
            want -= len(chunk)
        if end >= 0:
            return json.loads(data)


def spawn_server(directory: Path, *, idle: float = DEFAULT_IDLE) -> subprocess.Popen[bytes]:
    """Start a server in the background, detached from this terminal (its log: ``<dir>/server.log``)."""
    import subprocess

    # The server must import this very package: ``-m`` alone would put the current folder first on its path,
    # and a folder holding another ``sandbox/`` (a clone of the repository used with another install) gave a
    # server of other code, whose fingerprint no command ever matched (each command then started one more).
    path = [str(package_dir().parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    log = open(directory / "server.log", "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "sandbox.cli.server", "--dir", str(directory), "--idle", str(idle)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
        )
    finally:
        log.close()


def program_name() -> str:
    """How this command was invoked, as click names it in usage lines (``sandbox``, ``python -m sandbox.cli``)."""
    main = sys.modules.get("__main__")
    path = sys.argv[0]
    package = getattr(main, "__package__", None)
    if not package:
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def forward(argv: list[str]) -> int | None:
    """Run the command in a warm server; None when there is none (the caller runs it itself)."""
    directory = server_dir()
    if not private_dir(directory):
        return None
    path = socket_path(directory, fingerprint())
    try:
        cwd = os.getcwd()
    except OSError:  # the folder was removed under the shell: let the command say so itself
        return None
    message = {"op": "run", "argv": argv, "prog": program_name(), "cwd": cwd, "env": dict(os.environ)}
    try:
        # Any failure here leaves the command unrun: no server, or one that closed the connection without
        # reading it (stopping); a server that has read a request always answers it.
        sock, reply = request(path, message, fds=[0, 1, 2])
    except (OSError, ValueError):
        if command_of(argv) in STARTS_SERVER:
            try:
                spawn_server(directory)
            except OSError:
                pass
        return None
    try:
        if reply.get("started") is not True:  # refused before running: run it here
            return None
        sock.settimeout(None)
        while True:
            try:
                reply = read_reply(sock)
                return int(reply["exit"])
            except KeyboardInterrupt:
                # Ctrl-C reached this process (the terminal's foreground group); the command runs in
                # the server's child, so tell it, and wait for it to end as it would here.
                sock.shutdown(socket.SHUT_WR)
            except (OSError, ValueError, KeyError):
                print("error: the sandbox server stopped while running the command (`sandbox server status`)", file=sys.stderr)
                return 1
    finally:
        sock.close()


def main() -> None:
    """Entry point of the ``sandbox`` command."""
    argv = sys.argv[1:]
    mode = os.environ.get("SANDBOX_SERVER", "auto").lower()
    if mode not in ("off", "0", "no", "false") and command_of(argv) in FORWARDED and hasattr(os, "fork"):
        code = forward(argv)
        if code is not None:
            sys.exit(code)
    from sandbox.cli.app import main as run_here

    run_here()
