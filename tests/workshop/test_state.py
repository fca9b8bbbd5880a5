"""The persistent chain file: faithful dumps, atomic writes, locks, and refusal of bad files."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

from sandbox import Sandbox
from sandbox.chain.chain import Chain
from sandbox.errors import StateFileError, StateLockedError
from sandbox.helpers.nft import metadata_uri
from sandbox.project.toolchain import foundry_binary
from sandbox.workshop.store import ChainState, StateStore, dump_state
from tests.workshop.conftest import REPO


def _sandbox(state: ChainState, backend: str = "pyevm") -> Sandbox:
    return Sandbox(REPO, chain=Chain(backend=backend, state=state.to_dump(), persistent=True))


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A chain with a collection and three tokens, saved to a file; (path, nft address, state root)."""
    fresh = ChainState({}, 31337)
    sb = _sandbox(fresh)
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    nft = sb.deploy("SandboxNFT", "Saved", "SV", alice, sender=alice)
    for i in range(3):
        nft.mint(bob, metadata_uri(f"Saved #{i}"), sender=alice)
    nft.transferFrom(bob, carol, 1, sender=bob)
    with sb.isolate():  # undone: must not be saved
        nft.mint(carol, "undone", sender=alice)
    path = tmp_path_factory.mktemp("saved") / "chain.json"
    StateStore(path).write(dump_state(sb.chain, fresh))
    return path, nft.address, sb.w3.eth.get_block("latest")["stateRoot"].hex()


def test_a_saved_chain_loads_with_the_same_state_root(saved: tuple[Path, str, str]) -> None:
    path, address, root = saved
    state = StateStore(path).read()
    assert state is not None and state.block_number == 5  # deploy, 3 mints, 1 transfer
    sb = _sandbox(state)
    assert sb.w3.eth.get_block("latest")["stateRoot"].hex() == root
    nft = sb.at("SandboxNFT", address)
    assert nft.totalSupply() == 3  # the isolated mint was reverted before saving
    assert nft.ownerOf(1) == sb.accounts.carol and nft.ownerOf(2) == sb.accounts.bob
    assert sb.chain.timestamp == state.timestamp


@pytest.mark.parametrize("backend", ["revm", "pyevm"])
def test_a_chain_saved_on_py_evm_loads_on_either_engine_and_saves_back(saved: tuple[Path, str, str], backend: str, tmp_path: Path) -> None:
    state = StateStore(saved[0]).read()
    assert state is not None
    sb = _sandbox(state, backend)
    assert sb.chain.engine == ("revm" if backend == "revm" else "py-evm")
    nft = sb.at("SandboxNFT", saved[1])
    assert nft.totalSupply() == 3 and nft.ownerOf(1) == sb.accounts.carol and sb.chain.timestamp == state.timestamp
    nft.mint(sb.accounts.dave, "later", sender=sb.accounts.alice)
    path = tmp_path / "again.json"
    StateStore(path).write(dump_state(sb.chain, state))
    again = StateStore(path).read()
    assert again is not None and again.block_number == state.block_number + 1
    back = _sandbox(again, "pyevm").at("SandboxNFT", saved[1])  # and back on the default engine
    assert back.totalSupply() == 4 and back.ownerOf(3) == sb.accounts.dave


def test_the_file_is_anvil_shaped(saved: tuple[Path, str, str]) -> None:
    data = json.loads(saved[0].read_text())
    assert set(data) >= {"block", "accounts", "best_block_number", "sandbox"}
    account = data["accounts"][saved[1].lower()]
    assert account["nonce"] == 1 and account["code"].startswith("0x60")
    slot, value = next(iter(account["storage"].items()))
    assert len(slot) == len(value) == 66


