"""did:ethr resolution against ERC-1056 registries, as a DID resolution result.

``EthrResolver`` is configured like ethr-did-resolver: a list of networks,
each a chain with its registry, known by its hex chain id (``0x7a69``) and
by a name (``sandbox`` for the sandbox's chains). A DID without a network
name is a mainnet DID (the method spec), refused as ``unknownNetwork``
unless a network is named ``mainnet``.

``changed(identity)`` gives the block of the latest change; each event
carries ``previousChange``, so the resolver walks back to the first change,
then replays the events (see :mod:`sandbox.helpers.identity.document`).

>>> resolver = EthrResolver([Network(sb, registry)])          # doctest: +SKIP
>>> resolver.resolve("did:ethr:0x7a69:0xf39F...?versionId=12").did_document_metadata  # doctest: +SKIP
{'versionId': '12', 'updated': '2026-12-01T20:00:00Z', 'nextVersionId': '15', 'nextUpdate': ...}
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eth_keys import keys
from eth_utils import to_checksum_address

from sandbox.chain.accounts import normalize_address
from sandbox.helpers.identity.did import (
    ERRORS,
    SANDBOX_NETWORK,
    DIDNotFoundError,
    DIDResolutionError,
    checked_address,
    parse_did_url,
    split_identifier,
)
from sandbox.helpers.identity.document import CONTEXT, RegistryEvent, TimeRule, build_document

if TYPE_CHECKING:
    from sandbox.contracts.handles import Contract, Event
    from sandbox.main import Sandbox

DID_LD_JSON = "application/did+ld+json"
DID_JSON = "application/did+json"
#: DID 1.1's media type of a DID document (JSON-LD compatible), used by the W3C DID Resolution spec.
DID_MEDIA = "application/did"
_EVENTS = ("DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged")
_JS_INT = re.compile(r"^[\s]*([+-]?)(0[xX][0-9a-fA-F]+|\d+)")


@dataclass(frozen=True)
class Network:
    """A chain and its ERC-1056 registry, known by its hex chain id and ``names``."""

    sandbox: Sandbox
    registry: Contract
    names: tuple[str, ...] = (SANDBOX_NETWORK,)

    def keys(self) -> list[str]:
        return [*self.names, hex(self.sandbox.chain.chain_id)]


@dataclass
class ResolutionResult:
    """A DID resolution result: ``didDocument``, ``didResolutionMetadata``, ``didDocumentMetadata``."""

    did: str
    did_document: dict[str, Any] | None
    did_resolution_metadata: dict[str, Any]
    did_document_metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "didDocument": self.did_document,
            "didResolutionMetadata": self.did_resolution_metadata,
            "didDocumentMetadata": self.did_document_metadata,
        }

    @property
    def error(self) -> str | None:
        """The error code (``invalidDid``, ``notFound``, ...), None on success."""
        return self.did_resolution_metadata.get("error")

    def raise_for_error(self) -> ResolutionResult:
        """``self`` on success; else the typed :class:`DIDResolutionError` of the error code."""
        if self.error is not None:
            cls = ERRORS.get(self.error, DIDResolutionError)
            raise cls(f"cannot resolve {self.did!r}: {self.error}: {self.did_resolution_metadata.get('message', '')}".rstrip(": "))
        return self

    # Conveniences for verifiers -------------------------------------------------

    @property
    def document(self) -> dict[str, Any]:
        return self.did_document or {}

    @property
    def metadata(self) -> dict[str, Any]:
        return self.did_document_metadata

    @property
    def deactivated(self) -> bool:
        return bool(self.did_document_metadata.get("deactivated"))

    def controller_address(self) -> str | None:
        for method in self.document.get("verificationMethod", []):
            if method["id"].endswith("#controller"):
                return str(method["blockchainAccountId"].rsplit(":", 1)[1])
        return None

    def authentication_addresses(self) -> set[str]:
        """Lower-case addresses whose signatures authenticate as this DID (controller, sigAuth delegates, controllerKey)."""
        ids = set(self.document.get("authentication", []))
        found = set()
        for method in self.document.get("verificationMethod", []):
            if method["id"] not in ids:
                continue
            if "blockchainAccountId" in method:
                found.add(method["blockchainAccountId"].rsplit(":", 1)[1].lower())
            elif method.get("type") == "EcdsaSecp256k1VerificationKey2019" and "publicKeyHex" in method:
                try:
                    key = keys.PublicKey.from_compressed_bytes(bytes.fromhex(method["publicKeyHex"]))
                except ValueError:
                    try:
                        key = keys.PublicKey(bytes.fromhex(method["publicKeyHex"])[-64:])
                    except ValueError:
                        continue
                found.add(key.to_checksum_address().lower())
        return found

    def can_authenticate(self, address: Any) -> bool:
        """Is ``address`` the controller or a valid ``sigAuth`` delegate?"""
        return normalize_address(address).lower() in self.authentication_addresses()

    def services(self) -> list[dict[str, Any]]:
        return list(self.document.get("service", []))


def _error(did: str, code: str, message: str | None = None) -> ResolutionResult:
    meta: dict[str, Any] = {"error": code}
    if message is not None:
        meta["message"] = message
    return ResolutionResult(did, None, meta, {})


def _js_parse_int(text: str) -> int | None:
    match = _JS_INT.match(text)
    if match is None:
        return None
    sign, digits = match.groups()
    if digits[:2].lower() == "0x":
        if sign:  # parseInt("-0x10") is NaN
            return None
        return int(digits, 16)
    return -int(digits) if sign == "-" else int(digits)


def iso_time(timestamp: int) -> str:
    """A block timestamp as the XML date-time DID Core asks for, ``2026-12-01T20:00:00Z``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text32(raw: Any) -> str | None:
    try:
        return bytes(raw).decode("utf-8").rstrip("\0")
    except UnicodeDecodeError:
        return None


