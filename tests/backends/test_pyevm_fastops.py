"""The stand-ins of sandbox/backends/pyevm/fastops.py leave every computation as py-evm's own logic leaves it."""

from __future__ import annotations

import random
from typing import Any

import pytest

from sandbox.backends.pyevm import fastops, speed

#: py-evm warns of any 0xff byte in the code, push data included.
pytestmark = pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode present")

#: Opcodes with a stand-in, and a few without, for the programs below.
_WITH = [0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1B, 0x1C, 0x50, 0x51, 0x52, 0x56, 0x57,
         0x5B, 0x33, 0x34, 0x36, 0x20, 0x54, *range(0x5F, 0x80), *range(0x80, 0xA0)]
_WITHOUT = [0x05, 0x0A, 0x12, 0x1A, 0x1D, 0x35, 0x53, 0x55, 0x55, 0x58, 0x59, 0x5A, 0x00, 0xF3, 0xFD, 0xFE, 0x0C]
_WORDS = [0, 1, 2, 31, 32, 64, 255, 256, 257, 2**255, 2**256 - 1, 2**160 - 1, 0x5B, 10**6, 2**64]


def _program(rnd: random.Random) -> bytes:
    """Random code: stand-in opcodes mostly, pushes of edge-case words, jumps to JUMPDESTs and elsewhere."""
    parts: list[Any] = []
    for _ in range(rnd.randrange(1, 60)):
        roll = rnd.random()
        if roll < 0.3:
            word = rnd.choice(_WORDS) if rnd.random() < 0.7 else rnd.randrange(2**256)
            size = max(1, (word.bit_length() + 7) // 8)
            if rnd.random() < 0.3:
                size = rnd.randrange(size, 33)
            parts.append(bytes([0x5F + size]) + word.to_bytes(size, "big"))
        elif roll < 0.4:
            parts.append(("jump", rnd.choice([0x56, 0x57])))
        elif roll < 0.85:
            parts.append(bytes([rnd.choice(_WITH)]))
        else:
            parts.append(bytes([rnd.choice(_WITHOUT)]))
    offsets, position = [], 0
    for part in parts:
        offsets.append(position)
        position += 4 if isinstance(part, tuple) else len(part)
    jumpdests = [o for o, p in zip(offsets, parts, strict=True) if p == b"\x5b"]
    code = b""
    for part in parts:
        if isinstance(part, tuple):
            target = rnd.choice(jumpdests) if jumpdests and rnd.random() < 0.7 else rnd.randrange(position + 3)
            code += bytes([0x61]) + target.to_bytes(2, "big") + bytes([part[1]])
        else:
            code += part
    if rnd.random() < 0.2:
        code += bytes([rnd.randrange(0x60, 0x80)])  # a push cut short by the end of the code
    return code


def _state() -> Any:
    from sandbox import Sandbox

    speed.install()
    sb = Sandbox(backend="pyevm")
    chain = sb.chain.backend.engine_backend.chain
    return sb, chain.get_vm().state


def _run(state: Any, code: bytes, *, fast: bool, gas: int = 200_000, data: bytes = b"\x01\x02") -> tuple[Any, ...]:
    from eth.vm.message import Message

    speed.FAST_OPCODES = fast
    snapshot = state.snapshot()
    try:
        message = Message(gas=gas, to=b"\x77" * 20, sender=b"\x55" * 20, value=3, data=data, code=code)
        context = state.get_transaction_context_class()(gas_price=1, origin=b"\x55" * 20)
        computation = state.computation_class.apply_computation(state, message, context)
        return (computation.is_error, type(computation._error).__name__, str(computation._error) if computation.is_error else "",
                computation.get_gas_remaining(), computation.output, list(computation._stack.values),
                [type(v) for v in computation._stack.values], bytes(computation._memory._bytes), computation.code.program_counter)
    finally:
        speed.FAST_OPCODES = True
        state.revert(snapshot)


def test_random_programs_end_as_with_py_evms_own_logic() -> None:
    """Stack (items and their types), memory, gas, pc, output and error of random programs are py-evm's."""
    _sb, state = _state()
    rnd = random.Random(1616)
    errors = set()
    for _ in range(1500):
        code = _program(rnd)
        ours, theirs = _run(state, code, fast=True), _run(state, code, fast=False)
        assert ours == theirs, code.hex()
        errors.add(ours[1])
    assert {"NoneType", "InsufficientStack", "InvalidJumpDestination"} <= errors  # the edges were reached


@pytest.mark.parametrize("opcode", sorted({*_WITH, 0x04, 0x02}))
def test_each_stand_in_on_a_full_empty_and_short_stack(opcode: int) -> None:
    """At 1,023 and 1,024 items, with none and one, and with memory to grow: py-evm's errors and gas."""
    _sb, state = _state()
    push = bytes([opcode]) + b"\x01" * (opcode - 0x5F if 0x60 <= opcode <= 0x7F else 0)
    for depth in (0, 1, 2, 17, 1023, 1024):
        for word in (b"\x5f", b"\x60\x40", b"\x61\x01\x00", b"\x7f" + b"\xff" * 32):
            code = word * depth + push
            assert _run(state, code, fast=True) == _run(state, code, fast=False), (depth, code[-40:].hex())
            gas_short = 3 * depth + 2  # runs out of gas at the opcode
            assert _run(state, code, fast=True, gas=gas_short) == _run(state, code, fast=False, gas=gas_short)


def test_the_stand_ins_stand_for_py_evms_functions_in_the_prague_table() -> None:
    from eth.vm.forks.prague.computation import PragueComputation

    logic = {op.logic_fn for op in PragueComputation.opcodes.values() if hasattr(op, "logic_fn")}
    assert set(fastops.BY_LOGIC) <= logic  # each stands for a function the table runs (none for another fork's)
    assert len(fastops.BY_LOGIC) >= 80


def test_mints_give_the_same_receipts_blocks_and_roots_without_the_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from sandbox import Sandbox
    from tests.backends.workload import REPO

    monkeypatch.setattr(os, "urandom", lambda n: b"\x5b" * n)  # the same mix hash on both roads: whole blocks compare
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Ops", "O", alice, sender=alice)
    backend = sb.chain.backend

    def steps() -> list[Any]:
        seen: list[Any] = []
        for i in range(3):
            receipt = nft.mint(bob, f"ipfs://ops/{i}" * (i + 1), sender=alice)
            seen.append((backend.get_receipt(receipt.tx_hash), backend.get_block("latest")))
        seen.append((nft.ownerOf(2), nft.tokenURI(1), nft.balanceOf(bob)))
        return seen

    snapshot = sb.snapshot()
    ours = steps()
    sb.revert(snapshot)
    monkeypatch.setattr(speed, "FAST_OPCODES", False)
    assert steps() == ours


def test_sha3_of_memory_in_place_hashes_and_charges_as_py_evm() -> None:
    """SHA3 over bytes already in memory (and past it, and of nothing), with the gas to spare, just enough and one short."""
    from eth.vm.logic import sha3

    assert fastops.BY_LOGIC[sha3.sha3] is fastops._sha3
    _sb, state = _state()
    fill = b"\x7f" + bytes(range(1, 33)) + b"\x5f\x52" + b"\x7f" + bytes(range(100, 132)) + b"\x60\x20\x52"  # 64 bytes of memory
    compared = 0
    for start in (0, 1, 31, 32, 33, 63, 64):
        for size in (0, 1, 31, 32, 33, 63, 64, 65):
            code = fill + bytes([0x60, size, 0x60, start, 0x20])
            theirs = _run(state, code, fast=False)
            assert _run(state, code, fast=True) == theirs
            used = 200_000 - theirs[3]
            for gas in (used - 7, used - 6, used - 1, used, used + 1):  # short of the word gas, exactly it, more
                assert _run(state, code, fast=True, gas=gas) == _run(state, code, fast=False, gas=gas), (start, size, gas)
            compared += start + size <= 64 and size > 0
    assert compared >= 20  # the in-place road, not only py-evm's


def test_sload_warms_charges_and_reads_as_py_evm() -> None:
    """SLOAD of a slot stored, one cold, one past the top word's bytes, with the gas to spare, just enough and one short."""
    _sb, state = _state()
    store = bytes.fromhex("6007600555")  # SSTORE(5, 7)
    loads = [bytes.fromhex("600554"), bytes.fromhex("600654"), b"\x7f" + b"\xff" * 32 + b"\x54", bytes.fromhex("60055460055401")]
    for load in loads:
        for code in (load, store + load):
            full = _run(state, code, fast=True)
            assert full == _run(state, code, fast=False), code.hex()
            used = 200_000 - full[3]
            for gas in (used, used - 1, used - 99, used - 2001, 2):
                assert _run(state, code, fast=True, gas=gas) == _run(state, code, fast=False, gas=gas), (code.hex(), gas)
    # the value stored is the value read
    assert _run(state, store + bytes.fromhex("600554"), fast=True)[5] == [7]
