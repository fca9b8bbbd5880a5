"""static_abi's codecs give eth-abi's bytes and values, or step aside (None) wherever eth-abi would do otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sandbox.contracts.abi import _decode_value
from sandbox.contracts.static_abi import Codec, decoder_of, encoder_of

STATIC = ["address", "bool", "uint8", "uint16", "uint64", "uint160", "uint256", "int8", "int24", "int128", "int256",
          "bytes1", "bytes4", "bytes20", "bytes32"]
ENCODED = [*STATIC, "string", "bytes"]


def fitting(kind: str) -> st.SearchStrategy[Any]:
    """Values eth-abi encodes for ``kind``."""
    if kind == "address":
        from eth_utils import to_checksum_address

        return st.binary(min_size=20, max_size=20).map(lambda raw: to_checksum_address(raw)) | st.binary(min_size=20, max_size=20)
    if kind == "bool":
        return st.booleans()
    if kind.startswith("uint"):
        return st.integers(0, 2 ** int(kind[4:]) - 1)
    if kind.startswith("int"):
        bits = int(kind[3:])
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if kind == "string":
        return st.text()
    if kind == "bytes":
        return st.binary(max_size=100)
    return st.binary(max_size=int(kind[5:]))


#: Values that are wrong for some types: bools, out-of-range numbers, text addresses in other cases, long bytes.
ODD = st.one_of(st.booleans(), st.integers(-(2**257), 2**257), st.binary(max_size=40), st.text(max_size=5), st.none(),
                st.just("0x" + "ab" * 20), st.just("0x" + "AB" * 20), st.just("0x" + "aB" * 20), st.just(1.0),
                st.just("\ud800"))


def eth_abi_encode(types: list[str], values: list[Any]) -> bytes | None:
    try:
        return bytes(abi_encode(types, values))
    except Exception:
        return None


@given(st.lists(st.sampled_from(ENCODED), min_size=1, max_size=5).flatmap(
    lambda types: st.tuples(st.just(types), st.tuples(*[fitting(t) for t in types]))))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_values_that_fit_are_encoded_here_as_eth_abi_encodes_them(case: tuple[list[str], tuple[Any, ...]]) -> None:
    types, values = case
    assert Codec(types).encode(list(values)) == bytes(abi_encode(types, list(values)))


@given(st.lists(st.sampled_from(ENCODED), min_size=1, max_size=4).flatmap(
    lambda types: st.tuples(st.just(types), st.tuples(*[ODD | fitting(t) for t in types]))))
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@example((["uint8"], (True,)))
@example((["uint256"], (2**256,)))
@example((["int8"], (-129,)))
@example((["bytes4"], (b"12345",)))
@example((["address"], ("0x" + "aB" * 20,)))
@example((["string"], ("\ud800",)))
def test_any_value_is_encoded_as_eth_abi_does_or_left_to_it(case: tuple[list[str], tuple[Any, ...]]) -> None:
    types, values = case
    fast = Codec(types).encode(list(values))
    if fast is not None:  # never bytes eth-abi would not write, never a value it would refuse
        assert fast == eth_abi_encode(types, list(values))


def word(kind: str) -> st.SearchStrategy[bytes]:
    """32-byte words, mostly well-padded for ``kind``, sometimes not."""
    if kind == "address":
        good = st.binary(min_size=20, max_size=20).map(lambda raw: bytes(12) + raw)
    elif kind == "bool":
        good = st.sampled_from([bytes(32), bytes(31) + b"\x01"])
    elif kind.startswith("uint"):
        good = st.integers(0, 2 ** int(kind[4:]) - 1).map(lambda v: v.to_bytes(32, "big"))
    elif kind.startswith("int"):
        bits = int(kind[3:])
        good = st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1).map(lambda v: v.to_bytes(32, "big", signed=True))
    else:
        size = int(kind[5:])
        good = st.binary(min_size=size, max_size=size).map(lambda raw: raw + bytes(32 - size))
    return good | st.binary(min_size=32, max_size=32)


def eth_abi_values(types: list[str], data: bytes) -> list[Any] | None:
    """What the sandbox returned before: eth-abi's values, addresses checksummed."""
    try:
        values = abi_decode(types, data)
    except Exception:
        return None
    return [_decode_value(v, {"type": t}) for v, t in zip(values, types, strict=True)]


