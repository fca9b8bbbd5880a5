"""ERC-1056 ``...Signed`` variants: the digest an owner signs and the (v, r, s) of it."""

from __future__ import annotations

from typing import Any

from eth_keys import keys
from eth_utils import keccak

from sandbox.chain.accounts import normalize_address


def erc1056_digest(registry: Any, nonce: int, identity: Any, operation: str, *params: bytes) -> bytes:
    """The hash an owner signs for a ``...Signed`` call (EIP-191 version 0x00).

    ``keccak256(0x19 0x00 registry nonce identity operation params...)``,
    packed; ``params`` are already packed (addresses as 20 bytes, bytes32 as
    32, uint256 as 32 big-endian, ``bytes`` raw).
    """
    return keccak(
        b"\x19\x00"
        + bytes.fromhex(normalize_address(registry)[2:])
        + nonce.to_bytes(32, "big")
        + bytes.fromhex(normalize_address(identity)[2:])
        + operation.encode()
        + b"".join(params)
    )


def sign_digest(private_key: bytes, digest: bytes) -> tuple[int, bytes, bytes]:
    """``(v, r, s)`` of a raw 32-byte digest, v in {27, 28}."""
    signature = keys.PrivateKey(private_key).sign_msg_hash(digest)
    return signature.v + 27, signature.r.to_bytes(32, "big"), signature.s.to_bytes(32, "big")


def packed_address(value: Any) -> bytes:
    return bytes.fromhex(normalize_address(value)[2:])


def packed_uint(value: int) -> bytes:
    return int(value).to_bytes(32, "big")
