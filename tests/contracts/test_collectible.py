"""SandboxNFT and SandboxCollectible: the ERC-721 suite under each transfer
policy, then the sale rules (wallet cap, allowlist, price, pull payments,
pause) and the policies themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from contract_helpers import ZERO, MerkleTree, interface_id
from erc721_behaviour import ERC721Behaviour, NonTransferableERC721Behaviour
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Contract, Sandbox

FREE, HOLD, SOULBOUND = 0, 1, 2
DAY = 86_400
HOLD_SECONDS = 90 * DAY
ERC5192 = interface_id("locked(uint256)")
assert ERC5192 == bytes.fromhex("b45a3c0e")  # the id ERC-5192 publishes
ERC2981 = interface_id("royaltyInfo(uint256,uint256)")
SALE_RESTRICTED = interface_id("saleAllowed(uint256)")
PRICE = 10**16


@pytest.fixture(scope="module")
def nft(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    return sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)


@pytest.fixture(scope="module")
def held(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    return sb.deploy("SandboxCollectible", "Jingtan", "JT", alice, HOLD, HOLD_SECONDS, sender=alice)


@pytest.fixture(scope="module")
def soulbound(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    return sb.deploy("SandboxCollectible", "Badge", "BDG", alice, SOULBOUND, 0, sender=alice)


def _minter(sb: Sandbox, token: Contract) -> Callable[[Any], int]:
    def mint(to: Any) -> int:
        receipt = token.mint(to, "ipfs://token", sender=sb.accounts.alice)
        return int(receipt.events["Transfer"][0].args["tokenId"])

    return mint


# ---------------------------------------------------------------------------
# The shared ERC-721 suite under each policy
# ---------------------------------------------------------------------------


class TestSandboxNFTBehavesLikeERC721(ERC721Behaviour):
    @pytest.fixture
    def token(self, nft: Contract) -> Contract:
        return nft

    @pytest.fixture
    def mint(self, sb: Sandbox, nft: Contract) -> Callable[[Any], int]:
        return _minter(sb, nft)

    @pytest.fixture
    def unlock(self) -> Callable[[int], None]:
        return lambda token_id: None


class TestGiftOnlyAfterHoldBehavesLikeERC721(ERC721Behaviour):
    @pytest.fixture
    def token(self, held: Contract) -> Contract:
        return held

    @pytest.fixture
    def mint(self, sb: Sandbox, held: Contract) -> Callable[[Any], int]:
        return _minter(sb, held)

    @pytest.fixture
    def unlock(self, sb: Sandbox) -> Callable[[int], None]:
        return lambda token_id: sb.time_travel(seconds=HOLD_SECONDS)


class TestSoulboundBehavesLikeERC721(NonTransferableERC721Behaviour):
    @pytest.fixture
    def token(self, soulbound: Contract) -> Contract:
        return soulbound

    @pytest.fixture
    def mint(self, sb: Sandbox, soulbound: Contract) -> Callable[[Any], int]:
        return _minter(sb, soulbound)

    @pytest.fixture
    def transfer_error(self) -> tuple[str, Callable[[int], dict[str, Any]]]:
        return "SandboxNFTSoulbound", lambda token_id: {"tokenId": token_id}


# ---------------------------------------------------------------------------
# Foundation behaviour kept
# ---------------------------------------------------------------------------


def test_ids_from_zero_supply_cap_and_royalty(sb: Sandbox, nft: Contract) -> None:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    assert nft.transferPolicy() == FREE and nft.minHoldSeconds() == 0
    assert [nft.mint(bob, f"u{i}", sender=alice).events["Transfer"][0].args["tokenId"] for i in range(3)] == [0, 1, 2]
    assert nft.totalSupply() == 3 and nft.maxSupply() == nft.DEFAULT_MAX_SUPPLY() == 10_000
    assert nft.DEFAULT_ROYALTY_BPS() == 500
    assert nft.royaltyInfo(0, 10_000) == (alice, 500)
    nft.setMaxSupply(3, sender=alice).assert_event("MaxSupplyChanged", previousCap=10_000, newCap=3)
    with sb.reverts("SandboxNFTSupplyExhausted", cap=3):
        nft.mint(bob, "x", sender=alice)
    with sb.reverts("SandboxNFTInvalidMaxSupply", requested=2, minted=3):
        nft.setMaxSupply(2, sender=alice)
    assert nft.supportsInterface(ERC2981) and nft.supportsInterface(SALE_RESTRICTED)
    assert not nft.supportsInterface(ERC5192)


@pytest.mark.parametrize(
    "call",
    [
        lambda c, a: c.mint(a, "x", sender=a),
        lambda c, a: c.setMaxSupply(5, sender=a),
        lambda c, a: c.configureSale(1, 1, True, sender=a),
        lambda c, a: c.setAllowlistRoot(b"\x01" * 32, sender=a),
        lambda c, a: c.setDefaultRoyalty(a, 100, sender=a),
        lambda c, a: c.pause(sender=a),
        lambda c, a: c.unpause(sender=a),
    ],
    ids=["mint", "setMaxSupply", "configureSale", "setAllowlistRoot", "setDefaultRoyalty", "pause", "unpause"],
)
def test_owner_only_functions_refuse_others(sb: Sandbox, nft: Contract, call: Callable[[Contract, Any], Any]) -> None:
    bob = sb.accounts.bob
    with sb.reverts("OwnableUnauthorizedAccount", account=bob):
        call(nft, bob)


def test_royalty_can_be_changed_and_is_validated(sb: Sandbox, nft: Contract) -> None:
    alice, carol = sb.accounts.alice, sb.accounts.carol
    nft.setDefaultRoyalty(carol, 250, sender=alice)
    assert nft.royaltyInfo(7, 1_000_000) == (carol, 25_000)
    with sb.reverts("ERC2981InvalidDefaultRoyalty", numerator=10_001, denominator=10_000):
        nft.setDefaultRoyalty(carol, 10_001, sender=alice)
    with sb.reverts("ERC2981InvalidDefaultRoyaltyReceiver", receiver=ZERO):
        nft.setDefaultRoyalty(ZERO, 100, sender=alice)


# ---------------------------------------------------------------------------
# Sales: price, wallet cap, allowlist, pull payments
# ---------------------------------------------------------------------------


def test_public_sale_closed_by_default(sb: Sandbox, nft: Contract) -> None:
    assert not nft.publicSaleOpen()
    with sb.reverts("SandboxNFTPublicSaleClosed"):
        nft.publicMint("x", sender=sb.accounts.bob)


def test_public_mint_pays_owner_by_pull_payment(sb: Sandbox, nft: Contract) -> None:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    assert (nft.mintPrice(), nft.walletCap()) == (0, 0)
    nft.configureSale(PRICE, 2, True, sender=alice).assert_event("SaleConfigured", price=PRICE, walletCap=2, publicSaleOpen=True)
    assert (nft.mintPrice(), nft.walletCap(), nft.publicSaleOpen()) == (PRICE, 2, True)
    receipt = nft.publicMint("ipfs://b", value=PRICE, sender=bob)
    receipt.assert_event("Transfer", to=bob, tokenId=0)
    receipt.assert_event("PaymentDeposited", payee=alice, amount=PRICE)
    assert nft.mintedBy(bob) == 1 and nft.tokenURI(0) == "ipfs://b"
    assert nft.payments(alice) == PRICE and nft.balance == PRICE
    before = sb.balance(alice)
    # Anyone may trigger the withdrawal; the ether goes to the payee.
    nft.withdrawPayments(alice, sender=bob).assert_event("PaymentWithdrawn", payee=alice, amount=PRICE)
    assert sb.balance(alice) == before + PRICE
    assert nft.payments(alice) == 0 and nft.balance == 0
    with sb.reverts("SandboxNFTNothingToWithdraw", payee=alice):
        nft.withdrawPayments(alice, sender=alice)


@pytest.mark.parametrize("sent", [0, PRICE - 1, PRICE + 1, 10 * PRICE])
def test_public_mint_wrong_payment_reverts(sb: Sandbox, nft: Contract, sent: int) -> None:
    nft.configureSale(PRICE, 0, True, sender=sb.accounts.alice)
    with sb.reverts("SandboxNFTIncorrectPayment", sent=sent, price=PRICE):
        nft.publicMint("x", value=sent, sender=sb.accounts.bob)


def test_free_public_mint_deposits_nothing(sb: Sandbox, nft: Contract) -> None:
    nft.configureSale(0, 0, True, sender=sb.accounts.alice)
    receipt = nft.publicMint("x", sender=sb.accounts.bob)
    assert "PaymentDeposited" not in receipt.events
    assert nft.payments(sb.accounts.alice) == 0


def test_wallet_cap_counts_self_mints_only(sb: Sandbox, nft: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    nft.configureSale(0, 2, True, sender=alice)
    nft.publicMint("1", sender=bob)
    nft.publicMint("2", sender=bob)
    with sb.reverts("SandboxNFTWalletCapReached", wallet=bob, cap=2):
        nft.publicMint("3", sender=bob)
    nft.mint(bob, "airdrop", sender=alice)  # owner airdrops are not capped
    nft.publicMint("c", sender=carol)  # the cap is per wallet
    assert nft.mintedBy(bob) == 2 and nft.balanceOf(bob) == 3
    nft.configureSale(0, 0, True, sender=alice)  # 0 lifts the cap
    nft.publicMint("4", sender=bob)
    assert nft.mintedBy(bob) == 3


def test_allowlist_mint_with_merkle_proof(sb: Sandbox, nft: Contract) -> None:
    alice, bob, carol, dave = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    tree = MerkleTree([bob.address, carol.address, sb.accounts.erin.address])
    with sb.reverts("SandboxNFTNotAllowlisted", account=bob):  # no allowlist yet
        nft.allowlistMint("x", tree.proof(bob.address), sender=bob)
    assert nft.allowlistRoot() == b"\0" * 32
    nft.setAllowlistRoot(tree.root, sender=alice).assert_event("AllowlistRootChanged", previousRoot=b"\0" * 32, newRoot=tree.root)
    assert nft.allowlistRoot() == tree.root
    nft.configureSale(PRICE, 1, False, sender=alice)  # public sale closed: allowlist still works
    nft.allowlistMint("b", tree.proof(bob.address), value=PRICE, sender=bob).assert_event("Transfer", to=bob)
    nft.allowlistMint("c", tree.proof(carol.address), value=PRICE, sender=carol)
    assert nft.payments(alice) == 2 * PRICE
    with sb.reverts("SandboxNFTWalletCapReached", wallet=bob, cap=1):
        nft.allowlistMint("b2", tree.proof(bob.address), value=PRICE, sender=bob)
    with sb.reverts("SandboxNFTNotAllowlisted", account=dave):  # someone else's proof
        nft.allowlistMint("d", tree.proof(carol.address), value=PRICE, sender=dave)
    with sb.reverts("SandboxNFTNotAllowlisted", account=dave):
        nft.allowlistMint("d", [], value=PRICE, sender=dave)
    with sb.reverts("SandboxNFTIncorrectPayment", sent=0, price=PRICE):
        nft.allowlistMint("e", tree.proof(sb.accounts.erin.address), sender=sb.accounts.erin)


def test_withdraw_reentrancy_is_blocked(sb: Sandbox, nft: Contract) -> None:
    """An owner contract that reenters withdrawPayments gets paid once."""
    alice = sb.accounts.alice
    attacker = sb.deploy("ReentrantReceiver", sender=alice)
    nft.transferOwnership(attacker, sender=alice)
    configure = function_signature_to_4byte_selector("configureSale(uint256,uint256,bool)") + abi_encode(["uint256", "uint256", "bool"], [PRICE, 0, True])
    attacker.execute(nft, configure, sender=alice)
    nft.publicMint("1", value=PRICE, sender=sb.accounts.bob)
    nft.publicMint("2", value=PRICE, sender=sb.accounts.carol)
    assert nft.payments(attacker) == 2 * PRICE
    withdraw = function_signature_to_4byte_selector("withdrawPayments(address)") + abi_encode(["address"], [attacker.address])
    attacker.arm(nft, withdraw, sender=alice)
    receipt = nft.withdrawPayments(attacker, sender=alice)
    event = receipt.assert_event("Reentered", success=False)
    assert event.args["result"][:4] == function_signature_to_4byte_selector("ReentrancyGuardReentrantCall()")
    assert attacker.balance == 2 * PRICE and nft.balance == 0


def test_payee_refusing_ether_keeps_its_balance(sb: Sandbox, nft: Contract) -> None:
    alice = sb.accounts.alice
    refuser = sb.deploy("ERC721ReceiverMock", 2, sender=alice)  # reverts on receive
    nft.configureSale(PRICE, 0, True, sender=alice)
    nft.transferOwnership(refuser, sender=alice)
    nft.publicMint("1", value=PRICE, sender=sb.accounts.bob)
    with sb.reverts("ReceiverMockRefused"):
        nft.withdrawPayments(refuser, sender=alice)
    assert nft.payments(refuser) == PRICE and nft.balance == PRICE


def test_withdraw_to_a_contract_without_receive_reverts(sb: Sandbox, nft: Contract) -> None:
    alice = sb.accounts.alice
    plain = sb.deploy("NonReceiver", sender=alice)
    nft.configureSale(PRICE, 0, True, sender=alice)
    nft.transferOwnership(plain, sender=alice)
    nft.publicMint("1", value=PRICE, sender=sb.accounts.bob)
    with sb.reverts("FailedCall"):
        nft.withdrawPayments(plain, sender=alice)


# ---------------------------------------------------------------------------
# Pause
# ---------------------------------------------------------------------------


def test_pause_stops_mints_and_transfers(sb: Sandbox, nft: Contract) -> None:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft.mint(bob, "x", sender=alice)
    nft.configureSale(0, 0, True, sender=alice)
    nft.pause(sender=alice).assert_event("Paused", account=alice)
    assert nft.paused()
    for call in (
        lambda: nft.mint(bob, "y", sender=alice),
        lambda: nft.publicMint("y", sender=bob),
        lambda: nft.transferFrom(bob, alice, 0, sender=bob),
    ):
        with sb.reverts("EnforcedPause"):
            call()
    with sb.reverts("EnforcedPause"):
        nft.pause(sender=alice)
    nft.unpause(sender=alice).assert_event("Unpaused", account=alice)
    with sb.reverts("ExpectedPause"):
        nft.unpause(sender=alice)
    nft.transferFrom(bob, alice, 0, sender=bob)
    assert nft.ownerOf(0) == alice


# ---------------------------------------------------------------------------
# Transfer policies
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "hold"), [(FREE, 1), (SOULBOUND, 30), (HOLD, 0)])
def test_constructor_rejects_inconsistent_hold_period(sb: Sandbox, policy: int, hold: int) -> None:
    alice = sb.accounts.alice
    with sb.reverts("SandboxNFTInvalidHoldPeriod", policy=policy, minHoldSeconds=hold):
        sb.deploy("SandboxCollectible", "X", "X", alice, policy, hold, sender=alice)


def test_hold_period_counts_from_arrival_for_each_holder(sb: Sandbox, held: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    receipt = held.mint(bob, "x", sender=alice)
    minted_at = sb.w3.eth.get_block(receipt.block_number)["timestamp"]
    assert held.transferPolicy() == HOLD and held.minHoldSeconds() == HOLD_SECONDS
    assert held.transferableAt(0) == minted_at + HOLD_SECONDS
    assert not held.locked(0) and not held.saleAllowed(0)
    with sb.reverts("SandboxNFTHoldPeriodActive", tokenId=0, transferableAt=minted_at + HOLD_SECONDS):
        held.transferFrom(bob, carol, 0, sender=bob)
    sb.time_travel(to=minted_at + HOLD_SECONDS - 10)
    with sb.reverts("SandboxNFTHoldPeriodActive"):
        held.transferFrom(bob, carol, 0, sender=bob)
    sb.time_travel(to=minted_at + HOLD_SECONDS)
    gift = held.transferFrom(bob, carol, 0, sender=bob)
    arrived = sb.w3.eth.get_block(gift.block_number)["timestamp"]
    # The new holder's clock starts at arrival: carol cannot pass it on at once.
    assert held.transferableAt(0) == arrived + HOLD_SECONDS
    with sb.reverts("SandboxNFTHoldPeriodActive", tokenId=0, transferableAt=arrived + HOLD_SECONDS):
        held.transferFrom(carol, bob, 0, sender=carol)


def test_soulbound_emits_locked_at_mint_and_supports_erc5192(sb: Sandbox, soulbound: Contract) -> None:
    receipt = soulbound.mint(sb.accounts.bob, "x", sender=sb.accounts.alice)
    receipt.assert_event("Locked", tokenId=0)
    assert soulbound.locked(0) and not soulbound.saleAllowed(0)
    assert soulbound.supportsInterface(ERC5192)
    assert soulbound.transferableAt(0) == 2**256 - 1
    with sb.reverts("ERC721NonexistentToken", tokenId=5):
        soulbound.locked(5)


def test_free_policy_views(sb: Sandbox, nft: Contract) -> None:
    receipt = nft.mint(sb.accounts.bob, "x", sender=sb.accounts.alice)
    assert "Locked" not in receipt.events
    assert not nft.locked(0) and nft.saleAllowed(0) and nft.transferableAt(0) == 0
    for view in (nft.locked, nft.saleAllowed, nft.transferableAt):
        with sb.reverts("ERC721NonexistentToken", tokenId=9):
            view(9)


@pytest.fixture(scope="module")
def four_holders(sb: Sandbox) -> Contract:
    """A SandboxNFT whose tokens 0..3 belong to bob, carol, dave and erin."""
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Four", "F", alice, sender=alice)
    for i in range(1, 5):
        nft.mint(sb.accounts[i], "x", sender=alice)
    return nft


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=6))
def test_balances_always_sum_to_supply(sb: Sandbox, four_holders: Contract, moves: list[tuple[int, int]]) -> None:
    """Property: after any sequence of transfers, balances add up to totalSupply and owners match."""
    nft = four_holders
    people = [sb.accounts[i] for i in range(1, 5)]
    with sb.isolate():
        owners = {i: people[i] for i in range(4)}
        for token_id, to in moves:
            holder = owners[token_id]
            nft.transferFrom(holder, people[to], token_id, sender=holder)
            owners[token_id] = people[to]
        assert sum(nft.balanceOf(p) for p in people) == nft.totalSupply() == 4
        assert all(nft.ownerOf(t) == owner for t, owner in owners.items())
