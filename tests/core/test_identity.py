"""did:ethr resolution (sandbox/identity.py) against the project's ERC-1056 IdentityRegistry."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Contract, Sandbox
from sandbox.helpers.identity import (
    InvalidDIDError,
    bytes32,
    did_for,
    erc1056_digest,
    packed_address,
    parse_did,
    resolve,
    sign_digest,
)

REPO = Path(__file__).resolve().parents[2]
DAY = 86_400


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    return Sandbox(REPO)


@pytest.fixture(scope="module")
def registry(sb: Sandbox) -> Contract:
    return sb.deploy("IdentityRegistry", sender=sb.accounts.alice)



def test_did_format_and_parsing(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    did = did_for(alice, 31337)
    assert did == f"did:ethr:0x7a69:{alice.address}"
    assert parse_did(did, 31337) == alice.address
    assert parse_did(f"did:ethr:{alice.address.lower()}") == alice.address
    with pytest.raises(InvalidDIDError, match="is not a did:ethr identifier"):
        parse_did("did:web:example.com")
    with pytest.raises(InvalidDIDError, match="names network 0x1, but this chain is 0x7a69"):
        parse_did(f"did:ethr:0x1:{alice.address}", 31337)
    with pytest.raises(InvalidDIDError, match="longer than 32 bytes"):
        bytes32("x" * 33)


def test_a_fresh_identity_resolves_to_its_own_controller(sb: Sandbox, registry: Contract) -> None:
    bob = sb.accounts.bob
    result = resolve(sb, registry, did_for(bob, sb.chain.chain_id))
    doc = result.document
    assert doc["id"] == f"did:ethr:0x7a69:{bob.address}"
    assert doc["verificationMethod"] == [
        {
            "id": f"{doc['id']}#controller",
            "type": "EcdsaSecp256k1RecoveryMethod2020",
            "controller": doc["id"],
            "blockchainAccountId": f"eip155:31337:{bob.address}",
        }
    ]
    assert doc["authentication"] == [f"{doc['id']}#controller"]
    assert result.metadata == {} and not result.deactivated
    assert result.can_authenticate(bob) and not result.can_authenticate(sb.accounts.carol)


def test_delegates_attributes_and_services_follow_the_event_history(sb: Sandbox, registry: Contract) -> None:
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    did = did_for(bob, sb.chain.chain_id)
    registry.addDelegate(bob, bytes32("sigAuth"), carol, 10 * DAY, sender=bob)
    registry.addDelegate(bob, bytes32("veriKey"), dave, 2 * DAY, sender=bob)
    registry.setAttribute(bob, bytes32("did/svc/HubService"), b"https://hub.example/bob", 30 * DAY, sender=bob)
    last = registry.setAttribute(bob, bytes32("did/pub/Secp256k1/veriKey/hex"), bytes.fromhex("02" + "11" * 32), 30 * DAY, sender=bob)

    result = resolve(sb, registry, did)
    doc = result.document
    ids = [m["id"].split("#")[1] for m in doc["verificationMethod"]]
    assert ids == ["controller", "delegate-1", "delegate-2", "delegate-3"]
    assert doc["verificationMethod"][3]["publicKeyHex"] == "02" + "11" * 32
    assert result.can_authenticate(carol)  # sigAuth delegate
    assert not result.can_authenticate(dave)  # veriKey only asserts
    assert f"{did}#delegate-2" in doc["assertionMethod"]
    assert result.services() == [{"id": f"{did}#service-1", "type": "HubService", "serviceEndpoint": "https://hub.example/bob"}]
    assert result.metadata["versionId"] == str(last.block_number)

    # Delegate expiry: after 3 days dave's veriKey is gone, carol's sigAuth stays.
    sb.time_travel(seconds=3 * DAY)
    later = resolve(sb, registry, did)
    assert [m["id"].split("#")[1] for m in later.document["verificationMethod"]] == ["controller", "delegate-1", "delegate-3"]

    # Revocations remove entries.
    registry.revokeDelegate(bob, bytes32("sigAuth"), carol, sender=bob)
    registry.revokeAttribute(bob, bytes32("did/svc/HubService"), b"https://hub.example/bob", sender=bob)
    final = resolve(sb, registry, did)
    assert not final.can_authenticate(carol)
    assert final.services() == []


def test_key_rotation_and_deactivation(sb: Sandbox, registry: Contract) -> None:
    bob, erin = sb.accounts.bob, sb.accounts.erin
    did = did_for(bob, sb.chain.chain_id)
    registry.changeOwner(bob, erin, sender=bob)
    rotated = resolve(sb, registry, did)
    assert rotated.controller_address() == erin.address
    assert rotated.can_authenticate(erin) and not rotated.can_authenticate(bob)
    registry.changeOwner(bob, "0x0000000000000000000000000000000000000000", sender=erin)
    dead = resolve(sb, registry, did)
    assert dead.deactivated and "verificationMethod" not in dead.document


def test_signed_change_owner_uses_the_erc1056_digest(sb: Sandbox, registry: Contract) -> None:
    bob, frank, grace = sb.accounts.bob, sb.accounts.frank, sb.accounts.grace
    nonce = registry.nonce(bob)
    digest = erc1056_digest(registry, nonce, bob, "changeOwner", packed_address(frank))
    v, r, s = sign_digest(bob.private_key, digest)
    registry.changeOwnerSigned(bob, v, r, s, frank, sender=grace)  # anyone may relay
    assert registry.identityOwner(bob) == frank
    assert resolve(sb, registry, did_for(bob, sb.chain.chain_id)).controller_address() == frank.address
    # The same signature cannot be replayed: the nonce moved on.
    with sb.reverts("IdentityRegistryInvalidSignature"):
        registry.changeOwnerSigned(bob, v, r, s, frank, sender=grace)
