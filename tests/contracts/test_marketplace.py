"""Marketplace: ERC-721 and ERC-1155 listings, royalties + platform fee as
pull payments, refusal of held/soulbound tokens, stale listings, reentrancy."""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import ZERO
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Contract, Sandbox

FEE_BPS = 200  # 2% platform fee
ROYALTY_BPS = 500  # SandboxNFT's default 5%
PRICE = 10**18
ERC721_KIND, ERC1155_KIND = 0, 1


@pytest.fixture(scope="module")
def market(sb: Sandbox) -> Contract:
    return sb.deploy("Marketplace", sb.accounts.heidi, FEE_BPS, sender=sb.accounts.heidi)


@pytest.fixture(scope="module")
def nft(sb: Sandbox, market: Contract) -> Contract:
    """SandboxNFT by alice (royalties to alice); bob holds token 0 and approved the market."""
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)
    nft.mint(bob, "ipfs://0", sender=alice)
    nft.setApprovalForAll(market, True, sender=bob)
    return nft


@pytest.fixture(scope="module")
def editions(sb: Sandbox, market: Contract) -> Contract:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    editions = sb.deploy("Editions", "ipfs://e/{id}.json", alice, sender=alice)
    editions.createEdition(100, False, sender=alice)
    editions.mint(bob, 0, 10, sender=alice)
    editions.setApprovalForAll(market, True, sender=bob)
    return editions


