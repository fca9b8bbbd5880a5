"""The one-run transaction's signature from a libsecp256k1 key made once per account.

eth-keys' coincurve backend signs a message hash by building a coincurve
key from the secret (a keypair and its public key, computed again on every
signature), signing, and checking the signature it got back field by field;
py-evm then reads its ``vrs``. :class:`Signer` keeps the coincurve key and
reads ``vrs`` from the same 65 bytes (``r``, ``s``, recovery id) the same
libsecp256k1 call returns: RFC 6979 signatures are deterministic, so the
transaction and its hash are the ones eth-keys' signature gives. A key on
another eth-keys backend signs as before.

Dynamic-fee transactions (:func:`sign`, used by both embedded engines for the
transactions they sign themselves): py-evm's ``as_signed_transaction`` encodes
the unsigned transaction through pyrlp's sedes (field by field, with an ABC
check per item) to get the message it signs, and the signed transaction is
encoded the same way again for its hash and the block's transaction trie.
Here both encodings are made from the fields as plain bytes and lists and
handed to the objects as pyrlp's own cache of their encoding
(``_cached_rlp``, what ``rlp.encode`` returns once it has encoded an object).
The objects are py-evm's, built by py-evm; any other kind, or a field the
plain encoding does not know, is encoded by py-evm as before.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import rlp.codec
from eth.vm.forks.berlin.transactions import TypedTransaction
from eth_hash.auto import keccak

from sandbox.backends.pyevm.speed import _big_endian  # RLP's big-endian integer bytes (zero: empty)


class VRS(NamedTuple):
    """What py-evm's ``as_signed_transaction`` reads from a signature."""

    v: int
    r: int
    s: int

    @property
    def vrs(self) -> tuple[int, int, int]:
        return (self.v, self.r, self.s)


class Signer:
    """``sign_msg`` of an eth-keys private key on the coincurve backend, its coincurve key made once."""

    __slots__ = ("_key",)

    def __init__(self, coincurve_key: Any) -> None:
        self._key = coincurve_key

    def sign_msg(self, message: bytes) -> VRS:
        raw = self._key.sign_recoverable(keccak(message), hasher=None)
        return VRS(raw[64], int.from_bytes(raw[0:32], "big"), int.from_bytes(raw[32:64], "big"))


#: Signers by secret (a handful of accounts: cleared past the bound, never evicted one by one).
_SIGNERS: dict[bytes, Signer] = {}
_MAX_SIGNERS = 1024


def signer_of(key: Any) -> Any:
    """A :class:`Signer` for an eth-keys ``PrivateKey`` on the coincurve backend; any other key itself."""
    try:
        from eth_keys.backends.coincurve import CoinCurveECCBackend
    except ImportError:
        return key
    if not isinstance(getattr(key, "backend", None), CoinCurveECCBackend):
        return key
    secret = key.to_bytes()
    found = _SIGNERS.get(secret)
    if found is None:
        import coincurve

        if len(_SIGNERS) >= _MAX_SIGNERS:
            _SIGNERS.clear()
        found = _SIGNERS[secret] = Signer(coincurve.PrivateKey(secret))
    return found


#: py-evm's ``TypedTransaction.hash`` (a cached property: the keccak of ``encode()``).
_TYPED_HASH = TypedTransaction.__dict__["hash"]

#: The fields of py-evm's dynamic-fee transactions, unsigned and signed, in their RLP order.
UNSIGNED_DYNAMIC_FEE = ("chain_id", "nonce", "max_priority_fee_per_gas", "max_fee_per_gas", "gas", "to", "value", "data", "access_list")
SIGNED_DYNAMIC_FEE = (*UNSIGNED_DYNAMIC_FEE, "y_parity", "r", "s")
_INTEGERS = ("chain_id", "nonce", "max_priority_fee_per_gas", "max_fee_per_gas", "gas", "value")


def _unsigned_items(unsigned: Any) -> list[Any] | None:
    """The RLP items of a dynamic-fee transaction's unsigned fields as pyrlp's sedes serialize them; None when a
    field is not plainly what they take (the sedes then judge it, with their errors)."""
    items: list[Any] = []
    for name in UNSIGNED_DYNAMIC_FEE:
        value = getattr(unsigned, name)
        if name in _INTEGERS:
            if value.__class__ is not int or value < 0:
                return None
            items.append(_big_endian(value))
        elif name == "to":
            if value.__class__ is not bytes or len(value) not in (0, 20):
                return None
            items.append(value)
        elif name == "data":
            if value.__class__ is not bytes:
                return None
            items.append(value)
        else:  # access list: (address, (slot, ...)) pairs; slots as 32-byte words
            entries = []
            for entry in value:
                if entry.__class__ is not tuple or len(entry) != 2:
                    return None
                address, slots = entry
                if address.__class__ is not bytes or len(address) not in (0, 20) or slots.__class__ is not tuple:
                    return None
                if any(slot.__class__ is not int or not 0 <= slot < 1 << 256 for slot in slots):
                    return None
                entries.append([address, [slot.to_bytes(32, "big") for slot in slots]])
            items.append(entries)
    return items


def sign(unsigned: Any, key: Any) -> Any:
    """``unsigned.as_signed_transaction(key)``: the same transaction (fields, signature, encoding, hash)."""
    items = _unsigned_items(unsigned) if type(unsigned)._meta.field_names == UNSIGNED_DYNAMIC_FEE and not unsigned._cached_rlp else None
    if items is not None:
        unsigned._cached_rlp = rlp.codec.encode_raw(items)
        _type_byte(unsigned, unsigned._type_id)
    signed = unsigned.as_signed_transaction(signer_of(key))
    inner = getattr(signed, "_inner", None)
    if items is not None and inner is not None and type(inner)._meta.field_names == SIGNED_DYNAMIC_FEE and not inner._cached_rlp:
        y_parity, r, s = inner.y_parity, inner.r, inner.s
        if all(v.__class__ is int and v >= 0 for v in (y_parity, r, s)):
            inner._cached_rlp = rlp.codec.encode_raw([*items, _big_endian(y_parity), _big_endian(r), _big_endian(s)])
        _type_byte(signed, signed.type_id)
        if inner._cached_rlp and type(signed).hash is _TYPED_HASH and "hash" not in signed.__dict__ and "_type_byte" in signed.__dict__:
            # py-evm's cached ``hash`` (keccak of the encoding, through eth-utils' keccak and its argument checks), given
            signed.__dict__["hash"] = keccak(signed.__dict__["_type_byte"] + inner._cached_rlp)
    return signed


def _type_byte(obj: Any, type_id: Any) -> None:
    """py-evm's cached ``_type_byte`` (``to_bytes(type_id)``, through eth-utils' argument checks), given: a type below 0x80 is its one byte."""
    if "_type_byte" not in obj.__dict__ and type_id.__class__ is int and 0 < type_id < 0x80:
        obj.__dict__["_type_byte"] = bytes((type_id,))
