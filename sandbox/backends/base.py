"""The engine seam: :class:`ChainBackend`, which every engine implements whole.

``Chain`` (and through it the facade, the workshop, the node and the plugin)
holds one ``ChainBackend`` and never asks which: py-evm
(:mod:`sandbox.backends.pyevm`), revm (:mod:`sandbox.backends.revm`) or any
JSON-RPC node (:mod:`sandbox.backends.remote`). A new engine is a new folder
beside them that implements this class and passes the same suites.

Conventions, so that callers need no translation of their own:

- **Records** (blocks, transactions, receipts, logs, fee history) are dicts
  in eth-tester's normalized shape: snake_case keys, ``int`` quantities,
  ``0x`` hex strings for hashes and data, checksummed addresses. The node
  turns them into JSON-RPC with one function (``sandbox.node.wire``), the
  facade into a ``Receipt`` with another.
- **Transaction requests** (:data:`TxRequest`) are dicts with ``from``
  (address), optional ``to``, ``data`` (bytes), ``value`` and ``gas`` (ints),
  and any of ``nonce``, ``gas_price``, ``max_fee_per_gas``,
  ``max_priority_fee_per_gas``, ``access_list``.
- **Execution that reverts** raises :class:`Reverted` with the raw revert
  bytes; execution that fails otherwise (out of gas, invalid opcode) raises
  :class:`ExecutionFailed`. A transaction the chain refuses before running
  it (nonce, funds, unknown sender) raises
  :class:`~sandbox.errors.TransactionRejected`. The bytes are decoded once,
  above the seam (``sandbox.contracts.reverts``).
- **Lookups** of something that does not exist return ``None``.

Account cheatcodes (balance, code, storage, nonce, impersonation) are part
of the class; on the embedded engines each one is sealed in its own empty
block, so reads at ``latest`` see it and a snapshot taken before it undoes
it. Later layers add tracing and full-history persistence.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

Record = dict[str, Any]
TxRequest = dict[str, Any]
#: ``"latest"``, ``"earliest"``, ``"pending"``, ``"safe"``, ``"finalized"``, a number or a ``0x`` block hash.
BlockId = int | str


class Pending(Protocol):
    """Blocks mined ahead of their roots (:meth:`Backend.transact_deferred`)."""

    def settle(self) -> None:
        """Build them (their hashes then in the records handed out)."""

    def hold(self, receipt: Any) -> None:
        """``receipt`` is handed out: its block is built rather than dropped while it lives."""


class Reverted(Exception):
    """Raised by a backend when execution reverts; ``data`` holds the raw revert bytes."""

    def __init__(self, data: bytes) -> None:
        super().__init__(f"execution reverted (0x{data.hex()})")
        self.data = bytes(data)


class ExecutionFailed(Exception):
    """Raised by a backend when execution fails without revert data (out of gas, invalid opcode)."""


@dataclass
class StateDump:
    """A chain's state at its latest block, in a form every backend can start from.

    ``accounts`` maps 20-byte addresses to ``{"nonce", "balance", "code",
    "storage": {slot: value}}`` (non-zero slots only). ``state_root`` is the
    engine's own root when it has a real one (py-evm), a hint a later load
    may use to check a fast rebuild.
    """

    accounts: dict[bytes, dict[str, Any]]
    block_number: int = 0
    timestamp: int = 0
    state_root: bytes | None = None
    #: The saved chain's past (``sandbox.backends.history``): with it, a backend started from this
    #: dump continues at block ``history.head + 1`` and answers for the blocks before from it.
    history: Any = None
    #: The engine's own saved database (a ``get(key) -> bytes | None`` reader), when the engine
    #: keeps one (py-evm: its trie nodes): a load reads it lazily instead of rebuilding the state.
    engine_db: Any = None


@dataclass
class Genesis:
    """What an embedded backend starts from: the dev keys it signs for, funded, or a saved state."""

    chain_id: int
    keys: tuple[bytes, ...]
    balance: int
    state: StateDump | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def accounts(self) -> dict[bytes, dict[str, Any]]:
        """The genesis accounts: the saved ones, or each dev key's address with ``balance`` wei."""
        if self.state is not None and self.state.accounts:
            return {a: dict(v, storage=dict(v.get("storage") or {})) for a, v in self.state.accounts.items()}
        from eth_keys import keys as eth_keys

        return {
            eth_keys.PrivateKey(k).public_key.to_canonical_address(): {"balance": self.balance, "nonce": 0, "code": b"", "storage": {}}
            for k in self.keys
        }


