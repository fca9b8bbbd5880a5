"""Editions (ERC-1155): supply caps, {id} URIs, perk redemption by burning,
transfers to good and bad receivers, royalties."""

from __future__ import annotations

import pytest
from contract_helpers import ZERO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Contract, Sandbox

TEMPLATE = "ipfs://bafyeditions/{id}.json"
ERC1155 = bytes.fromhex("d9b67a26")
ERC1155_METADATA = bytes.fromhex("0e89341c")
ERC2981 = bytes.fromhex("2a55205a")


@pytest.fixture(scope="module")
def editions(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    editions = sb.deploy("Editions", TEMPLATE, alice, sender=alice)
    editions.createEdition(100, False, sender=alice)  # id 0: a 100-copy collectible
    editions.createEdition(3, True, sender=alice)  # id 1: a tourism pass with a perk
    return editions


def test_create_edition(sb: Sandbox, editions: Contract) -> None:
    receipt = editions.createEdition(7, True, sender=sb.accounts.alice)
    receipt.assert_event("EditionCreated", id=2, maxSupply=7, redeemable=True)
    assert editions.edition(2) == (7, True) and editions.editionCount() == 3
    with sb.reverts("EditionsInvalidMaxSupply", maxSupply=0):
        editions.createEdition(0, False, sender=sb.accounts.alice)
    with sb.reverts("EditionsUnknownId", id=9):
        editions.edition(9)


def test_mint_up_to_the_cap(sb: Sandbox, editions: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    receipt = editions.mint(bob, 1, 2, sender=alice)
    receipt.assert_event("TransferSingle", operator=alice, to=bob, id=1, value=2)
    editions.mint(carol, 1, 1, sender=alice)
    assert editions.balanceOf(bob, 1) == 2 and editions.totalSupply(1) == 3
    assert editions.exists(1) and not editions.exists(7)
    with sb.reverts("EditionsSupplyExceeded", id=1, requested=1, available=0):
        editions.mint(bob, 1, 1, sender=alice)
    with sb.reverts("EditionsSupplyExceeded", id=0, requested=101, available=100):
        editions.mint(bob, 0, 101, sender=alice)
    with sb.reverts("EditionsUnknownId", id=5):
        editions.mint(bob, 5, 1, sender=alice)
    with sb.reverts("ERC1155InvalidReceiver", receiver=ZERO):
        editions.mint(ZERO, 0, 1, sender=alice)


def test_owner_only(sb: Sandbox, editions: Contract) -> None:
    bob = sb.accounts.bob
    for call in (
        lambda: editions.createEdition(5, False, sender=bob),
        lambda: editions.mint(bob, 0, 1, sender=bob),
        lambda: editions.setURI("x", sender=bob),
        lambda: editions.setDefaultRoyalty(bob, 1, sender=bob),
    ):
        with sb.reverts("OwnableUnauthorizedAccount", account=bob):
            call()


def test_uri_template_substitution(sb: Sandbox, editions: Contract) -> None:
    template = editions.uri(1)
    assert template == TEMPLATE  # ERC-1155: one template for every id
    assert template.replace("{id}", f"{1:064x}") == "ipfs://bafyeditions/" + "0" * 63 + "1.json"
    editions.setURI("https://cdn.example/{id}", sender=sb.accounts.alice)
    assert editions.uri(0) == "https://cdn.example/{id}"


def test_redeem_perk_by_burning(sb: Sandbox, editions: Contract) -> None:
    alice, bob = sb.accounts.alice, sb.accounts.bob
    editions.mint(bob, 1, 3, sender=alice)
    receipt = editions.redeem(1, 2, sender=bob)
    receipt.assert_event("TransferSingle", operator=bob, to=ZERO, id=1, value=2)
    receipt.assert_event("PerkRedeemed", holder=bob, id=1, amount=2)
    assert editions.balanceOf(bob, 1) == 1 and editions.redeemed(bob, 1) == 2 and editions.totalSupply(1) == 1
    with sb.reverts("ERC1155InsufficientBalance", sender=bob, balance=1, needed=2, tokenId=1):
        editions.redeem(1, 2, sender=bob)
    with sb.reverts("EditionsInvalidAmount", amount=0):
        editions.redeem(1, 0, sender=bob)
    editions.mint(bob, 0, 1, sender=alice)
    with sb.reverts("EditionsNotRedeemable", id=0):
        editions.redeem(0, 1, sender=bob)
    with sb.reverts("EditionsUnknownId", id=8):
        editions.redeem(8, 1, sender=bob)


def test_transfers_and_receivers(sb: Sandbox, editions: Contract) -> None:
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    editions.mint(bob, 0, 10, sender=alice)
    editions.safeTransferFrom(bob, carol, 0, 4, b"", sender=bob).assert_event("TransferSingle", **{"from": bob, "to": carol, "value": 4})
    assert (editions.balanceOf(bob, 0), editions.balanceOf(carol, 0)) == (6, 4)
    with sb.reverts("ERC1155MissingApprovalForAll", operator=carol, owner=bob):
        editions.safeTransferFrom(bob, carol, 0, 1, b"", sender=carol)
    editions.setApprovalForAll(carol, True, sender=bob)
    editions.safeBatchTransferFrom(bob, carol, [0, 0], [2, 4], b"", sender=carol).assert_event("TransferBatch", operator=carol)
    receiver = sb.deploy("ERC721ReceiverMock", 0, sender=alice)
    editions.safeTransferFrom(carol, receiver, 0, 1, b"", sender=carol)
    assert editions.balanceOf(receiver, 0) == 1
    plain = sb.deploy("NonReceiver", sender=alice)
    with sb.reverts("ERC1155InvalidReceiver", receiver=plain):
        editions.safeTransferFrom(carol, plain, 0, 1, b"", sender=carol)
    refusing = sb.deploy("ERC721ReceiverMock", 2, sender=alice)
    with sb.reverts("ReceiverMockRefused"):
        editions.safeTransferFrom(carol, refusing, 0, 1, b"", sender=carol)
    with sb.reverts("ERC1155InsufficientBalance", sender=carol, balance=9, needed=10, tokenId=0):
        editions.safeTransferFrom(carol, bob, 0, 10, b"", sender=carol)


def test_royalty_and_interfaces(sb: Sandbox, editions: Contract) -> None:
    assert editions.royaltyInfo(1, 10_000) == (sb.accounts.alice, editions.DEFAULT_ROYALTY_BPS()) == (sb.accounts.alice, 500)
    assert editions.supportsInterface(ERC1155) and editions.supportsInterface(ERC1155_METADATA)
    assert editions.supportsInterface(ERC2981) and not editions.supportsInterface(b"\xff\xff\xff\xff")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mints=st.lists(st.integers(1, 40), min_size=1, max_size=6))
def test_supply_never_passes_the_cap(sb: Sandbox, editions: Contract, mints: list[int]) -> None:
    """Property: whatever the sequence of mint sizes, supply stays <= 100 and failed mints change nothing."""
    with sb.isolate():
        supply = 0
        for amount in mints:
            if supply + amount > 100:
                with sb.reverts("EditionsSupplyExceeded", id=0, requested=amount, available=100 - supply):
                    editions.mint(sb.accounts.bob, 0, amount, sender=sb.accounts.alice)
            else:
                editions.mint(sb.accounts.bob, 0, amount, sender=sb.accounts.alice)
                supply += amount
            assert editions.totalSupply(0) == supply == editions.balanceOf(sb.accounts.bob, 0)
