"""The did:ethr DID document, rebuilt from an identity's ERC-1056 event history.

A port of ethr-did-resolver's ``wrapDidDocument`` (11.1.3), rule for rule,
so a sandbox DID resolves to the document did:ethr software produces:

- ``DIDOwnerChanged``: the controller (``#controller``); owner 0x0
  deactivates the DID and ends the replay (a later owner change does not
  bring it back).
- ``DIDDelegateChanged``: ``veriKey`` delegates join ``assertionMethod``,
  ``sigAuth`` delegates ``authentication`` too; every delegate event,
  valid or not, takes the next ``#delegate-N`` number.
- ``DIDAttributeChanged``: ``did/pub/<algorithm>/<purpose>/<encoding>`` a
  public key (``enc`` keys go to ``keyAgreement``), ``did/svc/<type>`` a
  service whose endpoint is parsed when it is JSON.
- ``?versionId=<block>``: events after that block are skipped; the first
  of them gives ``nextVersionId``.

One rule differs on purpose, the clock (see :class:`TimeRule`).
"""

from __future__ import annotations

import base64
import enum
import json
import re
from dataclasses import dataclass
from typing import Any

from sandbox.helpers.identity.did import ZERO

CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    # EcdsaSecp256k1RecoveryMethod2020 and blockchainAccountId
    "https://w3id.org/security/suites/secp256k1recovery-2020/v2",
    # publicKeyHex and EcdsaSecp256k1VerificationKey2019
    "https://w3id.org/security/v3-unstable",
]
RECOVERY_METHOD = "EcdsaSecp256k1RecoveryMethod2020"
SECP256K1_KEY = "EcdsaSecp256k1VerificationKey2019"

_ATTRIBUTE = re.compile(r"^did/(pub|svc)/(\w+)(/(\w+))?(/(\w+))?\Z", re.ASCII)
_PURPOSES = {"sigAuth": "SignatureAuthentication2018", "veriKey": "VerificationKey2018", "enc": "KeyAgreementKey2019"}
_KEY_TYPES = {
    "Secp256k1VerificationKey2018": SECP256K1_KEY,
    "Ed25519SignatureAuthentication2018": "Ed25519VerificationKey2018",
    "Secp256k1SignatureAuthentication2018": SECP256K1_KEY,
    "RSAVerificationKey2018": "RSAVerificationKey2018",
    "Ed25519VerificationKey2018": "Ed25519VerificationKey2018",
    "X25519KeyAgreementKey2019": "X25519KeyAgreementKey2019",
}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class TimeRule(enum.Enum):
    """When a delegate or attribute with ``validTo`` counts as valid.

    ``CHAIN`` (the default) is the registry's own rule: ``validDelegate``
    says ``validTo > block.timestamp``, so a delegate is valid while
    ``validTo`` is after the timestamp of the block the document is read at
    (the latest block, or the ``versionId`` block). Time travel on the chain
    (``evm_increaseTime``) expires delegates, and a delegate revoked in block
    N (``validTo`` = its timestamp) is gone in version N.

    ``WALL_CLOCK`` is ethr-did-resolver's: ``validTo >= now`` with ``now`` the
    computer's clock for the latest version and the block's timestamp for a
    past one. The two agree whenever the chain's clock follows the wall clock.
    """

    CHAIN = "chain"
    WALL_CLOCK = "wall-clock"

    def valid(self, valid_to: int, now: int) -> bool:
        if not valid_to:
            return False
        return valid_to >= now if self is TimeRule.WALL_CLOCK else valid_to > now


@dataclass(frozen=True)
class RegistryEvent:
    """One decoded ERC-1056 event; bytes32 fields already text (trailing NULs dropped)."""

    kind: str  # DIDOwnerChanged | DIDDelegateChanged | DIDAttributeChanged
    block_number: int
    owner: str | None = None
    delegate_type: str | None = None
    delegate: str | None = None
    name: str | None = None
    value: bytes | None = None
    valid_to: int = 0

    @property
    def index(self) -> str:
        """ethr-did-resolver's key for "the same delegate or attribute" across events."""
        kind_or_name = self.delegate_type or (self.name if self.kind == "DIDAttributeChanged" else None)
        who = self.delegate or (("0x" + self.value.hex()) if self.value is not None else None)
        return f"{self.kind}-{'undefined' if kind_or_name is None else kind_or_name}-{'undefined' if who is None else who}"