class ChainBackend(ABC):
    """One engine behind a chain. Every method here is implemented by every backend."""

    #: Short engine name: ``"py-evm"``, ``"revm"``, ``"remote"``.
    engine: ClassVar[str]
    #: The newest EVM version (hardfork) the engine runs; the compiler is capped by it.
    evm_version: ClassVar[str]
    #: In this process (snapshots are free, the optimistic gas strategy applies)?
    embedded: ClassVar[bool]

    chain_id: int
    #: Ids of the snapshots taken and not yet reverted, oldest first (shared by every handle on one node).
    snapshot_ids: list[Any]

    # -- identity ------------------------------------------------------------

    @property
    @abstractmethod
    def w3(self) -> Any:
        """A ``web3.Web3`` on this chain, for users who want web3.py itself."""

    def client_version(self) -> str:
        """What ``web3_clientVersion`` reports: the sandbox and its engine."""
        from importlib.metadata import version

        return f"sandbox/v{version('nft-dapp-sandbox')}/{self.engine}"

    @abstractmethod
    def accounts(self) -> list[str]:
        """Addresses this backend signs for."""

    # -- transactions ----------------------------------------------------------

    def transact(self, tx: TxRequest, *, gas: int | None = None) -> Record:
        """Send ``tx``, mine it and return its receipt; ``tx["gas"]`` is left at the limit sent.

        Without ``gas``, on an embedded engine: estimate with one run at the
        block gas limit, send with the optimistic bound, and if that fails,
        undo it (snapshot) and send again with a confirmed estimate, so a
        failure the caller sees is the transaction's own. On a node: a
        confirmed estimate against ``pending``, then send.
        """
        if gas is not None:
            tx["gas"] = gas
            return self.send(tx)
        if not self.embedded:
            tx["gas"] = self.estimate(tx, "pending")
            return self.send(tx)
        snapshot = self.snapshot()
        tx["gas"] = self.estimate(tx, confirm=False)
        receipt = self.send(tx)
        if receipt["status"] == 1:
            return receipt
        self.revert(snapshot)
        tx["gas"] = self.estimate(tx)
        return self.send(tx)

    def transact_deferred(self, tx: TxRequest, *, gas: int | None = None) -> tuple[Record, Pending | None]:
        """:meth:`transact` for the contract API: the receipt record, and a :class:`Pending` when its block was mined
        ahead of its roots (py-evm), so the record's ``block_hash`` (and its logs') is known only once ``settle()``
        builds the block. Other engines build every block at once: ``None``."""
        return self.transact(tx, gas=gas), None

    @abstractmethod
    def send(self, tx: TxRequest) -> Record:
        """Sign (or have the node sign) ``tx`` with its ``gas``, mine it, return the receipt."""

    @abstractmethod
    def send_transaction(self, tx: TxRequest) -> str:
        """Submit ``tx`` as ``eth_sendTransaction`` does; returns the hash (mined at once when automining)."""

    @abstractmethod
    def send_raw(self, raw: bytes) -> str:
        """Submit a signed transaction; returns its hash."""

    @abstractmethod
    def call(self, tx: TxRequest, block: BlockId = "latest") -> bytes:
        """Run ``tx`` without a transaction; returns the output (raises :class:`Reverted`)."""

    @abstractmethod
    def estimate(self, tx: TxRequest, block: BlockId = "latest", *, confirm: bool = True) -> int:
        """Gas limit for ``tx``; with ``confirm`` false the optimistic bound of one run (embedded only)."""

    # -- state and time ----------------------------------------------------------

    @abstractmethod
    def snapshot(self) -> Any:
        """Save the state; returns an id for :meth:`revert`."""

    @abstractmethod
    def revert(self, snapshot: Any) -> None:
        """Return to a snapshot (later snapshots stay valid only on embedded engines)."""

    @abstractmethod
    def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` blocks; the first one takes the pending transactions (when automine is off)."""

    # -- mining mode: automine, or transactions left pending until a mine --------------

    def automine(self) -> bool:
        """Is every transaction mined as it arrives (the default)?"""
        return True

    def set_automine(self, enabled: bool) -> None:
        """Turn automine on (pending transactions are mined at once) or off (they wait for :meth:`mine`)."""
        if not enabled:
            self._unsupported("manual mining (set_automine(False))")

    def pending_transactions(self) -> list[str]:
        """Hashes of the transactions sent and not mined yet, in the order the next block takes them."""
        return []

    def drop_transaction(self, tx_hash: str) -> bool:
        """Take pending ``tx_hash`` out of the next block (anvil_dropTransaction); whether it was pending."""
        return False

    @abstractmethod
    def set_next_timestamp(self, timestamp: int) -> None:
        """The timestamp of the next block mined."""

    def pending_timestamp(self) -> int:
        """The timestamp the next block would get now (embedded engines know it exactly)."""
        import time

        latest = self.get_block("latest")
        assert latest is not None
        return max(int(latest["timestamp"]) + 1, int(time.time()))

    def set_block_timestamp_interval(self, seconds: int | None) -> None:
        """Each next block ``seconds`` after the one before, whatever the clock (``None``: the clock again)."""
        self._unsupported("a block timestamp interval")

    def increase_time(self, seconds: int) -> int:
        """Blocks from now on are ``seconds`` later (evm_increaseTime); returns how far ahead of the wall clock the chain is."""
        self.set_next_timestamp(self.pending_timestamp() + int(seconds))
        return int(seconds)

    @abstractmethod
    def dump_state(self) -> StateDump:
        """The state at the latest block (accounts, block number, time)."""

    # -- reads ---------------------------------------------------------------------

    @abstractmethod
    def get_block(self, block: BlockId = "latest", full: bool = False) -> Record | None: ...

    @abstractmethod
    def get_transaction(self, tx_hash: str) -> Record | None: ...

    @abstractmethod
    def get_receipt(self, tx_hash: str) -> Record | None: ...

    @abstractmethod
    def get_logs(self, from_block: BlockId = "latest", to_block: BlockId = "latest", address: list[str] | None = None,
                 topics: list[Any] | None = None) -> list[Record]:
        """Logs in block order; ``address`` any of these, ``topics`` per position ``None``, a topic or a list of topics."""

    @abstractmethod
    def get_balance(self, address: str, block: BlockId = "latest") -> int: ...

    @abstractmethod
    def get_code(self, address: str, block: BlockId = "latest") -> bytes: ...

    @abstractmethod
    def get_nonce(self, address: str, block: BlockId = "latest") -> int: ...

    @abstractmethod
    def get_storage(self, address: str, slot: int, block: BlockId = "latest") -> int: ...

    @abstractmethod
    def fee_history(self, count: int, newest: BlockId, percentiles: list[float]) -> Record: ...

    def block_number(self) -> int:
        block = self.get_block("latest")
        assert block is not None
        return int(block["number"])

    # -- cheatcodes (account state, impersonation) ----------------------------------
    # Every engine implements these (issue: cheatcodes); the defaults refuse, naming the engine.

    def _unsupported(self, what: str) -> Any:
        from sandbox.errors import ChainError

        raise ChainError(f"{what} is not supported on the {self.engine} backend yet")

    def set_balance(self, address: str, wei: int) -> None:
        """Set ``address``'s balance (anvil_setBalance)."""
        self._unsupported("set_balance")

    def set_code(self, address: str, code: bytes) -> None:
        """Put ``code`` at ``address`` (anvil_setCode)."""
        self._unsupported("set_code")

    def set_storage(self, address: str, slot: int, value: int) -> None:
        """Write one storage slot (anvil_setStorageAt)."""
        self._unsupported("set_storage")

    def set_nonce(self, address: str, nonce: int) -> None:
        """Set ``address``'s nonce (anvil_setNonce)."""
        self._unsupported("set_nonce")

    def load_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Write many accounts at once (anvil_loadState): ``{address: {"balance", "nonce", "code", "storage": {slot: value}}}``."""
        for address, account in accounts.items():
            self.set_balance(address, int(account.get("balance", 0)))
            self.set_nonce(address, int(account.get("nonce", 0)))
            self.set_code(address, bytes(account.get("code") or b""))
            for slot, value in (account.get("storage") or {}).items():
                self.set_storage(address, int(slot), int(value))

    def impersonate(self, address: str) -> None:
        """Let transactions from ``address`` through without its key (anvil_impersonateAccount)."""
        self._unsupported("impersonate")

    def stop_impersonating(self, address: str) -> None:
        """Undo :meth:`impersonate` (anvil_stopImpersonatingAccount)."""
        self._unsupported("stop_impersonating")

    def add_key(self, private_key: bytes) -> None:
        """Sign for ``private_key``'s address from now on (``sb.accounts.generate``); a node's web3 signs locally."""
        self._unsupported("add_key")

    def is_impersonating(self, address: str) -> bool:
        """Is ``address`` impersonated (by :meth:`impersonate`) on this backend?"""
        return False

    # -- what a run recorded (console.log, call frames) --------------------------------

    def recording(self, tx_hash: str) -> Any:
        """The :class:`~sandbox.backends.trace.Recording` of mined transaction ``tx_hash`` (``None``: not recorded here)."""
        return None

    def last_recording(self) -> Any:
        """The recording of the latest send, call or estimate (``None`` on engines that record nothing)."""
        return None

    def rerun(self, call: TxRequest, block: BlockId, steps: Any = None) -> tuple[Any, bool]:
        """Run ``call`` at ``block`` again with its call frames recorded (and opcode steps, given
        :class:`~sandbox.backends.trace.StepOptions`): the recording and whether the run failed; ``(None, False)`` on
        engines that record nothing. A mined transaction replays so (``trace.replay_call``) on its parent block's state."""
        return None, False

    def state_changes(self, *, since_load: bool = False) -> dict[bytes, dict[str, Any]]:
        """Accounts written since the last call (``since_load``: since the chain started), read at the head.

        ``{address: {"nonce", "balance", "code", "storage": {slot: value}, "wiped": bool}}`` with
        every slot written (0 when cleared); ``wiped``: the storage was deleted first. What a save
        writes, at a cost that follows the changes, not the chain.
        """
        return self._unsupported("state changes")  # type: ignore[no-any-return]

    def take_engine_writes(self) -> dict[bytes, bytes | None] | None:
        """What the engine wrote to its own key-value database since the last call (``None``: it keeps
        none worth saving). Saved with the chain and given back as ``StateDump.engine_db``."""
        return None

    def raw_header(self, block: BlockId = "latest") -> bytes | None:
        """The RLP-encoded header of a block (geth's ``debug_getRawHeader``), ``None`` if unknown."""
        return self._unsupported("raw block headers")  # type: ignore[no-any-return]

    def create_access_list(self, tx: TxRequest, block: BlockId = "latest") -> tuple[list[Record], int]:
        """EIP-2930 access list of ``tx`` (``{"address", "storage_keys"}`` entries) and the gas it uses with it."""
        return self._unsupported("create_access_list")  # type: ignore[no-any-return]

    def get_proof(self, address: str, slots: list[int], block: BlockId = "latest") -> Record:
        """EIP-1186 proof of ``address`` and its ``slots`` against the block's state root (``eth_getProof``).

        ``{"address", "account_proof", "balance", "nonce", "code_hash", "storage_hash",
        "storage_proof": [{"key", "value", "proof"}]}``, proofs as lists of ``0x`` RLP nodes.
        """
        return self._unsupported("Merkle proofs (eth_getProof)")  # type: ignore[no-any-return]

    # -- node methods ----------------------------------------------------------------

    def request(self, method: str, params: list[Any]) -> Any:
        """A node method by name (``anvil_setBalance``...); embedded engines have none yet."""
        from sandbox.errors import ChainError

        raise ChainError(f"request({method!r}) needs a JSON-RPC node; the {self.engine} chain has no node methods (use sb.w3)")

    def close(self) -> None:  # noqa: B027 - optional: most backends hold nothing
        """Release what the backend holds (connections); the default holds nothing."""
