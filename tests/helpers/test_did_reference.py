"""Differential test: the sandbox's did:ethr resolver against npm ethr-did-resolver, on one anvil.

Scripted ERC-1056 histories (every case of issue 15 and the method spec's
attribute grammar) are written to a real anvil; the reference resolver
(pinned in package.json, run by tests/helpers/did/resolve.mjs) and the
sandbox's resolver read the same chain. Results are compared document by
document, field by field:

- with ``TimeRule.WALL_CLOCK`` (the reference's clock) every result must be
  equal, errors included;
- with the default ``TimeRule.CHAIN`` the only differences allowed are the
  documented time rule (``EXPECTED_TIME_DIFFERENCES``).

Error codes follow DID Core where the reference uses its own names
(``ERROR_NAMES``); messages are free text and not compared.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_keys import keys
from eth_utils import keccak

from sandbox import Contract, Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.helpers.identity import (
    EthrResolver,
    TimeRule,
    bytes32,
    erc1056_digest,
    packed_address,
    packed_uint,
    sign_digest,
)
from tests.helpers.conftest import reference_resolve

DAY = 86_400
YEAR = 365 * DAY
ZERO = "0x0000000000000000000000000000000000000000"
#: Reference error name -> the DID Core / DID Resolution name the sandbox uses.
ERROR_NAMES = {"unsupportedFormat": "representationNotSupported", "unsupportedDidMethod": "methodNotSupported"}


class Identity:
    """A key that owns a did:ethr identity; its registry calls are signed (ERC-1056 ``...Signed``) and relayed."""

    def __init__(self, label: str, sb: Sandbox, registry: Contract) -> None:
        self.key = keys.PrivateKey(keccak(text=f"did-case-{label}"))
        self.address = self.key.public_key.to_checksum_address()
        self.owner_key = self.key
        self.sb, self.registry = sb, registry
        self.blocks: list[int] = []  # every block with a change, for the past versions
        self.revocations: set[int] = set()  # blocks of revokeDelegate (the time rule's boundary case)

    @property
    def public_key_hex(self) -> str:
        return "0x" + self.key.public_key.to_compressed_bytes().hex()

    def did(self, network: str = "0x7a69", *, lower: bool = False, public_key: bool = False) -> str:
        ident = self.public_key_hex if public_key else (self.address.lower() if lower else self.address)
        return f"did:ethr:{network}:{ident}" if network else f"did:ethr:{ident}"

    def _signed(self, operation: str, *params: bytes) -> tuple[int, bytes, bytes]:
        owner = self.owner_key.public_key.to_checksum_address()
        digest = erc1056_digest(self.registry, int(self.registry.nonce(owner)), self.address, operation, *params)
        return sign_digest(self.owner_key.to_bytes(), digest)

    def _send(self, function: str, *args: Any) -> int:
        receipt = getattr(self.registry, function)(*args, sender=self.sb.accounts.alice)
        self.blocks.append(int(receipt.block_number))
        return int(receipt.block_number)

    def set_attribute(self, name: str | bytes, value: bytes, validity: int = YEAR) -> int:
        raw = name if isinstance(name, bytes) else bytes32(name)
        v, r, s = self._signed("setAttribute", raw, value, packed_uint(validity))
        return self._send("setAttributeSigned", self.address, v, r, s, raw, value, validity)

    def revoke_attribute(self, name: str, value: bytes) -> int:
        v, r, s = self._signed("revokeAttribute", bytes32(name), value)
        return self._send("revokeAttributeSigned", self.address, v, r, s, bytes32(name), value)

    def add_delegate(self, kind: str, delegate: str, validity: int = YEAR) -> int:
        v, r, s = self._signed("addDelegate", bytes32(kind), packed_address(delegate), packed_uint(validity))
        return self._send("addDelegateSigned", self.address, v, r, s, bytes32(kind), delegate, validity)

    def revoke_delegate(self, kind: str, delegate: str) -> int:
        v, r, s = self._signed("revokeDelegate", bytes32(kind), packed_address(delegate))
        block = self._send("revokeDelegateSigned", self.address, v, r, s, bytes32(kind), delegate)
        self.revocations.add(block)
        return block

    def change_owner(self, new_owner: Identity | str) -> int:
        target = new_owner.address if isinstance(new_owner, Identity) else new_owner
        v, r, s = self._signed("changeOwner", packed_address(target))
        block = self._send("changeOwnerSigned", self.address, v, r, s, target)
        # After owner 0x0 the identity owns itself again (identityOwner), as ERC-1056 says.
        self.owner_key = new_owner.key if isinstance(new_owner, Identity) else self.key
        return block


@dataclass
class History:
    """The DIDs to resolve (with accept options) and the ones where the chain's clock must differ."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    time_rule_cases: set[str] = field(default_factory=set)  # DID URLs

    def add(self, did: str, accept: str | None = None, *, time_rule: bool = False) -> None:
        if time_rule:
            self.time_rule_cases.add(did)
        self.requests.append({"did": did} if accept is None else {"did": did, "accept": accept})