def test_anvil_loads_the_same_state(saved: tuple[Path, str, str], tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    anvil = subprocess.Popen(
        [foundry_binary("anvil"), "--port", str(port), "--load-state", str(saved[0]), "--silent"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        w3 = Web3(HTTPProvider(f"http://127.0.0.1:{port}"))
        for _ in range(100):
            try:
                w3.eth.chain_id  # noqa: B018
                break
            except Exception:
                assert anvil.poll() is None, anvil.stdout.read() if anvil.stdout else ""
                time.sleep(0.1)
        cast = foundry_binary("cast")
        owner = subprocess.run([cast, "call", "--rpc-url", f"http://127.0.0.1:{port}", saved[1], "ownerOf(uint256)(address)", "1"],
                               capture_output=True, text=True, timeout=60)
        assert owner.stdout.strip() == Sandbox(REPO, backend="pyevm").accounts.carol.address
    finally:
        anvil.terminate()
        anvil.wait(timeout=10)


def test_later_dumps_reread_only_what_changed_and_survive_reverts(saved: tuple[Path, str, str]) -> None:
    state = StateStore(saved[0]).read()
    assert state is not None
    sb = _sandbox(state)
    nft = sb.at("SandboxNFT", saved[1])
    snapshot = sb.chain.snapshot()
    nft.mint(sb.accounts.dave, "a", sender=sb.accounts.alice)
    first = dump_state(sb.chain, state)
    sb.chain.revert(snapshot)  # behind the last dump: the next dump must forget the mint
    nft.transferFrom(sb.accounts.bob, sb.accounts.erin, 0, sender=sb.accounts.bob)
    second = dump_state(sb.chain, state)
    assert _sandbox(first).at("SandboxNFT", saved[1]).totalSupply() == 4
    again = _sandbox(second).at("SandboxNFT", saved[1])
    assert again.totalSupply() == 3 and again.ownerOf(0) == sb.accounts.erin


def test_a_failed_write_leaves_the_old_file_and_no_temporary(saved: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "chain.json"
    path.write_bytes(saved[0].read_bytes())
    before = path.read_bytes()
    store = StateStore(path)
    state = store.read()
    assert state is not None

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(json, "dumps", broken)
    with pytest.raises(OSError, match="disk full"):
        store.write(state)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"accounts": {}, "block": {}}', "not a sandbox state file: no 'sandbox' section (it looks like an anvil dump)"),
        ('[1, 2]', "not a sandbox state file"),
        ('{"sandbox": {"format": 99}}', "has state format 99"),
        ('{"sandbox": {"format": 1, "chain_id": 31337}, "accounts": {"0xzz": {}}, "block": {}}', "damaged sandbox state file"),
    ],
)
def test_bad_state_files_are_refused_and_kept(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "chain.json"
    path.write_text(content)
    with pytest.raises(StateFileError, match="kept") as info:
        StateStore(path).read()
    assert message in str(info.value) and str(path) in str(info.value)
    assert path.read_text() == content


def test_reset_keeps_a_damaged_file_as_backup(tmp_path: Path) -> None:
    path = tmp_path / "chain.json"
    path.write_text("{oops")
    backup = StateStore(path).reset()
    assert backup == tmp_path / "chain.json.bak" and backup.read_text() == "{oops"
    assert not path.exists()


def test_a_held_lock_makes_others_wait_then_give_up(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "chain.json")
    other = StateStore(tmp_path / "chain.json")
    with store.lock():
        with pytest.raises(StateLockedError, match="another sandbox command"):
            with other.lock(timeout=0.2):
                pass
    with other.lock(timeout=0.2):  # released: free again
        pass


def test_the_one_pass_trie_matches_py_evm(saved: tuple[Path, str, str]) -> None:
    from sandbox.backends.pyevm.genesis import state_root

    state = StateStore(saved[0]).read()
    assert state is not None and state.state_root is not None
    assert "0x" + state_root(state.accounts, {}).hex() == "0x" + state.state_root.hex()
    assert state.state_root.hex() == saved[2].removeprefix("0x")


def test_a_hand_edited_state_still_loads_through_py_evm(saved: tuple[Path, str, str], tmp_path: Path) -> None:
    data = json.loads(saved[0].read_text())
    dave = Sandbox(REPO, backend="pyevm").accounts.dave.address.lower()
    data["accounts"][dave]["balance"] = hex(12345)  # the saved root no longer matches
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    state = StateStore(path).read()
    assert state is not None
    sb = _sandbox(state)
    assert sb.balance(sb.accounts.dave) == 12345
    assert sb.at("SandboxNFT", saved[1]).ownerOf(1) == sb.accounts.carol


@pytest.mark.parametrize("walk_over", [1, 10**9])
def test_dumps_by_trie_walk_and_by_slot_reads_agree_with_the_chain(monkeypatch: pytest.MonkeyPatch, walk_over: int) -> None:
    from sandbox.backends.pyevm.genesis import state_root
    from sandbox.backends.pyevm import persist as state_module

    monkeypatch.setattr(state_module, "WALK_OVER", walk_over)
    fresh = ChainState({}, 31337)
    sb = _sandbox(fresh)
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Walk", "WK", alice, sender=alice)
    for i in range(3):
        nft.mint(sb.accounts.bob, metadata_uri(f"Walk #{i}"), sender=alice)
    first = dump_state(sb.chain, fresh)
    nft.transferFrom(sb.accounts.bob, sb.accounts.carol, 2, sender=sb.accounts.bob)
    second = dump_state(sb.chain, fresh)  # incremental: only what the transfer touched
    for dumped in (first, second):
        assert dumped.state_root is not None and state_root(dumped.accounts, {}) == dumped.state_root
    assert second.state_root == bytes(sb.w3.eth.get_block("latest")["stateRoot"])
