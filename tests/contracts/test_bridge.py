"""Bridge: an NFT crosses from chain A (31337) to chain B (1337) and back,
on two real embedded chains, with the relayer signing EIP-712 messages.
Replays, wrong-chain messages, forged signatures and strangers are refused;
the wrapped tokens run through the ERC-721 suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_helpers import ZERO
from erc721_behaviour import ERC721Behaviour
from eth_utils import keccak

from sandbox import Contract, Sandbox
from sandbox.helpers.bridge import sign_message

REPO = Path(__file__).resolve().parents[2]
CHAIN_A, CHAIN_B = 31337, 1337


@pytest.fixture(scope="module")
def sb_b() -> Sandbox:
    """Chain B: a second embedded chain with its own chain id."""
    return Sandbox(REPO, chain_id=CHAIN_B)


@pytest.fixture(autouse=True)
def _isolate_b(request: pytest.FixtureRequest) -> Iterator[None]:
    if "sb_b" not in request.fixturenames:
        yield
        return
    chain_b: Sandbox = request.getfixturevalue("sb_b")
    with chain_b.isolate():
        yield


@pytest.fixture(scope="module")
def bridge_a(sb: Sandbox) -> Contract:
    return sb.deploy("Bridge", sb.accounts.alice, sb.accounts.ivan, sender=sb.accounts.alice)


@pytest.fixture(scope="module")
def bridge_b(sb_b: Sandbox) -> Contract:
    return sb_b.deploy("Bridge", sb_b.accounts.alice, sb_b.accounts.ivan, sender=sb_b.accounts.alice)


@pytest.fixture(scope="module")
def wrapped(sb_b: Sandbox, bridge_b: Contract) -> Contract:
    return sb_b.at("BridgedNFT", bridge_b.wrapped())


@pytest.fixture(scope="module")
def nft(sb: Sandbox, bridge_a: Contract) -> Contract:
    """SandboxNFT on chain A; bob holds token 0 and approved the bridge."""
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Origin", "ORG", alice, sender=alice)
    nft.mint(bob, "ipfs://0", sender=alice)
    nft.setApprovalForAll(bridge_a, True, sender=bob)
    return nft


def message(source: int, destination: int, nonce: int, token: Any, token_id: int, recipient: Any) -> dict[str, Any]:
    return {
        "sourceChainId": source,
        "destinationChainId": destination,
        "nonce": nonce,
        "token": str(token),
        "tokenId": token_id,
        "recipient": str(recipient),
    }


def relayer_sign(signer: Any, kind: str, msg: dict[str, Any], *, chain_id: int, bridge: Contract) -> bytes:
    return sign_message(signer.private_key, kind, msg, chain_id=chain_id, bridge=bridge)


def relay_lock(sb: Sandbox, sb_b: Sandbox, bridge_b: Contract, lock_receipt: Any) -> tuple[dict[str, Any], bytes]:
    """What the relayer does: read TokenLocked on A, sign a Mint for B."""
    event = lock_receipt.events["TokenLocked"][0].args
    msg = message(CHAIN_A, event["destinationChainId"], event["nonce"], event["token"], event["tokenId"], event["recipient"])
    return msg, relayer_sign(sb.accounts.ivan, "Mint", msg, chain_id=CHAIN_B, bridge=bridge_b)


def test_round_trip(sb: Sandbox, sb_b: Sandbox, bridge_a: Contract, bridge_b: Contract, wrapped: Contract, nft: Contract) -> None:
    bob, carol, dave, anyone = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave, sb.accounts.judy
    # 1. Lock on A.
    lock = bridge_a.lock(nft, 0, CHAIN_B, carol, sender=bob)
    lock.assert_event("TokenLocked", nonce=0, token=nft, tokenId=0, destinationChainId=CHAIN_B, recipient=carol)
    lock.assert_event("Transfer", **{"from": bob, "to": bridge_a, "tokenId": 0})
    assert nft.ownerOf(0) == bridge_a and bridge_a.lockedTo(nft, 0) == CHAIN_B
    # 2. The relayer's signed message mints the wrapped token on B; anyone may submit it.
    msg, signature = relay_lock(sb, sb_b, bridge_b, lock)
    minted = bridge_b.mintWrapped(msg, signature, sender=anyone)
    wrapped_id = int.from_bytes(keccak(CHAIN_A.to_bytes(32, "big") + bytes(12) + bytes.fromhex(nft.address[2:]) + bytes(32)), "big")
    minted.assert_event("WrappedMinted", wrappedId=wrapped_id, sourceChainId=CHAIN_A, nonce=0, recipient=carol)
    assert wrapped.ownerOf(wrapped_id) == carol
    assert wrapped.origin(wrapped_id) == (CHAIN_A, nft.address, 0)
    assert wrapped.wrappedIdOf(CHAIN_A, nft, 0) == wrapped_id
    assert bridge_b.processed(bridge_b.messageDigest(bridge_b.MINT_TYPEHASH(), msg))
    # 3. Carol burns on B to send the original to dave on A.
    burn = bridge_b.burnWrapped(wrapped_id, dave, sender=carol)
    burn.assert_event("WrappedBurned", nonce=0, wrappedId=wrapped_id, sourceChainId=CHAIN_A, token=nft, tokenId=0, recipient=dave)
    assert wrapped.balanceOf(carol) == 0
    # 4. The relayer signs a Release for A; the original goes to dave.
    event = burn.events["WrappedBurned"][0].args
    release = message(CHAIN_B, event["sourceChainId"], event["nonce"], event["token"], event["tokenId"], event["recipient"])
    sig = relayer_sign(sb.accounts.ivan, "Release", release, chain_id=CHAIN_A, bridge=bridge_a)
    bridge_a.release(release, sig, sender=anyone).assert_event("TokenReleased", token=nft, tokenId=0, recipient=dave)
    assert nft.ownerOf(0) == dave and bridge_a.lockedTo(nft, 0) == 0
    assert (bridge_a.nextNonce(), bridge_b.nextNonce()) == (1, 1)


def test_bridge_refuses_tokens_sent_without_lock(sb: Sandbox, bridge_a: Contract, nft: Contract) -> None:
    """A token safe-transferred to the bridge by mistake would be stuck unlocked: it is refused."""
    bob = sb.accounts.bob
    with sb.reverts("ERC721InvalidReceiver", receiver=bridge_a):
        nft.safeTransferFrom(bob, bridge_a, 0, sender=bob)
    assert nft.ownerOf(0) == bob


def test_replayed_mint_is_refused(sb: Sandbox, sb_b: Sandbox, bridge_a: Contract, bridge_b: Contract, nft: Contract) -> None:
    lock = bridge_a.lock(nft, 0, CHAIN_B, sb.accounts.carol, sender=sb.accounts.bob)
    msg, signature = relay_lock(sb, sb_b, bridge_b, lock)
    bridge_b.mintWrapped(msg, signature, sender=sb.accounts.judy)
    digest = bridge_b.messageDigest(bridge_b.MINT_TYPEHASH(), msg)
    with sb_b.reverts("BridgeMessageAlreadyProcessed", digest=digest):
        bridge_b.mintWrapped(msg, signature, sender=sb.accounts.judy)


def test_replayed_release_is_refused(sb: Sandbox, sb_b: Sandbox, bridge_a: Contract, bridge_b: Contract, wrapped: Contract, nft: Contract) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    lock = bridge_a.lock(nft, 0, CHAIN_B, carol, sender=bob)
    bridge_b.mintWrapped(*relay_lock(sb, sb_b, bridge_b, lock), sender=carol)
    wrapped_id = wrapped.wrappedIdOf(CHAIN_A, nft, 0)
    bridge_b.burnWrapped(wrapped_id, carol, sender=carol)
    release = message(CHAIN_B, CHAIN_A, 0, nft, 0, carol)
    sig = relayer_sign(sb.accounts.ivan, "Release", release, chain_id=CHAIN_A, bridge=bridge_a)
    bridge_a.release(release, sig, sender=carol)
    # Carol locks again (nonce 1); the old release must not free the newly locked token.
    nft.setApprovalForAll(bridge_a, True, sender=carol)
    bridge_a.lock(nft, 0, CHAIN_B, carol, sender=carol)
    digest = bridge_a.messageDigest(bridge_a.RELEASE_TYPEHASH(), release)
    with sb.reverts("BridgeMessageAlreadyProcessed", digest=digest):
        bridge_a.release(release, sig, sender=carol)
    assert nft.ownerOf(0) == bridge_a


def test_wrong_chain_messages_revert(sb: Sandbox, sb_b: Sandbox, bridge_a: Contract, bridge_b: Contract, nft: Contract) -> None:
    lock = bridge_a.lock(nft, 0, CHAIN_B, sb.accounts.carol, sender=sb.accounts.bob)
    msg, signature = relay_lock(sb, sb_b, bridge_b, lock)
    # The mint message for B submitted on A.
    with sb.reverts("BridgeWrongChain", destinationChainId=CHAIN_B, currentChainId=CHAIN_A):
        bridge_a.mintWrapped(msg, signature, sender=sb.accounts.judy)
    # A message rewritten to claim chain A: the chain check passes, the signature does not.
    forged = dict(msg, destinationChainId=CHAIN_A)
    with sb.reverts("BridgeInvalidSignature"):
        bridge_a.mintWrapped(forged, signature, sender=sb.accounts.judy)
    # Signed for chain B's domain but with another bridge address: refused.
    other = sb_b.deploy("Bridge", sb_b.accounts.alice, sb_b.accounts.ivan, sender=sb_b.accounts.alice)
    with sb_b.reverts("BridgeInvalidSignature"):
        other.mintWrapped(msg, signature, sender=sb.accounts.judy)


def test_release_signature_cannot_mint_and_vice_versa(sb: Sandbox, sb_b: Sandbox, bridge_b: Contract, nft: Contract) -> None:
    msg = message(CHAIN_A, CHAIN_B, 0, nft, 0, sb.accounts.carol)
    release_sig = relayer_sign(sb.accounts.ivan, "Release", msg, chain_id=CHAIN_B, bridge=bridge_b)
    with sb_b.reverts("BridgeInvalidSignature"):
        bridge_b.mintWrapped(msg, release_sig, sender=sb.accounts.carol)


def test_only_relayers_sign(sb: Sandbox, sb_b: Sandbox, bridge_a: Contract, bridge_b: Contract, nft: Contract) -> None:
    mallory, alice = sb.accounts.judy, sb_b.accounts.alice
    msg = message(CHAIN_A, CHAIN_B, 0, nft, 0, mallory)
    forged = relayer_sign(mallory, "Mint", msg, chain_id=CHAIN_B, bridge=bridge_b)
    with sb_b.reverts("BridgeInvalidSignature", signer=mallory):
        bridge_b.mintWrapped(msg, forged, sender=mallory)
    with sb_b.reverts("BridgeInvalidSignature", signer=ZERO):
        bridge_b.mintWrapped(msg, b"\x00" * 65, sender=mallory)
    relayer_role = keccak(text="RELAYER_ROLE")
    with sb_b.reverts("AccessControlUnauthorizedAccount", account=mallory):
        bridge_b.grantRole(relayer_role, mallory, sender=mallory)
    # The admin rotates the relayer: the old one's signatures stop working.
    bridge_b.revokeRole(relayer_role, sb_b.accounts.ivan, sender=alice)
    good = relayer_sign(sb.accounts.ivan, "Mint", msg, chain_id=CHAIN_B, bridge=bridge_b)
    with sb_b.reverts("BridgeInvalidSignature", signer=sb.accounts.ivan):
        bridge_b.mintWrapped(msg, good, sender=mallory)


def test_lock_rules(sb: Sandbox, bridge_a: Contract, nft: Contract) -> None:
    bob, mallory = sb.accounts.bob, sb.accounts.judy
    with sb.reverts("BridgeUnauthorizedLocker", account=mallory, token=nft, tokenId=0):
        bridge_a.lock(nft, 0, CHAIN_B, mallory, sender=mallory)
    with sb.reverts("BridgeInvalidDestination", chainId=CHAIN_A):
        bridge_a.lock(nft, 0, CHAIN_A, bob, sender=bob)
    with sb.reverts("BridgeInvalidRecipient", recipient=ZERO):
        bridge_a.lock(nft, 0, CHAIN_B, ZERO, sender=bob)
    with sb.reverts("ERC721NonexistentToken", tokenId=9):
        bridge_a.lock(nft, 9, CHAIN_B, bob, sender=bob)
    nft.setApprovalForAll(bridge_a, False, sender=bob)
    with sb.reverts("ERC721InsufficientApproval", operator=bridge_a, tokenId=0):
        bridge_a.lock(nft, 0, CHAIN_B, bob, sender=bob)
    assert nft.ownerOf(0) == bob


def test_release_needs_a_locked_token(sb: Sandbox, bridge_a: Contract, nft: Contract) -> None:
    release = message(CHAIN_B, CHAIN_A, 0, nft, 0, sb.accounts.judy)
    sig = relayer_sign(sb.accounts.ivan, "Release", release, chain_id=CHAIN_A, bridge=bridge_a)
    with sb.reverts("BridgeTokenNotLocked", token=nft, tokenId=0, chainId=CHAIN_B):
        bridge_a.release(release, sig, sender=sb.accounts.judy)


def test_burn_rules_and_the_wrapped_collection_is_bridge_only(sb_b: Sandbox, bridge_b: Contract, wrapped: Contract, nft: Contract) -> None:
    carol, mallory = sb_b.accounts.carol, sb_b.accounts.judy
    msg = message(CHAIN_A, CHAIN_B, 0, nft, 0, carol)
    bridge_b.mintWrapped(msg, relayer_sign(sb_b.accounts.ivan, "Mint", msg, chain_id=CHAIN_B, bridge=bridge_b), sender=carol)
    wrapped_id = wrapped.wrappedIdOf(CHAIN_A, nft, 0)
    with sb_b.reverts("ERC721InsufficientApproval", operator=mallory, tokenId=wrapped_id):
        bridge_b.burnWrapped(wrapped_id, mallory, sender=mallory)
    with sb_b.reverts("BridgeInvalidRecipient", recipient=ZERO):
        bridge_b.burnWrapped(wrapped_id, ZERO, sender=carol)
    with sb_b.reverts("ERC721NonexistentToken", tokenId=5):
        bridge_b.burnWrapped(5, carol, sender=carol)
    with sb_b.reverts("BridgedNFTUnauthorized", account=mallory):
        wrapped.mint(mallory, (CHAIN_A, nft.address, 1), sender=mallory)
    with sb_b.reverts("BridgedNFTUnauthorized", account=mallory):
        wrapped.burn(mallory, wrapped_id, sender=mallory)
    # An approved operator may burn on the holder's behalf.
    wrapped.approve(mallory, wrapped_id, sender=carol)
    bridge_b.burnWrapped(wrapped_id, carol, sender=mallory).assert_event("WrappedBurned", recipient=carol)


class TestBridgedTokensBehaveLikeERC721(ERC721Behaviour):
    @pytest.fixture
    def sb(self, sb_b: Sandbox) -> Sandbox:  # the suite runs on chain B
        return sb_b

    @pytest.fixture
    def token(self, wrapped: Contract) -> Contract:
        return wrapped

    @pytest.fixture
    def mint(self, sb_b: Sandbox, bridge_b: Contract) -> Callable[[Any], int]:
        nonces = iter(range(1_000))
        origin = "0x" + "ab" * 20  # a collection on chain A

        def mint(to: Any) -> int:
            nonce = next(nonces)
            msg = message(CHAIN_A, CHAIN_B, nonce, origin, nonce, to)
            sig = relayer_sign(sb_b.accounts.ivan, "Mint", msg, chain_id=CHAIN_B, bridge=bridge_b)
            receipt = bridge_b.mintWrapped(msg, sig, sender=sb_b.accounts.ivan)
            return int(receipt.events["WrappedMinted"][0].args["wrappedId"])

        return mint

    @pytest.fixture
    def unlock(self) -> Callable[[int], None]:
        return lambda token_id: None
