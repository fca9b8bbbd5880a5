"""The pytest plugin: fixtures, snapshot isolation, gas report, real nodes.

Registered through the ``pytest11`` entry point, so any project that
installs the package gets it with no conftest.py:

- fixtures ``sandbox`` (one per session, per xdist worker), ``chain``,
  ``accounts``, ``alice`` .. ``judy``, ``deploy``, ``balance_change`` and
  ``anvil`` (a private anvil node);
- isolation: each module, and each test with its function-scoped fixtures,
  runs inside a snapshot reverted afterwards, so module- and session-scoped
  deploys persist for their scope only (``@pytest.mark.no_isolation`` opts
  a test out); hypothesis examples are isolated one by one;
- ``--gas-report``: min / median / max gas per contract function;
- ``--sandbox-rpc URL`` (or ``SANDBOX_RPC``) runs on a node,
  ``--sandbox-anvil`` starts a private anvil per session (per xdist worker)
  and points ``SANDBOX_RPC`` at it, so ``Sandbox()`` built anywhere in the
  suite lands on it.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sandbox._utils.gc_pause import paused_gc

with paused_gc():  # pytest imports the plugin at start-up; its layers are most of that (sandbox._utils.gc_pause says why)
    from sandbox.chain.accounts import NAMES, Account, Accounts
    from sandbox.chain.chain import Chain
    from sandbox.contracts.handles import Contract
    from sandbox.main import Sandbox
    from sandbox.testing.balances import BalanceChange, balance_change
    from sandbox.testing.gas_report import GasReport
    from sandbox.testing.inspect import Inspect
    from sandbox.testing.inspect import add_options as add_inspect_options

if TYPE_CHECKING:
    from sandbox.chain.anvil import Anvil  # imported when a session first starts one (--sandbox-anvil, the anvil fixture)

GAS_REPORT_KEY = "sandbox_gas_report"
CHAIN_FIXTURES = frozenset({"sandbox", "chain", "accounts", "deploy", "balance_change", *NAMES})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sandbox", "NFT & DApp Sandbox")
    group.addoption("--sandbox-rpc", metavar="URL", default=None, help="run the sandbox on this JSON-RPC node (default: $SANDBOX_RPC, else the embedded chain)")
    group.addoption("--sandbox-anvil", action="store_true", default=False, help="start a private anvil on a free port for the session (one per xdist worker)")
    group.addoption(
        "--sandbox-backend",
        choices=("pyevm", "revm"),
        default=None,
        help="embedded EVM for the session (default: $SANDBOX_BACKEND, else pyevm)",
    )
    group.addoption("--gas-report", action="store_true", default=False, help="print min/median/max gas per contract function at the end")
    add_inspect_options(group)
    parser.addini("sandbox_project", "folder of the contracts project, relative to the rootdir (default: the rootdir)", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_isolation: run this test without the sandbox's snapshot/revert isolation")
    config.pluginmanager.register(SandboxSession(config), "sandbox-session")
    config.pluginmanager.register(Inspect(config), "sandbox-inspect")


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and str(config.getoption("dist", "no")) != "no"


class SandboxSession:
    """Per-process state: the node this session runs on and the gas report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.anvil: Anvil | None = None
        self.rpc: str | None = config.getoption("sandbox_rpc") or os.environ.get("SANDBOX_RPC") or None
        self.gas = GasReport() if config.getoption("gas_report") else None
        self.sandbox: Sandbox | None = None
        #: Extra anvils for sandboxes on other chain ids (``Sandbox(chain_id=1337)``), by
        #: id, each with a handle and a snapshot of its fresh state.
        self.nodes: dict[int, tuple[Anvil, Chain, Any]] = {}
        # --sandbox-backend applies to every Sandbox() of the session, like SANDBOX_BACKEND.
        self._saved_defaults = Sandbox.defaults
        backend = config.getoption("sandbox_backend", None)
        if backend:
            Sandbox.defaults = replace(Sandbox.defaults, backend=backend)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        config = self.config
        if config.getoption("sandbox_anvil") and config.getoption("sandbox_rpc"):
            raise pytest.UsageError("--sandbox-anvil and --sandbox-rpc both choose the node; pass only one")
        if _is_xdist_controller(config):
            if self.rpc:
                where = "--sandbox-rpc" if config.getoption("sandbox_rpc") else "SANDBOX_RPC"
                raise pytest.UsageError(
                    f"{where} with -n: every worker would share one node and revert each other's snapshots; "
                    "use --sandbox-anvil (one anvil per worker) or run without -n"
                )
            return  # the workers start their own nodes
        if config.getoption("sandbox_anvil"):
            from sandbox.chain.anvil import Anvil

            self.anvil = Anvil()
            self.rpc = self.anvil.start()
            Sandbox.defaults = replace(Sandbox.defaults, node_for=self.node_for)
        if self.rpc:
            Sandbox.defaults = replace(Sandbox.defaults, rpc=self.rpc)
        if self.gas is not None:
            Sandbox.observers.append(self.gas.record)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.gas is not None:
            if self.gas.record in Sandbox.observers:
                Sandbox.observers.remove(self.gas.record)
            workeroutput = getattr(self.config, "workeroutput", None)
            if workeroutput is not None:
                workeroutput[GAS_REPORT_KEY] = self.gas.to_json()
        Sandbox.defaults = self._saved_defaults
        if self.anvil is not None:
            self.anvil.stop()
        for node, _, _ in self.nodes.values():
            node.stop()
        self.nodes.clear()

    def node_for(self, chain_id: int) -> str:
        """URL of this session's anvil with ``chain_id``, started on first use."""
        if chain_id not in self.nodes:
            from sandbox.chain.anvil import Anvil

            node = Anvil(chain_id=chain_id)
            handle = Chain(rpc=node.start(), signers=())
            self.nodes[chain_id] = (node, handle, handle.snapshot())
        return self.nodes[chain_id][0].url

    def node_chains(self) -> list[Chain]:
        """Handles on every node this session runs (the session's and the extra ones)."""
        chains = [self.sandbox.chain] if self.sandbox is not None and self.rpc else []
        return chains + [c for _, c, _ in self.nodes.values()]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        data = getattr(node, "workeroutput", {}).get(GAS_REPORT_KEY)
        if self.gas is not None and data:
            self.gas.merge(data)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.gas is None or hasattr(self.config, "workerinput"):
            return
        terminalreporter.write_sep("=", "sandbox gas report")
        if not len(self.gas):
            terminalreporter.write_line("no transactions were sent")
            return
        for line in self.gas.table():
            terminalreporter.write_line(line)

    def project(self) -> Path:
        """The ``sandbox_project`` ini option (relative to the rootdir), else the
        nearest project folder at or above the rootdir (foundry.toml, contracts/, src/*.sol)."""
        configured = str(self.config.getini("sandbox_project") or "")
        if configured:
            return (self.config.rootpath / configured).resolve()
        from sandbox.project.config import find_project_root

        return find_project_root(self.config.rootpath)


