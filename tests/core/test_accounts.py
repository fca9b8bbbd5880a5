from __future__ import annotations

import pytest

from sandbox import Sandbox
from sandbox.chain.accounts import NAMES, Accounts, normalize_address
from sandbox.errors import InvalidAddressError, UnknownAccountError

# anvil's and Hardhat's first, second and last default accounts.
ANVIL = {
    "alice": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "bob": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "judy": "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
}


def test_ten_named_accounts_match_anvil(sb: Sandbox) -> None:
    assert [a.name for a in sb.accounts] == list(NAMES)
    for name, address in ANVIL.items():
        assert sb.accounts[name].address == address
    assert sb.accounts[0] == ANVIL["alice"]
    assert sb.accounts.bob == ANVIL["bob"].lower()
    assert sb.accounts[ANVIL["judy"].lower()].name == "judy"


def test_accounts_are_funded_on_chain(sb: Sandbox) -> None:
    for account in sb.accounts:
        assert account.balance == 10_000 * 10**18
    assert sb.balance("carol") == 10_000 * 10**18


def test_account_equality_and_hash(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    assert alice == alice.address and alice.address == alice
    assert alice != sb.accounts.bob
    assert {alice: 1}[sb.accounts[0]] == 1
    assert "private_key" not in repr(alice) and alice.private_key.hex() not in repr(alice)


def test_unknown_account_lists_the_known_ones(sb: Sandbox) -> None:
    with pytest.raises(UnknownAccountError, match="'mallory'.*alice, bob"):
        sb.accounts["mallory"]
    with pytest.raises(UnknownAccountError, match="mallory"):
        sb.accounts.mallory  # noqa: B018
    with pytest.raises(UnknownAccountError, match="index 10 out of range"):
        sb.accounts[10]


def test_address_validation_names_the_value_and_the_fix() -> None:
    good = ANVIL["alice"]
    assert normalize_address(good.lower()) == good
    assert normalize_address(good.upper().replace("0X", "0x")) == good
    bad_checksum = good[:-1] + good[-1].swapcase() if good[-1].isalpha() else "0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(InvalidAddressError, match=f"wrong EIP-55 checksum; did you mean {good}"):
        normalize_address(bad_checksum)
    with pytest.raises(InvalidAddressError, match="'0x1234' is not an address"):
        normalize_address("0x1234")
    accounts = Accounts.dev()
    with pytest.raises(InvalidAddressError, match="'mallory' is not an address nor a known account; known accounts: alice, bob, carol"):
        accounts.resolve("mallory")
    assert accounts.resolve(good.lower()[2:]) == good  # 40 hex digits without 0x: an address, though it reads as a name
    with pytest.raises(InvalidAddressError, match="not an address"):
        normalize_address(42)
