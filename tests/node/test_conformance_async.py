# ruff: noqa: F811 (fixtures imported from test_conformance are parameters here by name)
"""web3.py's *async* conformance classes against ``sandbox node`` (py-evm, revm) and a real anvil, over HTTP.

The same rules as ``test_conformance.py`` (whose fixtures this module
reuses): anvil runs first and is the baseline, a test that passes there
and fails on the node fails this suite unless :data:`KNOWN_DIFFERENCES`
says why. The clients are ``AsyncWeb3(AsyncHTTPProvider(url))``, as in
web3.py's own ``tests/integration/go_ethereum/test_goethereum_http.py``.

The chain is set up once per server with the synchronous client (the
contracts and blocks of ``test_conformance.py``); the ``async_*`` fixtures
are the same contracts seen through the async client, so no fixture needs
an event loop of its own: each test runs in pytest-asyncio's loop for that
test, and web3.py keeps one aiohttp session per loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientTimeout
from web3 import AsyncHTTPProvider, AsyncWeb3, Web3
from web3._utils.contract_sources.contract_data.emitter_contract import EMITTER_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.math_contract import MATH_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.offchain_lookup import OFFCHAIN_LOOKUP_DATA
from web3._utils.contract_sources.contract_data.panic_errors_contract import PANIC_ERRORS_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.revert_contract import REVERT_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.storage_contract import STORAGE_CONTRACT_DATA
from web3._utils.module_testing import AsyncEthModuleTest, AsyncNetModuleTest
from web3._utils.module_testing.web3_module import AsyncWeb3ModuleTest

from tests.node.conftest import SERVERS, Server, start_server
from tests.node.test_conformance import (  # noqa: F401 (fixtures, found by name)
    address_conversion_func,
    block_with_txn,
    block_with_txn_with_log,
    emitter_contract,
    emitter_contract_address,
    emitter_contract_log_topics,
    empty_block,
    keyfile_account_address,
    keyfile_account_address_dual_type,
    keyfile_account_pkey,
    manual_mining_when_pending,
    math_contract,
    math_contract_address,
    math_contract_deploy_txn_hash,
    math_contract_factory,
    mined_txn_hash,
    offchain_lookup_contract,
    panic_errors_contract,
    request_mocker,
    revert_contract,
    skip_if_testrpc,
    storage_contract,
    txn_hash_with_log,
    w3,
)

#: Tests that pass on anvil and fail on the node, by test name (``name[node-revm]``: on one engine), with why.
KNOWN_DIFFERENCES: dict[str, str] = {
    "test_async_eth_send_raw_transaction": "the test signs for eth-tester's chain id 131277322940537; the node refuses a raw "
                                           "transaction signed for another chain (EIP-155 replay protection), anvil accepts it",
    "test_async_sign_authorization_send_raw_and_send_set_code_transactions[node-revm]":
        "the revm engine does not apply a type-4 transaction's EIP-7702 authorizations yet (engine: sandbox/backends/revm)",
}


@pytest.fixture(scope="session", params=SERVERS)
def async_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh server of each kind for this module, anvil first: a chain with no logs but this module's.

    test_async_eth_get_logs_with_logs takes the chain's first log to be its
    emitter's, so the chain the sync module wrote on will not do. Session
    scope, as the shared ``server``: pytest then runs every test on one
    server before it starts the next (a module-scoped parameter would be
    interleaved with ``address_conversion_func``'s and put anvil last).
    """
    yield from start_server(request.param, tmp_path_factory.mktemp(f"async-{request.param}"))


@pytest.fixture(scope="module")
def server(async_server: Server) -> Server:
    return async_server


