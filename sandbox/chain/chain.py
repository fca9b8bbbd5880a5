"""A :class:`Chain` owns one ``web3.Web3`` on one backend.

The default backend is embedded: eth-tester on py-evm, in this process, with
the ten dev accounts funded at genesis and geth-style gas estimation. Any
JSON-RPC URL (anvil, geth, a testnet) works too: snapshots and time travel
then use the node's ``evm_*`` methods, ``SANDBOX_RPC`` makes it the default,
the node signs for the accounts it holds and every other key signs in this
process (dev keys only on dev chain ids; real keys from :mod:`sandbox.chain.keys`).
The backend is a seam: callers only use the methods here, so a faster
embedded backend can slot in later.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from eth_keys import keys
from web3 import Web3
from web3.exceptions import Web3RPCError

from sandbox.chain.accounts import DEV_CHAIN_IDS, Account, Accounts, dev_keys
from sandbox.errors import ChainError

DEFAULT_CHAIN_ID = 31337
DEFAULT_BALANCE = 10_000 * 10**18
BACKENDS = ("pyevm", "revm")
#: Snapshot ids taken on each external node, shared by every handle on it: a
#: revert drops the later snapshots for all of them (anvil breaks when asked
#: to revert to a snapshot it already dropped).
_NODE_SNAPSHOTS: dict[str, list[Any]] = {}


#: Set by the pytest plugin under ``--sandbox-anvil``: returns the URL of a node
#: with a given chain id (starting one if needed), for ``Sandbox(chain_id=...)``.
node_provider: Callable[[int], str] | None = None


def backend_from_environment(rpc: str | None, backend: str | None, chain_id: int = DEFAULT_CHAIN_ID) -> tuple[str | None, str]:
    """Resolve ``rpc``/``backend`` with ``SANDBOX_RPC`` and ``SANDBOX_BACKEND`` as defaults.

    An explicit ``rpc`` or ``backend`` wins; otherwise ``SANDBOX_RPC`` (set by
    ``pytest --sandbox-rpc/--sandbox-anvil``) points every ``Sandbox()`` at a node.
    A sandbox asking for another ``chain_id`` (a second chain, as in a bridge
    test) goes to ``SANDBOX_RPC_<chain_id>``, or to a node the plugin starts.
    """
    if rpc is None and backend is None:
        rpc = os.environ.get("SANDBOX_RPC") or None
        if rpc is not None and chain_id != DEFAULT_CHAIN_ID:
            rpc = os.environ.get(f"SANDBOX_RPC_{chain_id}") or (node_provider(chain_id) if node_provider else None)
            if rpc is None:
                raise ChainError(
                    f"Sandbox(chain_id={chain_id}) while SANDBOX_RPC is set: that node has its own chain id; "
                    f"set SANDBOX_RPC_{chain_id} to a node with chain id {chain_id}, or run with pytest --sandbox-anvil"
                )
    if backend is None:
        backend = os.environ.get("SANDBOX_BACKEND") or "pyevm"
    if backend == "rpc" and rpc is None:
        raise ChainError("backend 'rpc' needs a node URL: pass rpc='http://127.0.0.1:8545' or set SANDBOX_RPC")
    return rpc, backend


def _backend_class(base: type) -> type:
    """eth-tester's PyEVMBackend with a revert that does not re-execute a block.

    eth-tester reverts by making the snapshot block canonical and importing
    it again, which re-runs its transactions (~one transaction's cost per
    revert). The block's state is already in the database, so making it the
    head and starting a new pending header on top is enough.
    """

    class SandboxPyEVMBackend(base):  # type: ignore[misc]
        def revert_to_snapshot(self, snapshot: bytes) -> None:
            from eth.constants import GENESIS_PARENT_HASH

            block = self.chain.get_block_by_hash(snapshot)
            chaindb = self.chain.chaindb
            chaindb._set_as_canonical_chain_head(chaindb.db, block.header, GENESIS_PARENT_HASH)
            self.chain.header = self.chain.create_header_from_parent(block.header)

    return SandboxPyEVMBackend


def _trim_middleware(w3: Web3) -> None:
    """Drop middleware the sandbox does not need on its own chains.

    ENS resolution has no registry on a local chain, and the buffered gas
    estimate adds 100,000 gas to every transaction: the sandbox estimates gas
    itself (see sandbox/gas.py) and always sends an explicit limit.
    """
    for name in ("ens_name_to_address", "gas_estimate"):
        try:
            w3.middleware_onion.remove(name)
        except (KeyError, ValueError):
            pass


class Chain:
    """One chain: the web3 handle, accounts, snapshots, time and mining."""

    def __init__(
        self,
        *,
        rpc: str | None = None,
        backend: str = "pyevm",
        chain_id: int = DEFAULT_CHAIN_ID,
        accounts: int = 10,
        balance: int = DEFAULT_BALANCE,
        allowed_chain_ids: frozenset[int] | set[int] = frozenset(),
        signers: Sequence[Account] | None = None,
        state: Any = None,
    ) -> None:
        self.rpc = rpc
        self.backend_name = "rpc" if rpc else backend
        self._tester: Any = None
        if rpc:
            self.w3 = self._connect(rpc)
        else:
            if backend not in BACKENDS:
                raise ChainError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
            build = self._embedded_revm if backend == "revm" else self._embedded
            self.w3 = build(chain_id, accounts, balance, state)
        self.chain_id: int = int(self.w3.eth.chain_id)
        if rpc and chain_id not in (DEFAULT_CHAIN_ID, self.chain_id):
            raise ChainError(f"asked for chain id {chain_id}, but the node at {rpc} has chain id {self.chain_id}; pass its id or another node")
        self._dev_chain_ids = DEV_CHAIN_IDS | frozenset(allowed_chain_ids)
        self._snapshots: list[Any] = _NODE_SNAPSHOTS.setdefault(rpc, []) if rpc else []
        from sandbox.chain.keys import attach_signers, keys_from_environment

        dev = Accounts.dev(self, accounts)
        self._dev_addresses = frozenset(a.address.lower() for a in dev)
        real = list(keys_from_environment() if signers is None else signers)
        self.accounts = attach_signers(self, dev, real)

    # -- construction ------------------------------------------------------

    def _embedded(self, chain_id: int, count: int, balance: int, state: Any = None) -> Web3:
        from eth_tester import EthereumTester, PyEVMBackend
        from web3.providers.eth_tester import EthereumTesterProvider
        from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

        from sandbox.backends.pyevm.gas import GethStyleEstimator

        private_keys = [keys.PrivateKey(k) for k in dev_keys(count)]
        genesis_state = {
            k.public_key.to_canonical_address(): {"balance": balance, "nonce": 0, "code": b"", "storage": {}}
            for k in private_keys
        }
        genesis_params = None
        if state is not None:
            # A saved chain (sandbox.state.ChainState): its accounts and clock become
            # the genesis; its recorder learns which accounts and slots change.
            genesis_state, genesis_params = state.genesis(genesis_state)
        backend = _backend_class(PyEVMBackend)(genesis_state=genesis_state, genesis_parameters=genesis_params)
        backend.account_keys = tuple(private_keys)
        self.state_recorder = state.attach(backend) if state is not None else None
        chain_class = type(backend.chain)
        # Each PyEVMBackend configures its own chain class, so this touches no one else.
        chain_class.chain_id = chain_id
        self.estimator = GethStyleEstimator()
        chain_class.gas_estimator = staticmethod(self.estimator)
        # py-evm copies its default estimator onto each instance at __init__.
        backend.chain.gas_estimator = self.estimator
        self._tester = EthereumTester(backend)
        endpoints = {ns: dict(methods) for ns, methods in API_ENDPOINTS.items()}
        endpoints["eth"]["chainId"] = static_return(chain_id)
        endpoints["net"]["version"] = static_return(str(chain_id))
        w3 = Web3(EthereumTesterProvider(self._tester, api_endpoints=endpoints))
        _trim_middleware(w3)
        return w3

    def _embedded_revm(self, chain_id: int, count: int, balance: int, state: Any = None) -> Web3:
        """The embedded chain on revm (sandbox.backends.revm): same accounts, same web3.py stack."""
        try:
            from sandbox.backends.revm.provider import revm_tester, tester_web3
        except ImportError as exc:
            raise ChainError(f"the revm backend needs the pyrevm package ({exc}); run `make setup` or use backend='pyevm'") from None
        if state is not None:
            raise ChainError("the revm backend cannot load a saved chain state yet; use backend='pyevm' for the workshop chain")
        self.state_recorder = None
        self._tester, self.estimator = revm_tester(chain_id, [keys.PrivateKey(k) for k in dev_keys(count)], balance)
        w3 = tester_web3(self._tester, chain_id)
        _trim_middleware(w3)
        if os.environ.get("SANDBOX_REVM_FAST", "1") != "0":  # 0: every request through web3.py, for comparison
            from sandbox.backends.revm.fast import FastPath

            self.fast = FastPath(self._tester)
        return w3

    @staticmethod
    def _connect(url: str) -> Web3:
        from web3 import HTTPProvider

        if not url.startswith(("http://", "https://")):
            raise ChainError(f"RPC URL {url!r} is not http(s); pass e.g. http://127.0.0.1:8545")
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 30}))
        _trim_middleware(w3)
        try:
            w3.eth.chain_id  # noqa: B018 - a probe
        except Exception as exc:
            raise ChainError(f"cannot reach a JSON-RPC node at {url} ({type(exc).__name__}); is the node running?") from None
        return w3

    @property
    def embedded(self) -> bool:
        return self._tester is not None

    @property
    def estimate_block(self) -> str | None:
        """Block to estimate gas against: ``"pending"`` on a node.

        anvil estimates against the latest block's context by default, so a
        transaction whose cost depends on ``block.number`` (writing it to
        storage, say) gets an estimate that runs out of gas when mined.
        """
        return None if self.embedded else "pending"

    @property
    def tester(self) -> Any:
        """The ``eth_tester.EthereumTester`` of an embedded chain."""
        if self._tester is None:
            raise ChainError("this chain is an external node; eth-tester is only behind the embedded chain")
        return self._tester

    # -- node methods --------------------------------------------------------

    def request(self, method: str, *params: Any) -> Any:
        """Call a node method directly, e.g. ``chain.request("anvil_setBalance", addr, hex(wei))``.

        Returns the result; an error reply raises :class:`ChainError` saying
        whether the node lacks the method or rejected the call.
        """
        if self.embedded:
            raise ChainError(f"request({method!r}) needs a JSON-RPC node; the embedded chain has no node methods (use sb.w3)")
        return self._rpc(method, *params)

    def _rpc(self, method: str, *params: Any) -> Any:
        try:
            response: Any = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        except Web3RPCError as exc:
            response = {"error": {"message": str(exc)}}
        error = response.get("error")
        if error:
            message = str(error.get("message", error))
            if error.get("code") == -32601 or "not found" in message.lower() or "not supported" in message.lower():
                raise ChainError(f"the node at {self.rpc} does not support {method} ({message}); use anvil or the embedded chain")
            raise ChainError(f"the node at {self.rpc} rejected {method}{list(params)} ({message})")
        return response.get("result")

    @property
    def is_dev_chain(self) -> bool:
        """Is the chain id one where the public dev keys may sign?"""
        return self.chain_id in self._dev_chain_ids

    def check_can_sign(self, address: str) -> None:
        """Refuse to use a dev key on a chain that is not a dev chain."""
        if not self.is_dev_chain and address.lower() in self._dev_addresses:
            raise ChainError(
                f"refusing to use dev account {address} on chain id {self.chain_id}: its key is public. "
                f"Dev chain ids are {sorted(self._dev_chain_ids)}; pass allowed_chain_ids={{{self.chain_id}}} if this is a test chain"
            )

    # -- snapshots -----------------------------------------------------------

    def snapshot(self) -> Any:
        """Save the current state; returns an id for :meth:`revert`."""
        snap = self.tester.take_snapshot() if self.embedded else self._rpc("evm_snapshot")
        self._snapshots.append(snap)
        return snap

    def revert(self, snapshot_id: Any) -> None:
        """Return to the state saved by ``snapshot_id`` (later snapshots are dropped)."""
        if snapshot_id not in self._snapshots:
            raise ChainError(f"unknown or already reverted snapshot {snapshot_id!r}; take one with snapshot()")
        index = self._snapshots.index(snapshot_id)
        del self._snapshots[index:]
        if self.embedded:
            self.tester.revert_to_snapshot(snapshot_id)
        elif not self._rpc("evm_revert", snapshot_id):
            raise ChainError(f"the node refused to revert to snapshot {snapshot_id!r}")

    # -- time and blocks -------------------------------------------------------

    @property
    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    @property
    def timestamp(self) -> int:
        """Timestamp of the latest block."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def time_travel(self, seconds: int | None = None, *, to: int | None = None) -> int:
        """Move time forward by ``seconds`` (or to timestamp ``to``) and mine a block.

        Returns the new latest block timestamp.
        """
        if (seconds is None) == (to is None):
            raise ChainError("time_travel needs exactly one of seconds= or to=")
        now = self.timestamp
        target = now + int(seconds) if seconds is not None else int(to)  # type: ignore[arg-type]
        if target <= now:
            raise ChainError(f"cannot travel back in time to {target} (latest block is at {now}); use a snapshot and revert")
        if self.embedded:
            # eth-tester mines the block at (argument - 1); ask for one more.
            self.tester.time_travel(target + 1)
        else:
            try:
                self._rpc("evm_setNextBlockTimestamp", target)
            except ChainError:
                self._rpc("evm_increaseTime", target - now)  # older nodes: a relative jump
            self._rpc("evm_mine")
        return self.timestamp

    def mine(self, blocks: int = 1) -> int:
        """Mine ``blocks`` empty blocks; returns the new block number."""
        if blocks < 1:
            raise ChainError(f"blocks must be at least 1, got {blocks}")
        if self.embedded:
            self.tester.mine_blocks(blocks)
        else:
            for _ in range(blocks):
                self._rpc("evm_mine")
        return self.block_number

    def balance(self, address: str) -> int:
        return int(self.w3.eth.get_balance(address))  # type: ignore[arg-type]

    def wall_clock(self) -> float:
        return time.time()
