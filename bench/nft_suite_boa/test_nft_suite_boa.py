"""The 20 tests of bench/nft_suite/test_nft_suite.py written for titanoboa 0.1 + boa-solidity.

Reverts are checked with ``boa.reverts()`` (boa 0.1 decodes no custom errors for
Solidity contracts), events from the computation's raw logs: a lighter check
than the Sandbox suite makes, so titanoboa's time is the stricter baseline.
"""

from __future__ import annotations

import boa
import pytest
from eth_utils import keccak

URI = "data:application/json,{}"
PRICE = 10**16
TRANSFER = keccak(text="Transfer(address,address,uint256)")


def _topic(address) -> bytes:
    return bytes(12) + bytes.fromhex(str(address)[2:])


def _transfers(nft):
    logs = nft._computation.get_log_entries()
    return [topics for _, topics, _ in ((a, [t.to_bytes(32, "big") if isinstance(t, int) else t for t in ts], d) for a, ts, d in logs)
            if topics and topics[0] == TRANSFER]


@pytest.fixture(scope="module")
def nft(deployer, alice):
    return deployer.deploy("Bench", "BNC", alice)


@pytest.fixture
def minted(nft, alice, bob):
    nft.mint(bob, URI, sender=alice)
    return 0


def test_symbol(nft):
    assert nft.symbol() == "BNC"


def test_owner_is_alice(nft, alice):
    assert nft.owner() == alice


def test_mint_emits_transfer(nft, alice, bob):
    nft.mint(bob, URI, sender=alice)
    assert _transfers(nft)[0][2] == _topic(bob)


def test_minted_token_belongs_to_bob(nft, minted, bob):
    assert nft.ownerOf(minted) == bob and nft.balanceOf(bob) == 1


def test_token_uri_is_stored(nft, minted):
    assert nft.tokenURI(minted) == URI


def test_total_supply_counts_mints(nft, alice, carol):
    before = nft.totalSupply()
    for _ in range(3):
        nft.mint(carol, URI, sender=alice)
    assert nft.totalSupply() == before + 3


def test_only_owner_mints(nft, bob):
    with boa.reverts():
        nft.mint(bob, URI, sender=bob)


def test_transfer_moves_the_token(nft, minted, bob, carol):
    nft.transferFrom(bob, carol, minted, sender=bob)
    assert nft.ownerOf(minted) == carol


def test_stranger_cannot_transfer(nft, minted, bob, carol):
    with boa.reverts():
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


def test_unknown_token_reverts(nft):
    with boa.reverts():
        nft.ownerOf(99)


def test_supply_cap(nft, alice, bob):
    cap = nft.totalSupply() + 1
    nft.setMaxSupply(cap, sender=alice)
    nft.mint(bob, URI, sender=alice)
    with boa.reverts():
        nft.mint(bob, URI, sender=alice)


def test_public_sale_closed_by_default(nft, bob):
    with boa.reverts():
        nft.publicMint(URI, sender=bob, value=PRICE)


def test_public_mint_at_the_price(nft, alice, bob):
    nft.configureSale(PRICE, 5, True, sender=alice)
    before = nft.balanceOf(bob)
    nft.publicMint(URI, sender=bob, value=PRICE)
    assert _transfers(nft)[0][2] == _topic(bob)
    assert nft.balanceOf(bob) == before + 1


def test_public_mint_wrong_price(nft, alice, bob):
    nft.configureSale(PRICE, 5, True, sender=alice)
    with boa.reverts():
        nft.publicMint(URI, sender=bob, value=1)


def test_sale_proceeds_are_withdrawn(nft, alice, bob):
    nft.configureSale(PRICE, 5, True, sender=alice)
    nft.publicMint(URI, sender=bob, value=PRICE)
    before = boa.env.get_balance(alice)
    nft.withdrawPayments(alice, sender=alice)
    assert boa.env.get_balance(alice) - before == PRICE  # boa charges no gas


def test_pause_blocks_transfers(nft, minted, alice, bob, carol):
    nft.pause(sender=alice)
    with boa.reverts():
        nft.transferFrom(bob, carol, minted, sender=bob)


def test_royalty_info(nft, minted, alice, frank):
    nft.setDefaultRoyalty(frank, 500, sender=alice)
    assert nft.royaltyInfo(minted, 10_000) == (frank, 500)


def test_supports_erc721_interface(nft):
    assert nft.supportsInterface(bytes.fromhex("80ac58cd"))
