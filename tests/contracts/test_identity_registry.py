"""IdentityRegistry: ERC-1056 semantics, events with previousChange links, and
every ...Signed variant with ERC-1056's signature scheme, including replays."""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import ZERO
from eth_keys import keys
from eth_utils import keccak

from sandbox import Contract, Sandbox

VERI_KEY = b"veriKey".ljust(32, b"\0")
SIG_AUTH = b"sigAuth".ljust(32, b"\0")
SERVICE = b"did/svc/HubService".ljust(32, b"\0")
DAY = 86_400


@pytest.fixture(scope="module")
def registry(sb: Sandbox) -> Contract:
    return sb.deploy("IdentityRegistry", sender=sb.accounts.alice)


def _addr(value: Any) -> bytes:
    return bytes.fromhex(str(value)[2:])


def _u256(value: int) -> bytes:
    return value.to_bytes(32, "big")


def sign(registry: Contract, signer: Any, identity: Any, operation: str, *packed: bytes, nonce: int | None = None) -> tuple[int, bytes, bytes]:
    """ERC-1056: sign keccak256(0x19 0x00 registry nonce[owner] identity operation args...)."""
    if nonce is None:
        nonce = registry.nonce(registry.identityOwner(identity))
    digest = keccak(b"\x19\x00" + _addr(registry.address) + _u256(nonce) + _addr(identity) + operation.encode() + b"".join(packed))
    sig = keys.PrivateKey(signer.private_key).sign_msg_hash(digest)
    return sig.v + 27, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")


def test_identity_owns_itself_until_changed(sb: Sandbox, registry: Contract) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    assert registry.identityOwner(bob) == bob and registry.owners(bob) == ZERO
    receipt = registry.changeOwner(bob, carol, sender=bob)
    receipt.assert_event("DIDOwnerChanged", identity=bob, owner=carol, previousChange=0)
    assert registry.identityOwner(bob) == carol and registry.owners(bob) == carol
    assert registry.changed(bob) == receipt.block_number
    # The old key lost control; the new owner has it.
    with sb.reverts("IdentityRegistryUnauthorizedActor", identity=bob, actor=bob):
        registry.changeOwner(bob, bob, sender=bob)
    second = registry.changeOwner(bob, sb.accounts.dave, sender=carol)
    second.assert_event("DIDOwnerChanged", previousChange=receipt.block_number)


@pytest.mark.parametrize(
    "call",
    [
        lambda r, who, actor: r.changeOwner(who, actor, sender=actor),
        lambda r, who, actor: r.addDelegate(who, VERI_KEY, actor, DAY, sender=actor),
        lambda r, who, actor: r.revokeDelegate(who, VERI_KEY, actor, sender=actor),
        lambda r, who, actor: r.setAttribute(who, SERVICE, b"https://hub", DAY, sender=actor),
        lambda r, who, actor: r.revokeAttribute(who, SERVICE, b"https://hub", sender=actor),
    ],
    ids=["changeOwner", "addDelegate", "revokeDelegate", "setAttribute", "revokeAttribute"],
)
def test_only_the_owner_may_change_an_identity(sb: Sandbox, registry: Contract, call: Any) -> None:
    bob, mallory = sb.accounts.bob, sb.accounts.judy
    with sb.reverts("IdentityRegistryUnauthorizedActor", identity=bob, actor=mallory):
        call(registry, bob, mallory)
    assert registry.changed(bob) == 0


def test_delegates_expire_and_can_be_revoked(sb: Sandbox, registry: Contract) -> None:
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    receipt = registry.addDelegate(bob, VERI_KEY, carol, DAY, sender=bob)
    now = sb.w3.eth.get_block(receipt.block_number)["timestamp"]
    receipt.assert_event("DIDDelegateChanged", identity=bob, delegateType=VERI_KEY, delegate=carol, validTo=now + DAY, previousChange=0)
    assert registry.validDelegate(bob, VERI_KEY, carol)
    assert not registry.validDelegate(bob, SIG_AUTH, carol)  # types are separate
    assert registry.delegates(bob, keccak(VERI_KEY), carol) == now + DAY
    # A delegate cannot act as the owner.
    with sb.reverts("IdentityRegistryUnauthorizedActor", identity=bob, actor=carol):
        registry.addDelegate(bob, VERI_KEY, dave, DAY, sender=carol)
    sb.time_travel(to=now + DAY - 5)
    assert registry.validDelegate(bob, VERI_KEY, carol)
    sb.time_travel(to=now + DAY)
    assert not registry.validDelegate(bob, VERI_KEY, carol)  # expired

    registry.addDelegate(bob, SIG_AUTH, dave, DAY, sender=bob)
    revoke = registry.revokeDelegate(bob, SIG_AUTH, dave, sender=bob)
    revoked_at = sb.w3.eth.get_block(revoke.block_number)["timestamp"]
    revoke.assert_event("DIDDelegateChanged", delegate=dave, validTo=revoked_at)
    assert not registry.validDelegate(bob, SIG_AUTH, dave)