def _registry_event(event: Event) -> RegistryEvent | None:
    """The event with bytes32 fields as text; None when one is not UTF-8 (a non-DID use of the registry)."""
    args = event.args
    if event.name == "DIDOwnerChanged":
        return RegistryEvent(event.name, event.block_number, owner=to_checksum_address(args["owner"]))
    if event.name == "DIDDelegateChanged":
        kind = _text32(args["delegateType"])
        if kind is None:
            return None
        return RegistryEvent(
            event.name, event.block_number, delegate_type=kind, delegate=to_checksum_address(args["delegate"]), valid_to=int(args["validTo"])
        )
    name = _text32(args["name"])
    if name is None:
        return None
    return RegistryEvent(event.name, event.block_number, name=name, value=bytes(args["value"]), valid_to=int(args["validTo"]))


def change_log(sb: Sandbox, registry: Contract, address: str) -> list[RegistryEvent]:
    """Every registry event of ``address``, oldest first, following ``previousChange`` back from ``changed``."""
    topic = "0x" + "00" * 12 + address[2:].lower()
    block = int(registry.changed(address))
    history: list[RegistryEvent] = []
    while block:
        found = sb.get_events(registry, from_block=block, to_block=block, topics=[None, topic])
        found = [e for e in found if e.name in _EVENTS]
        if not found:
            raise DIDNotFoundError(
                f"no registry logs in block {block}, but previousChange points there; the node lacks history (use an archive node)"
            )
        previous = 0
        events = []
        for event in found:
            pc = int(event.args["previousChange"])
            if 0 < pc < block and (previous == 0 or pc < previous):
                previous = pc
            decoded = _registry_event(event)
            if decoded is not None:
                events.append(decoded)
        history[:0] = events
        block = previous
    return history


def history(sb: Sandbox, registry: Contract, identity: str) -> list[RegistryEvent]:
    """Every registry event of ``identity`` (an address), oldest first."""
    return change_log(sb, registry, to_checksum_address(identity))


