"""The warm command server (``sandbox server``): commands run in a fork of it exactly as they run alone.

Real processes throughout: the ``sandbox`` command as a user runs it, a real
server in a private folder under /tmp (short, for the Unix socket's path
limit), the repository's contracts on a chain store in tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.cli import launch
from sandbox.workshop.db import ChainStore

REPO = Path(__file__).resolve().parents[2]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1c9a50000000049454e44ae426082")


@pytest.fixture
def server_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="sbx-", dir="/tmp"))
    try:
        yield directory
    finally:
        for info in directory.glob("*.json"):  # a server a test left running
            try:
                os.kill(int(json.loads(info.read_text())["pid"]), signal.SIGKILL)
            except (OSError, ValueError, KeyError):
                pass
        shutil.rmtree(directory, ignore_errors=True)


def env_for(server_dir: Path, state: Path, mode: str = "auto") -> dict[str, str]:
    return {**os.environ, "SANDBOX_SERVER": mode, "SANDBOX_SERVER_DIR": str(server_dir),
            "SANDBOX_STATE": str(state), "SANDBOX_PROJECT": str(REPO)}


def sandbox(*args: str, env: dict[str, str], cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``sandbox ARGS`` as a user runs it (the console script's code path: sandbox.cli.launch)."""
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def status(server_dir: Path) -> dict[str, Any] | None:
    from sandbox.cli.server import status as server_status

    return server_status(server_dir)