def split(price: int, royalty_bps: int = ROYALTY_BPS) -> tuple[int, int, int]:
    fee = price * FEE_BPS // 10_000
    royalty = min(price * royalty_bps // 10_000, price - fee)
    return fee, royalty, price - fee - royalty


def assert_solvent(sb: Sandbox, market: Contract, *others: Any) -> None:
    owed = sum(market.payments(a) for a in [*sb.accounts, *others])
    assert market.balance == owed, "the market holds exactly what it owes"


def test_erc721_sale_pays_royalty_fee_and_seller(sb: Sandbox, market: Contract, nft: Contract) -> None:
    alice, bob, carol, heidi = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol, sb.accounts.heidi
    receipt = market.list(nft, 0, 1, PRICE, sender=bob)
    receipt.assert_event("Listed", listingId=0, seller=bob, token=nft, tokenId=0, amount=1, pricePerUnit=PRICE, standard=ERC721_KIND)
    assert market.listing(0) == (bob, nft.address, 0, 1, PRICE, ERC721_KIND) and market.listingCount() == 1
    fee, royalty, proceeds = split(PRICE)
    sale = market.buy(0, 1, value=PRICE, sender=carol)
    sale.assert_event("Purchased", listingId=0, buyer=carol, amount=1, price=PRICE, royaltyReceiver=alice, royalty=royalty, fee=fee)
    sale.assert_event("Transfer", **{"from": bob, "to": carol, "tokenId": 0})
    assert nft.ownerOf(0) == carol
    assert (market.payments(heidi), market.payments(alice), market.payments(bob)) == (fee, royalty, proceeds)
    assert_solvent(sb, market)
    with sb.reverts("MarketplaceUnknownListing", listingId=0):  # sold out
        market.buy(0, 1, value=PRICE, sender=sb.accounts.dave)
    for who, amount in ((bob, proceeds), (alice, royalty), (heidi, fee)):
        market.withdrawPayments(sender=who).assert_event("PaymentWithdrawn", payee=who, amount=amount)
    assert market.balance == 0
    with sb.reverts("MarketplaceNothingToWithdraw", payee=bob):
        market.withdrawPayments(sender=bob)


def test_erc1155_partial_purchases(sb: Sandbox, market: Contract, editions: Contract) -> None:
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    unit = 10**16
    market.list(editions, 0, 8, unit, sender=bob).assert_event("Listed", standard=ERC1155_KIND, amount=8)
    market.buy(0, 3, value=3 * unit, sender=carol).assert_event("TransferSingle", to=carol, id=0, value=3)
    assert market.listing(0)[3] == 5 and editions.balanceOf(carol, 0) == 3
    with sb.reverts("MarketplaceInvalidAmount", requested=6, available=5):
        market.buy(0, 6, value=6 * unit, sender=dave)
    with sb.reverts("MarketplaceInvalidAmount", requested=0, available=5):
        market.buy(0, 0, value=0, sender=dave)
    market.buy(0, 5, value=5 * unit, sender=dave)
    assert editions.balanceOf(bob, 0) == 2 and editions.balanceOf(dave, 0) == 5
    with sb.reverts("MarketplaceUnknownListing", listingId=0):
        market.listing(0)
    assert_solvent(sb, market)


@pytest.mark.parametrize(("amount", "price"), [(1, 0), (2, PRICE), (0, PRICE)])
def test_invalid_erc721_listings(sb: Sandbox, market: Contract, nft: Contract, amount: int, price: int) -> None:
    with sb.reverts("MarketplaceInvalidListing", amount=amount, pricePerUnit=price):
        market.list(nft, 0, amount, price, sender=sb.accounts.bob)


def test_listing_needs_ownership_approval_and_a_token_standard(sb: Sandbox, market: Contract, nft: Contract, editions: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    with sb.reverts("MarketplaceNotTokenOwner", seller=carol, token=nft, tokenId=0, amount=1):
        market.list(nft, 0, 1, PRICE, sender=carol)
    with sb.reverts("MarketplaceNotTokenOwner", seller=bob, token=editions, tokenId=0, amount=11):
        market.list(editions, 0, 11, PRICE, sender=bob)
    nft.mint(carol, "x", sender=alice)
    with sb.reverts("MarketplaceNotApproved", seller=carol, token=nft, tokenId=1):
        market.list(nft, 1, 1, PRICE, sender=carol)
    nft.approve(market, 1, sender=carol)  # a single-token approval is enough
    market.list(nft, 1, 1, PRICE, sender=carol)
    editions.mint(carol, 0, 1, sender=alice)
    with sb.reverts("MarketplaceNotApproved", seller=carol, token=editions, tokenId=0):
        market.list(editions, 0, 1, PRICE, sender=carol)
    plain = sb.deploy("NonReceiver", sender=alice)
    for token in (plain, sb.accounts.dave):  # a contract without ERC-165, an EOA
        with sb.reverts("MarketplaceUnsupportedToken", token=token):
            market.list(token, 0, 1, PRICE, sender=bob)
    with sb.reverts("ERC721NonexistentToken", tokenId=77):
        market.list(nft, 77, 1, PRICE, sender=bob)


def test_refuses_tokens_whose_policy_forbids_sale(sb: Sandbox, market: Contract) -> None:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    held = sb.deploy("SandboxCollectible", "Held", "H", alice, 1, 86_400, sender=alice)
    soul = sb.deploy("SandboxCollectible", "Soul", "S", alice, 2, 0, sender=alice)
    certs = sb.deploy("CredentialRegistry", alice, sender=alice)
    certs.grantRole(certs.ISSUER_ROLE(), alice, sender=alice)
    for token in (held, soul):
        token.mint(bob, "x", sender=alice)
    certs.issueCertificate(bob, "x", b"\0" * 32, sender=alice)
    sb.time_travel(seconds=2 * 86_400)  # past the holding period: a gift is allowed, a sale still is not
    for token in (held, soul, certs):
        token.setApprovalForAll(market, True, sender=bob)
        with sb.reverts("MarketplaceSaleForbidden", token=token, tokenId=0):
            market.list(token, 0, 1, PRICE, sender=bob)
    held.transferFrom(bob, sb.accounts.carol, 0, sender=bob)  # gifting works


def test_rented_land_cannot_change_hands_until_the_rental_ends(sb: Sandbox, market: Contract) -> None:
    alice, bob, carol, dave = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    land = sb.deploy("LandRegistry", alice, 4, 4, 0, sender=alice)
    land.mintParcel(bob, 1, 1, sender=alice)
    parcel = land.parcelId(1, 1)
    land.offerRental(parcel, 10**15, 10, sender=bob)
    land.setApprovalForAll(market, True, sender=bob)
    market.list(land, parcel, 1, PRICE, sender=bob)
    until = land.rent(parcel, 3, value=3 * 10**15, sender=carol).events["Rented"][0].args["until"]
    with sb.reverts("LandRented", tokenId=parcel, until=until):
        market.buy(0, 1, value=PRICE, sender=dave)
    assert market.balance == 0  # the failed purchase kept nothing
    sb.time_travel(to=until)
    market.buy(0, 1, value=PRICE, sender=dave)
    assert land.ownerOf(parcel) == dave and land.userOf(parcel) == ZERO


def test_buy_rules(sb: Sandbox, market: Contract, nft: Contract) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    market.list(nft, 0, 1, PRICE, sender=bob)
    with sb.reverts("MarketplaceSelfPurchase", listingId=0):
        market.buy(0, 1, value=PRICE, sender=bob)
    for sent in (0, PRICE - 1, PRICE + 1):
        with sb.reverts("MarketplaceIncorrectPayment", sent=sent, price=PRICE):
            market.buy(0, 1, value=sent, sender=carol)
    with sb.reverts("MarketplaceUnknownListing", listingId=5):
        market.buy(5, 1, value=PRICE, sender=carol)
    with sb.reverts("MarketplaceNotSeller", account=carol, listingId=0):
        market.cancel(0, sender=carol)
    market.cancel(0, sender=bob).assert_event("ListingCancelled", listingId=0)
    with sb.reverts("MarketplaceUnknownListing", listingId=0):
        market.buy(0, 1, value=PRICE, sender=carol)
    with sb.reverts("MarketplaceUnknownListing", listingId=0):
        market.cancel(0, sender=bob)
    assert market.balance == 0 and nft.ownerOf(0) == bob


def test_stale_listings_cannot_be_bought(sb: Sandbox, market: Contract, nft: Contract) -> None:
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    market.list(nft, 0, 1, PRICE, sender=bob)
    nft.setApprovalForAll(market, False, sender=bob)
    with sb.reverts("MarketplaceNotApproved", seller=bob, token=nft, tokenId=0):
        market.buy(0, 1, value=PRICE, sender=carol)
    nft.setApprovalForAll(market, True, sender=bob)
    nft.transferFrom(bob, dave, 0, sender=bob)
    with sb.reverts("MarketplaceNotTokenOwner", seller=bob, token=nft, tokenId=0, amount=1):
        market.buy(0, 1, value=PRICE, sender=carol)
    assert market.balance == 0


def test_a_contract_wallet_can_buy(sb: Sandbox, market: Contract, nft: Contract) -> None:
    bob = sb.accounts.bob
    market.list(nft, 0, 1, PRICE, sender=bob)
    buyer = sb.deploy("ReentrantReceiver", sender=bob)
    purchase = function_signature_to_4byte_selector("buy(uint256,uint256)") + abi_encode(["uint256", "uint256"], [0, 1])
    buyer.execute(market, purchase, value=PRICE, sender=bob)
    assert nft.ownerOf(0) == buyer


def test_a_royalty_receiver_that_refuses_ether_cannot_block_sales(sb: Sandbox, market: Contract, nft: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    refuser = sb.deploy("ERC721ReceiverMock", 2, sender=alice)
    nft.setDefaultRoyalty(refuser, 1_000, sender=alice)
    market.list(nft, 0, 1, PRICE, sender=bob)
    market.buy(0, 1, value=PRICE, sender=carol)
    assert market.payments(refuser) == PRICE // 10
    market.withdrawPayments(sender=bob)  # the seller is paid regardless
    assert_solvent(sb, market, refuser)


def test_royalty_is_capped_so_the_seller_is_never_charged(sb: Sandbox, market: Contract, nft: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    nft.setDefaultRoyalty(alice, 10_000, sender=alice)  # a 100% royalty
    market.list(nft, 0, 1, PRICE, sender=bob)
    fee, royalty, proceeds = split(PRICE, 10_000)
    market.buy(0, 1, value=PRICE, sender=carol).assert_event("Purchased", royalty=royalty, fee=fee)
    assert proceeds == 0 and market.payments(bob) == 0 and market.payments(alice) == PRICE - fee


def test_withdraw_reentrancy_is_blocked(sb: Sandbox, market: Contract, nft: Contract) -> None:
    """A seller contract that reenters withdrawPayments from its receive() is paid once."""
    bob, carol = sb.accounts.bob, sb.accounts.carol
    attacker = sb.deploy("ReentrantReceiver", sender=carol)
    nft.transferFrom(bob, attacker, 0, sender=bob)

    def call(sig: str, types: list[str], args: list[Any]) -> bytes:
        return function_signature_to_4byte_selector(sig) + abi_encode(types, args)

    attacker.execute(nft, call("setApprovalForAll(address,bool)", ["address", "bool"], [market.address, True]), sender=carol)
    listing = call("list(address,uint256,uint256,uint256)", ["address", "uint256", "uint256", "uint256"], [nft.address, 0, 1, PRICE])
    attacker.execute(market, listing, sender=carol)
    market.buy(0, 1, value=PRICE, sender=sb.accounts.dave)
    _, _, proceeds = split(PRICE)
    withdraw = call("withdrawPayments()", [], [])
    attacker.arm(market, withdraw, sender=carol)
    receipt = attacker.execute(market, withdraw, sender=carol)
    receipt.assert_event("Reentered", success=False)
    assert attacker.balance == proceeds and market.payments(attacker) == 0
    assert_solvent(sb, market)


def test_platform_fee_configuration(sb: Sandbox, market: Contract) -> None:
    heidi, bob = sb.accounts.heidi, sb.accounts.bob
    assert market.platformFee() == (FEE_BPS, heidi)
    with sb.reverts("OwnableUnauthorizedAccount", account=bob):
        market.setPlatformFee(0, bob, sender=bob)
    assert market.MAX_FEE_BPS() == 1_000
    with sb.reverts("MarketplaceInvalidFee", bps=1_001, recipient=bob):
        market.setPlatformFee(1_001, bob, sender=heidi)
    with sb.reverts("MarketplaceInvalidFee", bps=10, recipient=ZERO):
        market.setPlatformFee(10, ZERO, sender=heidi)
    market.setPlatformFee(0, bob, sender=heidi).assert_event("PlatformFeeChanged", bps=0, recipient=bob)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=st.integers(1, 10**21), royalty_bps=st.integers(0, 10_000))
def test_every_wei_is_owed_to_someone(sb: Sandbox, market: Contract, nft: Contract, price: int, royalty_bps: int) -> None:
    """Property: fee + royalty + proceeds == price and the market holds exactly what it owes."""
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    with sb.isolate():
        nft.setDefaultRoyalty(sb.accounts.erin, royalty_bps, sender=alice)
        market.list(nft, 0, 1, price, sender=bob)
        market.buy(0, 1, value=price, sender=carol)
        fee, royalty, proceeds = split(price, royalty_bps)
        assert (market.payments(sb.accounts.heidi), market.payments(sb.accounts.erin), market.payments(bob)) == (fee, royalty, proceeds)
        assert market.balance == price == fee + royalty + proceeds
