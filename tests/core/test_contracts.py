from __future__ import annotations

import pytest

from sandbox import Contract, Sandbox
from sandbox.errors import ArgumentError, InvalidAddressError, UnknownContractError


def test_view_is_a_call_and_transaction_returns_receipt(sb: Sandbox, probe: Contract) -> None:
    block = sb.chain.block_number
    assert probe.counter() == 0
    assert sb.chain.block_number == block  # a call mines nothing
    receipt = probe.poke(sender=sb.accounts.alice)
    assert receipt.status == 1 and receipt.gas_used > 21_000
    assert receipt.block_number == block + 1
    assert receipt.events["Poked"][0].args["value"] == 1
    assert receipt.events["Poked"][0].value == 1


def test_payable_call_sends_ether_and_decodes_events(sb: Sandbox, probe: Contract) -> None:
    bob = sb.accounts.bob
    before = bob.balance
    receipt = probe.deposit("memo", sender=bob, value=10**18)
    assert probe.balance == 10**18
    assert probe.deposits(bob) == 10**18
    assert bob.balance == before - 10**18 - receipt.fee
    event = receipt.assert_event("Deposited", **{"from": bob}, amount=10**18, memo="memo")
    assert event.address == probe.address


def test_assert_event_reports_what_was_seen(sb: Sandbox, probe: Contract) -> None:
    receipt = probe.poke(sender=sb.accounts.alice)
    with pytest.raises(AssertionError, match=r"no Poked event with value=5; Poked events seen: \[\{'value': 1\}\]"):
        receipt.assert_event("Poked", value=5)
    with pytest.raises(AssertionError, match="expected a 'Transfer' event; events present: \\['Poked'\\]"):
        receipt.assert_event("Transfer")
    with pytest.raises(KeyError, match="no 'Transfer' event in this receipt"):
        receipt.events["Transfer"]


def test_overloads_are_chosen_by_arguments(sb: Sandbox, probe: Contract) -> None:
    alice = sb.accounts.alice
    probe.poke(sender=alice)
    probe.poke(10, sender=alice)
    assert probe.counter() == 11
    probe.poke(sb.accounts.bob, sender=alice)  # address overload, account accepted
    assert probe.counter() == 11 + int(sb.accounts.bob.address, 16) % 7


def test_wrong_argument_count_shows_the_signature(sb: Sandbox, probe: Contract) -> None:
    with pytest.raises(ArgumentError, match=r"Probe.divide got 1 argument\(s\); signature: divide\(uint256 a, uint256 b\)"):
        probe.divide(1)
    with pytest.raises(ArgumentError, match=r"poke\(\); poke\(uint256 by\); poke\(address who\)"):
        probe.poke(1, 2, sender=sb.accounts.alice)


def test_wrong_argument_type_shows_the_signature(sb: Sandbox, probe: Contract) -> None:
    with pytest.raises(ArgumentError, match=r"do not fit divide\(uint256 a, uint256 b\)"):
        probe.divide("one", 2)
    with pytest.raises(ArgumentError, match="do not fit overflow"):
        probe.overflow(300)


def test_bad_address_argument_is_named(sb: Sandbox, probe: Contract) -> None:
    with pytest.raises(InvalidAddressError, match="wrong EIP-55 checksum; did you mean 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"):
        probe.deposits("0x70997970c51812dc3A010C7d01b50e0d17dc79C8")


def test_unknown_function_lists_functions(probe: Contract) -> None:
    with pytest.raises(AttributeError, match="Probe has no function 'mint'; functions: counter, deposit"):
        probe.mint  # noqa: B018


def test_transaction_without_sender_is_refused(probe: Contract) -> None:
    with pytest.raises(ArgumentError, match="Probe.poke is a transaction: pass sender="):
        probe.poke()


def test_at_returns_a_handle_to_a_deployed_contract(sb: Sandbox, probe: Contract) -> None:
    again = sb.at("Probe", probe.address.lower())
    assert again == probe and again.counter() == 0
    with pytest.raises(InvalidAddressError):
        sb.at("Probe", "0xnope")


def test_unknown_contract_lists_the_known_ones(sb: Sandbox) -> None:
    with pytest.raises(UnknownContractError, match="unknown contract .Nope.; known contracts: Named, Probe"):
        sb.deploy("Nope", sender=sb.accounts.alice)


def test_constructor_arguments_are_checked(sb: Sandbox) -> None:
    with pytest.raises(ArgumentError, match=r"Probe constructor takes 0 argument\(s\), got 1"):
        sb.deploy("Probe", 1, sender=sb.accounts.alice)


def test_get_events_reads_logs_across_blocks(sb: Sandbox, probe: Contract) -> None:
    alice = sb.accounts.alice
    first = probe.poke(sender=alice)
    probe.deposit("hi", sender=alice, value=3)
    probe.poke(4, sender=alice)
    poked = sb.get_events(probe, name="Poked", from_block=first.block_number)
    assert [e.args["value"] for e in poked] == [1, 5]
    assert poked[0].block_number == first.block_number and poked[0].tx_hash == first.tx_hash
    everything = sb.get_events(probe.address, from_block=first.block_number)
    assert [e.name for e in everything] == ["Poked", "Deposited", "Poked"]
    assert sb.get_events(sb.accounts.bob.address, from_block=first.block_number) == []


def test_a_contract_name_function_is_callable(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    nft = sb.deploy("Named", "Workshop", sender=alice)
    assert nft.name() == "Workshop"  # the ABI's name() wins over the handle's attribute
    assert nft.contract_name == "Named" and repr(nft).startswith("<Named at 0x")
    probe = sb.deploy("Probe", sender=alice)
    assert probe.name == "Probe"  # no name() in the ABI: the contract's name


def test_assert_event_accepts_an_argument_called_name(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    nft = sb.deploy("Named", "Workshop", sender=alice)
    nft.rename("Atelier", sender=alice).assert_event("Renamed", name="Atelier")
