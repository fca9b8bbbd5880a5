"""LandRegistry: the ERC-721 suite, the (x, y) grid, ERC-4907 users, and the
escrow rental (fees, expiry, transfer lock, pull payments, reentrancy)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from contract_helpers import ZERO, interface_id
from erc721_behaviour import ERC721Behaviour
from eth_utils import function_signature_to_4byte_selector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Contract, Sandbox

WIDTH, HEIGHT, FEE_BPS = 10, 8, 250
DAY = 86_400
PRICE = 10**15
ERC4907 = interface_id("setUser(uint256,address,uint64)", "userOf(uint256)", "userExpires(uint256)")
assert ERC4907 == bytes.fromhex("ad092b5c")  # the id ERC-4907 publishes


@pytest.fixture(scope="module")
def land(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    return sb.deploy("LandRegistry", alice, WIDTH, HEIGHT, FEE_BPS, sender=alice)


@pytest.fixture
def parcel(sb: Sandbox, land: Contract) -> int:
    """Parcel (3, 2) owned by bob and offered for rent (up to 30 days)."""
    bob = sb.accounts.bob
    token_id = int(land.mintParcel(bob, 3, 2, sender=sb.accounts.alice).events["Transfer"][0].args["tokenId"])
    land.offerRental(token_id, PRICE, 30, sender=bob)
    return token_id


def now(sb: Sandbox, receipt: Any = None) -> int:
    block = receipt.block_number if receipt is not None else "latest"
    return int(sb.w3.eth.get_block(block)["timestamp"])


class TestLandBehavesLikeERC721(ERC721Behaviour):
    @pytest.fixture
    def token(self, land: Contract) -> Contract:
        return land

    @pytest.fixture
    def mint(self, sb: Sandbox, land: Contract) -> Callable[[Any], int]:
        cells = count()

        def mint(to: Any) -> int:
            cell = next(cells)
            receipt = land.mintParcel(to, cell % WIDTH, cell // WIDTH, sender=sb.accounts.alice)
            return int(receipt.events["Transfer"][0].args["tokenId"])

        return mint

    @pytest.fixture
    def unlock(self) -> Callable[[int], None]:
        return lambda token_id: None


# ---------------------------------------------------------------------------
# Grid
# ---------------------------------------------------------------------------


def test_parcel_ids_and_coordinates(sb: Sandbox, land: Contract) -> None:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    assert (land.width(), land.height()) == (WIDTH, HEIGHT)
    receipt = land.mintParcel(bob, 3, 2, sender=alice)
    receipt.assert_event("Transfer", to=bob, tokenId=2 * WIDTH + 3)
    assert land.parcelId(3, 2) == 23 and land.coordinates(23) == (3, 2)
    land.mintParcel(bob, WIDTH - 1, HEIGHT - 1, sender=alice)
    assert land.coordinates(WIDTH * HEIGHT - 1) == (WIDTH - 1, HEIGHT - 1)
    assert land.totalSupply() == 2
    with sb.reverts("ERC721NonexistentToken", tokenId=0):
        land.coordinates(0)


@pytest.mark.parametrize(("x", "y"), [(WIDTH, 0), (0, HEIGHT), (2**255, 1), (WIDTH, HEIGHT)])
def test_out_of_bounds_parcels_revert(sb: Sandbox, land: Contract, x: int, y: int) -> None:
    with sb.reverts("LandOutOfBounds", x=x, y=y, width=WIDTH, height=HEIGHT):
        land.mintParcel(sb.accounts.bob, x, y, sender=sb.accounts.alice)
    with sb.reverts("LandOutOfBounds", x=x, y=y):
        land.parcelId(x, y)


def test_one_token_per_coordinate(sb: Sandbox, land: Contract) -> None:
    land.mintParcel(sb.accounts.bob, 1, 1, sender=sb.accounts.alice)
    with sb.reverts("LandParcelTaken", x=1, y=1):
        land.mintParcel(sb.accounts.carol, 1, 1, sender=sb.accounts.alice)


def test_only_the_operator_mints_and_sets_fees(sb: Sandbox, land: Contract) -> None:
    bob = sb.accounts.bob
    with sb.reverts("OwnableUnauthorizedAccount", account=bob):
        land.mintParcel(bob, 0, 0, sender=bob)
    with sb.reverts("OwnableUnauthorizedAccount", account=bob):
        land.setPlatformFee(0, bob, sender=bob)


@pytest.mark.parametrize(("bps", "recipient"), [(1_001, "carol"), (100, ZERO)])
def test_platform_fee_is_validated(sb: Sandbox, land: Contract, bps: int, recipient: str) -> None:
    who = sb.accounts[recipient] if recipient != ZERO else ZERO
    assert land.MAX_FEE_BPS() == 1_000
    with sb.reverts("LandInvalidFee", bps=bps, recipient=who):
        land.setPlatformFee(bps, who, sender=sb.accounts.alice)
    land.setPlatformFee(1_000, sb.accounts.carol, sender=sb.accounts.alice).assert_event("PlatformFeeChanged", bps=1_000, recipient=sb.accounts.carol)
    assert land.platformFee() == (1_000, sb.accounts.carol)


@pytest.mark.parametrize(("w", "h"), [(0, 5), (5, 0), (2**128, 1)])
def test_grid_must_be_sane(sb: Sandbox, w: int, h: int) -> None:
    alice = sb.accounts.alice
    with sb.reverts("LandInvalidGrid", width=w, height=h):
        sb.deploy("LandRegistry", alice, w, h, 0, sender=alice)


# ---------------------------------------------------------------------------
# ERC-4907
# ---------------------------------------------------------------------------


def test_set_user_expires_and_is_cleared_on_transfer(sb: Sandbox, land: Contract, parcel: int) -> None:
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    assert land.supportsInterface(ERC4907)
    expires = now(sb) + 7 * DAY
    land.setUser(parcel, carol, expires, sender=bob).assert_event("UpdateUser", tokenId=parcel, user=carol, expires=expires)
    assert land.userOf(parcel) == carol and land.userExpires(parcel) == expires
    sb.time_travel(to=expires)
    assert land.userOf(parcel) == carol  # valid through `expires`
    sb.time_travel(to=expires + 1)
    assert land.userOf(parcel) == ZERO and land.userExpires(parcel) == expires
    land.setUser(parcel, carol, expires + DAY, sender=bob)
    receipt = land.transferFrom(bob, dave, parcel, sender=bob)
    receipt.assert_event("UpdateUser", tokenId=parcel, user=ZERO, expires=0)
    receipt.assert_event("RentalOfferCancelled", tokenId=parcel)
    assert land.userOf(parcel) == ZERO and land.userExpires(parcel) == 0
    assert land.rentalOffer(parcel) == (0, 0)


def test_set_user_by_approved_but_not_by_stranger(sb: Sandbox, land: Contract, parcel: int) -> None:
    bob, carol, mallory = sb.accounts.bob, sb.accounts.carol, sb.accounts.judy
    with sb.reverts("ERC721InsufficientApproval", operator=mallory, tokenId=parcel):
        land.setUser(parcel, mallory, now(sb) + DAY, sender=mallory)
    land.approve(carol, parcel, sender=bob)
    land.setUser(parcel, carol, now(sb) + DAY, sender=carol)
    assert land.userOf(parcel) == carol
    with sb.reverts("ERC721NonexistentToken", tokenId=0):
        land.setUser(0, carol, 1, sender=bob)


# ---------------------------------------------------------------------------
# Escrow rental
# ---------------------------------------------------------------------------


def test_rent_pays_fee_escrows_rent_and_locks_the_land(sb: Sandbox, land: Contract, parcel: int) -> None:
    alice, bob, carol, dave = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    due = 5 * PRICE
    fee = due * FEE_BPS // 10_000
    receipt = land.rent(parcel, 5, value=due, sender=carol)
    until = now(sb, receipt) + 5 * DAY
    receipt.assert_event("Rented", tokenId=parcel, tenant=carol, until=until, paid=due, fee=fee)
    receipt.assert_event("UpdateUser", tokenId=parcel, user=carol, expires=until)
    assert land.userOf(parcel) == carol
    assert land.rental(parcel) == (carol, until, bob, due - fee)
    assert land.payments(alice) == fee and land.payments(bob) == 0 and land.balance == due
    # While rented: no transfer, no new user, no second tenant, no early settlement.
    for call in (
        lambda: land.transferFrom(bob, dave, parcel, sender=bob),
        lambda: land.setUser(parcel, dave, until + DAY, sender=bob),
        lambda: land.rent(parcel, 1, value=PRICE, sender=dave),
        lambda: land.settleRental(parcel, sender=bob),
    ):
        with sb.reverts("LandRented", tokenId=parcel, until=until):
            call()
    sb.time_travel(to=until)
    settle = land.settleRental(parcel, sender=dave)  # anyone may settle
    settle.assert_event("RentalSettled", tokenId=parcel, landlord=bob, amount=due - fee)
    assert land.payments(bob) == due - fee
    with sb.reverts("LandNoRental", tokenId=parcel):
        land.settleRental(parcel, sender=bob)
    land.transferFrom(bob, dave, parcel, sender=bob)  # free again
    assert land.ownerOf(parcel) == dave and land.userOf(parcel) == ZERO

    before = sb.balance(bob)
    w = land.withdrawPayments(sender=bob)
    w.assert_event("PaymentWithdrawn", payee=bob, amount=due - fee)
    assert sb.balance(bob) == before + due - fee - w.fee
    land.withdrawPayments(sender=alice)
    assert land.balance == 0
    with sb.reverts("LandNothingToWithdraw", payee=bob):
        land.withdrawPayments(sender=bob)


def test_next_rental_settles_the_previous_one(sb: Sandbox, land: Contract, parcel: int) -> None:
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    land.rent(parcel, 2, value=2 * PRICE, sender=carol)
    sb.time_travel(seconds=2 * DAY)
    receipt = land.rent(parcel, 1, value=PRICE, sender=dave)
    receipt.assert_event("RentalSettled", landlord=bob)
    assert land.userOf(parcel) == dave


@pytest.mark.parametrize(("days", "sent"), [(0, 0), (31, 31 * PRICE)])
def test_rental_days_must_fit_the_offer(sb: Sandbox, land: Contract, parcel: int, days: int, sent: int) -> None:
    with sb.reverts("LandInvalidRentalDays", days_=days, maxDays=30):
        land.rent(parcel, days, value=sent, sender=sb.accounts.carol)


@pytest.mark.parametrize("sent", [0, 3 * PRICE - 1, 3 * PRICE + 1])
def test_rent_must_be_paid_exactly(sb: Sandbox, land: Contract, parcel: int, sent: int) -> None:
    with sb.reverts("LandIncorrectPayment", sent=sent, due=3 * PRICE):
        land.rent(parcel, 3, value=sent, sender=sb.accounts.carol)


def test_rental_offer_rules(sb: Sandbox, land: Contract, parcel: int) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    with sb.reverts("LandSelfRental", tokenId=parcel):
        land.rent(parcel, 1, value=PRICE, sender=bob)
    with sb.reverts("ERC721InsufficientApproval", operator=carol, tokenId=parcel):
        land.offerRental(parcel, 1, 1, sender=carol)
    with sb.reverts("ERC721InsufficientApproval", operator=carol, tokenId=parcel):
        land.cancelRentalOffer(parcel, sender=carol)
    land.offerRental(parcel, 2 * PRICE, 7, sender=bob).assert_event("RentalOffered", tokenId=parcel, landlord=bob, pricePerDay=2 * PRICE, maxDays=7)
    assert land.rentalOffer(parcel) == (2 * PRICE, 7)
    for price, days in ((0, 5), (5, 0)):
        with sb.reverts("LandInvalidRentalOffer", pricePerDay=price, maxDays=days):
            land.offerRental(parcel, price, days, sender=bob)
    land.cancelRentalOffer(parcel, sender=bob).assert_event("RentalOfferCancelled", tokenId=parcel)
    with sb.reverts("LandNotForRent", tokenId=parcel):
        land.rent(parcel, 1, value=PRICE, sender=carol)
    with sb.reverts("LandNotForRent", tokenId=parcel):
        land.cancelRentalOffer(parcel, sender=bob)
    with sb.reverts("ERC721NonexistentToken", tokenId=0):
        land.rent(0, 1, value=PRICE, sender=carol)


def test_withdraw_reentrancy_is_blocked(sb: Sandbox, land: Contract) -> None:
    """A landlord contract that reenters withdrawPayments is paid once."""
    alice, carol = sb.accounts.alice, sb.accounts.carol
    attacker = sb.deploy("ReentrantReceiver", sender=alice)
    token_id = int(land.mintParcel(attacker, 0, 0, sender=alice).events["Transfer"][0].args["tokenId"])
    offer = function_signature_to_4byte_selector("offerRental(uint256,uint128,uint32)") + (
        token_id.to_bytes(32, "big") + PRICE.to_bytes(32, "big") + (10).to_bytes(32, "big")
    )
    attacker.execute(land, offer, sender=alice)
    land.rent(token_id, 4, value=4 * PRICE, sender=carol)
    sb.time_travel(seconds=4 * DAY)
    land.settleRental(token_id, sender=carol)
    owed = land.payments(attacker)
    assert owed == 4 * PRICE - 4 * PRICE * FEE_BPS // 10_000
    withdraw = function_signature_to_4byte_selector("withdrawPayments()")
    attacker.arm(land, withdraw, sender=alice)
    receipt = attacker.execute(land, withdraw, sender=alice)
    receipt.assert_event("Reentered", success=False)
    assert attacker.balance == owed and land.payments(attacker) == 0
    assert land.balance == land.payments(alice)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.integers(1, 30), price=st.integers(1, 10**18))
def test_escrow_plus_fee_equals_payment(sb: Sandbox, land: Contract, days: int, price: int) -> None:
    """Property: fee + escrow == price x days, and the contract holds exactly that."""
    with sb.isolate():
        bob, carol = sb.accounts.bob, sb.accounts.carol
        token_id = int(land.mintParcel(bob, 5, 5, sender=sb.accounts.alice).events["Transfer"][0].args["tokenId"])
        land.offerRental(token_id, price, 30, sender=bob)
        land.rent(token_id, days, value=price * days, sender=carol)
        escrowed = land.rental(token_id)[3]
        assert escrowed + land.payments(sb.accounts.alice) == price * days == land.balance
