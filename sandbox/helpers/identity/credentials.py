"""EIP-712 credentials checked by CredentialRegistry (the claim stays off chain, a salted hash is signed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_utils import keccak

from sandbox.chain.accounts import normalize_address

if TYPE_CHECKING:
    from sandbox.contracts.handles import Contract

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
