"""did:ethr identifiers: DID URL syntax, network names, and the resolution errors.

The DID URL grammar is the one `did-resolver` (the npm library every
did:ethr resolver plugs into) applies before the method sees the DID; the
method-specific part is ethr-did-resolver's: ``[<network>:]<address or
compressed public key>``. Errors carry the code DID Core / DID Resolution
and the did:ethr method give them (``invalidDid``, ``notFound``,
``unknownNetwork``, ``representationNotSupported``, ``methodNotSupported``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from eth_utils import to_checksum_address

from sandbox.chain.accounts import normalize_address
from sandbox.errors import SandboxError

# did-resolver's DID_MATCHER (lib/resolver.ts), verbatim in meaning.
_PCT_ENCODED = r"(?:%[0-9a-fA-F]{2})"
_ID_CHAR = rf"(?:[a-zA-Z0-9._-]|{_PCT_ENCODED})"
_PARAM_CHAR = r"[a-zA-Z0-9_.:%-]"
_DID_URL = re.compile(
    rf"^did:([a-z0-9]+):((?:{_ID_CHAR}*:)*({_ID_CHAR}+))((;{_PARAM_CHAR}+={_PARAM_CHAR}*)*)(/[^#?]*)?([?][^#]*)?(#.*)?\Z",
    re.DOTALL,
)
# ethr-did-resolver's identifierMatcher: an optional "<network>:" then an address or a compressed key.
_IDENTIFIER = re.compile(r"^(.*)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})\Z", re.DOTALL)
_MIXED_CASE = re.compile(r"([A-F].*[a-f])|([a-f].*[A-F])")

ZERO = "0x0000000000000000000000000000000000000000"
#: The network name the sandbox registers for its chains, beside the hex chain id.
SANDBOX_NETWORK = "sandbox"


class DIDResolutionError(SandboxError):
    """Raised when a DID cannot be resolved; ``code`` is the DID Resolution error name."""

    code = "internalError"


class InvalidDIDError(DIDResolutionError, ValueError):
    """Raised when a string is not a did:ethr identifier."""

    code = "invalidDid"


class DIDNotFoundError(DIDResolutionError, LookupError):
    """Raised when the registry history of a DID cannot be read (no registry, missing block or logs)."""

    code = "notFound"


class UnknownNetworkError(DIDResolutionError, LookupError):
    """Raised when a DID names a network the resolver has no registry for."""

    code = "unknownNetwork"


class RepresentationNotSupportedError(DIDResolutionError, ValueError):
    """Raised when the requested DID document representation (``accept``) is not supported."""

    code = "representationNotSupported"


class MethodNotSupportedError(DIDResolutionError, ValueError):
    """Raised when a DID uses another method than did:ethr."""

    code = "methodNotSupported"


ERRORS: dict[str, type[DIDResolutionError]] = {
    cls.code: cls
    for cls in (InvalidDIDError, DIDNotFoundError, UnknownNetworkError, RepresentationNotSupportedError, MethodNotSupportedError)
}


@dataclass(frozen=True)
class DIDURL:
    """A parsed DID URL, as did-resolver's ``parse`` gives it."""

    did: str
    method: str
    id: str
    did_url: str
    params: dict[str, str] | None = None
    path: str | None = None
    query: str | None = None
    fragment: str | None = None

    def query_param(self, name: str) -> str | None:
        """The first value of ``name`` in the query (URLSearchParams semantics)."""
        if self.query is None:
            return None
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            if key == name:
                return value
        return None


def parse_did_url(did_url: str) -> DIDURL | None:
    """``did:<method>:<id>[;params][/path][?query][#fragment]``, or None when it is not a DID URL."""
    if not did_url:
        return None
    match = _DID_URL.match(did_url)
    if match is None:
        return None
    params = None
    if match.group(4):
        params = {}
        for item in match.group(4)[1:].split(";"):
            key, _, value = item.partition("=")
            params[key] = value
    return DIDURL(
        did=f"did:{match.group(1)}:{match.group(2)}",
        method=match.group(1),
        id=match.group(2),
        did_url=did_url,
        params=params,
        path=match.group(6) or None,
        query=match.group(7)[1:] if match.group(7) else None,
        fragment=match.group(8)[1:] if match.group(8) else None,
    )


def split_identifier(method_id: str) -> tuple[str, str] | None:
    """``(network, address-or-key)`` of a did:ethr method-specific id; network ``mainnet`` when absent."""
    match = _IDENTIFIER.match(method_id)
    if match is None:
        return None
    # As ethr-did-resolver: the prefix minus its last character (the ':').
    return (match.group(1)[:-1] if match.group(1) else "mainnet"), match.group(2)


def checked_address(address: str) -> str:
    """``address`` checksummed; a mixed-case address must already carry a valid EIP-55 checksum (as ethers' getAddress)."""
    checksummed = to_checksum_address(address)
    if _MIXED_CASE.search(address[2:]) and checksummed != address:
        raise DIDNotFoundError(f"bad address checksum: {address!r}; write it all lower case or as {checksummed}")
    return checksummed


def did_for(address: Any, chain_id: int) -> str:
    """``did:ethr:<chain id hex>:<address>`` for an account or address."""
    return f"did:ethr:{hex(chain_id)}:{normalize_address(address)}"


def parse_did(did: str, chain_id: int | None = None) -> str:
    """The checksummed address a did:ethr DID names; checks the network when ``chain_id`` is given.

    A DID without a network name is a mainnet DID (the method spec), so with
    ``chain_id`` it must name that chain (``0x7a69``) or ``sandbox``.
    """
    parsed = parse_did_url(did.strip())
    parts = split_identifier(parsed.id) if parsed is not None and parsed.method == "ethr" else None
    if parsed is None or parts is None or len(parts[1]) != 42:
        raise InvalidDIDError(f"{did!r} is not a did:ethr identifier; expected did:ethr:0x7a69:0x<40 hex digits>")
    network, address = parts
    if chain_id is not None and network not in {hex(chain_id), SANDBOX_NETWORK}:
        raise UnknownNetworkError(
            f"{did!r} names network {network}, but this chain is {hex(chain_id)}; use did_for(address, {chain_id})"
        )
    return to_checksum_address(address)


def bytes32(text: str) -> bytes:
    """A short ASCII name (``"veriKey"``, ``"did/svc/Hub"``) as right-padded bytes32."""
    raw = text.encode()
    if len(raw) > 32:
        raise InvalidDIDError(f"{text!r} is longer than 32 bytes; ERC-1056 names and types are bytes32")
    return raw.ljust(32, b"\0")
