"""Distributed digital identity: did:ethr resolution and ERC-1056 signatures.

A did:ethr identifier names an Ethereum address on a chain,
``did:ethr:0x7a69:0xf39F...`` (chain id in hex, then the address). Its DID
document is not stored anywhere: it is rebuilt from the ERC-1056 registry's
events, as the did:ethr method specification says. ``changed(identity)``
gives the block of the latest change; each event carries ``previousChange``,
the block of the change before it, so the resolver walks the linked list
back to the first change, then replays the events in order:

- ``DIDOwnerChanged``: the controller key (``#controller``); owner 0x0
  means the DID is deactivated.
- ``DIDDelegateChanged``: ``veriKey`` delegates join ``assertionMethod``,
  ``sigAuth`` delegates also ``authentication``, while ``validTo`` is in the
  future.
- ``DIDAttributeChanged``: ``did/pub/<algo>/<purpose>/<encoding>`` adds a
  public key, ``did/svc/<type>`` a service endpoint, while valid.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_keys import keys
from eth_utils import keccak, to_checksum_address

from sandbox.chain.accounts import normalize_address
from sandbox.errors import SandboxError

if TYPE_CHECKING:
    from sandbox.contracts.handles import Contract, Event
    from sandbox.main import Sandbox

_DID = re.compile(r"^did:ethr:(?:(?P<network>[A-Za-z0-9]+):)?(?P<address>0x[0-9a-fA-F]{40})$")
_PUB_TYPES = {
    "Secp256k1": "EcdsaSecp256k1VerificationKey2019",
    "Ed25519": "Ed25519VerificationKey2018",
    "X25519": "X25519KeyAgreementKey2019",
    "RSA": "RSAVerificationKey2018",
}
CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/secp256k1recovery-2020/v2"]
ZERO = "0x0000000000000000000000000000000000000000"


class InvalidDIDError(SandboxError, ValueError):
    """Raised when a string is not a did:ethr identifier for this chain."""


def did_for(address: Any, chain_id: int) -> str:
    """``did:ethr:<chain id hex>:<address>`` for an account or address."""
    return f"did:ethr:{hex(chain_id)}:{normalize_address(address)}"


def parse_did(did: str, chain_id: int | None = None) -> str:
    """The address inside ``did``; checks the network when ``chain_id`` is given."""
    match = _DID.match(did.strip())
    if not match:
        raise InvalidDIDError(f"{did!r} is not a did:ethr identifier; expected did:ethr:0x7a69:0x<40 hex digits>")
    network = match.group("network")
    if chain_id is not None and network is not None:
        expected = {hex(chain_id), str(chain_id)}
        if network.lower() not in expected:
            raise InvalidDIDError(f"{did!r} names network {network}, but this chain is {hex(chain_id)}; use did_for(address, {chain_id})")
    return to_checksum_address(match.group("address"))


def bytes32(text: str) -> bytes:
    """A short ASCII name (``"veriKey"``, ``"did/svc/Hub"``) as right-padded bytes32."""
    raw = text.encode()
    if len(raw) > 32:
        raise InvalidDIDError(f"{text!r} is longer than 32 bytes; ERC-1056 names and types are bytes32")
    return raw.ljust(32, b"\0")


def _text(value: bytes) -> str:
    return bytes(value).rstrip(b"\0").decode(errors="replace")


# ---------------------------------------------------------------------------
# ERC-1056 signed variants
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------


@dataclass
class Resolution:
    """A resolved DID: the document and its metadata."""

    did: str
    document: dict[str, Any]
    metadata: dict[str, Any]

    @property
    def deactivated(self) -> bool:
        return bool(self.metadata.get("deactivated"))

    def controller_address(self) -> str | None:
        for method in self.document.get("verificationMethod", []):
            if method["id"].endswith("#controller"):
                return str(method["blockchainAccountId"].rsplit(":", 1)[1])
        return None

    def can_authenticate(self, address: Any) -> bool:
        """Is ``address`` the controller or a valid ``sigAuth`` delegate?"""
        wanted = normalize_address(address).lower()
        ids = set(self.document.get("authentication", []))
        return any(
            m["id"] in ids and m.get("blockchainAccountId", "").lower().endswith(wanted)
            for m in self.document.get("verificationMethod", [])
        )

    def services(self) -> list[dict[str, Any]]:
        return list(self.document.get("service", []))


def history(sb: Sandbox, registry: Contract, identity: str) -> list[Event]:
    """Every registry event of ``identity``, oldest first, following ``previousChange``."""
    topic = "0x" + "00" * 12 + identity[2:].lower()
    block = int(registry.changed(identity))
    collected: list[Event] = []
    while block:
        events = [
            e
            for e in sb.get_events(registry, from_block=block, to_block=block, topics=[None, topic])
            if e.name.startswith("DID") and str(e.args.get("identity", "")).lower() == identity.lower()
        ]
        if not events:
            break
        collected[:0] = events
        previous = min(int(e.args["previousChange"]) for e in events)
        if previous >= block:
            break
        block = previous
    return collected


def resolve(sb: Sandbox, registry: Contract, did: str, *, now: int | None = None) -> Resolution:
    """Resolve ``did`` against an ERC-1056 ``registry`` (see the module docstring)."""
    identity = parse_did(did, sb.chain.chain_id)
    did = did_for(identity, sb.chain.chain_id)
    timestamp = sb.chain.timestamp if now is None else now
    account = f"eip155:{sb.chain.chain_id}"
    owner = identity
    delegates: dict[str, dict[str, Any]] = {}
    auth: dict[str, str] = {}
    services: dict[str, dict[str, Any]] = {}
    counter = 0
    service_counter = 0
    events = history(sb, registry, identity)
    for event in events:
        args = event.args
        if event.name == "DIDOwnerChanged":
            owner = args["owner"]
        elif event.name == "DIDDelegateChanged":
            counter += 1
            kind = _text(args["delegateType"])
            key = f"{kind}-{args['delegate']}"
            if int(args["validTo"]) > timestamp and kind in ("veriKey", "sigAuth"):
                delegates[key] = {
                    "id": f"{did}#delegate-{counter}",
                    "type": "EcdsaSecp256k1RecoveryMethod2020",
                    "controller": did,
                    "blockchainAccountId": f"{account}:{args['delegate']}",
                }
                if kind == "sigAuth":
                    auth[key] = delegates[key]["id"]
            else:
                delegates.pop(key, None)
                auth.pop(key, None)
        elif event.name == "DIDAttributeChanged":
            name = _text(args["name"])
            value: bytes = bytes(args["value"])
            key = f"{name}-{value.hex()}"
            valid = int(args["validTo"]) > timestamp
            parts = name.split("/")
            if parts[:2] == ["did", "pub"] and len(parts) >= 4:
                counter += 1
                if valid:
                    algo, purpose = parts[2], parts[3]
                    encoding = parts[4] if len(parts) > 4 else "hex"
                    method: dict[str, Any] = {
                        "id": f"{did}#delegate-{counter}",
                        "type": _PUB_TYPES.get(algo, f"{algo}VerificationKey"),
                        "controller": did,
                    }
                    if encoding == "base64":
                        method["publicKeyBase64"] = base64.b64encode(value).decode()
                    else:
                        method["publicKeyHex"] = value.hex()
                    delegates[key] = method
                    if purpose == "sigAuth":
                        auth[key] = method["id"]
                else:
                    delegates.pop(key, None)
                    auth.pop(key, None)
            elif parts[:2] == ["did", "svc"] and len(parts) >= 3:
                service_counter += 1
                if valid:
                    services[key] = {"id": f"{did}#service-{service_counter}", "type": parts[2], "serviceEndpoint": value.decode(errors="replace")}
                else:
                    services.pop(key, None)

    metadata: dict[str, Any] = {}
    if events:
        metadata["versionId"] = str(events[-1].block_number)
        metadata["updated"] = int(sb.w3.eth.get_block(events[-1].block_number)["timestamp"])
    if owner.lower() == ZERO:
        metadata["deactivated"] = True
        return Resolution(did, {"@context": CONTEXT, "id": did}, metadata)
    controller = {
        "id": f"{did}#controller",
        "type": "EcdsaSecp256k1RecoveryMethod2020",
        "controller": did,
        "blockchainAccountId": f"{account}:{to_checksum_address(owner)}",
    }
    methods = [controller, *delegates.values()]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "authentication": [controller["id"], *auth.values()],
        "assertionMethod": [m["id"] for m in methods],
    }
    if services:
        document["service"] = list(services.values())
    return Resolution(did, document, metadata)


# ---------------------------------------------------------------------------
# EIP-712 verifiable credentials (CredentialRegistry)
# ---------------------------------------------------------------------------

CREDENTIAL_TYPES = {
    "Credential": [
        {"name": "issuer", "type": "address"},
        {"name": "subject", "type": "address"},
        {"name": "claimHash", "type": "bytes32"},
        {"name": "issuedAt", "type": "uint64"},
        {"name": "expiresAt", "type": "uint64"},
    ]
}
#: CredentialRegistry.CredentialStatus, by index.
CREDENTIAL_STATUS = ("Valid", "BadSignature", "IssuerNotApproved", "Revoked", "Expired")


@dataclass(frozen=True)
class Credential:
    """A credential as CredentialRegistry's EIP-712 ``Credential`` struct.

    The claim itself stays off-chain: only ``claim_hash`` (e.g. the hash of
    "real-name verified" plus a salt) is signed, so a platform that checks a
    credential learns the subject's DID and that an approved issuer vouched
    for the claim, nothing else.
    """

    issuer: str
    subject: str
    claim_hash: bytes
    issued_at: int
    expires_at: int = 0

    def message(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "subject": self.subject,
            "claimHash": self.claim_hash,
            "issuedAt": self.issued_at,
            "expiresAt": self.expires_at,
        }

    def as_tuple(self) -> tuple[str, str, bytes, int, int]:
        """The struct as a contract argument."""
        return (self.issuer, self.subject, self.claim_hash, self.issued_at, self.expires_at)


def claim_hash(claim: str, salt: bytes) -> bytes:
    """``keccak256(salt || claim)``: the salted commitment a credential signs."""
    return keccak(salt + claim.encode())


def credential_domain(registry: Any, chain_id: int) -> dict[str, Any]:
    return {"name": "SandboxCredentials", "version": "1", "chainId": chain_id, "verifyingContract": normalize_address(registry)}


def sign_credential(private_key: bytes, credential: Credential, registry: Any, chain_id: int) -> bytes:
    """The issuer's 65-byte EIP-712 signature (r || s || v) over ``credential``."""
    from eth_account import Account as EthAccount
    from eth_account.messages import encode_typed_data

    signable = encode_typed_data(
        domain_data=credential_domain(registry, chain_id), message_types=CREDENTIAL_TYPES, message_data=credential.message()
    )
    return bytes(EthAccount.sign_message(signable, private_key).signature)


def credential_status(registry: Contract, credential: Credential, signature: bytes) -> str:
    """``"Valid"`` or the first reason the registry rejects the credential."""
    return CREDENTIAL_STATUS[int(registry.verifyCredential(credential.as_tuple(), signature))]
