"""Public libraries are deployed once per chain and linked; ambiguous names ask for the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.errors import ArgumentError, LinkError, UnknownContractError

DATA = Path(__file__).resolve().parent.parent / "data"
LIBS = DATA / "libraries"


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    return Sandbox(LIBS)


def test_deploy_links_the_library_and_its_calls_work(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    tally = sb.deploy("Tally", 10, sender=alice)
    tally.add(2, sender=alice)
    assert tally.total() == 6
    tally.add(2, sender=alice)
    assert tally.total() == 10  # clamped at the cap by MathLib.clampedAdd


def test_the_library_is_deployed_once_per_chain(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    before = sb.w3.eth.get_transaction_count(alice.address)
    sb.deploy("Tally", 1, sender=alice)  # the library may be deployed here
    middle = sb.w3.eth.get_transaction_count(alice.address)
    sb.deploy("contracts/Gauge.sol:Gauge", sender=alice)  # reuses it
    assert sb.w3.eth.get_transaction_count(alice.address) == middle + 1
    assert middle - before in (1, 2)


def test_libraries_option_links_a_given_address(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    library = sb.deploy("MathLib", sender=alice)
    gauge = sb.deploy("contracts/Gauge.sol:Gauge", libraries={"MathLib": library.address}, sender=alice)
    assert gauge.read(4) == 13
    code = sb.w3.eth.get_code(gauge.address).hex()
    assert library.address.lower().removeprefix("0x") in code


def test_a_library_the_contract_does_not_link_is_refused(sb: Sandbox) -> None:
    with pytest.raises(LinkError, match=r"Tally does not link a library 'Nope'; the libraries it links: contracts/MathLib.sol:MathLib"):
        sb.deploy("Tally", 1, libraries={"Nope": sb.accounts.bob}, sender=sb.accounts.alice)


def test_ambiguous_name_lists_both_paths(sb: Sandbox) -> None:
    assert "contracts/Gauge.sol:Gauge" in sb.contract_names and "contracts/other/Gauge.sol:Gauge" in sb.contract_names
    with pytest.raises(UnknownContractError, match=r'ambiguous; use one of "contracts/Gauge.sol:Gauge", "contracts/other/Gauge.sol:Gauge"'):
        sb.deploy("Gauge", sender=sb.accounts.alice)
    other = sb.deploy("contracts/other/Gauge.sol:Gauge", sender=sb.accounts.alice)
    assert other.read(1) == 42


def test_deploy_without_sender_says_so(sb: Sandbox) -> None:
    with pytest.raises(ArgumentError, match="pass sender="):
        sb.deploy("MathLib")


def test_known_contracts_none_names_the_folder(tmp_path: Path) -> None:
    empty = Sandbox(tmp_path)
    with pytest.raises(UnknownContractError, match=rf"known contracts: none \(searched {tmp_path}/contracts: no .sol files there\)"):
        empty.deploy("Token", sender=empty.accounts.alice)
