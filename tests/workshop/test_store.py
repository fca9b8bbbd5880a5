"""The chain store (SQLite): faithful state, incremental commits, refusal of bad files, faults, anvil interchange."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

from sandbox.chain.chain import Chain
from sandbox.errors import ChainError, StateFileError, StateLockedError
from sandbox.helpers.nft import metadata_uri
from sandbox.project.toolchain import foundry_binary
from sandbox.workshop import collection
from sandbox.workshop.db import APPLICATION_ID, FORMAT, ChainStore, reset_store
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO

ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, int]:
    """A chain with a collection and three tokens; (store, nft address, head state root, head)."""
    path = tmp_path_factory.mktemp("saved") / "chain.db"
    ws = Workshop(REPO, state=path)
    with ws.session(write=True) as sb:
        alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
        nft = sb.deploy("SandboxNFT", "Saved", "SV", alice, sender=alice)
        ws.record_contract("SandboxNFT", nft.address, role="collection")
        for i in range(3):
            nft.mint(bob, metadata_uri(f"Saved #{i}"), sender=alice)
        nft.transferFrom(bob, carol, 1, sender=bob)
        with sb.isolate():  # undone: must not be saved
            nft.mint(carol, "undone", sender=alice)
        head = sb.chain.backend.get_block("latest")
        address = nft.address
        engine_state = sb.chain.dump_state().accounts
    ws.store.close()
    assert head is not None
    saved_state = ChainStore(path).load(31337)
    assert saved_state is not None and saved_state.state is not None
    assert saved_state.state.accounts == engine_state  # the store's accounts are the engine's state (on either engine)
    return path, address, str(head["state_root"]), int(head["number"])


def _copy(saved: tuple[Path, str, str, int], tmp_path: Path) -> Path:
    target = tmp_path / "chain.db"
    ChainStore(saved[0]).copy_to(target)
    return target


def test_a_saved_chain_loads_with_the_same_state_root_and_head(saved: tuple[Path, str, str, int]) -> None:
    path, address, root, head = saved
    ws = Workshop(REPO, state=path)
    with ws.session() as sb:
        latest = sb.chain.backend.get_block("latest")
        assert latest is not None and latest["number"] == head and latest["state_root"] == root
        nft = sb.at("SandboxNFT", address)
        assert nft.totalSupply() == 3  # the isolated mint was reverted before saving
        assert nft.ownerOf(1) == sb.accounts.carol and nft.ownerOf(2) == sb.accounts.bob
    if ws.backend == "pyevm":  # py-evm's root is a real trie root: the store's accounts hash to it
        from sandbox.backends.pyevm.genesis import state_root

        saved_state = ChainStore(path).load(31337)
        assert saved_state is not None and saved_state.state is not None
        assert "0x" + state_root(saved_state.state.accounts, {}).hex() == root


def test_a_commit_writes_only_what_the_command_changed(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    path = _copy(saved, tmp_path)
    ws = Workshop(REPO, state=path)
    with ws.session() as sb:
        pass
    conn = sqlite3.connect(path)
    conn.execute("CREATE TEMP TABLE seen AS SELECT address, slot, value FROM storage")
    conn.execute("CREATE TEMP TABLE seen_accounts AS SELECT * FROM accounts")
    writer = ws.store.connect()
    assert writer is not None
    rows, nodes = writer.total_changes, writer.execute("SELECT COUNT(*) FROM engine_nodes").fetchone()[0]
    with ws.session(write=True) as sb:
        sb.at("SandboxNFT", saved[1]).transferFrom(sb.accounts.carol, sb.accounts.dave, 1, sender=sb.accounts.carol)
    nodes = writer.execute("SELECT COUNT(*) FROM engine_nodes").fetchone()[0] - nodes
    rows = writer.total_changes - rows - nodes
    changed = conn.execute("SELECT COUNT(*) FROM storage s LEFT JOIN seen t ON s.address = t.address AND s.slot = t.slot "
                           "WHERE t.value IS NULL OR t.value != s.value").fetchone()[0]
    accounts = conn.execute("SELECT COUNT(*) FROM accounts a LEFT JOIN seen_accounts t ON a.address = t.address "
                            "WHERE t.balance IS NULL OR t.balance != a.balance OR t.nonce != a.nonce").fetchone()[0]
    assert 1 <= changed <= 4 and accounts == 2  # the token's owner and balances; carol (nonce, gas) and the fee recipient
    assert rows <= 16  # a block, a transaction, a log, two accounts, a few slots, the records, the generation
    assert (0 < nodes <= 60) if ws.backend == "pyevm" else nodes == 0  # and py-evm's new trie nodes, header, body and indexes
    assert conn.execute("SELECT MAX(number) FROM blocks").fetchone()[0] == saved[3] + 1


def test_a_revert_behind_a_save_replaces_the_blocks_it_undid(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    """A node's evm_revert can go behind the last save: the store then drops the undone blocks."""
    path = _copy(saved, tmp_path)
    ws = Workshop(REPO, state=path)
    with ws.session(write=True) as sb:
        snapshot = sb.chain.snapshot()
        sb.at("SandboxNFT", saved[1]).mint(sb.accounts.dave, "kept for now", sender=sb.accounts.alice)
    assert [t["token_id"] for t in ws.transfers()][-1] == 3  # read incrementally from here on
    with ws.session(write=True) as sb:
        sb.chain.revert(snapshot)
        sb.at("SandboxNFT", saved[1]).transferFrom(sb.accounts.bob, sb.accounts.erin, 0, sender=sb.accounts.bob)
        engine = {n: sb.chain.backend.get_block(n)["hash"] for n in range(sb.chain.backend.block_number() + 1)}  # type: ignore[index]
    assert ws.store.stored_hashes(0) == engine
    assert [(t["token_id"], t["to"]) for t in ws.transfers()][-1] == (0, ws.sandbox.accounts.erin)  # type: ignore[union-attr]
    assert 3 not in [t["token_id"] for t in ws.transfers()]  # the undone mint is gone from the history too
    again = Workshop(REPO, state=path)
    with again.session() as sb:
        nft = sb.at("SandboxNFT", saved[1])
        assert nft.totalSupply() == 3 and nft.ownerOf(0) == sb.accounts.erin


