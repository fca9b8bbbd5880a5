"""TieredHoldCollectible: Jingtan's 2022 rule (180 days, then two years per later gift)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from erc721_behaviour import ERC721Behaviour

from sandbox import Contract, Sandbox

DAY = 86_400
FIRST, LATER = 180 * DAY, 730 * DAY


@pytest.fixture(scope="module")
def tiered(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    return sb.deploy("TieredHoldCollectible", "Jingtan", "JT", alice, FIRST, LATER, sender=alice)


@pytest.fixture
def minted(sb: Sandbox, tiered: Contract) -> int:
    receipt = tiered.mint(sb.accounts.bob, "ipfs://t", sender=sb.accounts.alice)
    return int(receipt.events["Transfer"][0].args["tokenId"])


class TestTieredHoldBehavesLikeERC721(ERC721Behaviour):
    @pytest.fixture
    def token(self, tiered: Contract) -> Contract:
        return tiered

    @pytest.fixture
    def mint(self, sb: Sandbox, tiered: Contract) -> Callable[[Any], int]:
        def mint(to: Any) -> int:
            receipt = tiered.mint(to, "ipfs://t", sender=sb.accounts.alice)
            return int(receipt.events["Transfer"][0].args["tokenId"])

        return mint

    @pytest.fixture
    def unlock(self, sb: Sandbox) -> Callable[[int], None]:
        return lambda token_id: sb.time_travel(seconds=FIRST)


def test_first_gift_waits_180_days(sb: Sandbox, tiered: Contract, minted: int) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    arrived = sb.chain.timestamp
    assert tiered.giftableAt(minted) == arrived + FIRST
    with sb.reverts("SandboxNFTHoldPeriodActive", tokenId=minted, transferableAt=arrived + FIRST):
        tiered.transferFrom(bob, carol, minted, sender=bob)
    sb.time_travel(to=arrived + FIRST)
    receipt = tiered.transferFrom(bob, carol, minted, sender=bob)
    receipt.assert_event("Transfer", **{"from": bob}, to=carol, tokenId=minted)
    assert tiered.hops(minted) == 1


def test_later_gifts_wait_two_years(sb: Sandbox, tiered: Contract, minted: int) -> None:
    bob, carol = sb.accounts.bob, sb.accounts.carol
    sb.time_travel(seconds=FIRST)
    arrived = sb.chain.timestamp + 1
    tiered.transferFrom(bob, carol, minted, sender=bob)
    assert tiered.giftableAt(minted) == arrived + LATER
    # 180 days is no longer enough once the token has moved.
    sb.time_travel(seconds=FIRST)
    with sb.reverts("SandboxNFTHoldPeriodActive", transferableAt=arrived + LATER):
        tiered.transferFrom(carol, bob, minted, sender=carol)
    sb.time_travel(to=arrived + LATER)
    tiered.transferFrom(carol, bob, minted, sender=carol)
    assert tiered.hops(minted) == 2 and tiered.ownerOf(minted) == bob


def test_gifts_are_not_sales(tiered: Contract, minted: int) -> None:
    assert tiered.saleAllowed(minted) is False
    assert tiered.transferPolicy() == 1  # GiftOnlyAfterHold


def test_later_hold_shorter_than_first_is_refused(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    with sb.reverts("TieredHoldInvalidPeriods", firstHold=FIRST, laterHold=DAY):
        sb.deploy("TieredHoldCollectible", "x", "x", alice, FIRST, DAY, sender=alice)
