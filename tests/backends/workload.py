"""A recorded workload, replayed on each embedded backend by the differential test.

Every step goes through the public ``Sandbox`` API and leaves a record: receipts
(status, gas used, gas limit chosen by the estimate, block, logs), return
values of calls, decoded reverts with their raw data, balances, nonces and
clock movements. Two backends are equal on this workload when their record
lists are equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_utils import function_signature_to_4byte_selector

from sandbox import Sandbox
from sandbox.contracts.handles import Receipt
from sandbox.errors import ContractReverted

REPO = Path(__file__).resolve().parents[2]
PROBE = REPO / "tests" / "data" / "probe"
Record = tuple[Any, ...]

#: Runtime code: LOG0(0, 32); LOG2(0, 0, 0x11, CALLER); LOG4(0, 5, 1, 2, 3, 4); STOP: three logs a call.
LOGGER_RUNTIME = bytes.fromhex("60206000a0" "33601160006000a2" "600460036002600160056000a4" "00")
LOGGER_INIT = bytes.fromhex(f"60{len(LOGGER_RUNTIME):02x}80600b6000396000f3") + LOGGER_RUNTIME


def shape(value: Any) -> Any:
    """A record with each value's type kept (lists and tuples, str and bytes differ), keys in their order."""
    if isinstance(value, dict):
        return ("dict", [(k, shape(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape(v) for v in value])
    return (type(value).__name__, value)


def _hex(value: Any) -> str:
    return value[2:] if isinstance(value, str) else bytes(value).hex()


def _receipt(sb: Sandbox, r: Receipt) -> Record:
    tx = sb.w3.eth.get_transaction(r.tx_hash)
    logs = [(log["address"], [_hex(t) for t in log["topics"]], _hex(log["data"])) for log in r.logs]
    return ("receipt", r.status, r.gas_used, int(tx["gas"]), r.block_number, r.contract_address, logs)


def _revert(sb: Sandbox, exc: ContractReverted) -> Record:
    receipt = getattr(exc, "receipt", None)
    mined = _receipt(sb, receipt) if receipt is not None else None
    data = exc.data.hex() if isinstance(exc.data, bytes) else exc.data
    args = sorted(exc.revert_args.items())
    if exc.kind == "empty" and "out of gas" in exc.reason.lower().replace("outofgas", "out of gas"):
        # The sandbox replays a mined out-of-gas failure as a call and shows the
        # EVM's own wording (py-evm names the opcode, revm the halt reason):
        # the receipt is compared, the wording is not.
        args, data = [("reason", "out of gas")], None
    return ("revert", exc.kind, exc.name, args, exc.panic_code, data, mined)


def _try(sb: Sandbox, records: list[Record], label: str, action: Any) -> None:
    try:
        result = action()
    except ContractReverted as exc:
        records.append((label, *_revert(sb, exc)))
        return
    if isinstance(result, Receipt):
        records.append((label, *_receipt(sb, result)))
    else:
        records.append((label, "value", result))


def nft_workload(backend: str, *, via_tester: bool = False) -> list[Record]:
    """Deploy SandboxNFT; mint, sell, transfer, approve, pause, withdraw; its reverts; time travel."""
    sb = Sandbox(REPO, backend=backend)
    if via_tester:  # a block filter makes every transaction go through eth-tester, not the engine directly
        sb.w3.eth.filter("latest")
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    records: list[Record] = []
    nft = sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)
    records.append(("deploy", *_receipt(sb, nft.receipt)))  # type: ignore[arg-type]
    zero = "0x" + "00" * 20
    _try(sb, records, "deploy reverting in constructor", lambda: sb.deploy("SandboxNFT", "W", "WS", zero, sender=bob))
    _try(sb, records, "deploy reverting in constructor, mined", lambda: sb.deploy("SandboxNFT", "W", "WS", zero, sender=bob, gas=3_000_000))
    _try(sb, records, "deploy out of gas, mined", lambda: sb.deploy("SandboxNFT", "W", "WS", bob, sender=bob, gas=1_500_000))
    for i in range(3):
        _try(sb, records, f"mint {i}", lambda i=i: nft.mint(bob, f"ipfs://token/{i}", sender=alice))
    _try(sb, records, "mint by non-owner", lambda: nft.mint(bob, "x", sender=bob))
    _try(sb, records, "mint by non-owner, mined", lambda: nft.mint(bob, "x", sender=bob, gas=1_500_000))
    _try(sb, records, "transfer", lambda: nft.transferFrom(bob, carol, 0, sender=bob))
    _try(sb, records, "transfer not owned", lambda: nft.transferFrom(bob, carol, 0, sender=bob))
    _try(sb, records, "approve", lambda: nft.approve(alice, 1, sender=bob))
    _try(sb, records, "transfer approved", lambda: nft.transferFrom(bob, carol, 1, sender=alice))
    _try(sb, records, "configure sale", lambda: nft.configureSale(10**16, 2, True, sender=alice))
    _try(sb, records, "public mint underpaid", lambda: nft.publicMint("ipfs://p", sender=carol, value=10**15))
    for i in range(2):
        _try(sb, records, f"public mint {i}", lambda: nft.publicMint("ipfs://p", sender=carol, value=10**16))
    _try(sb, records, "public mint over cap", lambda: nft.publicMint("ipfs://p", sender=carol, value=10**16))
    _try(sb, records, "withdraw", lambda: nft.withdrawPayments(alice, sender=bob))
    _try(sb, records, "pause", lambda: nft.pause(sender=alice))
    _try(sb, records, "transfer while paused", lambda: nft.transferFrom(carol, bob, 0, sender=carol))
    _try(sb, records, "unpause", lambda: nft.unpause(sender=alice))
    with sb.isolate():
        _try(sb, records, "burnt-away mint in snapshot", lambda: nft.mint(carol, "ipfs://gone", sender=alice))
    _try(sb, records, "mint after revert", lambda: nft.mint(carol, "ipfs://kept", sender=alice))
    _try(sb, records, "owner of 1", lambda: nft.ownerOf(1))
    _try(sb, records, "owner of missing", lambda: nft.ownerOf(99))
    _try(sb, records, "token uri", lambda: nft.tokenURI(2))
    _try(sb, records, "royalty", lambda: nft.royaltyInfo(0, 10**18))
    _try(sb, records, "total supply", lambda: nft.totalSupply())
    before = sb.chain.timestamp
    records.append(("time travel", sb.time_travel(seconds=3600) - before, sb.chain.block_number))
    records.append(("mine", sb.mine(5)))
    _try(sb, records, "mint after time travel", lambda: nft.mint(alice, "ipfs://late", sender=alice))
    for who in ("alice", "bob", "carol"):
        account = getattr(sb.accounts, who)
        records.append(("account", who, sb.balance(account), sb.w3.eth.get_transaction_count(account.address)))
    records.append(("contract balance", sb.balance(nft.address)))
    return records


def probe_workload(backend: str, *, via_tester: bool = False) -> list[Record]:
    """Deploy Probe; payable calls, overloads, every kind of revert, mined failures, state at past blocks."""
    sb = Sandbox(PROBE, backend=backend)
    if via_tester:  # a block filter makes every transaction go through eth-tester, not the engine directly
        sb.w3.eth.filter("latest")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    records: list[Record] = []
    probe = sb.deploy("Probe", sender=alice)
    records.append(("deploy", *_receipt(sb, probe.receipt)))  # type: ignore[arg-type]
    _try(sb, records, "deposit", lambda: probe.deposit("hello", sender=bob, value=12345))
    _try(sb, records, "deposit again", lambda: probe.deposit("again", sender=bob, value=1))
    _try(sb, records, "poke()", lambda: probe.poke(sender=alice))
    _try(sb, records, "poke(uint256)", lambda: probe.poke(5, sender=alice))
    _try(sb, records, "poke(address)", lambda: probe.poke(bob, sender=alice))
    _try(sb, records, "needsGas", lambda: probe.needsGas(sender=alice))
    failures: list[tuple[str, tuple[Any, ...], int]] = [
        ("failWithString", ("boom",), 0),
        ("failWithRequire", (3,), 0),
        ("failCustom", (100,), 1),
        ("failPlain", (), 0),
        ("failEmpty", (), 0),
        ("overflow", (7,), 0),
        ("divide", (1, 0), 0),
        ("outOfBounds", (3,), 0),
        ("failAssert", (), 0),
        ("failUnknown", (), 0),
    ]
    for name, args, value in failures:
        fn = getattr(probe, name)
        _try(sb, records, f"{name} (call)", lambda fn=fn, args=args, value=value: fn.call(*args, value=value))
        _try(sb, records, f"{name} (estimate)", lambda fn=fn, args=args, value=value: fn.transact(*args, sender=alice, value=value))
        _try(sb, records, f"{name} (mined)", lambda fn=fn, args=args, value=value: fn.transact(*args, sender=alice, value=value, gas=100_000))
    _try(sb, records, "needsGas starved, mined", lambda: probe.needsGas(sender=alice, gas=60_000))
    _try(sb, records, "poke out of gas, mined", lambda: probe.poke(sender=alice, gas=22_000))
    _try(sb, records, "transfer", lambda: sb.transfer(probe.address, 10**18, sender=alice))
    block = sb.chain.block_number
    _try(sb, records, "poke later", lambda: probe.poke(sender=bob))
    # web3.py sends past block numbers as hex strings, which eth-tester refuses: ask it directly.
    tester = sb.chain.backend.tester
    counter = {"from": alice.address, "to": probe.address, "data": "0x" + function_signature_to_4byte_selector("counter()").hex()}
    records.append(("counter now", tester.call(counter)))
    records.append(("counter then", tester.call(counter, block)))
    records.append(("balance then", tester.get_balance(bob.address, block - 2), tester.get_balance(bob.address)))
    records.append(("storage then", tester.get_storage_at(probe.address, "0x1", block)))
    records.append(("nonce then", tester.get_nonce(alice.address, 1), tester.get_nonce(alice.address, block)))
    records.append(("code then", tester.get_code(probe.address, 0), tester.get_code(probe.address, block)))
    _try(sb, records, "deposits", lambda: probe.deposits(bob))
    _try(sb, records, "counter", lambda: probe.counter())
    for who in ("alice", "bob"):
        account = getattr(sb.accounts, who)
        records.append(("account", who, sb.balance(account), sb.w3.eth.get_transaction_count(account.address)))
    records.append(("contract balance", sb.balance(probe.address)))
    return records


def every_kind_of_transaction(sb: Sandbox) -> dict[str, Any]:
    """Send one of each kind of transaction an embedded engine keeps on ``sb``'s fresh chain (``PROBE``'s contracts).

    Legacy, EIP-2930 and EIP-1559 through eth-tester; raw-signed by a key the chain does not hold (legacy and
    dynamic fee); creates that work and fail; reverted and out-of-gas transactions mined; no log, one, three;
    the sandbox's own sends (``transact``); two empty blocks and one block of four. Returns what the sandbox's
    own sends returned, by transaction hash (a handle's ``Receipt`` or the backend's record).
    """
    from eth_account import Account as EthAccount

    alice, bob = sb.accounts.alice, sb.accounts.bob
    w3, backend = sb.w3, sb.chain.backend
    own: dict[str, Any] = {}
    probe = sb.deploy("Probe", sender=alice)
    for receipt in (probe.deposit("hello", sender=bob, value=12345), probe.poke(sender=alice)):  # one log, indexed sender; none
        own[receipt.tx_hash] = receipt
    for mined_failure in (lambda: probe.failWithString.transact("boom", sender=alice, gas=100_000),  # reverted, mined
                          lambda: probe.poke(sender=alice, gas=22_000)):  # out of gas, mined
        with pytest.raises(ContractReverted):
            mined_failure()
    logger = w3.eth.get_transaction_receipt(w3.eth.send_transaction({"from": alice.address, "data": LOGGER_INIT, "gas": 200_000}))
    assert logger["status"] == 1
    logger_address = logger["contractAddress"]
    assert w3.eth.get_transaction_receipt(w3.eth.send_transaction({"from": alice.address, "data": b"\xfe", "gas": 100_000}))["status"] == 0
    for fees in ({"gasPrice": 3 * 10**9}, {"gasPrice": 2 * 10**9, "accessList": [{"address": logger_address, "storageKeys": ["0x" + "00" * 31 + "01"]}]},
                 {"maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9}):
        w3.eth.send_transaction({"from": bob.address, "to": logger_address, "gas": 100_000, **fees})  # three logs each
    outsider = EthAccount.create()
    sb.transfer(outsider.address, 10**18, sender=alice)
    for nonce, fees in enumerate(({"gasPrice": 2 * 10**9}, {"maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 2, "type": 2})):
        signed = outsider.sign_transaction({"to": logger_address, "value": 1, "gas": 100_000, "nonce": nonce, "chainId": sb.chain.chain_id, **fees})
        w3.eth.send_raw_transaction(signed.raw_transaction)
    for _ in range(2):  # the sandbox's own send to a contract with three logs
        sent = backend.transact({"from": bob.address, "to": logger_address, "data": b"", "value": 0})
        own[sent["transaction_hash"]] = sent
    sb.mine(2)  # empty blocks
    backend.set_automine(False)  # one block of several transactions: receipts after the first
    for sender in (alice, bob):
        backend.send_transaction({"from": sender.address, "to": logger_address, "data": b"", "value": 0, "gas": 100_000})
    backend.send_transaction({"from": alice.address, "to": probe.address, "data": function_signature_to_4byte_selector("poke()"), "value": 0, "gas": 100_000})
    backend.send_transaction({"from": bob.address, "data": b"\xfe", "value": 0, "gas": 60_000})
    backend.mine(1)
    backend.set_automine(True)
    receipt = probe.poke(sender=bob)
    own[receipt.tx_hash] = receipt
    return own
