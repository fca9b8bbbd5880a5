"""The 20-test SandboxNFT suite that bench/suite_compare.py times on the embedded chain and on anvil.

It uses only the plugin's fixtures, so the same file runs on both with no change.
"""

from __future__ import annotations

import pytest

URI = "data:application/json,{}"
PRICE = 10**16


@pytest.fixture(scope="module")
def nft(deploy, alice):
    return deploy("SandboxNFT", "Bench", "BNC", alice, sender=alice)


@pytest.fixture(scope="module")
def minted(nft, alice, bob):
    nft.mint(bob, URI, sender=alice)
    return 0


def test_symbol(nft):
    assert nft.symbol() == "BNC"


def test_owner_is_alice(nft, alice):
    assert nft.owner() == alice


def test_mint_emits_transfer(nft, alice, bob):
    receipt = nft.mint(bob, URI, sender=alice)
    receipt.assert_event("Transfer", to=bob, tokenId=0)


def test_minted_token_belongs_to_bob(nft, minted, bob):
    assert nft.ownerOf(minted) == bob and nft.balanceOf(bob) == 1


def test_token_uri_is_stored(nft, minted):
    assert nft.tokenURI(minted) == URI


def test_total_supply_counts_mints(nft, alice, carol):
    before = nft.totalSupply()
    for _ in range(3):
        nft.mint(carol, URI, sender=alice)
    assert nft.totalSupply() == before + 3


def test_only_owner_mints(sandbox, nft, bob):
    with sandbox.reverts("OwnableUnauthorizedAccount", account=bob):
        nft.mint(bob, URI, sender=bob)


def test_transfer_moves_the_token(nft, minted, bob, carol):
    nft.transferFrom(bob, carol, minted, sender=bob)
    assert nft.ownerOf(minted) == carol


def test_stranger_cannot_transfer(sandbox, nft, minted, bob, carol):
    with sandbox.reverts("ERC721InsufficientApproval", operator=carol, tokenId=minted):
        nft.transferFrom(bob, carol, minted, sender=carol)


def test_approved_account_transfers(nft, minted, bob, carol, dave):
    nft.approve(carol, minted, sender=bob)
    assert nft.getApproved(minted) == carol
    nft.transferFrom(bob, dave, minted, sender=carol)
    assert nft.ownerOf(minted) == dave


def test_operator_transfers(nft, minted, bob, erin):
    nft.setApprovalForAll(erin, True, sender=bob)
    assert nft.isApprovedForAll(bob, erin)
    nft.transferFrom(bob, erin, minted, sender=erin)
    assert nft.ownerOf(minted) == erin


def test_unknown_token_reverts(sandbox, nft):
    with sandbox.reverts("ERC721NonexistentToken", tokenId=99):
        nft.ownerOf(99)


def test_supply_cap(sandbox, nft, alice, bob):
    cap = nft.totalSupply() + 1
    nft.setMaxSupply(cap, sender=alice)
    nft.mint(bob, URI, sender=alice)
    with sandbox.reverts("SandboxNFTSupplyExhausted", cap=cap):
        nft.mint(bob, URI, sender=alice)


def test_public_sale_closed_by_default(sandbox, nft, bob):
    with sandbox.reverts("SandboxNFTPublicSaleClosed"):
        nft.publicMint(URI, sender=bob, value=PRICE)


def test_public_mint_at_the_price(nft, alice, bob):
    nft.configureSale(PRICE, 5, True, sender=alice)
    before = nft.balanceOf(bob)
    receipt = nft.publicMint(URI, sender=bob, value=PRICE)
    receipt.assert_event("Transfer", to=bob)
    assert nft.balanceOf(bob) == before + 1


def test_public_mint_wrong_price(sandbox, nft, alice, bob):
    nft.configureSale(PRICE, 5, True, sender=alice)
    with sandbox.reverts("SandboxNFTIncorrectPayment", sent=1, price=PRICE):
        nft.publicMint(URI, sender=bob, value=1)


def test_sale_proceeds_are_withdrawn(nft, alice, bob, balance_change):
    nft.configureSale(PRICE, 5, True, sender=alice)
    nft.publicMint(URI, sender=bob, value=PRICE)
    with balance_change(alice) as change:
        nft.withdrawPayments(alice, sender=alice)
    assert change[alice] == PRICE


def test_pause_blocks_transfers(sandbox, nft, minted, alice, bob, carol):
    nft.pause(sender=alice)
    with sandbox.reverts("EnforcedPause"):
        nft.transferFrom(bob, carol, minted, sender=bob)


def test_royalty_info(nft, minted, alice, frank):
    nft.setDefaultRoyalty(frank, 500, sender=alice)
    assert nft.royaltyInfo(minted, 10_000) == (frank, 500)


def test_supports_erc721_interface(nft):
    assert nft.supportsInterface(bytes.fromhex("80ac58cd"))
