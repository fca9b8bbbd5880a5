"""did:ethr resolution (sandbox.helpers.identity) on the embedded chain, against the project's ERC-1056 IdentityRegistry.

The field-for-field comparison with the npm reference resolver is tests/helpers/test_did_reference.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Contract, Sandbox
from sandbox.helpers.identity import (
    DIDNotFoundError,
    EthrResolver,
    InvalidDIDError,
    RegistryEvent,
    RepresentationNotSupportedError,
    TimeRule,
    UnknownNetworkError,
    build_document,
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
    with pytest.raises(UnknownNetworkError, match="names network 0x1, but this chain is 0x7a69"):
        parse_did(f"did:ethr:0x1:{alice.address}", 31337)
    with pytest.raises(UnknownNetworkError, match="names network mainnet"):
        parse_did(f"did:ethr:{alice.address}", 31337)
    assert parse_did(f"did:ethr:sandbox:{alice.address}", 31337) == alice.address
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
    assert dead.deactivated and dead.document["verificationMethod"] == [] and dead.document["authentication"] == []
    # The identity owns itself again after owner 0x0 (ERC-1056), but setting it back does not revive the DID.
    registry.changeOwner(bob, bob, sender=bob)
    assert resolve(sb, registry, did).deactivated


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


def test_errors_are_typed_with_the_spec_names(sb: Sandbox, registry: Contract) -> None:
    bob = sb.accounts.bob
    resolver = EthrResolver.for_sandbox(sb, registry)
    cases = {
        "did:ethr:0x7a69:0x1234": "invalidDid",
        f"did:ethr:{bob.address}": "unknownNetwork",
        f"did:ethr:0x7a69:{bob.address}?versionId=99999999": "notFound",
        "did:web:example.com": "methodNotSupported",
    }
    for did, code in cases.items():
        result = resolver.resolve(did)
        assert result.error == code and result.did_document is None and result.did_document_metadata == {}, did
    assert resolver.resolve(did_for(bob, 31337), accept="text/html").error == "representationNotSupported"
    with pytest.raises(InvalidDIDError, match="invalidDid"):
        resolve(sb, registry, "did:ethr:0x7a69:0x1234")
    with pytest.raises(UnknownNetworkError, match="known: 0x7a69, sandbox"):
        resolve(sb, registry, f"did:ethr:0x1:{bob.address}")
    with pytest.raises(DIDNotFoundError, match="Block at height 99999999 not found"):
        resolve(sb, registry, f"did:ethr:0x7a69:{bob.address}?versionId=99999999")
    with pytest.raises(RepresentationNotSupportedError, match="text/html"):
        resolve(sb, registry, did_for(bob, 31337), accept="text/html")


def test_past_versions_and_iso_dates(sb: Sandbox, registry: Contract) -> None:
    carol, dave = sb.accounts.carol, sb.accounts.dave
    did = did_for(carol, sb.chain.chain_id)
    first = registry.setAttribute(carol, bytes32("did/pub/X25519/enc/base64"), b"k" * 32, 30 * DAY, sender=carol).block_number
    second = registry.addDelegate(carol, bytes32("sigAuth"), dave, 30 * DAY, sender=carol).block_number
    latest = resolve(sb, registry, did)
    assert latest.document["keyAgreement"] == [f"{did}#delegate-1"]  # enc keys agree keys, they do not assert
    assert f"{did}#delegate-1" not in latest.document["assertionMethod"]
    assert latest.document["@context"][2] == "https://w3id.org/security/v3-unstable"
    assert latest.metadata["versionId"] == str(second)
    assert latest.metadata["updated"].endswith("Z") and "T" in latest.metadata["updated"]
    past = resolve(sb, registry, f"{did}?versionId={first}")
    assert past.metadata["versionId"] == str(first) and past.metadata["nextVersionId"] == str(second)
    assert not past.can_authenticate(dave) and latest.can_authenticate(dave)


def test_public_key_dids_list_the_controller_key(sb: Sandbox, registry: Contract) -> None:
    from eth_keys import keys

    key = keys.PrivateKey(b"\x11" * 32)
    compressed = "0x" + key.public_key.to_compressed_bytes().hex()
    result = resolve(sb, registry, f"did:ethr:0x7a69:{compressed}")
    assert [m["id"].rsplit("#", 1)[1] for m in result.document["verificationMethod"]] == ["controller", "controllerKey"]
    assert result.document["verificationMethod"][1]["publicKeyHex"] == compressed[2:]
    assert result.can_authenticate(key.public_key.to_checksum_address())


def _delegate(valid_to: int) -> RegistryEvent:
    return RegistryEvent("DIDDelegateChanged", 5, delegate_type="sigAuth", delegate="0x" + "11" * 20, valid_to=valid_to)


def test_time_rules_differ_only_at_the_clock() -> None:
    did = "did:ethr:0x7a69:0x" + "22" * 20
    built = lambda rule, valid_to: build_document(did, "0x" + "22" * 20, None, [_delegate(valid_to)], 31337, None, 1000, rule)  # noqa: E731
    # validDelegate: validTo > block.timestamp; ethr-did-resolver: validTo >= now.
    assert len(built(TimeRule.CHAIN, 1000).document["verificationMethod"]) == 1
    assert len(built(TimeRule.WALL_CLOCK, 1000).document["verificationMethod"]) == 2
    assert len(built(TimeRule.CHAIN, 1001).document["verificationMethod"]) == 2
    assert len(built(TimeRule.WALL_CLOCK, 999).document["verificationMethod"]) == 1