def test_a_store_without_py_evms_saved_trie_rebuilds_it_from_the_accounts(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    """The accounts table is the engine-neutral state (revm loads it); py-evm's trie nodes are a saved cache of it."""
    path = _copy(saved, tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM engine_nodes")
    conn.commit()
    conn.close()
    for engine in ("pyevm", "revm"):
        ws = Workshop(REPO, state=path, backend=engine)
        with ws.session() as sb:
            block = sb.chain.backend.get_block(saved[3])
            assert block is not None and block["state_root"] == saved[2]
            assert sb.at("SandboxNFT", saved[1]).ownerOf(1) == sb.accounts.carol
        with ws.session(write=True) as sb:  # and goes on, saving what it rebuilt
            collection.mint(ws, sb, to="dave", name=f"On {engine}")
        ws.store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM engine_nodes").fetchone()[0] > 100


@pytest.mark.parametrize("walk_over", [1, 10**9])
def test_dumps_by_trie_walk_and_by_slot_reads_agree_with_the_chain(monkeypatch: pytest.MonkeyPatch, walk_over: int) -> None:
    from sandbox import Sandbox
    from sandbox.backends.pyevm import persist as state_module
    from sandbox.backends.pyevm.genesis import state_root

    monkeypatch.setattr(state_module, "WALK_OVER", walk_over)
    sb = Sandbox(REPO, chain=Chain(backend="pyevm", persistent=True))
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Walk", "WK", alice, sender=alice)
    for i in range(3):
        nft.mint(sb.accounts.bob, metadata_uri(f"Walk #{i}"), sender=alice)
    first = sb.chain.dump_state()
    nft.transferFrom(sb.accounts.bob, sb.accounts.carol, 2, sender=sb.accounts.bob)
    second = sb.chain.dump_state()  # incremental: only what the transfer touched
    for dumped in (first, second):
        assert dumped.state_root is not None and state_root(dumped.accounts, {}) == dumped.state_root
    assert second.state_root == bytes(sb.w3.eth.get_block("latest")["stateRoot"])


# -- bad stores: refused, named, never written --------------------------------------------


def _newer(path: Path) -> None:
    made = ChainStore(path).connect(create=True)
    assert made is not None
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    conn.commit()
    conn.close()
    # Closed here, the last connection: SQLite moves the WAL into the file now. Left to the garbage collector,
    # that happened at some later moment, after the test had read the file's bytes (a flaky "changed").
    made.close()


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"\x00garbage" * 100), "is not a sandbox chain store (not a SQLite database)"),
        (lambda p: p.write_text('{"accounts": {}, "block": {}}'), "is a JSON chain file"),
        (_foreign, "is a SQLite database but not a sandbox chain store"),
        (_newer, "was written by a newer sandbox (store format 99"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x01" * 200), "damaged chain store"),
    ],
)
def test_bad_stores_are_refused_named_and_kept(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "chain.db"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(StateFileError) as info:
        with Workshop(REPO, state=path).session(write=True) as sb:
            collection.mint(Workshop(REPO, state=path), sb, to="bob", name="never")
    assert message in str(info.value) and str(path) in str(info.value)
    assert path.read_bytes() == before


def test_reset_keeps_a_damaged_store_as_backup(tmp_path: Path) -> None:
    path = tmp_path / "chain.db"
    path.write_bytes(b"oops, not a database")
    Path(str(path) + "-wal").write_bytes(b"its log")
    backup = reset_store(ChainStore(path))
    assert backup == tmp_path / "chain.db.bak" and backup.read_bytes() == b"oops, not a database"
    assert Path(str(backup) + "-wal").read_bytes() == b"its log"  # the log goes with its store, not to the next one
    assert not path.exists() and not Path(str(path) + "-wal").exists()


def test_a_store_removed_without_its_log_starts_a_new_chain(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    """``rm chain.db`` while its -wal/-shm are left (the last writer did not checkpoint): the next command starts
    a new chain instead of replaying the old log into it (which broke the first save with a constraint error)."""
    path = _copy(saved, tmp_path)
    sqlite3.connect(path).execute("PRAGMA journal_mode = WAL").connection.close()  # as the store the sandbox created (a copy is one file)
    ws = Workshop(REPO, state=path)
    with ws.session(write=True) as sb:
        assert collection.mint(ws, sb, to="bob", name="logged")["token_id"] == 3
    wal = Path(str(path) + "-wal")
    assert wal.stat().st_size > 0  # the mint is in the log, not yet in the file (the connection is still open)
    left = {suffix: Path(str(path) + suffix).read_bytes() for suffix in ("-wal", "-shm")}
    ws.store.close()
    path.unlink()
    for suffix, data in left.items():
        Path(str(path) + suffix).write_bytes(data)
    fresh = Workshop(REPO, state=path)
    with fresh.session(write=True) as sb:
        assert collection.mint(fresh, sb, to="bob", name="first of the new chain")["token_id"] == 0
    fresh.store.close()
    assert ChainStore(path).head() == 2  # the new chain's deploy and mint (the old chain had block 6 and more)


def test_a_store_changed_behind_the_sandbox_is_a_clear_error(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    path = _copy(saved, tmp_path)
    head = ChainStore(path).head()
    assert head is not None
    ws = Workshop(REPO, state=path)
    with pytest.raises(StateFileError, match=r"the store is damaged \(UNIQUE constraint failed: blocks.number\); nothing of this"):
        with ws.session(write=True) as sb:
            collection.mint(ws, sb, to="bob", name="never")
            conn = sqlite3.connect(path)  # another program writes a row where the mint's block goes, behind the lock
            conn.execute("INSERT INTO blocks VALUES (?, 'not a hash', x'00', '{}')", (head + 1,))
            conn.commit()
            conn.close()
            before = ChainStore(path).counts()
    ws.store.close()
    assert ChainStore(path).counts() == before  # nothing of the mint saved


def test_a_held_lock_makes_others_wait_then_give_up(tmp_path: Path) -> None:
    store, other = ChainStore(tmp_path / "chain.db"), ChainStore(tmp_path / "chain.db")
    with store.lock():
        with pytest.raises(StateLockedError, match="another sandbox command"):
            with other.lock(timeout=0.2):
                pass
    with other.lock(timeout=0.2):  # released: free again
        pass


def test_a_full_disk_refuses_the_command_and_leaves_store_and_chain_as_they_were(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    """SQLite's page limit is a full disk as SQLite sees one (SQLITE_FULL)."""
    path = _copy(saved, tmp_path)
    ws = Workshop(REPO, state=path)
    with ws.session() as sb:
        head = sb.chain.block_number
    before = ws.store.digest()
    conn = ws.store.connect()
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StateFileError, match="nothing of this command was saved"):
        with ws.session(write=True) as sb:
            for i in range(20):  # enough new rows to need a new page
                collection.mint(ws, sb, to="bob", name=f"Too much #{i}", description="x" * 500)
    assert ws.store.digest() == before
    with ws.session() as sb:
        assert sb.chain.block_number == head  # the chain in memory went back too: node and store agree
    conn.execute(f"PRAGMA max_page_count = {2**30}")
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Room again")
    assert ws.store.head() == head + 1


def test_a_read_only_store_is_a_clear_error_and_unchanged(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    path = _copy(saved, tmp_path)
    immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False)
    if immutable.returncode != 0:
        pytest.skip(f"this file system cannot make a file immutable: {immutable.stderr.strip()}")
    try:
        before = path.read_bytes()
        ws = Workshop(REPO, state=path)
        with pytest.raises(StateFileError) as info, ws.session(write=True) as sb:
            collection.mint(ws, sb, to="bob", name="Never saved")
        assert str(path) in str(info.value) and "Traceback" not in str(info.value)
        assert path.read_bytes() == before
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_a_store_on_a_non_dev_chain_id_does_not_sign_with_public_keys(saved: tuple[Path, str, str, int], tmp_path: Path) -> None:
    path = _copy(saved, tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'chain_id'")
    conn.commit()
    conn.close()
    ws = Workshop(REPO, state=path)
    with pytest.raises(ChainError, match="refusing to use dev account .* on chain id 1"), ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Mainnet?")


def test_a_new_store_says_what_it_is(tmp_path: Path) -> None:
    """A store names its format and itself (SQLite's application id), which is what a later release checks first."""
    path = tmp_path / "chain.db"
    ChainStore(path).connect(create=True)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0] == str(FORMAT)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- anvil ---------------------------------------------------------------------------------


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Anvils:
    """Real anvil processes on free ports; stopped with SIGINT, so ``--dump-state`` is written."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> Web3:
        port = _port()
        proc = subprocess.Popen([foundry_binary("anvil"), "--port", str(port), "--silent", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        w3 = Web3(HTTPProvider(f"http://127.0.0.1:{port}"))
        for _ in range(200):
            try:
                w3.eth.chain_id  # noqa: B018
                return w3
            except Exception:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.05)
        raise AssertionError("anvil did not start")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(2)
                proc.wait(timeout=20)


@pytest.fixture
def anvils() -> Iterator[Anvils]:
    running = Anvils()
    yield running
    running.stop()


def test_anvil_loads_the_export_and_serves_the_same_history(saved: tuple[Path, str, str, int], tmp_path: Path, sandbox_cmd: object,
                                                            anvils: Anvils) -> None:
    path, address, _, head = saved
    out = tmp_path / "dump.json"
    result = sandbox_cmd("state", "export", "--anvil", str(out), "--state", str(path))  # type: ignore[operator]
    assert result.code == 0, result.err
    w3 = anvils.start("--load-state", str(out))
    ws = Workshop(REPO, state=path)
    with ws.session() as sb:
        ours = [sb.chain.backend.get_block(n) for n in range(head + 1)]
        owner = sb.at("SandboxNFT", address).ownerOf(1)
        logs = sb.chain.backend.get_logs(0, head)
    assert w3.eth.block_number == head
    assert [w3.eth.get_block(n)["hash"].to_0x_hex() for n in range(head + 1)] == [b["hash"] for b in ours]  # type: ignore[index]
    nft = w3.eth.contract(address=address, abi=[{"name": "ownerOf", "type": "function", "stateMutability": "view",
                                                 "inputs": [{"name": "id", "type": "uint256"}], "outputs": [{"name": "", "type": "address"}]}])
    assert nft.functions.ownerOf(1).call() == owner
    theirs = w3.eth.get_logs({"fromBlock": 0, "toBlock": head})
    assert [(x["transactionHash"].to_0x_hex(), x["topics"][0].to_0x_hex()) for x in theirs] == [(x["transaction_hash"], x["topics"][0]) for x in logs]
    receipt = w3.eth.get_transaction_receipt(logs[-1]["transaction_hash"])
    assert receipt["status"] == 1 and receipt["blockNumber"] == logs[-1]["block_number"]


def test_a_chain_anvil_dumped_imports_and_continues(tmp_path: Path, sandbox_cmd: object, anvils: Anvils) -> None:
    dump = tmp_path / "anvil.json"
    w3 = anvils.start("--dump-state", str(dump))
    alice, bob = w3.eth.accounts[:2]
    sent = w3.eth.send_transaction({"from": alice, "to": bob, "value": 12345})
    w3.eth.wait_for_transaction_receipt(sent)
    head = w3.eth.get_block("latest")
    balance = w3.eth.get_balance(bob)
    anvils.stop()  # anvil writes the dump as it stops
    state = tmp_path / "imported.db"
    result = sandbox_cmd("state", "import", str(dump), "--state", str(state))  # type: ignore[operator]
    assert result.code == 0, result.err
    ws = Workshop(REPO, state=state)
    with ws.session() as sb:
        assert sb.chain.block_number == head["number"] and sb.balance(bob) == balance
        assert sb.chain.backend.get_block(head["number"])["hash"] == head["hash"].to_0x_hex()  # type: ignore[index]
        assert sb.chain.backend.get_receipt(sent.to_0x_hex())["status"] == 1  # type: ignore[index]
    with ws.session(write=True) as sb:
        receipt = collection.mint(ws, sb, to="bob", name="After anvil")
        block = sb.chain.backend.get_block(head["number"] + 1)
        assert block is not None and block["parent_hash"] == head["hash"].to_0x_hex() and receipt["token_id"] == 0
    again = sandbox_cmd("state", "import", str(dump), "--state", str(state))  # type: ignore[operator]
    assert again.code == 1 and "already holds a chain" in again.err
    other = sandbox_cmd("state", "import", str(dump), "--chain-id", "1337", "--state", str(tmp_path / "other.db"))  # type: ignore[operator]
    assert other.code == 1 and "signed for chain id 31337, not 1337; import it with --chain-id 31337" in other.err
    assert ChainStore(tmp_path / "other.db").head() is None  # nothing written


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not an anvil dump: not JSON"), ("[1]", "needs 'block' and 'accounts'"),
     (json.dumps({"block": {}, "accounts": {}, "blocks": []}), "has no blocks")],
)
def test_bad_dumps_are_refused_and_nothing_is_written(tmp_path: Path, sandbox_cmd: object, content: str, message: str) -> None:
    dump, state = tmp_path / "dump.json", tmp_path / "new.db"
    dump.write_text(content)
    result = sandbox_cmd("state", "import", str(dump), "--state", str(state))  # type: ignore[operator]
    assert result.code == 1 and message in result.err and "Traceback" not in result.err
    assert ChainStore(state).head() is None


def test_checkpoints_snapshot_list_restore(saved: tuple[Path, str, str, int], tmp_path: Path, sandbox_cmd: object) -> None:
    path = _copy(saved, tmp_path)
    run = sandbox_cmd  # type: ignore[assignment]
    assert run("state", "snapshot", "after-ex2", "--state", str(path)).code == 0  # type: ignore[operator]
    ws = Workshop(REPO, state=path)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="dave", name="After the checkpoint")
    listed = run("state", "list", "--json", "--state", str(path))  # type: ignore[operator]
    assert [r["name"] for r in json.loads(listed.out)] == ["after-ex2"] and json.loads(listed.out)[0]["head"] == saved[3]
    assert run("state", "restore", "after-ex2", "--state", str(path)).code == 0  # type: ignore[operator]
    with ws.session() as sb:  # the running Workshop (a node, a gallery) follows the restore
        assert sb.chain.block_number == saved[3] and sb.at("SandboxNFT", saved[1]).totalSupply() == 3
    again = run("state", "snapshot", "after-ex2", "--state", str(path))  # type: ignore[operator]
    assert again.code == 1 and "exists already" in again.err
    bad = run("state", "restore", "nope", "--state", str(path))  # type: ignore[operator]
    assert bad.code == 1 and "no checkpoint 'nope'; known: after-ex2" in bad.err
    name = run("state", "snapshot", "../escape", "--state", str(path))  # type: ignore[operator]
    assert name.code == 1 and "not a checkpoint name" in name.err
    info = json.loads(run("state", "info", "--json", "--state", str(path)).out)  # type: ignore[operator]
    assert info["head"] == saved[3] and info["format"] == FORMAT and info["chain_id"] == 31337


def test_the_json_file_of_an_earlier_sandbox_is_named_and_imports(tmp_path: Path, sandbox_cmd: object) -> None:
    """Sandbox 0.1 kept .sandbox/chain.json (state only); a new command names it instead of starting an empty chain."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from json_store import ChainState, StateStore  # the earlier format, kept as the bench's baseline

    from sandbox import Sandbox

    sb = Sandbox(REPO, chain=Chain(backend="pyevm", persistent=True))
    nft = sb.deploy("SandboxNFT", "Old", "OLD", sb.accounts.alice, sender=sb.accounts.alice)
    nft.mint(sb.accounts.bob, metadata_uri("From 0.1"), sender=sb.accounts.alice)
    dump = sb.chain.dump_state()
    legacy = tmp_path / "chain.json"
    transfer = {"contract": nft.address, "token_id": 0, "from": ZERO, "to": sb.accounts.bob.address, "block": 2, "timestamp": dump.timestamp,
                "tx": "0x" + "11" * 32}
    StateStore(legacy).write(ChainState(dump.accounts, 31337, dump.block_number, dump.timestamp,
                                        {"contracts": [{"name": "SandboxNFT", "address": nft.address, "role": "collection"}],
                                         "transfers": [transfer]}, dump.state_root))
    store = tmp_path / "chain.db"
    refused = sandbox_cmd("list", "--state", str(store))  # type: ignore[operator]
    assert refused.code == 1 and f"sandbox state import {legacy}" in refused.err and not store.exists()
    assert sandbox_cmd("state", "import", str(legacy), "--state", str(store)).code == 0  # type: ignore[operator]
    listed = sandbox_cmd("list", "--json", "--state", str(store))  # type: ignore[operator]
    assert listed.code == 0 and [t["name"] for t in json.loads(listed.out)] == ["From 0.1"]


def test_a_killed_export_or_snapshot_leaves_nothing_behind(saved: tuple[Path, str, str, int], tmp_path: Path, sandbox_cmd: object) -> None:
    """A `kill -9` between writing a file's temporary copy and renaming it leaves `.NAME.PID.tmp`; the next command
    that writes there removes the ones whose process is gone, and never one of a process still running."""
    import os
    import sys

    path = _copy(saved, tmp_path)
    run = sandbox_cmd  # type: ignore[assignment]
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process
    out = tmp_path / "dump.json"
    killed = tmp_path / f".dump.json.{gone.pid}.tmp"
    running = tmp_path / f".dump.json.{os.getppid()}.tmp"  # a process still running (this one's parent)
    killed.write_text('{"half": ')
    running.write_text("another export, still running")
    assert run("state", "export", "--anvil", str(out), "--state", str(path)).code == 0  # type: ignore[operator]
    assert not killed.exists() and running.exists() and json.loads(out.read_text())["accounts"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".dump")) == [running.name]
    # a checkpoint's copy (SQLite, with its journal) the same way
    assert run("state", "snapshot", "first", "--state", str(path)).code == 0  # type: ignore[operator]
    folder = next(p.parent for p in path.parent.rglob("first.db"))
    for leftover in (f".second.db.{gone.pid}.new", f".second.db.{gone.pid}.new-journal"):
        (folder / leftover).write_bytes(b"half a copy")
    assert run("state", "snapshot", "second", "--state", str(path)).code == 0  # type: ignore[operator]
    assert sorted(p.name for p in folder.iterdir()) == ["first.db", "second.db"]