def _session(config: pytest.Config) -> SandboxSession:
    plugin = config.pluginmanager.get_plugin("sandbox-session")
    assert isinstance(plugin, SandboxSession)
    return plugin


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sandbox(pytestconfig: pytest.Config) -> Sandbox:
    """One Sandbox for the session (per xdist worker) on the project at the rootdir."""
    state = _session(pytestconfig)
    if state.sandbox is None:
        state.sandbox = Sandbox(state.project(), rpc=state.rpc)
        # Everything imported and built so far (py-evm, web3.py, the session's chain: ~90,000 tracked objects) lives as
        # long as the session: the cyclic collector need not walk it again at every full collection of the tests and at
        # pytest's final gc.collect(). gc.freeze() moves it out of the collector's sight; objects made later, the tests'
        # garbage, are collected as before. Measured on the 20-test suite: 0.6-0.9 s of ~2.8 s CPU (bench/peers.py).
        gc.freeze()
        if "sandbox.testing.strategies" in sys.modules:  # hypothesis draws this session's accounts
            sys.modules["sandbox.testing.strategies"].set_default_accounts(state.sandbox.accounts)
    return state.sandbox


@pytest.fixture(scope="session")
def chain(sandbox: Sandbox) -> Chain:
    """The session's :class:`~sandbox.chain.Chain` (snapshots, time travel, mining)."""
    return sandbox.chain


@pytest.fixture(scope="session")
def accounts(sandbox: Sandbox) -> Accounts:
    """The named dev accounts: ``accounts.alice``, ``accounts[1]``, ..."""
    return sandbox.accounts


@pytest.fixture(scope="session")
def deploy(sandbox: Sandbox) -> Callable[..., Contract]:
    """``deploy("SandboxNFT", *args, sender=alice)``; ``sender`` defaults to alice."""

    def _deploy(name: str, *args: Any, sender: Any = None, **kwargs: Any) -> Contract:
        return sandbox.deploy(name, *args, sender=sender if sender is not None else sandbox.accounts[0], **kwargs)

    return _deploy


