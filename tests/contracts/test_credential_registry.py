"""CredentialRegistry: approved issuers, EIP-712 credentials (signature,
expiry, revocation) and soulbound certificates, run through the ERC-721 suite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from contract_helpers import ZERO, interface_id, sign_typed
from erc721_behaviour import NonTransferableERC721Behaviour
from eth_utils import keccak

from sandbox import Contract, Sandbox
from sandbox.helpers.identity import CREDENTIAL_TYPES

VALID, BAD_SIGNATURE, ISSUER_NOT_APPROVED, REVOKED, EXPIRED = range(5)
ISSUER_ROLE = keccak(text="ISSUER_ROLE")
ADMIN_ROLE = b"\0" * 32
TYPES = CREDENTIAL_TYPES


@pytest.fixture(scope="module")
def registry(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    registry = sb.deploy("CredentialRegistry", alice, sender=alice)
    registry.grantRole(ISSUER_ROLE, sb.accounts.bob, sender=alice)  # bob: a university
    return registry


def credential(sb: Sandbox, issuer: Any, subject: Any, *, expires_at: int = 0, claim: str = "degree: BSc") -> dict[str, Any]:
    return {
        "issuer": str(issuer),
        "subject": str(subject),
        "claimHash": keccak(text=claim),
        "issuedAt": sb.w3.eth.get_block("latest")["timestamp"],
        "expiresAt": expires_at,
    }


def signature(sb: Sandbox, registry: Contract, signer: Any, cred: dict[str, Any]) -> bytes:
    domain = {"name": "SandboxCredentials", "version": "1", "chainId": sb.chain.chain_id, "verifyingContract": registry.address}
    return sign_typed(signer.private_key, domain, TYPES, cred)


def test_digest_matches_eip712_off_chain(sb: Sandbox, registry: Contract) -> None:
    from eth_account.messages import encode_typed_data

    cred = credential(sb, sb.accounts.bob, sb.accounts.carol)
    domain = {"name": "SandboxCredentials", "version": "1", "chainId": sb.chain.chain_id, "verifyingContract": registry.address}
    signable = encode_typed_data(domain_data=domain, message_types=TYPES, message_data=cred)
    expected = keccak(b"\x19\x01" + signable.header + signable.body)
    assert registry.credentialDigest(cred) == expected
    assert registry.CREDENTIAL_TYPEHASH() == keccak(
        text="Credential(address issuer,address subject,bytes32 claimHash,uint64 issuedAt,uint64 expiresAt)"
    )


def test_valid_credential(sb: Sandbox, registry: Contract) -> None:
    cred = credential(sb, sb.accounts.bob, sb.accounts.carol)
    assert registry.verifyCredential(cred, signature(sb, registry, sb.accounts.bob, cred)) == VALID


def test_signature_by_someone_else_or_tampered_is_bad(sb: Sandbox, registry: Contract) -> None:
    bob, carol, mallory = sb.accounts.bob, sb.accounts.carol, sb.accounts.judy
    cred = credential(sb, bob, carol)
    forged = signature(sb, registry, mallory, cred)
    assert registry.verifyCredential(cred, forged) == BAD_SIGNATURE
    good = signature(sb, registry, bob, cred)
    assert registry.verifyCredential(dict(cred, subject=str(mallory)), good) == BAD_SIGNATURE
    assert registry.verifyCredential(dict(cred, claimHash=keccak(text="degree: PhD")), good) == BAD_SIGNATURE
    assert registry.verifyCredential(cred, b"\x01" * 12) == BAD_SIGNATURE  # malformed
    # Signed for another registry (another EIP-712 domain): bad here.
    other = sb.deploy("CredentialRegistry", sb.accounts.alice, sender=sb.accounts.alice)
    assert registry.verifyCredential(cred, signature(sb, other, bob, cred)) == BAD_SIGNATURE


def test_issuer_must_be_approved_now(sb: Sandbox, registry: Contract) -> None:
    alice, bob, dave = sb.accounts.alice, sb.accounts.bob, sb.accounts.dave
    cred = credential(sb, dave, sb.accounts.carol)
    sig = signature(sb, registry, dave, cred)
    assert registry.verifyCredential(cred, sig) == ISSUER_NOT_APPROVED
    registry.grantRole(ISSUER_ROLE, dave, sender=alice).assert_event("RoleGranted", role=ISSUER_ROLE, account=dave, sender=alice)
    assert registry.verifyCredential(cred, sig) == VALID
    registry.revokeRole(ISSUER_ROLE, dave, sender=alice)
    assert registry.verifyCredential(cred, sig) == ISSUER_NOT_APPROVED
    with sb.reverts("AccessControlUnauthorizedAccount", account=bob, neededRole=ADMIN_ROLE):
        registry.grantRole(ISSUER_ROLE, bob, sender=bob)


def test_credential_expires(sb: Sandbox, registry: Contract) -> None:
    now = sb.w3.eth.get_block("latest")["timestamp"]
    cred = credential(sb, sb.accounts.bob, sb.accounts.carol, expires_at=now + 3600)
    sig = signature(sb, registry, sb.accounts.bob, cred)
    assert registry.verifyCredential(cred, sig) == VALID
    sb.time_travel(to=now + 3599)
    assert registry.verifyCredential(cred, sig) == VALID
    sb.time_travel(to=now + 3600)
    assert registry.verifyCredential(cred, sig) == EXPIRED


def test_issuer_revokes_and_block_is_recorded(sb: Sandbox, registry: Contract) -> None:
    bob, mallory = sb.accounts.bob, sb.accounts.judy
    cred = credential(sb, bob, sb.accounts.carol)
    sig = signature(sb, registry, bob, cred)
    digest = registry.credentialDigest(cred)
    # Someone else "revoking" only writes under their own name: no effect on bob's credential.
    registry.revokeCredential(digest, sender=mallory)
    assert registry.revoked(bob, digest) == 0 and registry.verifyCredential(cred, sig) == VALID
    receipt = registry.revokeCredential(digest, sender=bob)
    receipt.assert_event("CredentialRevoked", issuer=bob, digest=digest, blockNumber=receipt.block_number)
    assert registry.revoked(bob, digest) == receipt.block_number
    assert registry.verifyCredential(cred, sig) == REVOKED
    with sb.reverts("CredentialAlreadyRevoked", issuer=bob, digest=digest, blockNumber=receipt.block_number):
        registry.revokeCredential(digest, sender=bob)


def test_certificates_only_by_issuers(sb: Sandbox, registry: Contract) -> None:
    bob, carol, mallory = sb.accounts.bob, sb.accounts.carol, sb.accounts.judy
    with sb.reverts("AccessControlUnauthorizedAccount", account=mallory, neededRole=ISSUER_ROLE):
        registry.issueCertificate(mallory, "ipfs://fake", b"\0" * 32, sender=mallory)
    digest = keccak(text="some credential")
    receipt = registry.issueCertificate(carol, "ipfs://cert", digest, sender=bob)
    receipt.assert_event("Locked", tokenId=0)
    receipt.assert_event("CertificateIssued", tokenId=0, issuer=bob, holder=carol, credentialDigest=digest)
    assert registry.certificate(0) == (bob, digest)
    assert registry.locked(0) and registry.tokenURI(0) == "ipfs://cert" and registry.certificatesIssued() == 1
    assert registry.supportsInterface(interface_id("locked(uint256)"))
    with sb.reverts("ERC721NonexistentToken", tokenId=3):
        registry.certificate(3)


def test_only_the_issuer_revokes_a_certificate(sb: Sandbox, registry: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    registry.grantRole(ISSUER_ROLE, alice, sender=alice)
    registry.issueCertificate(carol, "ipfs://cert", b"\0" * 32, sender=bob)
    for stranger in (alice, carol):  # another issuer, the holder
        with sb.reverts("CredentialNotCertificateIssuer", account=stranger, tokenId=0):
            registry.revokeCertificate(0, sender=stranger)
    receipt = registry.revokeCertificate(0, sender=bob)
    receipt.assert_event("CertificateRevoked", tokenId=0, issuer=bob)
    receipt.assert_event("Transfer", to=ZERO, tokenId=0)
    assert registry.balanceOf(carol) == 0
    with sb.reverts("CredentialNotCertificateIssuer", account=bob, tokenId=0):
        registry.revokeCertificate(0, sender=bob)


class TestCertificatesBehaveLikeSoulboundERC721(NonTransferableERC721Behaviour):
    @pytest.fixture
    def token(self, registry: Contract) -> Contract:
        return registry

    @pytest.fixture
    def mint(self, sb: Sandbox, registry: Contract) -> Callable[[Any], int]:
        def mint(to: Any) -> int:
            receipt = registry.issueCertificate(to, "ipfs://cert", b"\0" * 32, sender=sb.accounts.bob)
            return int(receipt.events["Transfer"][0].args["tokenId"])

        return mint

    @pytest.fixture
    def transfer_error(self) -> tuple[str, Callable[[int], dict[str, Any]]]:
        return "CredentialCertificateSoulbound", lambda token_id: {"tokenId": token_id}
