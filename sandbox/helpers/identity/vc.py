"""W3C Verifiable Credentials (data model 2.0) with ``EthereumEip712Signature2021`` proofs.

The proof is what Veramo's ``@veramo/credential-eip712`` issues and
verifies, so credentials cross between the sandbox and Veramo agents both
ways (tests/helpers/test_did_credentials.py runs Veramo on the same chain):

- the EIP-712 domain is ``{name: "VerifiableCredential", version: "1",
  chainId}``, the primary type ``VerifiableCredential``;
- the types are generated from the credential itself (the W3C CCG
  EthereumEip712Signature2021 type generation: keys sorted, strings,
  ``uint256`` numbers, ``bool``, ``string[]``, one level of nested objects)
  and travel in ``proof.eip712``;
- the signed message is the credential with its proof minus ``proofValue``
  and ``eip712``.

Verification recovers the signer, resolves the issuer's did:ethr document
(an address in ``assertionMethod`` must have signed), checks ``validFrom``
/ ``validUntil`` (or 1.1's ``issuanceDate`` / ``expirationDate``) against
the chain's clock, and revocation on chain: a ``credentialStatus`` of type
``SandboxCredentialRegistry2026`` names a CredentialRegistry, where the
signer revokes the credential by its EIP-712 hash
(``revokeCredential(credential_hash(vc))``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from sandbox.chain.accounts import normalize_address
from sandbox.errors import SandboxError
from sandbox.helpers.identity.resolver import EthrResolver, iso_time

if TYPE_CHECKING:
    from sandbox.main import Sandbox

PROOF_TYPE = "EthereumEip712Signature2021"
STATUS_TYPE = "SandboxCredentialRegistry2026"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
_DOMAIN_TYPE = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}, {"name": "chainId", "type": "uint256"}]


class CredentialError(SandboxError, ValueError):
    """Raised when a credential cannot be signed as EthereumEip712Signature2021 (a shape its type generation cannot express)."""


def _struct_name(key: str) -> str:
    return key[:1].upper() + key[1:]


def _types(document: dict[str, Any], primary: str, where: str) -> dict[str, list[dict[str, str]]]:
    output: dict[str, list[dict[str, str]]] = {}
    fields = []
    for key in sorted(document):  # JSON canonicalization (RFC 8785) orders keys
        value = document[key]
        if isinstance(value, bool):
            fields.append({"name": key, "type": "bool"})
        elif isinstance(value, int) and value >= 0:
            fields.append({"name": key, "type": "uint256"})
        elif isinstance(value, str):
            fields.append({"name": key, "type": "string"})
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            fields.append({"name": key, "type": "string[]"})
        elif isinstance(value, dict) and where == "":
            nested = _types(value, primary, f"{key}.")
            fields.append({"name": key, "type": _struct_name(key)})
            output[_struct_name(key)] = nested[primary]
        else:
            raise CredentialError(
                f"{where}{key} = {value!r} cannot be typed for EIP-712: use strings, non-negative integers, booleans, "
                "non-empty string lists, and objects nested one level deep (as Veramo's type generation)"
            )
    output[primary] = fields
    return output


def eip712_types(document: dict[str, Any], primary: str = "VerifiableCredential") -> dict[str, list[dict[str, str]]]:
    """The EIP-712 types of ``document`` (which must carry its unsigned ``proof``), with ``EIP712Domain`` first."""
    types = _types(document, primary, "")
    if "Proof" not in types:
        raise CredentialError("the credential has no proof object to type; add the proof before generating the types")
    return {"EIP712Domain": list(_DOMAIN_TYPE), **types}


def signing_input(credential: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``(typed data, proofValue)``: what the proof's signature covers, as Veramo reads it."""
    proof = credential.get("proof")
    if not isinstance(proof, dict) or not proof.get("proofValue"):
        raise CredentialError("the credential has no proof.proofValue; sign it first")
    unsigned = {k: v for k, v in proof.items() if k not in ("proofValue", "eip712", "eip712Domain")}
    compat = {**(proof.get("eip712Domain") or {}), **(proof.get("eip712") or {})}
    types = compat.get("types") or compat.get("messageSchema")
    if not (types and compat.get("domain") and compat.get("primaryType")):
        raise CredentialError("proof.eip712 lacks domain, types or primaryType")
    message = {**{k: v for k, v in credential.items() if k != "proof"}, "proof": unsigned}
    return {"types": types, "primaryType": compat["primaryType"], "domain": compat["domain"], "message": message}, str(proof["proofValue"])


def _digest(data: dict[str, Any]) -> bytes:
    signable = encode_typed_data(full_message=data)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def credential_hash(credential: dict[str, Any]) -> bytes:
    """The EIP-712 hash the proof signs: the id CredentialRegistry revokes a credential by."""
    return _digest(signing_input(credential)[0])