@dataclass
class Built:
    """What :func:`build_document` returns: the document and the version numbers it saw."""

    document: dict[str, Any]
    deactivated: bool
    version_id: int
    next_version_id: int | None


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58 with leading zero bytes as ``1`` (ethers' encodeBase58)."""
    value = int.from_bytes(data, "big")
    out = ""
    while value:
        value, digit = divmod(value, 58)
        out = _BASE58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _service_endpoint(value: bytes) -> Any:
    text = value.decode("utf-8")  # UnicodeDecodeError: not a DID service, skipped by the caller
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # JSON.parse has no NaN or Infinity


def build_document(
    did: str,
    address: str,
    controller_key: str | None,
    history: list[RegistryEvent],
    chain_id: int,
    block_height: int | None,
    now: int,
    rule: TimeRule = TimeRule.CHAIN,
) -> Built:
    """The DID document of ``did`` after ``history`` (all of it when ``block_height`` is None)."""
    base: dict[str, Any] = {"id": did, "verificationMethod": [], "authentication": [], "assertionMethod": []}
    controller = address
    version_id = 0
    next_version_id: int | None = None
    deactivated = False
    delegate_count = 0
    service_count = 0
    auth: dict[str, str] = {}
    key_agreement: dict[str, str] = {}
    signing: dict[str, str] = {}
    keys: dict[str, dict[str, Any]] = {}
    services: dict[str, dict[str, Any]] = {}
    for event in history:
        if block_height is not None and event.block_number > block_height:
            if next_version_id is None or event.block_number < next_version_id:
                next_version_id = event.block_number
            continue
        version_id = max(version_id, event.block_number)
        index = event.index
        if rule.valid(event.valid_to, now):
            if event.kind == "DIDDelegateChanged":
                delegate_count += 1
                if event.delegate_type in ("sigAuth", "veriKey"):
                    ref = f"{did}#delegate-{delegate_count}"
                    if event.delegate_type == "sigAuth":
                        auth[index] = ref
                    signing[index] = ref
                    keys[index] = {
                        "id": ref,
                        "type": RECOVERY_METHOD,
                        "controller": did,
                        "blockchainAccountId": f"eip155:{chain_id}:{event.delegate}",
                    }
            elif event.kind == "DIDAttributeChanged":
                match = _ATTRIBUTE.match(event.name or "")
                if match is None:
                    continue
                section, algorithm, purpose, encoding = match.group(1), match.group(2), match.group(4), match.group(6)
                value = event.value or b""
                if section == "pub":
                    delegate_count += 1
                    suffix = _PURPOSES.get(purpose, purpose) if purpose is not None else "undefined"
                    key: dict[str, Any] = {
                        "id": f"{did}#delegate-{delegate_count}",
                        "type": _KEY_TYPES.get(f"{algorithm}{suffix}", algorithm),
                        "controller": did,
                    }
                    if encoding in (None, "hex"):
                        key["publicKeyHex"] = value.hex()
                    elif encoding == "base64":
                        key["publicKeyBase64"] = base64.b64encode(value).decode()
                    elif encoding == "base58":
                        key["publicKeyBase58"] = base58(value)
                    elif encoding == "pem":
                        try:
                            key["publicKeyPem"] = value.decode("utf-8")
                        except UnicodeDecodeError:
                            continue  # not UTF-8: a non-DID use of the registry
                    else:
                        key["value"] = value.hex()
                    keys[index] = key
                    if purpose == "sigAuth":
                        auth[index] = key["id"]
                        signing[index] = key["id"]
                    elif purpose == "enc":
                        key_agreement[index] = key["id"]
                    else:
                        signing[index] = key["id"]
                else:
                    service_count += 1
                    try:
                        endpoint = _service_endpoint(value)
                    except UnicodeDecodeError:
                        continue
                    services[index] = {"id": f"{did}#service-{service_count}", "type": algorithm, "serviceEndpoint": endpoint}
        elif event.kind == "DIDOwnerChanged":
            controller = event.owner or ZERO
            if controller.lower() == ZERO:
                deactivated = True
                break
        else:
            name = event.name or ""
            if event.kind == "DIDDelegateChanged" or (event.kind == "DIDAttributeChanged" and name.startswith("did/pub/")):
                delegate_count += 1
            elif event.kind == "DIDAttributeChanged" and name.startswith("did/svc/"):
                service_count += 1
            # As the reference: an expired or revoked key leaves keyAgreement untouched.
            for table in (auth, signing, keys, services):
                table.pop(index, None)

    if deactivated:
        return Built(base, True, version_id, next_version_id)
    methods: list[dict[str, Any]] = [
        {"id": f"{did}#controller", "type": RECOVERY_METHOD, "controller": did, "blockchainAccountId": f"eip155:{chain_id}:{controller}"}
    ]
    refs = [f"{did}#controller"]
    if controller_key is not None and controller == address:
        methods.append({"id": f"{did}#controllerKey", "type": SECP256K1_KEY, "controller": did, "publicKeyHex": controller_key[2:]})
        refs.append(f"{did}#controllerKey")
    document: dict[str, Any] = {
        "id": did,
        "verificationMethod": methods + list(keys.values()),
        "authentication": refs + list(auth.values()),
        "assertionMethod": refs + list(signing.values()),
    }
    if services:
        document["service"] = list(services.values())
    if key_agreement:
        document["keyAgreement"] = list(key_agreement.values())
    return Built(document, False, version_id, next_version_id)
