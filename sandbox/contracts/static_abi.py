"""ABI words of elementary types without eth-abi's per-call machinery: the same bytes and values.

eth-abi looks up and builds a chain of encoder or decoder objects for the
type list on every call, validates through several layers of eth-utils, and
decodes an address to lowercase hex that the sandbox then checksums again:
on revm that was over half of an ``nft.ownerOf(1)`` (encoding its ``uint256``
and decoding its ``address``) and a sixth of a mint. A :class:`Codec` is
worked out once per ABI entry for the types it can write exactly (``uintN``,
``intN``, ``bool``, ``address``, ``bytesN``, and ``string``/``bytes`` when
encoding); a value it cannot take exactly as eth-abi would (a ``bool`` where
an integer is asked, a number out of range, data too short, a non-zero
padding byte) makes it answer ``None``, and the caller runs eth-abi, whose
words the error keeps. tests/contracts/test_static_abi.py compares both on
generated values and data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sandbox.contracts.abi import checksum

#: Encodes one value to its head word, or to its tail (dynamic types); None: not exactly eth-abi's input.
Encoder = Callable[[Any], bytes | None]
#: Decodes one 32-byte word to the sandbox's value (addresses checksummed); None: eth-abi decides.
Decoder = Callable[[bytes], Any]
_MISS = object()  # a decoder's "let eth-abi decide"
ZERO = bytes(32)


def _uint(bits: int) -> Encoder:
    bound = 1 << bits

    def encode(value: Any) -> bytes | None:
        if value.__class__ is not int or not 0 <= value < bound:
            return None
        return value.to_bytes(32, "big")

    return encode


def _int(bits: int) -> Encoder:
    low, high = -(1 << (bits - 1)), 1 << (bits - 1)

    def encode(value: Any) -> bytes | None:
        if value.__class__ is not int or not low <= value < high:
            return None
        return value.to_bytes(32, "big", signed=True)

    return encode


def _bool(value: Any) -> bytes | None:
    if value.__class__ is not bool:
        return None
    return ZERO[:31] + (b"\x01" if value else b"\x00")


def _address(value: Any) -> bytes | None:
    # The sandbox hands over checksummed text (sandbox.chain.accounts.normalize_address) or 20 bytes.
    if value.__class__ is bytes:
        return ZERO[:12] + value if len(value) == 20 else None
    if value.__class__ is not str or len(value) != 42 or value[:2] != "0x":
        return None
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        return None
    if checksum(value) != value:  # eth-abi takes lowercase, uppercase or a correct checksum; others go to it
        return None
    return ZERO[:12] + raw


def _fixed_bytes(size: int) -> Encoder:
    def encode(value: Any) -> bytes | None:
        if value.__class__ is not bytes or len(value) > size:
            return None
        return value + ZERO[: 32 - len(value)]

    return encode


def _tail(raw: bytes) -> bytes:
    return len(raw).to_bytes(32, "big") + raw + ZERO[: -len(raw) % 32]


def _dynamic_bytes(value: Any) -> bytes | None:
    return _tail(value) if value.__class__ is bytes else None


def _string(value: Any) -> bytes | None:
    if value.__class__ is not str:
        return None
    try:
        return _tail(value.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates: eth-abi's own error
        return None


def _int_size(kind: str, prefix: str) -> int | None:
    digits = kind[len(prefix):]
    if not digits:
        return 256
    if not digits.isdigit() or digits[0] == "0":
        return None
    bits = int(digits)
    return bits if bits % 8 == 0 and 8 <= bits <= 256 else None


def _bytes_size(kind: str) -> int | None:
    digits = kind[5:]
    if not digits.isdigit() or digits[0] == "0":
        return None
    size = int(digits)
    return size if 1 <= size <= 32 else None


def encoder_of(kind: str) -> tuple[Encoder, bool] | None:
    """The encoder of canonical type ``kind`` and whether it is dynamic; None for a type left to eth-abi."""
    if kind == "address":
        return _address, False
    if kind == "bool":
        return _bool, False
    if kind == "string":
        return _string, True
    if kind == "bytes":
        return _dynamic_bytes, True
    if kind.startswith("uint"):
        bits = _int_size(kind, "uint")
        return (_uint(bits), False) if bits else None
    if kind.startswith("int"):
        bits = _int_size(kind, "int")
        return (_int(bits), False) if bits else None
    if kind.startswith("bytes"):
        size = _bytes_size(kind)
        return (_fixed_bytes(size), False) if size else None
    return None


def decoder_of(kind: str) -> Decoder | None:
    """The decoder of static canonical type ``kind``; None for a type left to eth-abi."""
    if kind == "address":
        def address(word: bytes) -> Any:
            return _MISS if word[:12] != ZERO[:12] else checksum("0x" + word[12:].hex())
        return address
    if kind == "bool":
        def boolean(word: bytes) -> Any:
            return _MISS if word[:31] != ZERO[:31] or word[31] > 1 else word[31] == 1
        return boolean
    if kind.startswith("uint"):
        size = _int_size(kind, "uint")
        if size is None:
            return None
        width: int = size

        def uint(word: bytes) -> Any:
            value = int.from_bytes(word, "big")
            return _MISS if value >> width else value
        return uint
    if kind.startswith("int"):
        bits = _int_size(kind, "int")
        if bits is None:
            return None
        low, high = -(1 << (bits - 1)), 1 << (bits - 1)

        def sint(word: bytes) -> Any:
            value = int.from_bytes(word, "big", signed=True)
            return value if low <= value < high else _MISS
        return sint
    if kind.startswith("bytes"):
        size = _bytes_size(kind)
        if size is None:
            return None

        def fixed(word: bytes) -> Any:
            return _MISS if word[size:] != ZERO[size:] else word[:size]
        return fixed
    return None


class Codec:
    """One type list's encoding (if every type has an encoder) and decoding (if every type is static and known)."""

    __slots__ = ("decoders", "encoders")

    def __init__(self, types: Sequence[str]) -> None:
        encoders = [encoder_of(kind) for kind in types]
        self.encoders: list[tuple[Encoder, bool]] | None = None if None in encoders else encoders  # type: ignore[assignment]
        decoders = [decoder_of(kind) for kind in types]
        self.decoders: list[Decoder] | None = None if None in decoders else decoders  # type: ignore[assignment]

    def encode(self, values: Sequence[Any]) -> bytes | None:
        """eth-abi's ``encode(types, values)``, or None: eth-abi must (it then raises or encodes what this does not)."""
        encoders = self.encoders
        if encoders is None or len(values) != len(encoders):
            return None
        heads: list[bytes] = []
        tails: list[bytes] = []
        offset = 32 * len(encoders)
        for (encode, dynamic), value in zip(encoders, values, strict=True):
            word = encode(value)
            if word is None:
                return None
            if dynamic:
                heads.append(offset.to_bytes(32, "big"))
                tails.append(word)
                offset += len(word)
            else:
                heads.append(word)
        return b"".join(heads) + b"".join(tails)

    def decode(self, data: bytes) -> list[Any] | None:
        """The values eth-abi decodes from ``data`` (addresses checksummed, as the sandbox returns them), or None."""
        decoders = self.decoders
        if decoders is None or len(data) < 32 * len(decoders):
            return None
        out: list[Any] = []
        for n, decode in enumerate(decoders):
            value = decode(data[32 * n: 32 * n + 32])
            if value is _MISS:
                return None
            out.append(value)
        return out
