"""Tests for SampleNFT, run with `pytest`: the sandbox's plugin gives the fixtures."""

import pytest


@pytest.fixture
def nft(deploy, alice):
    return deploy("SampleNFT", alice, sender=alice)


def test_owner_mints_and_holder_transfers(nft, sandbox, alice, bob, carol):
    receipt = nft.mint(bob, sender=alice)
    receipt.assert_event("Transfer", to=bob, tokenId=0)
    assert nft.ownerOf(0) == bob
    nft.transferFrom(bob, carol, 0, sender=bob)
    assert nft.balanceOf(carol) == 1


def test_only_the_owner_mints(nft, sandbox, bob):
    with sandbox.reverts("OwnableUnauthorizedAccount", account=bob):
        nft.mint(bob, sender=bob)