@pytest.fixture(scope="module")
def async_w3(server: Server, w3: Web3, block_with_txn_with_log: Any) -> AsyncWeb3[Any]:
    """The async client; the emitter's log is made first (web3.py's geth fixture has it before any test runs)."""
    # test_batch_requests reads blocks 0 to 6, which web3.py's geth fixture has
    while w3.eth.block_number < 6:
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    async_w3 = AsyncWeb3(AsyncHTTPProvider(server.url, request_kwargs={"timeout": ClientTimeout(total=60)}))
    async_w3.eth.default_account = w3.eth.default_account
    return async_w3


@pytest_asyncio.fixture(autouse=True)
async def close_the_session(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Close the aiohttp session of this test's event loop after it (web3.py opens one per loop and keeps it)."""
    yield
    if "async_w3" in request.fixturenames:
        await request.getfixturevalue("async_w3").provider.disconnect()


@pytest.fixture(scope="module")
def async_keyfile_account_address(keyfile_account_address: str) -> str:
    return keyfile_account_address


@pytest.fixture
def async_keyfile_account_address_dual_type(async_keyfile_account_address: str, address_conversion_func: Any) -> str:
    return async_keyfile_account_address


@pytest.fixture(scope="session")
def async_skip_if_testrpc() -> Callable[[AsyncWeb3[Any]], None]:
    return lambda w3: None  # never the eth-tester provider here


def _at(async_w3: AsyncWeb3[Any], data: dict[str, Any], address: str) -> Any:
    return async_w3.eth.contract(address=address, **data)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def async_math_contract(async_w3: AsyncWeb3[Any], math_contract: Any) -> Any:
    return _at(async_w3, MATH_CONTRACT_DATA, math_contract.address)


@pytest.fixture(scope="module")
def async_math_contract_address(async_math_contract: Any, address_conversion_func: Any) -> Any:
    return address_conversion_func(async_math_contract.address)


@pytest.fixture(scope="module")
def async_emitter_contract(async_w3: AsyncWeb3[Any], emitter_contract: Any) -> Any:
    return _at(async_w3, EMITTER_CONTRACT_DATA, emitter_contract.address)


@pytest.fixture(scope="module")
def async_emitter_contract_address(async_emitter_contract: Any, address_conversion_func: Any) -> Any:
    return address_conversion_func(async_emitter_contract.address)


@pytest.fixture(scope="module")
def async_revert_contract(async_w3: AsyncWeb3[Any], revert_contract: Any) -> Any:
    return _at(async_w3, REVERT_CONTRACT_DATA, revert_contract.address)


@pytest.fixture(scope="module")
def async_offchain_lookup_contract(async_w3: AsyncWeb3[Any], offchain_lookup_contract: Any) -> Any:
    return _at(async_w3, OFFCHAIN_LOOKUP_DATA, offchain_lookup_contract.address)


@pytest.fixture(scope="module")
def async_panic_errors_contract(async_w3: AsyncWeb3[Any], panic_errors_contract: Any) -> Any:
    return _at(async_w3, PANIC_ERRORS_CONTRACT_DATA, panic_errors_contract.address)


@pytest.fixture(scope="module")
def async_storage_contract(async_w3: AsyncWeb3[Any], storage_contract: Any) -> Any:
    return _at(async_w3, STORAGE_CONTRACT_DATA, storage_contract.address)


@pytest.fixture(scope="module")
def async_empty_block(empty_block: Any) -> Any:
    return empty_block


@pytest.fixture(scope="module")
def async_block_with_txn(block_with_txn: Any) -> Any:
    return block_with_txn


@pytest.fixture(scope="module")
def async_block_with_txn_with_log(block_with_txn_with_log: Any) -> Any:
    return block_with_txn_with_log


# -- the classes --------------------------------------------------------------------------


class TestAsyncWeb3Module(AsyncWeb3ModuleTest):
    def _check_web3_client_version(self, client_version: str) -> None:  # type: ignore[override]
        assert client_version.startswith(("anvil/", "sandbox/"))


class TestAsyncEthModule(AsyncEthModuleTest):
    pass


class TestAsyncNetModule(AsyncNetModuleTest):
    pass