def issue_credential(
    private_key: bytes,
    issuer: str,
    subject: dict[str, Any],
    *,
    chain_id: int,
    issued_at: int,
    types: tuple[str, ...] = ("VerifiableCredential",),
    valid_until: int | None = None,
    status_registry: Any = None,
    verification_method: str | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """A VC 2.0 credential from ``issuer`` (a did:ethr DID) about ``subject``, signed with ``private_key``.

    ``verification_method`` defaults to the issuer's ``#controller``; a
    delegate signs as its ``#delegate-N``. ``status_registry``: a
    CredentialRegistry where the issuer can revoke it.
    """
    credential: dict[str, Any] = {
        "@context": [VC_V2], "type": list(types), "issuer": issuer, "validFrom": iso_time(issued_at), "credentialSubject": dict(subject)
    }
    if credential_id is not None:
        credential["id"] = credential_id
    if valid_until is not None:
        credential["validUntil"] = iso_time(valid_until)
    if status_registry is not None:
        credential["credentialStatus"] = {"id": f"eip155:{chain_id}:{normalize_address(status_registry)}", "type": STATUS_TYPE}
    credential["proof"] = {
        "verificationMethod": verification_method or f"{issuer}#controller",
        "created": iso_time(issued_at),
        "proofPurpose": "assertionMethod",
        "type": PROOF_TYPE,
    }
    domain = {"chainId": chain_id, "name": "VerifiableCredential", "version": "1"}
    all_types = eip712_types(credential)
    data = {"types": all_types, "primaryType": "VerifiableCredential", "domain": domain, "message": credential}
    signature = EthAccount.sign_message(encode_typed_data(full_message=data), private_key).signature
    eip712 = {"domain": domain, "types": all_types, "primaryType": "VerifiableCredential"}
    credential["proof"] = {**credential["proof"], "proofValue": "0x" + bytes(signature).hex(), "eip712": eip712}
    return credential


@dataclass(frozen=True)
class CredentialCheck:
    """The outcome of :func:`verify_credential`; ``reason`` names the first failure (Veramo's error codes where it has one)."""

    verified: bool
    reason: str = ""
    signer: str | None = None


def _time(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


#: Seconds a credential may be dated ahead of the verifier's clock (did-jwt's default skew): issuers date by their own clock.
CLOCK_SKEW = 300


def verify_credential(
    credential: dict[str, Any], resolver: EthrResolver, *, now: int | None = None, sb: Sandbox | None = None, skew: int = CLOCK_SKEW
) -> CredentialCheck:
    """Check an EthereumEip712Signature2021 credential: signature, issuer's DID document, validity period, revocation.

    The validity period is judged by ``now``, else the chain's clock (the latest block), with ``skew``
    seconds of tolerance for a ``validFrom`` the issuer's clock set.
    """
    try:
        data, signature = signing_input(credential)
        signer = EthAccount.recover_message(encode_typed_data(full_message=data), signature=signature)
    except (CredentialError, ValueError, TypeError, KeyError) as exc:
        return CredentialCheck(False, f"invalid_signature: {exc}")
    if credential["proof"].get("type") != PROOF_TYPE:
        return CredentialCheck(False, f"unsupported proof type {credential['proof'].get('type')!r}", signer)
    issuer = credential.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    resolution = resolver.resolve(str(issuer).split("?")[0])
    if resolution.error is not None:
        return CredentialCheck(False, f"resolver_error: {resolution.error}", signer)
    if resolution.deactivated:
        return CredentialCheck(False, "issuer_deactivated", signer)
    asserting = set(resolution.document.get("assertionMethod", []))
    addresses = {
        m["blockchainAccountId"].rsplit(":", 1)[1].lower()
        for m in resolution.document.get("verificationMethod", [])
        if m["id"] in asserting and "blockchainAccountId" in m
    }
    if signer.lower() not in addresses:
        return CredentialCheck(False, "invalid_signature: the signer is not an assertion method of the issuer", signer)
    network = next(iter(resolver.networks.values()), None)
    chain = sb or (network.sandbox if network is not None else None)
    clock = now if now is not None else (chain.chain.timestamp if chain is not None else None)
    start = _time(credential.get("validFrom") or credential.get("issuanceDate"))
    end = _time(credential.get("validUntil") or credential.get("expirationDate"))
    if clock is not None and start is not None and clock + skew < start:
        return CredentialCheck(False, "not_yet_valid", signer)
    if clock is not None and end is not None and clock >= end:
        return CredentialCheck(False, "expired", signer)
    status = credential.get("credentialStatus")
    if isinstance(status, dict):
        if status.get("type") != STATUS_TYPE or chain is None:
            return CredentialCheck(False, f"unknown credentialStatus {status.get('type')!r}", signer)
        registry = chain.at("CredentialRegistry", str(status["id"]).split(":")[2])
        if int(registry.revoked(signer, _digest(data))) != 0:
            return CredentialCheck(False, "revoked", signer)
    return CredentialCheck(True, "", signer)
