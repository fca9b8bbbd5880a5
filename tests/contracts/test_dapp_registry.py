"""DAppRegistry: unique names, owner updates and handover, registrar
verification, events for indexing, paginated listing by category."""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import ZERO
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Contract, Sandbox

REGISTRAR = keccak(text="REGISTRAR_ROLE")


def assert_refused(sb: Sandbox, function: Any, *args: Any, sender: Any, error: str, **expected: Any) -> None:
    """The transaction reverts, and the same call reverts with ``error(**expected)``.

    Custom errors with a string argument are checked on the ``eth_call`` path:
    on the transaction path web3.py's EthereumTesterProvider decodes any revert
    data as ``Error(string)`` before the sandbox sees it (see the report).
    """
    with sb.reverts():
        function(*args, sender=sender)
    with sb.reverts(error, **expected):
        function.call(*args, sender=sender)


@pytest.fixture(scope="module")
def registry(sb: Sandbox) -> Contract:
    alice = sb.accounts.alice
    registry = sb.deploy("DAppRegistry", alice, sender=alice)
    registry.grantRole(REGISTRAR, sb.accounts.heidi, sender=alice)
    return registry


@pytest.fixture(scope="module")
def app(sb: Sandbox) -> Contract:
    """Any contract to register (the registry only needs code at the address)."""
    return sb.deploy("NonReceiver", sender=sb.accounts.alice)


@pytest.fixture(scope="module")
def other_app(sb: Sandbox) -> Contract:
    return sb.deploy("NonReceiver", sender=sb.accounts.alice)


def test_register_and_look_up(sb: Sandbox, registry: Contract, app: Contract) -> None:
    bob = sb.accounts.bob
    receipt = registry.register("Museum Pass", app, "ipfs://meta", "tourism", sender=bob)
    event = receipt.assert_event("DAppRegistered", id=0, owner=bob, contractAddress=app, metadataURI="ipfs://meta")
    assert event.args["category"] == keccak(text="tourism")  # indexed string: its hash, filterable
    assert registry.idOf("Museum Pass") == 0 and registry.entryCount() == 1
    entry = registry.entry(0)
    stamp = sb.w3.eth.get_block(receipt.block_number)["timestamp"]
    assert entry == (0, "Museum Pass", app.address, "ipfs://meta", "tourism", bob.address, False, stamp)
    with sb.reverts("DAppRegistryUnknownName", name="museum pass"):  # names are exact
        registry.idOf("museum pass")
    with sb.reverts("DAppRegistryUnknownEntry", id=1):
        registry.entry(1)


def test_names_are_unique(sb: Sandbox, registry: Contract, app: Contract) -> None:
    registry.register("Jingtan", app, "", "collectibles", sender=sb.accounts.bob)
    assert_refused(sb, registry.register, "Jingtan", app, "", "games", sender=sb.accounts.carol, error="DAppRegistryNameTaken", name="Jingtan")
    assert registry.entryCount() == 1


@pytest.mark.parametrize(
    ("name", "target", "category", "error", "args"),
    [
        ("", "app", "games", "DAppRegistryInvalidName", {"name": ""}),
        ("x" * 65, "app", "games", "DAppRegistryInvalidName", {"name": "x" * 65}),
        ("ok", "app", "", "DAppRegistryInvalidCategory", {"category": ""}),
        ("ok", "app", "c" * 33, "DAppRegistryInvalidCategory", {"category": "c" * 33}),
        ("ok", "eoa", "games", "DAppRegistryInvalidContract", {}),
        ("ok", "zero", "games", "DAppRegistryInvalidContract", {"contractAddress": ZERO}),
    ],
)
def test_register_validates_fields(
    sb: Sandbox, registry: Contract, app: Contract, name: str, target: str, category: str, error: str, args: dict[str, str]
) -> None:
    address = {"app": app.address, "eoa": sb.accounts.dave.address, "zero": ZERO}[target]
    assert_refused(sb, registry.register, name, address, "", category, sender=sb.accounts.bob, error=error, **args)
    assert registry.entryCount() == 0


def test_owner_updates_and_hands_over(sb: Sandbox, registry: Contract, app: Contract, other_app: Contract) -> None:
    bob, carol, mallory = sb.accounts.bob, sb.accounts.carol, sb.accounts.judy
    registry.register("Quest", app, "ipfs://v1", "games", sender=bob)
    with sb.reverts("DAppRegistryNotEntryOwner", account=mallory, id=0):
        registry.update(0, other_app, "ipfs://evil", "games", sender=mallory)
    with sb.reverts("DAppRegistryNotEntryOwner", account=mallory, id=0):
        registry.transferEntry(0, mallory, sender=mallory)
    registry.update(0, app, "ipfs://v2", "games", sender=bob).assert_event("DAppUpdated", id=0, contractAddress=app, metadataURI="ipfs://v2")
    with sb.reverts("DAppRegistryInvalidOwner", newOwner=ZERO):
        registry.transferEntry(0, ZERO, sender=bob)
    registry.transferEntry(0, carol, sender=bob).assert_event("DAppOwnershipTransferred", id=0, previousOwner=bob, newOwner=carol)
    with sb.reverts("DAppRegistryNotEntryOwner", account=bob, id=0):
        registry.update(0, app, "ipfs://v3", "games", sender=bob)
    registry.update(0, app, "ipfs://v3", "games", sender=carol)
    assert registry.entry(0)[3] == "ipfs://v3" and registry.entry(0)[5] == carol
    with sb.reverts("DAppRegistryUnknownEntry", id=4):
        registry.update(4, app, "", "games", sender=carol)