@pytest.fixture(scope="session", name="balance_change")
def balance_change_fixture(sandbox: Sandbox) -> Callable[..., BalanceChange]:
    """``with balance_change(alice, bob) as change: ...``; then ``change[bob]`` in wei, fees excluded."""
    return functools.partial(balance_change, sandbox)


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    """A private anvil for the session, started on first use and stopped at the end.

    ``Sandbox(rpc=anvil.url)`` runs on it; ``--sandbox-anvil`` instead moves
    the whole session (and every ``Sandbox()``) onto one.
    """
    from sandbox.chain.anvil import Anvil

    with Anvil() as node:
        yield node


def _account_fixture(name: str) -> Any:
    def fixture(accounts: Accounts) -> Account:
        return accounts[name]

    fixture.__name__ = name
    fixture.__doc__ = f"The dev account {name!r} (index {NAMES.index(name)} of the test mnemonic)."
    return pytest.fixture(scope="session", name=name)(fixture)


for _name in NAMES:
    globals()[f"_{_name}_fixture"] = _account_fixture(_name)


# ---------------------------------------------------------------------------
# Isolation
# ---------------------------------------------------------------------------


def _chains_in(value: Any, found: dict[Any, Chain], depth: int = 0) -> None:
    chain: Chain | None = None
    if isinstance(value, Sandbox):
        chain = value.chain
    elif isinstance(value, Chain):
        chain = value
    elif isinstance(value, Contract):
        chain = value.chain
    elif isinstance(value, Account) and isinstance(value.chain, Chain):
        chain = value.chain
    elif depth == 0 and isinstance(value, (tuple, list)):
        for item in value:
            _chains_in(item, found, 1)
    elif depth == 0 and isinstance(value, dict):
        for item in value.values():
            _chains_in(item, found, 1)
    if chain is not None:
        # Every handle on one node shares its state: one snapshot per node.
        found.setdefault(chain.rpc or id(chain), chain)


def _targets(item: pytest.Item, state: SandboxSession) -> list[Chain]:
    found: dict[Any, Chain] = {}
    if state.sandbox is not None:
        _chains_in(state.sandbox, found)
    for node in state.node_chains():
        _chains_in(node, found)
    for value in getattr(item, "funcargs", {}).values():
        _chains_in(value, found)
    return list(found.values())


@contextmanager
def _isolated(chains: list[Chain]) -> Iterator[None]:
    """Snapshot each chain, run, revert them newest first."""
    taken = [(c, c.snapshot()) for c in chains]
    try:
        yield
    finally:
        for chain_, snapshot in reversed(taken):
            # Gone already if the test reverted to an older snapshot itself.
            if snapshot in chain_.snapshot_ids:
                chain_.revert(snapshot)


@pytest.fixture(scope="module", autouse=True)
def _sandbox_module_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Module-scoped deploys vanish when the module ends.

    On a node every module is isolated (other Sandbox handles in the suite
    share its state); on the embedded chain only modules whose tests use the
    session ``sandbox`` (private chains die with their fixtures).
    """
    state = _session(request.config)
    if state.sandbox is None:
        module_items = [i for i in request.session.items if i.getparent(pytest.Module) is request.node]
        if state.rpc or any(CHAIN_FIXTURES & set(getattr(i, "fixturenames", ())) for i in module_items):
            request.getfixturevalue("sandbox")
    chains = [state.sandbox.chain] if state.sandbox is not None else []
    chains += [c for c in state.node_chains() if c not in chains]
    started = set(state.nodes)
    with _isolated(chains):
        yield
    for chain_id, (_, handle, fresh) in state.nodes.items():
        if chain_id not in started and fresh in handle.snapshot_ids:
            handle.revert(fresh)  # a node first used in this module starts the next one fresh


@pytest.fixture(autouse=True)
def _sandbox_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test and its function-scoped fixtures run inside snapshots of the chains it reaches.

    Those are the session ``sandbox`` and every Sandbox, Chain, Contract or
    Account the test gets from a wider-scoped fixture (already set up by
    now: pytest sets up wider scopes first).
    """
    item = request.node
    if item.get_closest_marker("no_isolation") is not None:
        yield
        return
    state = _session(request.config)
    hypothesis: Any = getattr(getattr(item, "obj", None), "hypothesis", None)
    inner = getattr(hypothesis, "inner_test", None)
    if inner is not None:
        # Isolate every example, not just the whole test (hypothesis's documented hook).
        @functools.wraps(inner)
        def isolated_example(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            from sandbox.testing.inspect import example_started

            example_started()  # the report's console.log lines are the last (the failing) example's
            with _isolated(_targets(item, state)):
                return inner(*args, **kwargs)

        hypothesis.inner_test = isolated_example
    try:
        with _isolated(_targets(item, state)):
            yield
    finally:
        if inner is not None:
            hypothesis.inner_test = inner
