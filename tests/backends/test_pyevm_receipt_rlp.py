"""A receipt's RLP made from its plain fields (sandbox/backends/pyevm/receipt_rlp.py) is the RLP py-evm's sedes give."""

from __future__ import annotations

import random
from typing import Any

import pytest
import rlp
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth.vm.forks.london.receipts import LondonTypedReceipt as TypedReceipt

from sandbox.backends.pyevm import receipt_rlp


def _receipt(rnd: random.Random) -> Receipt:
    logs = tuple(Log(rnd.choice([rnd.randbytes(20), b""]), tuple(rnd.choice([0, 1, 2**256 - 1, rnd.randrange(2**256)])
                                                                  for _ in range(rnd.randrange(5))),
                     rnd.randbytes(rnd.choice([0, 1, 31, 32, 55, 56, 300, 70_000]))) for _ in range(rnd.choice([0, 1, 2, 3, 40])))
    return Receipt(rnd.choice([b"", b"\x01", rnd.randbytes(32)]), rnd.choice([0, 1, 21_000, 2**63, rnd.randrange(2**80)]), logs,
                   bloom=rnd.choice([None, 0, 2**2048 - 1]))


def test_primed_receipts_encode_as_their_sedes() -> None:
    rnd = random.Random(2026)
    for _ in range(300):
        inner = _receipt(rnd)
        expected = rlp.encode(inner, sedes=Receipt, cache=False)
        typed = TypedReceipt(2, inner) if rnd.random() < 0.7 else None
        receipt_rlp.prime(typed if typed is not None else inner)
        assert inner._cached_rlp == expected  # primed, and the bytes pyrlp gives
        assert inner.encode() == expected
        if typed is not None:
            assert typed.encode() == b"\x02" + expected and "_type_byte" in typed.__dict__
            assert TypedReceipt.decode(typed.encode()) == typed


@pytest.mark.parametrize("odd", [
    {"gas_used": -1}, {"gas_used": True}, {"bloom": 2**2048}, {"bloom": -1}, {"state_root": bytearray(b"\x01")},
    {"topics": (2**256,)}, {"topics": (True,)}, {"address": b"\x01" * 19}, {"data": bytearray(b"x")},
])
def test_odd_fields_are_left_to_pyrlp(odd: dict[str, Any]) -> None:
    log = Log(odd.pop("address", b"\x02" * 20), odd.pop("topics", (5,)), odd.pop("data", b"d"))
    fields: dict[str, Any] = {"state_root": b"\x01", "gas_used": 50_000, "bloom": 0, **odd}
    inner = Receipt(fields["state_root"], fields["gas_used"], (log,), bloom=fields["bloom"])
    receipt_rlp.prime(TypedReceipt(2, inner))
    assert inner._cached_rlp is None  # not primed: pyrlp encodes it, with its own errors
    try:
        expected: Any = rlp.encode(inner, sedes=Receipt, cache=False)
    except Exception as exc:
        with pytest.raises(type(exc)):
            inner.encode()
    else:
        assert inner.encode() == expected


def test_a_mints_receipt_is_primed_and_its_block_answers_as_the_plain_road() -> None:
    """The one-run road primes the receipt it makes (tests/backends/test_one_run.py compares its blocks to the plain road's)."""
    from sandbox import Sandbox
    from sandbox.backends.pyevm import oneshot
    from tests.backends.workload import REPO

    primed: list[Any] = []
    sb = Sandbox(REPO, backend="pyevm")
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "R", "R", alice, sender=alice)
    original = oneshot.receipt_rlp.prime
    try:
        oneshot.receipt_rlp.prime = lambda receipt: (original(receipt), primed.append(receipt))  # type: ignore[assignment]
        nft.mint(alice, "ipfs://receipt", sender=alice)
        sb.chain.backend.get_block("latest")  # the block is built (mined ahead of its roots until read)
    finally:
        oneshot.receipt_rlp.prime = original  # type: ignore[assignment]
    assert len(primed) == 1 and primed[0]._inner._cached_rlp == rlp.encode(primed[0]._inner, sedes=Receipt, cache=False)