class EthrResolver:
    """did:ethr resolution over configured networks, with the DID Resolution result shape."""

    def __init__(self, networks: Iterable[Network]) -> None:
        self.networks: dict[str, Network] = {}
        for network in networks:
            for key in network.keys():
                self.networks[key] = network

    @classmethod
    def for_sandbox(cls, sb: Sandbox, registry: Contract, *, names: tuple[str, ...] = (SANDBOX_NETWORK,)) -> EthrResolver:
        return cls([Network(sb, registry, names)])

    def resolve(
        self, did_url: str, *, accept: str | None = None, rule: TimeRule = TimeRule.CHAIN, now: int | None = None
    ) -> ResolutionResult:
        """Resolve a DID (or a DID URL with ``?versionId=<block>``); errors are in the result, never raised.

        ``rule`` is the clock validity is judged by (:class:`TimeRule`); ``now`` pins the latest
        version's clock (a Unix time) instead of reading the chain or the computer's clock.
        """
        parsed = parse_did_url(did_url)
        if parsed is None:
            return _error(did_url, "invalidDid", f"{did_url!r} is not a DID; expected did:ethr:0x7a69:0x<40 hex digits>")
        if parsed.method != "ethr":
            return _error(did_url, "methodNotSupported", f"this resolver resolves did:ethr, not did:{parsed.method}")
        did = parsed.did
        if accept == DID_JSON:
            context: dict[str, Any] = {}
        elif accept is None or accept in (DID_LD_JSON, DID_MEDIA):
            context = {"@context": list(CONTEXT)}
        else:
            hint = f"ask for {DID_LD_JSON}, {DID_JSON} or {DID_MEDIA}"
            return _error(did, "representationNotSupported", f"the representation {accept!r} is not supported; {hint}")
        parts = split_identifier(parsed.id)
        if parts is None:
            return _error(did, "invalidDid", f"Not a valid did:ethr: {parsed.id}")
        network_id, identifier = parts
        block_tag: int | None = None
        version = parsed.query_param("versionId")
        if version is not None:
            block_tag = _js_parse_int(version)
        network = self.networks.get(network_id)
        if network is None:
            known = ", ".join(sorted(self.networks)) or "none"
            return _error(did, "unknownNetwork", f"The DID resolver does not have a configuration for network: {network_id} (known: {known})")
        sb, registry = network.sandbox, network.registry
        try:
            if block_tag is not None:
                if block_tag < 0:
                    raise DIDNotFoundError(f"versionId {block_tag} is not a block number")
                clock = self._block_time(sb, block_tag)
            elif now is not None:
                clock = now
            elif rule is TimeRule.WALL_CLOCK:
                clock = int(time.time())
            else:
                clock = int(sb.w3.eth.get_block("latest")["timestamp"])
            chain_id = int(network_id, 16) if network_id.startswith("0x") else sb.chain.chain_id
            if len(identifier) > 42:
                controller_key: str | None = identifier
                address: str = keys.PublicKey.from_compressed_bytes(bytes.fromhex(identifier[2:])).to_checksum_address()
            else:
                controller_key, address = None, checked_address(identifier)
            events = change_log(sb, registry, address)
            built = build_document(did, address, controller_key, events, chain_id, block_tag, clock, rule)
            metadata: dict[str, Any] = {"deactivated": True} if built.deactivated else {}
            if built.version_id:
                metadata.update(versionId=str(built.version_id), updated=iso_time(self._block_time(sb, built.version_id)))
            if built.next_version_id is not None:
                metadata.update(nextVersionId=str(built.next_version_id), nextUpdate=iso_time(self._block_time(sb, built.next_version_id)))
        except Exception as exc:
            return _error(did, "notFound", str(exc) or type(exc).__name__)
        document = {**context, **built.document}
        return ResolutionResult(did, document, {"contentType": accept or DID_LD_JSON}, metadata)

    @staticmethod
    def _block_time(sb: Sandbox, number: int) -> int:
        if number > sb.chain.block_number:
            raise DIDNotFoundError(f"Block at height {number} not found; the latest block is {sb.chain.block_number}")
        return int(sb.w3.eth.get_block(number)["timestamp"])


def resolve(sb: Sandbox, registry: Contract, did: str, *, rule: TimeRule = TimeRule.CHAIN, accept: str | None = None) -> ResolutionResult:
    """Resolve ``did`` on the sandbox's chain; raises the typed :class:`DIDResolutionError` on failure."""
    return EthrResolver.for_sandbox(sb, registry).resolve(did.strip(), accept=accept, rule=rule).raise_for_error()