@given(st.lists(st.sampled_from(STATIC), min_size=1, max_size=5).flatmap(
    lambda types: st.tuples(st.just(types), st.tuples(*[word(t) for t in types]), st.binary(max_size=40), st.booleans())))
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@example((["address"], (b"\x01" + bytes(31),), b"", False))  # a non-zero padding byte
@example((["bool"], (bytes(31) + b"\x02",), b"", False))
@example((["uint8"], (bytes(30) + b"\x01\x00",), b"", False))
@example((["int8"], (b"\xff" * 31 + b"\x7f",), b"", False))  # padding not the sign extension
@example((["bytes4"], (b"abcd" + b"\x01" + bytes(27),), b"", False))
@example((["uint256", "uint256"], (bytes(32), bytes(32)), b"", True))  # data too short
def test_data_is_decoded_as_eth_abi_decodes_it_or_left_to_it(case: tuple[list[str], tuple[bytes, ...], bytes, bool]) -> None:
    types, words, extra, cut = case
    data = b"".join(words) + extra
    if cut:
        data = data[:-1]
    fast = Codec(types).decode(data)
    expected = eth_abi_values(types, data)
    if fast is not None:
        assert fast == expected
        assert [type(v) for v in fast] == [type(v) for v in expected]  # type: ignore[union-attr]
    elif expected is not None:  # stepping aside is for data eth-abi refuses only
        pytest.fail(f"{types} {data.hex()}: eth-abi decodes {expected}, the codec stepped aside")


@pytest.mark.parametrize("kind", ["uint", "int", "uint7", "uint264", "uint08", "int0", "bytes0", "bytes33", "bytes", "string",
                                  "uint256[]", "(uint256,bool)", "fixed128x18", "function"])
def test_types_it_does_not_know_are_left_to_eth_abi(kind: str) -> None:
    if kind in ("uint", "int"):  # the canonical forms are uint256/int256; the bare names still mean them
        assert encoder_of(kind) is not None and decoder_of(kind) is not None
        return
    if kind in ("bytes", "string"):
        assert encoder_of(kind) is not None and decoder_of(kind) is None  # encoded here, decoded by eth-abi
        return
    assert encoder_of(kind) is None and decoder_of(kind) is None
    assert Codec([kind]).encode([1]) is None and Codec([kind]).decode(bytes(64)) is None


def test_reads_and_events_go_through_the_codec(monkeypatch: pytest.MonkeyPatch, sb: Any) -> None:
    """A read's arguments and result and a mint's non-indexed event values never reach eth-abi."""
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Codec", "C", alice, sender=alice)

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("eth-abi was asked")

    from sandbox.contracts import abi, events, handles

    monkeypatch.setattr(abi, "abi_encode", refused)
    monkeypatch.setattr(handles, "abi_decode", refused)
    monkeypatch.setattr(events, "abi_decode", refused)
    receipt = nft.mint(bob, "ipfs://x", sender=alice)
    token = receipt.events["Transfer"][0].tokenId
    assert receipt.events["MetadataUpdate"][0].args == {"_tokenId": token}
    assert nft.ownerOf(token) == bob.address
    assert nft.balanceOf(bob) == 1


def test_a_bad_argument_keeps_eth_abis_words(sb: Any) -> None:
    from sandbox.errors import ArgumentError

    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Codec", "C", alice, sender=alice)
    with pytest.raises(ArgumentError, match=r"SandboxNFT.ownerOf: arguments \[True\] do not fit ownerOf\(uint256 tokenId\) "
                                            r"\(Value `True` of type <class 'bool'> cannot be encoded by UnsignedIntegerEncoder\)"):
        nft.ownerOf(True)
    with pytest.raises(ArgumentError, match=r"arguments \[-1\] do not fit ownerOf\(uint256 tokenId\)"):
        nft.ownerOf(-1)
