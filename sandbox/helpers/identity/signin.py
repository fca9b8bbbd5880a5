"""Sign-in with a DID: a challenge signed by the DID's controller or a ``sigAuth`` delegate.

The platform sends a challenge naming itself, the DID and a one-time nonce;
the holder signs it (EIP-191 ``personal_sign``) with any key the DID
document lists under ``authentication``: the controller (``#controller``),
a valid ``sigAuth`` delegate (``#delegate-N``), or the public key of a
public-key DID (``#controllerKey``). The platform resolves the DID (the
chain's clock decides whether a delegate is still valid), recovers the
signer and finds it among those keys. Used by the gallery's sign-in page
and by ``scripts/digital_identity.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct
from eth_keys import keys

from sandbox.helpers.identity.resolver import EthrResolver, ResolutionResult, iso_time
from sandbox.helpers.identity.vc import CredentialCheck, verify_credential


def challenge(did: str, *, domain: str, issued_at: int, nonce: str | None = None) -> str:
    """The text a holder signs to sign in to ``domain`` as ``did``."""
    return (
        f"{domain} wants you to sign in with your DID:\n{did}\n\n"
        f"Nonce: {nonce or secrets.token_hex(8)}\nIssued At: {iso_time(issued_at)}"
    )


def sign_challenge(private_key: bytes, message: str) -> str:
    """The holder's side: ``personal_sign`` of ``message``, as a 0x hex signature."""
    return "0x" + bytes(EthAccount.sign_message(encode_defunct(text=message), private_key).signature).hex()


@dataclass(frozen=True)
class SignIn:
    """The outcome of :func:`verify_sign_in`: who signed, with which verification method, or why not."""

    ok: bool
    did: str
    reason: str = ""
    signer: str | None = None
    method: str | None = None
    resolution: ResolutionResult | None = field(default=None, compare=False)


def _method_address(method: dict[str, Any]) -> str | None:
    if "blockchainAccountId" in method:
        return str(method["blockchainAccountId"]).rsplit(":", 1)[1].lower()
    if method.get("type") == "EcdsaSecp256k1VerificationKey2019" and "publicKeyHex" in method:
        try:
            return str(keys.PublicKey.from_compressed_bytes(bytes.fromhex(method["publicKeyHex"])).to_checksum_address()).lower()
        except ValueError:
            return None
    return None


def verify_sign_in(resolver: EthrResolver, did: str, message: str, signature: str) -> SignIn:
    """Check a signed challenge against the DID's resolved ``authentication`` keys."""
    if did not in message:
        return SignIn(False, did, "the challenge does not name this DID")
    try:
        signer = EthAccount.recover_message(encode_defunct(text=message), signature=signature)
    except (ValueError, TypeError) as exc:
        return SignIn(False, did, f"the signature cannot be read ({exc})")
    resolution = resolver.resolve(did)
    if resolution.error is not None:
        return SignIn(False, did, f"the DID cannot be resolved: {resolution.error}", signer, resolution=resolution)
    if resolution.deactivated:
        return SignIn(False, did, "the DID is deactivated", signer, resolution=resolution)
    allowed = set(resolution.document.get("authentication", []))
    for method in resolution.document.get("verificationMethod", []):
        if method["id"] in allowed and _method_address(method) == signer.lower():
            return SignIn(True, did, "", signer, method["id"], resolution)
    return SignIn(False, did, f"{signer} is not an authentication key of {did} (not its controller, nor a valid sigAuth delegate)",
                  signer, resolution=resolution)


def credentials_of(did: str, credentials: list[dict[str, Any]], resolver: EthrResolver) -> list[tuple[dict[str, Any], CredentialCheck]]:
    """The credentials whose subject is ``did``, each with its verification (signature, issuer, validity, revocation)."""
    mine = [c for c in credentials if isinstance(c.get("credentialSubject"), dict) and c["credentialSubject"].get("id") == did]
    return [(c, verify_credential(c, resolver)) for c in mine]