def test_attributes_are_events_linked_by_previous_change(sb: Sandbox, registry: Contract) -> None:
    bob = sb.accounts.bob
    blocks = []
    first = registry.setAttribute(bob, SERVICE, b"https://hub.example", DAY, sender=bob)
    now = sb.w3.eth.get_block(first.block_number)["timestamp"]
    # assert_event's own `name` parameter shadows the event's `name` argument (see the report).
    event = first.assert_event("DIDAttributeChanged", identity=bob, value=b"https://hub.example", validTo=now + DAY, previousChange=0)
    assert event.args["name"] == SERVICE
    blocks.append(first.block_number)
    second = registry.addDelegate(bob, VERI_KEY, sb.accounts.carol, DAY, sender=bob)
    second.assert_event("DIDDelegateChanged", previousChange=blocks[-1])
    blocks.append(second.block_number)
    third = registry.revokeAttribute(bob, SERVICE, b"https://hub.example", sender=bob)
    assert third.assert_event("DIDAttributeChanged", validTo=0, previousChange=blocks[-1]).args["name"] == SERVICE
    blocks.append(third.block_number)
    assert registry.changed(bob) == blocks[-1]
    # Walk the linked list back from changed(), as a did:ethr resolver does.
    walked, block = [], registry.changed(bob)
    while block:
        walked.append(block)
        (event,) = [e for e in sb.get_events(registry, from_block=block, to_block=block) if e.args["identity"] == bob]
        block = event.args["previousChange"]
    assert walked == blocks[::-1]


def test_change_owner_signed_by_owner_submitted_by_relayer(sb: Sandbox, registry: Contract) -> None:
    bob, carol, relayer = sb.accounts.bob, sb.accounts.carol, sb.accounts.ivan
    v, r, s = sign(registry, bob, bob, "changeOwner", _addr(carol))
    receipt = registry.changeOwnerSigned(bob, v, r, s, carol, sender=relayer)
    receipt.assert_event("DIDOwnerChanged", identity=bob, owner=carol)
    assert registry.identityOwner(bob) == carol and registry.nonce(bob) == 1
    # The same signature again is a replay: the nonce moved on (and bob is no longer owner).
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob):
        registry.changeOwnerSigned(bob, v, r, s, carol, sender=relayer)
    # The new owner signs with its own nonce.
    v, r, s = sign(registry, carol, bob, "changeOwner", _addr(bob))
    registry.changeOwnerSigned(bob, v, r, s, bob, sender=relayer)
    assert registry.identityOwner(bob) == bob and registry.nonce(carol) == 1


def test_signed_replay_after_owner_returns_is_refused(sb: Sandbox, registry: Contract) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    v, r, s = sign(registry, bob, bob, "setAttribute", SERVICE, b"x", _u256(DAY))
    registry.setAttributeSigned(bob, v, r, s, SERVICE, b"x", DAY, sender=carol)
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob):
        registry.setAttributeSigned(bob, v, r, s, SERVICE, b"x", DAY, sender=carol)
    assert registry.nonce(bob) == 1


@pytest.mark.parametrize("operation", ["addDelegate", "revokeDelegate", "setAttribute", "revokeAttribute"])
def test_every_signed_variant(sb: Sandbox, registry: Contract, operation: str) -> None:
    bob, carol, relayer, mallory = sb.accounts.bob, sb.accounts.carol, sb.accounts.ivan, sb.accounts.judy
    args: dict[str, tuple[tuple[Any, ...], tuple[bytes, ...]]] = {
        "addDelegate": ((VERI_KEY, carol, DAY), (VERI_KEY, _addr(carol), _u256(DAY))),
        "revokeDelegate": ((VERI_KEY, carol), (VERI_KEY, _addr(carol))),
        "setAttribute": ((SERVICE, b"https://hub", DAY), (SERVICE, b"https://hub", _u256(DAY))),
        "revokeAttribute": ((SERVICE, b"https://hub"), (SERVICE, b"https://hub")),
    }
    call_args, packed = args[operation]
    signed = getattr(registry, operation + "Signed")
    # Signed by someone who is not the owner: refused, naming who signed.
    v, r, s = sign(registry, mallory, bob, operation, *packed)
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob, signer=mallory):
        signed(bob, v, r, s, *call_args, sender=relayer)
    # Signed for another operation: recovers to someone else.
    other = "setAttribute" if operation != "setAttribute" else "addDelegate"
    v, r, s = sign(registry, bob, bob, other, *packed)
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob):
        signed(bob, v, r, s, *call_args, sender=relayer)
    # Signed for another registry: refused.
    elsewhere = sb.deploy("IdentityRegistry", sender=sb.accounts.alice)
    v, r, s = sign(elsewhere, bob, bob, operation, *packed, nonce=0)
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob):
        signed(bob, v, r, s, *call_args, sender=relayer)
    # The owner's signature works once, whoever submits it.
    v, r, s = sign(registry, bob, bob, operation, *packed)
    receipt = signed(bob, v, r, s, *call_args, sender=relayer)
    event = "DIDDelegateChanged" if "Delegate" in operation else "DIDAttributeChanged"
    receipt.assert_event(event, identity=bob)
    assert registry.nonce(bob) == 1 and registry.changed(bob) == receipt.block_number
    if operation == "addDelegate":
        assert registry.validDelegate(bob, VERI_KEY, carol)
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob):
        signed(bob, v, r, s, *call_args, sender=relayer)


def test_garbage_signature_is_refused(sb: Sandbox, registry: Contract) -> None:
    bob = sb.accounts.bob
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob, signer=ZERO):  # v out of range
        registry.changeOwnerSigned(bob, 29, b"\x01" * 32, b"\x02" * 32, bob, sender=bob)
    with sb.reverts("IdentityRegistryInvalidSignature", identity=bob) as caught:  # recovers to a stranger
        registry.changeOwnerSigned(bob, 27, b"\x01" * 32, b"\x02" * 32, bob, sender=bob)
    assert caught.error is not None and caught.error.revert_args["signer"] not in (bob, ZERO)
    assert registry.identityOwner(bob) == bob
