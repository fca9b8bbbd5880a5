"""The one-run transaction's signature from a libsecp256k1 key made once per account.

eth-keys' coincurve backend signs a message hash by building a coincurve
key from the secret (a keypair and its public key, computed again on every
signature), signing, and checking the signature it got back field by field;
py-evm then reads its ``vrs``. :class:`Signer` keeps the coincurve key and
reads ``vrs`` from the same 65 bytes (``r``, ``s``, recovery id) the same
libsecp256k1 call returns: RFC 6979 signatures are deterministic, so the
transaction and its hash are the ones eth-keys' signature gives. A key on
another eth-keys backend signs as before.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from eth_hash.auto import keccak


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