def write_histories(sb: Sandbox, registry: Contract) -> History:
    h = History()
    case = lambda label: Identity(label, sb, registry)  # noqa: E731
    other = case("other")

    fresh = case("fresh")
    h.add(fresh.did())
    h.add(fresh.did(lower=True))  # the document keeps the lower-case id
    h.add(fresh.did("sandbox"))  # the network name the project registers
    h.add(fresh.did(""))  # no network: mainnet, not configured -> unknownNetwork
    h.add(fresh.did("0x1"))
    h.add(fresh.did("31337"))  # decimal chain ids are not network names
    h.add(fresh.did(public_key=True))  # #controllerKey
    h.add(fresh.did(), "application/did+json")  # no @context
    h.add(fresh.did(), "application/did+ld+json")
    h.add(fresh.did(), "text/html")  # representationNotSupported

    # Delegates: numbering across types, revocation, an unknown type.
    d = case("delegates")
    blocks = [d.add_delegate("sigAuth", other.address), d.add_delegate("veriKey", fresh.address), d.add_delegate("otherType", other.address)]
    blocks.append(d.add_delegate("veriKey", other.address, 10 * DAY))
    blocks.append(d.revoke_delegate("sigAuth", other.address))
    blocks.append(d.add_delegate("sigAuth", other.address))  # re-added: a new number, at the end
    h.add(d.did())
    h.add(d.did(lower=True))
    h.add(f"{d.did()}?versionId={blocks[0] - 1}")  # before the first change: nextVersionId only
    h.add(f"{d.did()}?versionId=0")
    h.add(f"{d.did()}?versionId=latest")  # not a number: the latest version
    h.add(f"{d.did()}?versionId=99999999")  # no such block: notFound

    # The full attribute grammar: did/pub/<algorithm>/<purpose>/<encoding>.
    a = case("attributes")
    for algorithm in ("Secp256k1", "Ed25519", "X25519", "RSA"):
        for purpose in ("veriKey", "sigAuth", "enc"):
            for encoding in ("hex", "base64", "base58"):
                a.set_attribute(f"did/pub/{algorithm}/{purpose}/{encoding}", keccak(text=f"{algorithm}{purpose}{encoding}") + b"\x00\x01")
    a.set_attribute("did/pub/Secp256k1/veriKey", bytes.fromhex("02" + "ab" * 32))  # no encoding: hex
    a.set_attribute("did/pub/Ed25519", b"\x00\x00" + b"\x07" * 30)  # no purpose; base58 of leading zeros
    a.set_attribute("did/pub/RSA/veriKey/pem", b"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")
    a.set_attribute("did/pub/RSA/veriKey/pem", b"\xff\xfe not utf-8")  # counted, skipped
    a.set_attribute("did/pub/RSA/veriKey/mb", b"\x01\x02")  # unknown encoding: "value"
    a.set_attribute("did/pub/RSA/veriKey/hex/x", b"\x03")  # not the grammar: ignored
    a.set_attribute(b"did/pub/\xff" + b"\0" * 23, b"\x04")  # name not UTF-8: not a DID event
    a.set_attribute("did/pub/X25519/enc/base64", base64.b64decode("ZW5jcnlwdGlvbi1rZXktdG8tcmV2b2tl"))
    a.revoke_attribute("did/pub/X25519/enc/base64", base64.b64decode("ZW5jcnlwdGlvbi1rZXktdG8tcmV2b2tl"))
    a.set_attribute("did/pub/Ed25519/sigAuth/hex", b"\x05" * 32, 10 * DAY)
    a.revoke_attribute("did/pub/Ed25519/sigAuth/hex", b"\x05" * 32)
    h.add(a.did())

    # Services: plain string, JSON object, JSON array, JSON scalar, revoked, not UTF-8.
    s = case("services")
    s.set_attribute("did/svc/HubService", b"https://hub.example/s")
    s.set_attribute("did/svc/DIDCommMessaging", b'{"uri": "https://didcomm.example", "accept": ["didcomm/v2"], "routingKeys": []}')
    s.set_attribute("did/svc/LinkedDomains", b'["https://a.example", "https://b.example"]')
    s.set_attribute("did/svc/Counter", b"42")
    s.set_attribute("did/svc/Broken", b"{not json")
    s.set_attribute("did/svc/Gone", b"https://gone.example")
    s.revoke_attribute("did/svc/Gone", b"https://gone.example")
    s.set_attribute("did/svc/Binary", b"\xff\xfe")
    s.set_attribute("did/svc/Hub/extra", b"https://extra.example")
    h.add(s.did())
    h.add(s.did(), "application/did+json")

    # Owner changes: plain and signed; public-key DIDs keep #controllerKey only while the key controls.
    o = case("owner")
    o2 = case("owner-2")
    o.set_attribute("did/svc/Profile", b"https://o.example")
    first = o.change_owner(o2)
    moved = o.add_delegate("sigAuth", fresh.address)
    h.add(f"{o.did(public_key=True)}?versionId={first - 1}")  # the key controls: #controllerKey
    h.add(f"{o.did(public_key=True)}?versionId={moved}")  # controller moved: no #controllerKey
    o.change_owner(o)  # back to its own key
    h.add(o.did())
    h.add(o.did(public_key=True))

    # Deactivation, then another change, then the owner set back: still deactivated.
    x = case("deactivated")
    x.set_attribute("did/svc/Before", b"https://before.example")
    x.add_delegate("veriKey", other.address)
    dead = x.change_owner(ZERO)
    after = x.set_attribute("did/svc/After", b"https://after.example")
    h.add(f"{x.did()}?versionId={after}")  # versionId stays at the deactivation
    x.change_owner(x)
    h.add(x.did())  # the owner set back: still deactivated, empty arrays
    h.add(f"{x.did()}?versionId={dead - 1}")  # the version before deactivation, with nextVersionId

    # Syntax errors and checksums.
    h.add("did:ethr:0x7a69:0x1234")  # not an address: invalidDid
    h.add("did:web:example.com")  # another method
    h.add("not-a-did")
    h.add("did:ethr:")
    h.add(f"did:ethr:0x7a69:{d.address[:10]}{d.address[10:].swapcase()}")  # bad EIP-55 checksum: notFound
    h.add(f"did:ethr:0x7a69:{d.address.upper().replace('0X', '0x')}")  # all upper case: accepted
    h.add(f"did:ethr:0x7a69:0x02{'00' * 32}")  # not a point on the curve

    # Expiry by the chain's clock (the documented time rule): 2-day delegate, 3 days of time travel.
    e = case("expiry")
    e.add_delegate("sigAuth", other.address, 2 * DAY)
    e.set_attribute("did/svc/Short", b"https://short.example", 2 * DAY)
    e.add_delegate("veriKey", fresh.address)
    sb.time_travel(seconds=3 * DAY)
    h.add(e.did(), time_rule=True)

    # Every past version of every history, and the block before each change.
    for identity in (d, a, s, o, x, e):
        blocks = sorted(set(identity.blocks))
        if identity is a:  # 50 changes: a sample of its versions keeps the test fast
            blocks = [blocks[0], blocks[len(blocks) // 2], *blocks[-3:]]
        for block in blocks:
            # At a revokeDelegate block the reference still counts the delegate (validTo >= block
            # time); the chain's validDelegate says validTo > block.timestamp: revoked.
            for version in (block, block - 1):
                h.add(f"{identity.did()}?versionId={version}", time_rule=version in identity.revocations)
    h.add(f"{o.did(public_key=True)}?versionId={o.blocks[-1] - 1}")
    return h


@pytest.fixture(scope="module")
def compared(anvil: Anvil, anvil_sb: Sandbox, anvil_registry: Contract) -> tuple[History, list[dict[str, Any]], EthrResolver]:
    history = write_histories(anvil_sb, anvil_registry)
    reference = reference_resolve(anvil.url, anvil_registry.address, anvil_sb.chain.chain_id, ["sandbox"], history.requests)
    return history, reference, EthrResolver.for_sandbox(anvil_sb, anvil_registry)


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The result as both sides must give it: error names mapped to DID Core's, messages dropped."""
    metadata = dict(result["didResolutionMetadata"])
    metadata.pop("message", None)
    if "error" in metadata:
        metadata["error"] = ERROR_NAMES.get(metadata["error"], metadata["error"])
    return {"didDocument": result["didDocument"], "didResolutionMetadata": metadata, "didDocumentMetadata": result["didDocumentMetadata"]}


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Field-by-field differences, as ``path: ours != theirs`` lines."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = []
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                out.append(f"{path}.{key}: {'missing' if key not in ours else ours[key]!r} != {'missing' if key not in theirs else theirs[key]!r}")
            else:
                out += differences(ours[key], theirs[key], f"{path}.{key}")
        return out
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [d for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if ours == theirs else [f"{path}: {ours!r} != {theirs!r}"]


def test_every_case_equals_the_reference_with_its_clock(compared: tuple[History, list[dict[str, Any]], EthrResolver]) -> None:
    history, reference, resolver = compared
    assert len(reference) == len(history.requests) >= 90
    failures = []
    for request, answer in zip(history.requests, reference, strict=True):
        theirs, now = answer["result"], answer["now"]
        ours = resolver.resolve(request["did"], accept=request.get("accept"), rule=TimeRule.WALL_CLOCK, now=now).to_json()
        diff = differences(comparable(ours), comparable(theirs))
        if diff:
            failures.append(f"{request}:\n  " + "\n  ".join(diff))
    assert not failures, "\n".join(failures)


def test_the_chain_clock_differs_only_where_documented(compared: tuple[History, list[dict[str, Any]], EthrResolver]) -> None:
    history, reference, resolver = compared
    unexpected, seen = [], set()
    for request, answer in zip(history.requests, reference, strict=True):
        theirs = answer["result"]
        ours = resolver.resolve(request["did"], accept=request.get("accept")).to_json()
        diff = differences(comparable(ours), comparable(theirs))
        if diff:
            seen.add(request["did"])
            if request["did"] not in history.time_rule_cases:
                unexpected.append(f"{request}:\n  " + "\n  ".join(diff))
    assert not unexpected, "\n".join(unexpected)
    assert seen == history.time_rule_cases


def test_the_chain_clock_drops_what_validDelegate_calls_expired(
    compared: tuple[History, list[dict[str, Any]], EthrResolver], anvil_sb: Sandbox, anvil_registry: Contract
) -> None:
    history, reference, resolver = compared
    latest = [r["did"] for r in history.requests if r["did"] in history.time_rule_cases and "?" not in r["did"]]
    number = [r["did"] for r in history.requests].index(latest[0])
    expiry = history.requests[number]["did"]
    address = expiry.rsplit(":", 1)[1]
    other = Identity("other", anvil_sb, anvil_registry).address
    assert not anvil_registry.validDelegate(address, bytes32("sigAuth"), other)
    ours = resolver.resolve(expiry).document
    theirs = reference[number]["result"]["didDocument"]
    assert [m["id"].rsplit("#", 1)[1] for m in ours["verificationMethod"]] == ["controller", "delegate-2"]
    assert [m["id"].rsplit("#", 1)[1] for m in theirs["verificationMethod"]] == ["controller", "delegate-1", "delegate-2"]
    assert "service" not in ours and theirs["service"][0]["type"] == "Short"
