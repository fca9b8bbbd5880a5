"""Fixtures of the titanoboa twin of bench/nft_suite (run by the peers' venv: bench/peers.py).

The artifact comes from the JSON file named by ``PEER_ARTIFACT`` (the very
bytes the Sandbox rows deploy); each test runs inside ``boa.env.anchor()``,
titanoboa's own isolation, as the plugin's snapshot/revert isolates ours.
"""

from __future__ import annotations

import json
import os

import boa
import pytest
from boa_solidity import SolDeployer


@pytest.fixture(scope="session")
def accounts():
    names = ("bob", "carol", "dave", "erin", "frank")
    found = {"alice": boa.env.eoa, **{n: boa.env.generate_address(n) for n in names}}
    for address in found.values():
        boa.env.set_balance(address, 10**21)
    return found


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts["alice"]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts["bob"]


@pytest.fixture(scope="session")
def carol(accounts):
    return accounts["carol"]


@pytest.fixture(scope="session")
def dave(accounts):
    return accounts["dave"]


@pytest.fixture(scope="session")
def erin(accounts):
    return accounts["erin"]


@pytest.fixture(scope="session")
def frank(accounts):
    return accounts["frank"]


@pytest.fixture(scope="module")
def deployer():
    artifact = json.loads(open(os.environ["PEER_ARTIFACT"]).read())
    return SolDeployer(artifact["abi"], bytes.fromhex(artifact["bytecode"]))


@pytest.fixture(autouse=True)
def _isolated():
    with boa.env.anchor():
        yield