@pytest.fixture
def server(server_dir: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A running server (started by ``sandbox server start``), stopped afterwards."""
    started = sandbox("server", "start", "--idle", "300", env=env_for(server_dir, tmp_path / "unused.db"))
    assert started.returncode == 0, started.stderr
    info = status(server_dir)
    assert info is not None
    yield info
    sandbox("server", "stop", env=env_for(server_dir, tmp_path / "unused.db"))


def served(server_dir: Path) -> int:
    info = status(server_dir)
    assert info is not None, "the server is gone"
    return int(info["served"])


def test_commands_run_in_the_server_with_the_same_output_exit_status_and_errors(server: dict[str, Any], server_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "chain.db"
    warm, alone = env_for(server_dir, state), env_for(server_dir, state, mode="off")
    before = served(server_dir)
    minted = sandbox("mint", "--to", "bob", "--name", "Panda #1", env=warm)
    assert minted.returncode == 0, minted.stderr
    assert minted.stdout.startswith("✓ minted #0 'Panda #1' to bob (gas ") and "sandbox show 0" in minted.stdout
    assert served(server_dir) == before + 1  # it ran in the server, not in the process
    assert state.exists()

    # The same chain, through the server and alone: identical answers.
    for args in (("list", "--json"), ("show", "0", "--json"), ("accounts",), ("list",)):
        through, here = sandbox(*args, env=warm), sandbox(*args, env=alone)
        assert (through.returncode, through.stdout, through.stderr) == (here.returncode, here.stdout, here.stderr), args
    assert served(server_dir) == before + 5

    # A user's mistake: the same one red line and exit status 1, no traceback; a usage error: click's exit 2.
    for args in (("mint", "--to", "nobody", "--name", "x"), ("mint", "--name", "no recipient"), ("show", "99")):
        through, here = sandbox(*args, env=warm), sandbox(*args, env=alone)
        assert through.returncode == here.returncode != 0, args
        assert through.stderr == here.stderr and "Traceback" not in through.stderr, args
    assert served(server_dir) == before + 8


def test_the_callers_folder_and_environment_are_the_commands(server: dict[str, Any], server_dir: Path, tmp_path: Path) -> None:
    """A relative --image is read from the caller's folder; SANDBOX_STATE is the caller's (two stores, one server)."""
    here = tmp_path / "attendee"
    here.mkdir()
    (here / "panda.png").write_bytes(PNG)
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    minted = sandbox("mint", "--to", "carol", "--name", "Own art", "--image", "panda.png", "--json", env=env_for(server_dir, one), cwd=here)
    assert minted.returncode == 0, minted.stderr
    assert json.loads(minted.stdout)["token_id"] == 0
    shown = sandbox("show", "0", "--json", env=env_for(server_dir, one))
    assert json.loads(shown.stdout)["image"].startswith("data:image/png;base64,")
    other = sandbox("list", "--json", env=env_for(server_dir, two))
    assert other.returncode == 0 and json.loads(other.stdout) == []  # the other store: nothing minted there
    missing = sandbox("mint", "--to", "bob", "--name", "x", "--image", "nowhere.png", env=env_for(server_dir, one), cwd=here)
    assert missing.returncode == 1 and "nowhere.png" in missing.stderr


def test_many_commands_at_once(server: dict[str, Any], server_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "chain.db"
    env = env_for(server_dir, state)
    before = served(server_dir)
    processes = [subprocess.Popen([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", f"N{i}", "--json"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(8)]
    results = [(*p.communicate(timeout=300), p.returncode) for p in processes]
    assert all(code == 0 for _out, _err, code in results), [err for _out, err, _code in results]
    ids = sorted(json.loads(out)["token_id"] for out, _err, _code in results)
    assert ids == list(range(8))
    assert served(server_dir) == before + 8
    listed = json.loads(sandbox("list", "--json", env=env).stdout)
    assert sorted(t["name"] for t in listed) == sorted(f"N{i}" for i in range(8))


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_ctrl_c_interrupts_a_command_waiting_for_the_store(server: dict[str, Any], server_dir: Path, tmp_path: Path, mode: str) -> None:
    """A mint waiting for a locked store says so; interrupted by the caller's Ctrl-C: 'aborted', status 130,
    nothing written, in the server as alone (alone it said nothing and exited 0: typer returned 130 and it
    was dropped); and the server goes on serving."""
    state = tmp_path / "chain.db"
    env = env_for(server_dir, state, mode=mode)
    assert sandbox("mint", "--to", "bob", "--name", "first", env=env).returncode == 0
    store = ChainStore(state)
    digest = store.digest()
    before = served(server_dir)
    with store.lock():
        client = subprocess.Popen([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", "waits"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert client.stderr is not None and client.stdout is not None
        waiting = f"waiting for another sandbox command to finish with {state} ...\n".encode()
        said = b""
        while not said.endswith(b"\n"):  # until the command says it waits (raw reads: nothing buffered twice)
            chunk = os.read(client.stderr.fileno(), 4096)
            assert chunk, said
            said += chunk
        assert said == waiting, said
        client.send_signal(signal.SIGINT)
        said += client.stderr.read()
        out = client.stdout.read()
        client.wait(timeout=60)
    assert client.returncode == 130, (out, said)
    assert said == waiting + b"aborted\n", said
    deadline = time.monotonic() + 30
    while (status(server_dir) or {}).get("running"):
        assert time.monotonic() < deadline, "the interrupted command kept running in the server"
        time.sleep(0.05)
    assert ChainStore(state).digest() == digest
    again = sandbox("list", "--json", env=env)
    assert [t["name"] for t in json.loads(again.stdout)] == ["first"]
    assert served(server_dir) == before + (2 if mode == "auto" else 0)


def test_a_terminal_gets_the_colours_it_would_get_alone(server: dict[str, Any], server_dir: Path, tmp_path: Path) -> None:
    """The command writes to the caller's own terminal (a pty here): rich sees a terminal and colours the ✓."""
    import pty

    state = tmp_path / "chain.db"
    env = {**env_for(server_dir, state), "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    before = served(server_dir)

    def through_pty(*args: str) -> str:
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover - the child becomes the command
            os.chdir(REPO)
            os.execve(sys.executable, [sys.executable, "-m", "sandbox.cli", *args], env)
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.waitpid(pid, 0)
        return b"".join(chunks).decode(errors="replace")

    printed = through_pty("mint", "--to", "bob", "--name", "In colour")
    assert "minted #" in printed and "In colour" in printed
    assert "\x1b[32m✓" in printed  # green, as rich prints it on a terminal
    assert served(server_dir) == before + 1
    piped = sandbox("list", env=env)
    assert "\x1b[" not in piped.stdout  # and no colour codes into a pipe


def test_the_first_workshop_command_starts_a_server_and_off_means_never(server_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "chain.db"
    assert status(server_dir) is None
    off = sandbox("list", env=env_for(server_dir, state, mode="off"))
    assert off.returncode == 0
    time.sleep(1.0)
    assert status(server_dir) is None and not list(server_dir.glob("*.sock"))
    first = sandbox("list", env=env_for(server_dir, state))  # runs here, starts one for the next command
    assert first.returncode == 0 and first.stdout == off.stdout
    deadline = time.monotonic() + 120
    while status(server_dir) is None:
        assert time.monotonic() < deadline, (server_dir / "server.log").read_text() if (server_dir / "server.log").exists() else "no log"
        time.sleep(0.1)
    second = sandbox("list", env=env_for(server_dir, state))
    assert second.stdout == off.stdout and served(server_dir) == 1
    stopped = sandbox("stop", env=env_for(server_dir, state))
    assert stopped.returncode == 0 and "stopped sandbox server" in stopped.stdout
    assert status(server_dir) is None and not list(server_dir.glob("*.sock"))
    told = sandbox("status", env=env_for(server_dir, state))
    assert told.returncode == 0 and "no sandbox server runs" in told.stdout


def test_an_idle_server_stops_itself(server_dir: Path, tmp_path: Path) -> None:
    env = env_for(server_dir, tmp_path / "chain.db")
    started = sandbox("server", "start", "--idle", "1", env=env)
    assert started.returncode == 0, started.stderr
    assert "stops after 1 s idle" in started.stdout
    deadline = time.monotonic() + 60
    while status(server_dir) is not None:
        assert time.monotonic() < deadline, "the idle server did not stop"
        time.sleep(0.2)
    assert not list(server_dir.glob("*.sock"))
    assert "stopped after 0 commands" in (server_dir / "server.log").read_text()


def test_a_folder_others_can_enter_is_not_used(tmp_path: Path) -> None:
    shared = Path(tempfile.mkdtemp(prefix="sbx-", dir="/tmp"))
    try:
        shared.chmod(0o755)
        env = env_for(shared, tmp_path / "chain.db")
        refused = sandbox("server", "start", env=env)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert f"{shared} is not a private folder" in refused.stderr and "SANDBOX_SERVER_DIR" in refused.stderr
        ran = sandbox("list", "--json", env=env)  # commands still work, in their own process
        assert ran.returncode == 0 and json.loads(ran.stdout) == []
        time.sleep(0.5)
        assert not list(shared.glob("*.sock"))
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_the_fingerprint_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server serves only the code it was started from: an edited file is another fingerprint."""
    copy = tmp_path / "sandbox"
    (copy / "cli").mkdir(parents=True)
    (copy / "cli" / "app.py").write_text("x = 1\n")
    (copy / "main.py").write_text("y = 1\n")
    monkeypatch.setattr(launch, "package_dir", lambda: copy)
    first = launch.fingerprint()
    assert launch.fingerprint() == first
    (copy / "cli" / "app.py").write_text("x = 2\n")
    assert launch.fingerprint() != first


def test_a_busy_server_is_waited_for_and_the_command_runs_once(server: dict[str, Any], server_dir: Path, tmp_path: Path) -> None:
    """A server slow to answer (stopped here for 8 s, as thirty commands at once on two cores made it) is
    waited for: the caller must not give up and run the command itself while the server runs it too."""
    state = tmp_path / "chain.db"
    env = env_for(server_dir, state)
    assert sandbox("mint", "--to", "bob", "--name", "first", env=env).returncode == 0
    pid = int(server["pid"])
    os.kill(pid, signal.SIGSTOP)
    try:
        client = subprocess.Popen([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", "once", "--json"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(8)
    finally:
        os.kill(pid, signal.SIGCONT)
    out, err = client.communicate(timeout=300)
    assert client.returncode == 0, err
    assert json.loads(out)["token_id"] == 1
    names = [t["name"] for t in json.loads(sandbox("list", "--json", env=env).stdout)]
    assert names == ["first", "once"]


def test_the_warm_up_leaves_no_files_and_no_open_store(server_dir: Path, tmp_path: Path) -> None:
    """The server mints on a throwaway chain on each engine before it serves (so a command's first-use costs
    are paid once): it ran, and left no folder, no open store and no SQLite connection to cross a fork."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**env_for(server_dir, tmp_path / "unused.db"), "TMPDIR": str(scratch)}
    started = sandbox("server", "start", "--idle", "300", env=env)
    assert started.returncode == 0, started.stderr
    try:
        info = status(server_dir)
        assert info is not None
        log = (server_dir / "server.log").read_text()
        assert "warmed up on pyevm, revm in" in log and "ready on" in log, log
        assert list(scratch.iterdir()) == []
        fds = Path(f"/proc/{info['pid']}/fd")
        opened = [os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()]
        assert not [f for f in opened if f.endswith((".db", ".db-wal", ".db-shm"))], opened
        # and a command served after it is right
        state = tmp_path / "chain.db"
        assert sandbox("mint", "--to", "bob", "--name", "after the warm-up", env=env_for(server_dir, state)).returncode == 0
        listed = sandbox("list", "--json", env=env_for(server_dir, state))
        assert [t["name"] for t in json.loads(listed.stdout)] == ["after the warm-up"]
        assert served(server_dir) == 2
    finally:
        sandbox("server", "stop", env=env)


def test_two_replies_in_one_read_are_read_one_at_a_time() -> None:
    """A quick command's 'started' and 'exit' lines can reach the caller in one read. Read as one reply they were
    malformed JSON, which the caller took for 'no server' and ran the command again itself: a second mint (seen
    once in thirty at once on revm)."""
    import socket

    ours, server_side = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, server_side:
        server_side.sendall(b'{"started": true, "pid": 42}\n{"exit": 0}\n')
        assert launch.read_reply(ours) == {"started": True, "pid": 42}
        assert launch.read_reply(ours) == {"exit": 0}
        server_side.sendall(b'{"exit":')  # a reply split over two writes still reads whole
        server_side.sendall(b' 3}\n')
        assert launch.read_reply(ours) == {"exit": 3}
        server_side.close()
        with pytest.raises(ConnectionError):
            launch.read_reply(ours)


def test_a_server_started_from_a_folder_with_another_sandbox_package_runs_this_one(server_dir: Path, tmp_path: Path) -> None:
    """A clone of the repository used with another install: its ``sandbox/`` folder in the current folder must not
    become the server's code (that server's fingerprint matched no command, and each command started one more)."""
    script = Path(sys.executable).with_name("sandbox")  # the console script: it does not put the current folder on the path
    if not script.exists():
        pytest.skip(f"no console script beside {sys.executable}")
    shadow = tmp_path / "clone"
    (shadow / "sandbox" / "cli").mkdir(parents=True)
    (shadow / "sandbox" / "__init__.py").write_text('raise SystemExit("the other sandbox package was imported")\n')
    (shadow / "sandbox" / "cli" / "__init__.py").write_text("")
    env = env_for(server_dir, tmp_path / "chain.db")
    first = subprocess.run([str(script), "list"], cwd=shadow, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    deadline = time.monotonic() + 120
    while status(server_dir) is None:
        log = server_dir / "server.log"
        assert time.monotonic() < deadline, log.read_text() if log.exists() else "no log"
        time.sleep(0.1)
    assert status(server_dir)["package"] == str(REPO / "sandbox")  # type: ignore[index]
    second = subprocess.run([str(script), "list"], cwd=shadow, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0 and second.stdout == first.stdout
    assert served(server_dir) == 1
