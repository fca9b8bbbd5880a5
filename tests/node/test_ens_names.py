"""web3.py's ENS module in the project's environment: names normalize (pyunormalize pinned below 18, see
pyproject.toml), and a name registered on the embedded chain resolves, on both engines."""

from __future__ import annotations

import pytest
from ens import ENS
from ens.constants import UNIVERSAL_RESOLVER_ADDR
from ens.contract_data import resolver_abi, resolver_bytecode
from ens.utils import label_to_hash, normalize_name

from tests.node.conftest import REPO


def test_web3_normalizes_ens_names() -> None:
    # With pyunormalize 18.0 and web3 8.0 this raised AttributeError for every name, so any
    # ENS name given to sb.w3 (or to the conformance suite's ENS tests) crashed inside web3.py.
    assert normalize_name("Test.ETH") == "test.eth"
    assert normalize_name("Ünicode.eth") == "ünicode.eth"


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_a_name_registered_on_the_embedded_chain_resolves(backend: str) -> None:
    """A minimal ENS registry and UniversalResolver (tests/data/ens), web3.py's own PublicResolver bytecode, web3.py's ENS."""
    from sandbox import Sandbox

    sb = Sandbox(REPO / "tests" / "data" / "ens", backend=backend)
    alice, bob = sb.accounts.alice, sb.accounts.bob
    registry = sb.deploy("Registry", sender=alice)
    w3 = sb.w3  # sb.w3 sends the gas given (no buffered estimate): the two web3.py transactions say it
    factory = w3.eth.contract(abi=resolver_abi, bytecode=resolver_bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(registry.address).transact({"from": alice.address, "gas": 6_000_000}))
    resolver = factory(receipt["contractAddress"])

    registry.setSubnodeOwner(b"\x00" * 32, label_to_hash("eth"), alice, sender=alice)
    registry.setSubnodeOwner(ENS.namehash("eth"), label_to_hash("test"), alice, sender=alice)
    registry.setResolver(ENS.namehash("test.eth"), resolver.address, sender=alice)
    w3.eth.wait_for_transaction_receipt(resolver.functions.setAddr(ENS.namehash("test.eth"), bob.address).transact({"from": alice.address, "gas": 200_000}))

    # web3.py 8 asks ENS's UniversalResolver at its fixed address: its code put there, pointed at this registry (slot 0)
    universal = sb.deploy("UniversalResolver", sender=alice)
    sb.set_code(UNIVERSAL_RESOLVER_ADDR, w3.eth.get_code(universal.address))
    sb.set_storage(UNIVERSAL_RESOLVER_ADDR, 0, int(registry.address, 16))
    ns = ENS.from_web3(w3, addr=registry.address)
    assert ns.address("test.eth") == bob.address
    assert ns.address("Test.ETH") == bob.address  # normalized before hashing
    assert ns.owner("test.eth") == alice.address
    assert ns.owner("nobody.eth") is None or int(ns.owner("nobody.eth"), 16) == 0
