"""Credentials others can verify: the sandbox and Veramo (@veramo/credential-eip712) on one anvil.

The sandbox issues W3C VC 2.0 credentials with EthereumEip712Signature2021
proofs; Veramo verifies them (resolving the issuer with ethr-did-resolver on
the same chain, checking revocation in CredentialRegistry). Veramo issues
credentials; the sandbox verifies them. Tampering, delegates and on-chain
revocation are judged the same on both sides.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import Contract, Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.helpers.identity import EthrResolver, bytes32, did_for
from sandbox.helpers.identity.vc import credential_hash, issue_credential, verify_credential
from tests.helpers.conftest import veramo

DAY = 86_400


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    """Anvil with its clock at the wall clock: Veramo dates credentials by the computer's clock."""
    with Anvil() as node:
        yield node


@pytest.fixture(scope="module")
def setup(anvil: Anvil, anvil_sb: Sandbox, anvil_registry: Contract) -> dict[str, Any]:
    sb = anvil_sb
    bob, dave = sb.accounts.bob, sb.accounts.dave
    credentials = sb.deploy("CredentialRegistry", sb.accounts.alice, sender=sb.accounts.alice)
    anvil_registry.addDelegate(bob, bytes32("veriKey"), dave, 30 * DAY, sender=bob)
    now = sb.chain.timestamp
    bob_did, carol_did = did_for(bob, sb.chain.chain_id), did_for(sb.accounts.carol, sb.chain.chain_id)
    subject = {"id": carol_did, "claim": "real-name verified"}

    def ours(**kw: Any) -> dict[str, Any]:
        return issue_credential(
            kw.pop("key", bob.private_key), bob_did, subject, chain_id=sb.chain.chain_id, issued_at=now,
            types=("VerifiableCredential", "RealNameCredential"), status_registry=credentials.address, **kw,
        )

    plain = ours(valid_until=now + 365 * DAY)
    by_delegate = ours(key=dave.private_key, verification_method=f"{bob_did}#delegate-1")
    to_revoke = ours(credential_id="urn:uuid:to-revoke")
    tampered = copy.deepcopy(plain)
    tampered["credentialSubject"]["claim"] = "over 18"
    expired = ours(valid_until=now - 1)
    by_stranger = ours(key=sb.accounts.erin.private_key)
    credentials.revokeCredential(credential_hash(to_revoke), sender=bob)
    sandbox_issued = {"plain": plain, "by_delegate": by_delegate, "revoked": to_revoke, "tampered": tampered, "by_stranger": by_stranger}
    config = {
        "rpcUrl": anvil.url, "identityRegistry": anvil_registry.address, "chainId": sb.chain.chain_id,
        "issue": [{"privateKey": "0x" + bob.private_key.hex(), "did": bob_did, "credential": {
            "issuer": bob_did, "type": ["VerifiableCredential", "RealNameCredential"], "credentialSubject": subject}}],
        "verify": list(sandbox_issued.values()),
    }
    answer = veramo(config)
    return {"sb": sb, "resolver": EthrResolver.for_sandbox(sb, anvil_registry), "ours": sandbox_issued, "expired": expired,
            "veramo": dict(zip(sandbox_issued, answer["verified"], strict=True)), "veramo_issued": answer["issued"][0]}


def test_veramo_verifies_what_the_sandbox_issued(setup: dict[str, Any]) -> None:
    assert setup["veramo"]["plain"] == {"verified": True, "error": None}
    assert setup["veramo"]["by_delegate"]["verified"] is True  # a veriKey delegate asserts for the DID


def test_veramo_rejects_what_it_should(setup: dict[str, Any]) -> None:
    assert setup["veramo"]["revoked"] == {"verified": False, "error": "revoked"}  # revoked on chain, read by Veramo
    assert setup["veramo"]["tampered"] == {"verified": False, "error": "invalid_signature"}
    assert setup["veramo"]["by_stranger"] == {"verified": False, "error": "invalid_signature"}


def test_the_sandbox_verifies_what_veramo_issued(setup: dict[str, Any]) -> None:
    issued = setup["veramo_issued"]
    assert issued["proof"]["type"] == "EthereumEip712Signature2021"
    check = verify_credential(issued, setup["resolver"])
    assert check.verified, check.reason
    assert check.signer == setup["sb"].accounts.bob.address
    forged = copy.deepcopy(issued)
    forged["credentialSubject"]["claim"] = "over 18"
    assert not verify_credential(forged, setup["resolver"]).verified


def test_both_sides_agree_on_the_sandbox_credentials(setup: dict[str, Any]) -> None:
    for name, credential in setup["ours"].items():
        ours = verify_credential(credential, setup["resolver"])
        assert ours.verified == setup["veramo"][name]["verified"], (name, ours.reason, setup["veramo"][name])
    assert verify_credential(setup["ours"]["revoked"], setup["resolver"]).reason == "revoked"
    assert verify_credential(setup["expired"], setup["resolver"]).reason == "expired"


def test_the_credential_is_vc_2_0(setup: dict[str, Any]) -> None:
    vc = setup["ours"]["plain"]
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert {"validFrom", "validUntil", "credentialSubject", "credentialStatus", "issuer"} <= set(vc)
    assert vc["proof"]["eip712"]["domain"] == {"chainId": 31337, "name": "VerifiableCredential", "version": "1"}
