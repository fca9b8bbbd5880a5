"""web3.py's own conformance classes against ``sandbox node`` (py-evm, revm) and a real anvil.

The classes (``web3._utils.module_testing``) are the ones web3.py runs
against geth and eth-tester; the fixtures follow web3.py's
``tests/integration/ethereum_tester/conftest.py``, with two changes so the
same fixtures work on any dev node: the "keyfile account" is the first dev
account (alice), whose key every dev node knows, and contracts are deployed
with ``eth_sendTransaction`` from it. Each server runs the whole suite on
its own chain; anvil runs first and is the baseline (``conftest.py``): a
test that passes on anvil and fails on the node fails this suite, unless it
is listed in :data:`KNOWN_DIFFERENCES` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_utils import event_signature_to_log_topic, is_checksum_address, is_dict, to_bytes
from web3 import HTTPProvider, Web3
from web3._utils.contract_sources.contract_data._custom_contract_data import EMITTER_ENUM
from web3._utils.contract_sources.contract_data.emitter_contract import EMITTER_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.math_contract import MATH_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.offchain_lookup import OFFCHAIN_LOOKUP_DATA
from web3._utils.contract_sources.contract_data.panic_errors_contract import PANIC_ERRORS_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.revert_contract import REVERT_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.storage_contract import STORAGE_CONTRACT_DATA
from web3._utils.module_testing import EthModuleTest, NetModuleTest, Web3ModuleTest
from web3._utils.module_testing.utils import RequestMocker

from sandbox.chain.accounts import dev_keys
from tests.node.conftest import Server

#: Tests that pass on anvil and fail on the node, by test name (``name[node-revm]``: on one engine), with why. Keep it short.
KNOWN_DIFFERENCES: dict[str, str] = {
    "test_eth_send_raw_transaction": "the test signs for eth-tester's chain id 131277322940537; the node refuses a raw transaction "
                                     "signed for another chain (EIP-155 replay protection), anvil accepts it",
    "test_sign_authorization_send_raw_and_send_set_code_transactions[node-revm]":
        "the revm engine does not apply a type-4 transaction's EIP-7702 authorizations yet (engine: sandbox/backends/revm)",
}

ALICE_KEY = "0x" + dev_keys(1)[0].hex()
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


# -- fixtures (web3.py's tests/conftest.py and tests/integration/*/conftest.py) ------------


def _client(server: Server) -> Web3:
    w3 = Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))
    w3.eth.default_account = w3.eth.accounts[0]
    return w3


@pytest.fixture(scope="module")
def w3(server: Server, block_with_txn_with_log: Any) -> Web3:
    """The client; the emitter's log is made before anything else writes (web3.py's geth fixture has it first).

    test_eth_get_logs_with_logs takes the chain's first log to be its emitter's, so the
    emitter and its log are made over a client of their own (they cannot ask for ``w3``).
    """
    return _client(server)


@pytest.fixture(scope="module", params=[lambda x: to_bytes(hexstr=x), lambda x: x], ids=["bytes", "str"])
def address_conversion_func(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def keyfile_account_pkey() -> str:
    return ALICE_KEY


@pytest.fixture(scope="module")
def keyfile_account_address() -> str:
    return ALICE


@pytest.fixture
def keyfile_account_address_dual_type(keyfile_account_address: str, address_conversion_func: Any) -> str:
    return keyfile_account_address


@pytest.fixture
def request_mocker() -> type[RequestMocker]:
    return RequestMocker


@pytest.fixture(scope="session")
def skip_if_testrpc() -> Callable[[Web3], None]:
    return lambda w3: None  # never the eth-tester provider here


def _deploy(w3: Web3, data: dict[str, Any]) -> Any:
    factory = w3.eth.contract(**data)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": w3.eth.default_account}))
    assert is_dict(receipt) and is_checksum_address(receipt["contractAddress"])
    return factory(receipt["contractAddress"])


@pytest.fixture(scope="module")
def math_contract_factory(w3: Web3) -> Any:
    return w3.eth.contract(**MATH_CONTRACT_DATA)


@pytest.fixture(scope="module")
def math_contract_deploy_txn_hash(w3: Web3, math_contract_factory: Any) -> Any:
    return math_contract_factory.constructor().transact({"from": w3.eth.default_account})


@pytest.fixture(scope="module")
def math_contract(w3: Web3, math_contract_factory: Any, math_contract_deploy_txn_hash: Any) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(math_contract_deploy_txn_hash)
    return math_contract_factory(receipt["contractAddress"])


@pytest.fixture(scope="module")
def math_contract_address(math_contract: Any, address_conversion_func: Any) -> Any:
    return address_conversion_func(math_contract.address)


@pytest.fixture(scope="module")
def emitter_contract(server: Server) -> Any:
    return _deploy(_client(server), EMITTER_CONTRACT_DATA)


@pytest.fixture(scope="module")
def emitter_contract_address(emitter_contract: Any, address_conversion_func: Any) -> Any:
    return address_conversion_func(emitter_contract.address)


@pytest.fixture(scope="module")
def revert_contract(w3: Web3) -> Any:
    return _deploy(w3, REVERT_CONTRACT_DATA)


@pytest.fixture(scope="module")
def offchain_lookup_contract(w3: Web3) -> Any:
    return _deploy(w3, OFFCHAIN_LOOKUP_DATA)


@pytest.fixture(scope="module")
def panic_errors_contract(w3: Web3) -> Any:
    return _deploy(w3, PANIC_ERRORS_CONTRACT_DATA)


@pytest.fixture(scope="module")
def storage_contract(w3: Web3) -> Any:
    return _deploy(w3, STORAGE_CONTRACT_DATA)


@pytest.fixture(scope="module")
def empty_block(w3: Web3) -> Any:
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    block = w3.eth.get_block("latest")
    assert not block["transactions"]
    return block


@pytest.fixture(scope="module")
def block_with_txn(w3: Web3) -> Any:
    txn_hash = w3.eth.send_transaction({"from": w3.eth.default_account, "to": w3.eth.default_account,
                                        "value": w3.to_wei(1, "gwei"), "gas": 21000, "gasPrice": w3.to_wei(10, "gwei")})
    return w3.eth.get_block(w3.eth.wait_for_transaction_receipt(txn_hash)["blockNumber"])


@pytest.fixture(scope="module")
def mined_txn_hash(block_with_txn: Any) -> Any:
    return block_with_txn["transactions"][0]


@pytest.fixture(scope="module")
def block_with_txn_with_log(server: Server, emitter_contract: Any) -> Any:
    w3 = _client(server)
    txn_hash = emitter_contract.functions.logDouble(which=EMITTER_ENUM["LogDoubleWithIndex"], arg0=12345, arg1=54321).transact(
        {"from": w3.eth.default_account})
    return w3.eth.get_block(w3.eth.wait_for_transaction_receipt(txn_hash)["blockNumber"])


@pytest.fixture(scope="module")
def txn_hash_with_log(block_with_txn_with_log: Any) -> Any:
    return block_with_txn_with_log["transactions"][0]


@pytest.fixture(scope="session")
def emitter_contract_log_topics() -> Any:
    class Topics:
        LogSingleWithIndex = event_signature_to_log_topic("LogSingleWithIndex(uint256)")
        LogDoubleWithIndex = event_signature_to_log_topic("LogDoubleWithIndex(uint256,uint256)")

    return Topics


#: Tests that need a transaction to stay pending: web3.py runs them on geth with its miner stopped.
PENDING_TESTS = ("unmined", "replace_transaction", "modify_transaction")


@pytest.fixture(autouse=True)
def manual_mining_when_pending(request: pytest.FixtureRequest) -> Iterator[None]:
    """Manual mining (evm_setAutomine false) for the tests that need pending transactions; automine again after.

    ``w3`` is asked for only by those tests (they take it anyway): a dependency of every test would
    change how pytest orders and re-creates the module's fixtures (a second emitter, a second log).
    """
    name = getattr(request.node, "originalname", request.node.name)
    if not any(part in name for part in PENDING_TESTS) or "already_mined" in name:
        yield
        return
    w3: Web3 = request.getfixturevalue("w3")
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        yield
    finally:
        w3.provider.make_request("anvil_dropAllTransactions", [])  # type: ignore[arg-type]
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


# -- the classes --------------------------------------------------------------------------


class TestWeb3Module(Web3ModuleTest):
    def _check_web3_client_version(self, client_version: str) -> None:  # type: ignore[override]
        assert client_version.startswith(("anvil/", "sandbox/"))


class TestEthModule(EthModuleTest):
    pass


class TestNetModule(NetModuleTest):
    pass
