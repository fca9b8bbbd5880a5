"""Cheatcodes, one API on every backend: the same tests on py-evm, revm and anvil.

``sb.set_balance/set_code/set_storage/set_nonce``, ``with sb.impersonate(addr)``,
``sb.deal`` (ERC-20 balances by slot search), ``sb.accounts.at`` and
``sb.accounts.generate``; then the refusals: values over 32 bytes, impersonating
off a dev chain, and a node that lacks the ``anvil_*``/``hardhat_*`` methods.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from eth_utils import to_checksum_address

from sandbox import Contract, Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.errors import ChainError, CheatcodeError, ContractReverted, TransactionRejected

INSPECT = Path(__file__).resolve().parents[1] / "testing" / "data" / "inspect"
WHALE = "0x000000000000000000000000000000000000dEaD"
STRANGER = "0x00000000000000000000000000000000000Be11A"


@pytest.fixture(scope="module", params=["pyevm", "revm", "anvil"])
def sb(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "anvil":
        node: Anvil = request.getfixturevalue("anvil")
        yield Sandbox(INSPECT, rpc=node.url)
    else:
        yield Sandbox(INSPECT, backend=request.param)


@pytest.fixture(scope="module")
def token(sb: Sandbox) -> Contract:
    return sb.deploy("Token", sender=sb.accounts.alice)


def test_set_balance_and_a_snapshot_undoes_it(sb: Sandbox) -> None:
    with sb.isolate():
        sb.set_balance(WHALE, 123)
        assert sb.balance(WHALE) == 123
        sb.set_balance(sb.accounts.bob, 5 * 10**18)
        assert sb.accounts.bob.balance == 5 * 10**18
        snap = sb.snapshot()  # a snapshot taken after a cheatcode keeps it
        sb.set_balance(WHALE, 7)
        sb.revert(snap)
        assert sb.balance(WHALE) == 123
    assert sb.balance(WHALE) == 0


def test_set_code_runs_the_code_there(sb: Sandbox, token: Contract) -> None:
    sb.set_code(STRANGER, sb.w3.eth.get_code(token.address))
    copy = sb.at("Token", STRANGER)
    assert copy.totalSupply() == 0  # the code came, not the storage
    sb.set_storage(STRANGER, 2, 42)
    assert copy.totalSupply() == 42
    sb.set_code(STRANGER, "0x")
    assert sb.w3.eth.get_code(STRANGER) == b""


def test_set_storage_writes_a_slot(sb: Sandbox, token: Contract) -> None:
    sb.set_storage(token, 2, 77)  # totalSupply is slot 2
    assert token.totalSupply() == 77
    sb.set_storage(token, "0x02", (78).to_bytes(32, "big"))
    assert token.totalSupply() == 78


def test_set_storage_refuses_what_does_not_fit_32_bytes(sb: Sandbox, token: Contract) -> None:
    with pytest.raises(CheatcodeError, match=r"slot .* does not fit 32 bytes"):
        sb.set_storage(token, 2**256, 1)
    with pytest.raises(CheatcodeError, match="value 0x" + "00" * 33 + " is 33 bytes"):
        sb.set_storage(token, 0, bytes(33))
    with pytest.raises(CheatcodeError, match="not a number"):
        sb.set_storage(token, 0, 1.5)
    with pytest.raises(CheatcodeError, match="balance -1 does not fit"):
        sb.set_balance(WHALE, -1)


def test_set_nonce_moves_the_next_deploy_address(sb: Sandbox) -> None:
    carol = sb.accounts.carol
    sb.set_nonce(carol, 40)
    assert sb.w3.eth.get_transaction_count(carol.address) == 40
    deployed = sb.deploy("Token", sender=carol)
    import rlp
    from eth_utils import keccak

    expected = to_checksum_address(keccak(rlp.encode([bytes.fromhex(carol.address[2:]), 40]))[12:])
    assert deployed.address == expected


def test_impersonate_sends_as_any_address(sb: Sandbox, token: Contract) -> None:
    bob = sb.accounts.bob
    token.mint(WHALE, 1000, sender=sb.accounts.alice)
    sb.set_balance(WHALE, 10**18)
    with sb.impersonate(WHALE) as whale:
        assert whale == WHALE
        receipt = token.transfer(bob, 7, sender=whale)
        token.transfer(bob, 3, sender=WHALE)  # the plain address works too
        with pytest.raises(ContractReverted, match="balance too low"):
            token.transfer(bob, 10**9, sender=whale)
    assert token.balanceOf(bob) == 10
    assert token.balanceOf(WHALE) == 990
    # The chain records the impersonated sender, not whoever signed in its place.
    assert sb.w3.eth.get_transaction(receipt.tx_hash)["from"] == WHALE
    assert sb.chain.backend.get_receipt(receipt.tx_hash)["from"] == WHALE
    with pytest.raises(TransactionRejected):
        token.transfer(bob, 1, sender=WHALE)


def test_impersonating_a_contract_passes_its_owner_check(sb: Sandbox, token: Contract) -> None:
    logger_owner = sb.deploy("Token", sender=sb.accounts.dave)  # owned by dave
    with pytest.raises(ContractReverted, match="NotOwner"):
        logger_owner.mint(WHALE, 1, sender=sb.accounts.erin)
    sb.set_balance(token.address, 10**18)
    with sb.impersonate(sb.accounts.dave), sb.impersonate(token.address) as as_token:
        logger_owner.mint(as_token, 5, sender=sb.accounts.dave)
        if sb.chain.engine == "revm":
            # revm applies EIP-3607 (no transaction from an address with code) and pyrevm 0.3 has no switch for it.
            with pytest.raises(TransactionRejected, match="RejectCallerWithCode"):
                logger_owner.transfer(WHALE, 2, sender=as_token)
            return
        logger_owner.transfer(WHALE, 2, sender=as_token)
    assert logger_owner.balanceOf(WHALE) == 2


def test_nested_impersonation_stops_at_the_outer_exit(sb: Sandbox) -> None:
    sb.set_balance(WHALE, 10**18)
    with sb.impersonate(WHALE):
        with sb.impersonate(WHALE):
            pass
        assert sb.chain.is_impersonating(WHALE)
        sb.transfer(sb.accounts.bob, 1, sender=WHALE)
    assert not sb.chain.is_impersonating(WHALE)


def test_deal_finds_the_balance_slot(sb: Sandbox, token: Contract) -> None:
    bob = sb.accounts.bob
    sb.deal(token, bob, 10**21)
    assert token.balanceOf(bob) == 10**21
    assert token.totalSupply() == 0  # not adjusted
    sb.deal(token, sb.accounts.carol, 500, adjust_supply=True)
    assert token.balanceOf(sb.accounts.carol) == 500
    assert token.totalSupply() == 500  # moved by the difference from carol's balance before
    offset = sb.deploy("OffsetToken", sender=sb.accounts.alice)  # balances at slot 5
    sb.deal(offset, WHALE, 99)
    assert offset.balanceOf(WHALE) == 99


def test_deal_on_something_that_is_not_a_token(sb: Sandbox) -> None:
    with pytest.raises(ChainError, match="ERC-20"):
        sb.deal(sb.accounts.alice, sb.accounts.bob, 1)


def test_accounts_at_and_generate(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    assert sb.accounts.at(alice.address.lower()) is alice
    stranger = sb.accounts.at(STRANGER)
    assert stranger == STRANGER and stranger.balance == 0
    fresh = sb.accounts.generate(2, balance=3 * 10**18)
    assert len({a.address for a in fresh}) == 2
    assert all(a.balance == 3 * 10**18 for a in fresh)
    assert sb.accounts[fresh[0].name] is fresh[0]
    sb.transfer(alice, 10**18, sender=fresh[0])  # the chain signs with the fresh key
    assert fresh[0].balance < 2 * 10**18


# -- refusals that need a particular chain ----------------------------------------------------


def test_impersonating_off_a_dev_chain_is_refused() -> None:
    sb = Sandbox(INSPECT, backend="pyevm", chain_id=5)
    with pytest.raises(ChainError, match="refusing to impersonate .* on chain id 5"), sb.impersonate(WHALE):
        pass
    allowed = Sandbox(INSPECT, backend="pyevm", chain_id=5, allowed_chain_ids={5})
    with allowed.impersonate(WHALE):
        assert allowed.chain.is_impersonating(WHALE)


class _BareNode(BaseHTTPRequestHandler):
    """A JSON-RPC node with a chain id and no cheatcode methods (as a public RPC endpoint is)."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if request["method"] == "eth_chainId":
            reply: dict[str, Any] = {"result": "0x7a69"}
        else:
            reply = {"error": {"code": -32601, "message": f"the method {request['method']} does not exist/is not available"}}
        body = json.dumps({"jsonrpc": "2.0", "id": request["id"], **reply}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_node_without_cheatcodes_names_the_method() -> None:
    from sandbox.chain.chain import Chain

    server = HTTPServer(("127.0.0.1", 0), _BareNode)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = Chain(rpc=f"http://127.0.0.1:{server.server_port}").backend
        with pytest.raises(ChainError, match=r"set_balance needs the node method anvil_setBalance \(or hardhat_setBalance\)"):
            backend.set_balance(WHALE, 1)
        with pytest.raises(ChainError, match="anvil_impersonateAccount"):
            backend.impersonate(WHALE)
    finally:
        server.shutdown()


@pytest.mark.parametrize("engine", ["pyevm", "revm"])
def test_cheatcodes_are_in_a_saved_state_and_load_on_the_other_engine(engine: str) -> None:
    from sandbox.chain.chain import Chain

    chain = Chain(backend=engine, persistent=True)
    chain.set_balance(WHALE, 12345)
    chain.set_storage(STRANGER, 7, 99)
    chain.set_code(STRANGER, b"\x60\x00")
    chain.set_nonce(WHALE, 3)
    other = Chain(backend="revm" if engine == "pyevm" else "pyevm", state=chain.dump_state())
    assert other.backend.get_balance(WHALE) == 12345 and other.backend.get_nonce(WHALE) == 3
    assert other.backend.get_storage(STRANGER, 7) == 99 and other.backend.get_code(STRANGER) == b"\x60\x00"


@pytest.mark.parametrize("engine", ["pyevm", "revm"])
def test_eth_send_transaction_from_an_impersonated_address(engine: str) -> None:
    """The node's eth_sendTransaction goes through ChainBackend.send_transaction: impersonated senders pass there too."""
    from sandbox.chain.chain import Chain

    backend = Chain(backend=engine).backend
    backend.set_balance(WHALE, 10**18)
    tx = {"from": WHALE, "to": STRANGER, "value": 5, "data": b""}
    with pytest.raises(TransactionRejected, match="unknown account"):
        backend.send_transaction(dict(tx))
    backend.impersonate(WHALE)
    tx_hash = backend.send_transaction(dict(tx))
    assert backend.get_balance(STRANGER) == 5
    assert backend.get_transaction(tx_hash)["from"] == WHALE
    backend.stop_impersonating(WHALE)
    assert not backend.is_impersonating(WHALE)


def test_two_impersonated_senders_sending_the_same_fields_get_two_hashes(sb: Sandbox) -> None:
    """The stand-in signature is per sender (as anvil's impersonated hash mixes in the sender): one shared
    key gave both the same hash, and the chain refused the second."""
    x, y = to_checksum_address("0x" + "a1" * 20), to_checksum_address("0x" + "b2" * 20)
    backend = sb.chain.backend
    block = backend.get_block("latest")
    assert block is not None
    fee = 2 * int(block["base_fee_per_gas"]) + 10**9
    hashes = []
    for who in (x, y):
        sb.set_balance(who, 10**18)
        with sb.impersonate(who):
            tx = {"from": who, "to": sb.accounts.bob.address, "value": 1, "nonce": 0, "gas": 21000,
                  "max_fee_per_gas": fee, "max_priority_fee_per_gas": 10**9}
            receipt = backend.send(tx)  # type: ignore[arg-type]
            assert receipt["status"] == 1
            hashes.append(str(receipt["transaction_hash"]))
    assert hashes[0] != hashes[1]
    assert [backend.get_transaction(h)["from"] for h in hashes] == [x, y]