def test_registrar_verifies_and_a_new_contract_clears_it(sb: Sandbox, registry: Contract, app: Contract, other_app: Contract) -> None:
    bob, heidi = sb.accounts.bob, sb.accounts.heidi
    registry.register("Wallet", app, "", "finance", sender=bob)
    with sb.reverts("AccessControlUnauthorizedAccount", account=bob, neededRole=REGISTRAR):
        registry.setVerified(0, True, sender=bob)
    registry.setVerified(0, True, sender=heidi).assert_event("DAppVerificationChanged", id=0, verified=True, by=heidi)
    assert registry.entry(0)[6] is True
    registry.update(0, app, "ipfs://new-meta", "finance", sender=bob)  # same contract: stays verified
    assert registry.entry(0)[6] is True
    receipt = registry.update(0, other_app, "", "finance", sender=bob)
    receipt.assert_event("DAppVerificationChanged", id=0, verified=False, by=bob)
    assert registry.entry(0)[6] is False
    with sb.reverts("DAppRegistryUnknownEntry", id=9):
        registry.setVerified(9, True, sender=heidi)


def test_paginated_listing_by_category(sb: Sandbox, registry: Contract, app: Contract) -> None:
    bob = sb.accounts.bob
    for i in range(5):
        registry.register(f"game-{i}", app, "", "games", sender=bob)
    registry.register("badge", app, "", "identity", sender=bob)
    page, total = registry.listByCategory("games", 0, 2)
    assert total == 5 and [e[1] for e in page] == ["game-0", "game-1"]
    page, _ = registry.listByCategory("games", 4, 2)
    assert [e[1] for e in page] == ["game-4"]
    assert registry.listByCategory("games", 5, 2) == ([], 5)
    assert registry.listByCategory("games", 2**255, 2) == ([], 5)
    assert registry.listByCategory("games", 1, 0) == ([], 5)
    assert registry.listByCategory("music", 0, 10) == ([], 0)
    assert registry.MAX_PAGE() == 100
    with sb.reverts("DAppRegistryPageTooLarge", limit=101, max=100):
        registry.listByCategory("games", 0, 101)
    # Moving game-1 to identity: both listings follow.
    registry.update(1, app, "", "identity", sender=bob)
    games, total = registry.listByCategory("games", 0, 100)
    assert total == 4 and sorted(e[1] for e in games) == ["game-0", "game-2", "game-3", "game-4"]
    identity, _ = registry.listByCategory("identity", 0, 100)
    assert [e[1] for e in identity] == ["badge", "game-1"]


def test_events_index_a_whole_history(sb: Sandbox, registry: Contract, app: Contract) -> None:
    """An indexer rebuilds the directory from events alone."""
    bob, carol = sb.accounts.bob, sb.accounts.carol
    registry.register("A", app, "u1", "games", sender=bob)
    registry.register("B", app, "u2", "tools", sender=carol)
    registry.update(0, app, "u3", "games", sender=bob)
    registry.transferEntry(1, bob, sender=carol)
    owners, uris = {}, {}
    for event in sb.get_events(registry):
        if event.name == "DAppRegistered":
            owners[event.args["id"]], uris[event.args["id"]] = event.args["owner"], event.args["metadataURI"]
        elif event.name == "DAppUpdated":
            uris[event.args["id"]] = event.args["metadataURI"]
        elif event.name == "DAppOwnershipTransferred":
            owners[event.args["id"]] = event.args["newOwner"]
    assert owners == {0: bob, 1: bob} and uris == {0: "u3", 1: "u2"}


@pytest.fixture(scope="module")
def six_entries(sb: Sandbox, app: Contract) -> Contract:
    """A registry with entries e0..e5 in categories a, b, c, a, b, c."""
    registry = sb.deploy("DAppRegistry", sb.accounts.alice, sender=sb.accounts.alice)
    for i in range(6):
        registry.register(f"e{i}", app, "", "abc"[i % 3], sender=sb.accounts.bob)
    return registry


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", "c"])), max_size=6))
def test_categories_partition_the_entries(sb: Sandbox, six_entries: Contract, app: Contract, moves: list[tuple[int, str]]) -> None:
    """Property: after any category moves, every entry is listed exactly once, under its own category."""
    registry = six_entries
    with sb.isolate():
        for entry_id, category in moves:
            registry.update(entry_id, app, "", category, sender=sb.accounts.bob)
        seen = []
        for category in "abc":
            page, total = registry.listByCategory(category, 0, 100)
            assert total == len(page)
            assert all(e[4] == category for e in page)
            seen += [e[0] for e in page]
        assert sorted(seen) == list(range(6))
