"""The embedded engines sign their own dynamic-fee transactions (``sandbox.backends.pyevm.signing.sign``) as py-evm's ``as_signed_transaction``
does with eth-keys: same class, fields, signature, RLP and hash; the RLP it hands pyrlp as the objects' cache is
the RLP their sedes give; the fields it does not know take py-evm's road, with py-evm's errors."""

from __future__ import annotations

from typing import Any

import pytest
import rlp
from eth.vm.forks.prague import PragueVM
from eth_keys import keys
from eth_utils import function_signature_to_4byte_selector, keccak, to_canonical_address

from sandbox import Sandbox
from sandbox.backends.pyevm.signing import sign
from tests.backends.workload import PROBE

BUILDER = PragueVM.get_transaction_builder()
KEY = keys.PrivateKey(b"\x07" * 32)
TO = b"\x42" * 20


def _unsigned(**overrides: Any) -> Any:
    fields: dict[str, Any] = dict(chain_id=131277322940537, nonce=3, max_priority_fee_per_gas=10**9, max_fee_per_gas=10**9, gas=100_000,
                                  to=TO, value=0, data=b"", access_list=())
    fields.update(overrides)
    return BUILDER.new_unsigned_dynamic_fee_transaction(**fields)


CASES = [
    {},
    {"to": b"", "data": bytes.fromhex("6080604052") * 50},  # a create
    {"data": b"\x00\x01" * 100, "value": 10**18},
    {"nonce": 0, "max_priority_fee_per_gas": 0, "max_fee_per_gas": 0, "gas": 0, "chain_id": 1},
    {"nonce": 2**64 - 1, "value": 2**256 - 1, "max_fee_per_gas": 2**200},
    {"access_list": ((TO, (0, 1, 2**256 - 1)), (b"\x01" * 20, ()))},
    {"data": b"x" * 55},
    {"data": b"x" * 56},
]


@pytest.mark.parametrize("fields", CASES)
def test_signing_is_py_evms(fields: dict[str, Any]) -> None:
    fast = sign(_unsigned(**fields), KEY)
    assert fast._inner._cached_rlp is not None and "hash" in fast.__dict__  # the plain encoding and the hash were handed over
    slow = _unsigned(**fields).as_signed_transaction(KEY)
    assert type(fast) is type(slow) and type(fast._inner) is type(slow._inner)
    assert (fast.y_parity, fast.r, fast.s) == (slow.y_parity, slow.r, slow.s)
    assert fast.encode() == slow.encode() and fast.hash == slow.hash == keccak(slow.encode())
    assert fast._inner._cached_rlp == rlp.encode(fast._inner, sedes=type(fast._inner))  # the cache is what the sedes give
    unsigned = _unsigned(**fields)
    sign(unsigned, KEY)
    assert unsigned._cached_rlp == rlp.encode(unsigned, sedes=type(unsigned))
    assert fast.sender == KEY.public_key.to_canonical_address()


def test_other_kinds_and_odd_fields_take_py_evms_road() -> None:
    legacy = BUILDER.create_unsigned_transaction(nonce=1, gas_price=10**9, gas=21_000, to=TO, value=1, data=b"")
    fast = sign(legacy, KEY)
    slow = BUILDER.create_unsigned_transaction(nonce=1, gas_price=10**9, gas=21_000, to=TO, value=1, data=b"").as_signed_transaction(KEY)
    assert fast.encode() == slow.encode()
    for odd in ({"to": b"\x01" * 19}, {"value": -1}, {"nonce": True}, {"data": bytearray(b"\x01")}):
        unsigned = _unsigned(**odd)
        try:
            expected: Any = _unsigned(**odd).as_signed_transaction(KEY).encode()
        except Exception as exc:  # py-evm's own error
            with pytest.raises(type(exc)):
                sign(unsigned, KEY).encode()
        else:
            signed = sign(unsigned, KEY)
            assert signed._inner._cached_rlp is None or signed._inner._cached_rlp == rlp.encode(signed._inner, sedes=type(signed._inner))
            assert signed.encode() == expected


def test_a_sent_transaction_is_the_one_the_chain_answers() -> None:
    sb = Sandbox(PROBE, backend="revm")
    probe = sb.deploy("Probe", sender=sb.accounts.alice)
    receipt = probe.poke(sender=sb.accounts.alice)
    backend = sb.chain.backend
    engine = backend.engine_backend
    tx = engine.blocks[-1].transactions[0]
    assert "0x" + tx.hash.hex() == receipt.tx_hash
    assert tx.hash == keccak(b"\x02" + rlp.encode(tx._inner, sedes=type(tx._inner)))
    served = sb.w3.eth.get_transaction(receipt.tx_hash)
    assert served["hash"].hex().removeprefix("0x") == tx.hash.hex() and served["from"] == sb.accounts.alice.address
    assert to_canonical_address(served["to"]) == tx.to and served["nonce"] == tx.nonce and served["gas"] == tx.gas
    # the signature recovers the sender (the engine was told it; the signature must say so too)
    assert tx._inner.get_sender() == to_canonical_address(sb.accounts.alice.address)
    # an access list through the sandbox's direct road
    slot = "0x" + "00" * 31 + "01"
    poke = function_signature_to_4byte_selector("poke()")
    sent = backend.send({"from": sb.accounts.alice.address, "to": probe.address, "data": poke, "value": 0, "gas": 100_000,
                         "access_list": [{"address": probe.address, "storage_keys": [slot]}]})
    tx = engine.blocks[-1].transactions[0]
    assert tx.access_list == ((to_canonical_address(probe.address), (1,)),) and sent["transaction_hash"] == "0x" + tx.hash.hex()
    assert tx.hash == keccak(b"\x02" + rlp.encode(tx._inner, sedes=type(tx._inner)))
    assert tx._inner.get_sender() == to_canonical_address(sb.accounts.alice.address)
