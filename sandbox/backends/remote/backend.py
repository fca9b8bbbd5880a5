"""A JSON-RPC node (anvil, geth, a testnet, another ``sandbox node``) as a :class:`ChainBackend`.

Reads go straight to the node as JSON-RPC and come back as records; sends go
through web3.py so that a real key attached by :mod:`sandbox.chain.keys`
(web3.py's signing middleware) signs locally, and the node signs for the
accounts it holds: those, on a node that automines and knows
``eth_sendTransactionSync`` (anvil, ``sandbox node``), are sent and answered
with their receipt in one request (no receipt polling). Snapshots are the node's ``evm_snapshot``/``evm_revert``;
their ids are shared by every handle on one node, because a revert drops the
later snapshots for all of them (anvil breaks when asked to revert to a
snapshot it already dropped).
"""

from __future__ import annotations

import gzip
import json
import time
from typing import Any, ClassVar, Literal

from sandbox.backends.base import BlockId, ChainBackend, ExecutionFailed, Record, Reverted, StateDump, TxRequest
from sandbox.backends.remote.records import block_param, record, wire_tx
from sandbox.backends.tester import trim_middleware
from sandbox.errors import ChainError, TransactionRejected

#: Seconds a send waits for its receipt before giving up.
RECEIPT_TIMEOUT = 120.0
#: The share of the last receipts' wait that the next one waits out before polling closely, and the most
#: it waits out so (a node whose blocks take longer is polled every 50 ms after the first second anyway).
MINING_TIME_SHARE, MINING_TIME_CAP = 0.8, 0.5
#: How nodes say whether they automine (anvil, Hardhat), asked in this order.
AUTOMINE_METHODS = ("anvil_getAutomine", "hardhat_getAutomine")
#: Snapshot ids taken on each node, shared by every handle on it.
_NODE_SNAPSHOTS: dict[str, list[Any]] = {}


class MethodUnsupported(ChainError):
    """The node answers that it does not know a method (JSON-RPC -32601, "not supported")."""


def _revert_data(error: dict[str, Any]) -> bytes | None:
    """Revert data in a JSON-RPC error object (anvil, geth and Hardhat put it in ``data``)."""
    data = error.get("data")
    if isinstance(data, dict):
        data = data.get("data") or data.get("result")
    message = str(error.get("message", "")).lower()
    if isinstance(data, str) and data.startswith("0x") and (error.get("code") == 3 or "revert" in message):
        return bytes.fromhex(data[2:])
    if "revert" in message and data is None:
        return b""
    return None


class RemoteChainBackend(ChainBackend):
    """The chain of a JSON-RPC node at ``url``."""

    engine = "remote"
    evm_version = "cancun"
    embedded: ClassVar[bool] = False

    def __init__(self, url: str, *, timeout: float = 30) -> None:
        from web3 import HTTPProvider, Web3

        if not url.startswith(("http://", "https://")):
            raise ChainError(f"RPC URL {url!r} is not http(s); pass e.g. http://127.0.0.1:8545")
        self.url = url
        # The chain id is asked once per connection: web3.py's transaction defaults and
        # validation ask it on every send (four eth_chainId round trips a mint, unasked).
        provider = HTTPProvider(url, request_kwargs={"timeout": timeout}, cache_allowed_requests=True,
                                cacheable_requests={"eth_chainId", "net_version"})
        self._w3 = Web3(provider)
        trim_middleware(self._w3)
        try:
            self.chain_id = int(self._w3.eth.chain_id)
        except Exception as exc:
            raise ChainError(f"cannot reach a JSON-RPC node at {url} ({type(exc).__name__}); is the node running?") from None
        self.snapshot_ids = _NODE_SNAPSHOTS.setdefault(url, [])
        self._version: str | None = None
        self._impersonated: set[str] = set()
        self._added_keys = 0
        #: Seconds the last two receipts took to appear after their first poll (wait_for_receipt).
        self._mining_times = (0.0, 0.0)
        #: The automine question this node answers (None: not asked yet; "": it answers none).
        self._automine_method: str | None = None
        #: Send and receipt in one request (``eth_sendTransactionSync``): None until the first send asks whether
        #: the node automines and holds keys; then the addresses it signs for, or False (no sync sends here).
        self._sync_senders: set[str] | Literal[False] | None = None

    @property
    def w3(self) -> Any:
        return self._w3

    def client_version(self) -> str:
        if self._version is None:
            self._version = str(self.rpc("web3_clientVersion"))
        return self._version

    # -- the wire --------------------------------------------------------------------

    def rpc(self, method: str, *params: Any) -> Any:
        """Call ``method``; an error reply raises :class:`Reverted`, :class:`TransactionRejected` or :class:`ChainError`."""
        from web3.exceptions import Web3RPCError

        try:
            response: Any = self._w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        except Web3RPCError as exc:
            response = {"error": {"message": str(exc)}}
        except OSError as exc:
            raise ChainError(f"the node at {self.url} did not answer {method} ({type(exc).__name__}: {exc}); is it still running?") from None
        error = response.get("error")
        if error:
            error = error if isinstance(error, dict) else {"message": str(error)}
            data = _revert_data(error)
            if data is not None:
                raise Reverted(data)
            message = str(error.get("message", error))
            if error.get("code") == -32601 or "not found" in message.lower() or "not supported" in message.lower():
                raise MethodUnsupported(f"the node at {self.url} does not support {method} ({message}); use anvil or the embedded chain")
            if method.startswith(("eth_send", "eth_estimate", "eth_call")):
                raise TransactionRejected(f"the node at {self.url} refused {method}: {message}")
            raise ChainError(f"the node at {self.url} rejected {method}{list(params)} ({message})")
        return response.get("result")

    def request(self, method: str, params: list[Any]) -> Any:
        return self.rpc(method, *params)

    def accounts(self) -> list[str]:
        from eth_utils import to_checksum_address

        return [to_checksum_address(a) for a in self.rpc("eth_accounts") or []]

    # -- transactions ---------------------------------------------------------------

    def send(self, tx: TxRequest) -> Record:
        from web3.exceptions import ContractLogicError, Web3RPCError

        receipt = self._send_sync(tx)
        if receipt is not None:
            return receipt
        sent = wire_tx(tx)
        sent = {k: (int(v, 16) if isinstance(v, str) and k not in ("from", "to", "data") else v) for k, v in sent.items()}
        try:
            tx_hash = self._w3.eth.send_transaction(sent)  # type: ignore[arg-type]
        except ContractLogicError as exc:
            data = exc.data
            raise Reverted(bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b"") from None
        except Web3RPCError as exc:
            raise TransactionRejected(f"the node at {self.url} refused the transaction from {tx['from']}: {exc}") from None
        return self.wait_for_receipt("0x" + bytes(tx_hash).hex())

    def _send_sync(self, tx: TxRequest) -> Record | None:
        """Send ``tx`` and read its receipt in one request, ``eth_sendTransactionSync`` (anvil), when the node
        signs for the sender (one of its own accounts, or one this handle impersonates) and mines each
        transaction as it arrives; ``None`` (nothing sent) otherwise: the send goes through web3.py and its
        receipt is polled (:meth:`wait_for_receipt`).

        Polling costs the client a request per miss, and more of them as anvil's blocks take longer with its
        state (its state root is rebuilt each block); a sent transaction is the same request either way
        (the node fills what ``eth_sendTransaction`` fills), and so is its receipt."""
        senders = self._sync_senders
        if senders is None:  # asked once per connection: a node started with --no-mining or --block-time is polled
            try:
                senders = {a.lower() for a in self.rpc("eth_accounts") or []} if self._node_automine() else False
            except ChainError:
                senders = False
            self._sync_senders = senders
        sender = str(tx.get("from", "")).lower()
        if senders is False or (sender not in senders and sender not in self._impersonated):
            return None
        try:
            found = self.rpc("eth_sendTransactionSync", wire_tx(tx))
        except MethodUnsupported:
            self._sync_senders = False  # geth, Hardhat: their eth_sendTransaction, polled
            return None
        except TransactionRejected as exc:
            if "timeout" in str(exc).lower():
                raise ChainError(f"the transaction from {tx['from']} was sent but the node at {self.url} did not mine it within its "
                                 "confirmation timeout; is its mining on (anvil --no-mining mines only when asked: sb.mine())?") from None
            raise TransactionRejected(f"the node at {self.url} refused the transaction from {tx['from']}: "
                                      f"{str(exc).split(': ', 1)[-1]}") from None
        if not found:
            raise ChainError(f"the node at {self.url} answered eth_sendTransactionSync with no receipt")
        receipt: Record = record(found)
        return receipt

    def wait_for_receipt(self, tx_hash: str, *, timeout: float = RECEIPT_TIMEOUT) -> Record:
        """The receipt of ``tx_hash`` once mined: polled at once, then every 0.5..2 ms for the first second, then every 50 ms;
        after a first miss, it first waits out most of the time the last receipts took to appear (at most 0.4 s).

        web3.py's ``wait_for_transaction_receipt`` sleeps its whole poll latency
        (0.1 s by default) after any miss, which on an automining node that
        answers a few milliseconds late costs more than the transaction; a
        doubling backoff would still wait up to twice the mining time. A
        node's mining time moves slowly (anvil's grows with its state: 10 ms
        a block at 100 SandboxNFT tokens, 75 at 3,000), so waiting out most of
        the last one first spares the 20-40 polls a millisecond apart, each a
        request the node serves while it mines, that cost the client's CPU
        (18.8 → 51.8 ms a mint from 100 to 3,000 tokens) and the node's.
        """
        start = time.monotonic()
        delay = 0.0005
        while True:
            receipt = self.get_receipt(tx_hash)
            waited = time.monotonic() - start
            if receipt is not None:
                self._mining_times = (self._mining_times[1], waited)
                return receipt
            if waited > timeout:
                raise ChainError(f"transaction {tx_hash} was not mined within {timeout:g} s by the node at {self.url}; "
                                 "is its mining on (anvil --no-mining mines only when asked: sb.mine())?")
            # Most of the shorter of the last two receipts' waits (one slow block does not slow the next), not yet waited.
            ahead = MINING_TIME_SHARE * min(min(self._mining_times), MINING_TIME_CAP) - waited
            if ahead > delay:
                time.sleep(ahead)
                continue
            time.sleep(delay)
            delay = min(delay * 2, 0.002) if waited < 1.0 else 0.05  # a local node mines at once; a remote one takes seconds

    def send_transaction(self, tx: TxRequest) -> str:
        return str(self.rpc("eth_sendTransaction", wire_tx(tx)))

    def send_raw(self, raw: bytes) -> str:
        return str(self.rpc("eth_sendRawTransaction", "0x" + raw.hex()))

    def call(self, tx: TxRequest, block: BlockId = "latest") -> bytes:
        result = self.rpc("eth_call", wire_tx(tx), block_param(block))
        return bytes.fromhex(str(result)[2:])

    def estimate(self, tx: TxRequest, block: BlockId = "latest", *, confirm: bool = True) -> int:
        request = wire_tx({k: v for k, v in tx.items() if k != "gas"})
        try:
            return int(self.rpc("eth_estimateGas", request, block_param(block)), 16)
        except TransactionRejected as exc:
            if "out of gas" in str(exc).lower() or "invalid opcode" in str(exc).lower():
                raise ExecutionFailed(str(exc)) from None
            raise

    # -- state and time -------------------------------------------------------------

    def snapshot(self) -> Any:
        return self.rpc("evm_snapshot")

    def revert(self, snapshot: Any) -> None:
        if not self.rpc("evm_revert", snapshot):
            raise ChainError(f"the node refused to revert to snapshot {snapshot!r}")

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.rpc("evm_mine")

    def _node_automine(self) -> bool | None:
        """What the node says of its automine (``anvil_getAutomine``, ``hardhat_getAutomine``); None: it says neither."""
        if self._automine_method == "":
            return None
        for method in (self._automine_method,) if self._automine_method else AUTOMINE_METHODS:
            try:
                result = self.rpc(method)
            except ChainError:
                continue
            self._automine_method = method
            return bool(result)
        self._automine_method = ""  # neither: not asked again on this connection
        return None

    def automine(self) -> bool:
        return self._node_automine() is not False

    def set_next_timestamp(self, timestamp: int) -> None:
        try:
            self.rpc("evm_setNextBlockTimestamp", timestamp)
        except ChainError:
            latest = self.get_block("latest")
            assert latest is not None
            self.rpc("evm_increaseTime", timestamp - int(latest["timestamp"]))  # older nodes: a relative jump

    def dump_state(self) -> StateDump:
        """anvil's ``anvil_dumpState`` (gzip of its JSON dump) as a :class:`StateDump`."""
        blob = str(self.rpc("anvil_dumpState"))
        try:
            data = json.loads(gzip.decompress(bytes.fromhex(blob[2:])))
        except (OSError, ValueError) as exc:
            raise ChainError(f"the node at {self.url} answered anvil_dumpState with something else than anvil's dump ({exc})") from None
        accounts = {}
        for address, account in data.get("accounts", {}).items():
            accounts[bytes.fromhex(address[2:])] = {
                "nonce": int(account.get("nonce", 0)),
                "balance": int(account.get("balance", "0x0"), 16),
                "code": bytes.fromhex(str(account.get("code", "0x"))[2:]),
                "storage": {int(k, 16): int(v, 16) for k, v in (account.get("storage") or {}).items() if int(v, 16)},
            }
        block = data.get("block") or {}
        return StateDump(accounts, int(str(block.get("number", "0x0")), 16), int(str(block.get("timestamp", "0x0")), 16))

    # -- cheatcodes (anvil_*, else hardhat_*) -----------------------------------------------

    def _cheat(self, what: str, name: str, *params: Any) -> Any:
        """``anvil_<name>``, or ``hardhat_<name>`` on a node without it; neither: :class:`ChainError` naming both."""
        refusals = []
        for prefix in ("anvil_", "hardhat_"):
            try:
                return self.rpc(prefix + name, *params)
            except ChainError as exc:
                if "does not support" not in str(exc):
                    raise
                refusals.append(prefix + name)
        raise ChainError(
            f"{what} needs the node method {refusals[0]} (or {refusals[1]}), and the node at {self.url} has neither; "
            "use anvil (pytest --sandbox-anvil), Hardhat, or the embedded chain"
        )

    def set_balance(self, address: str, wei: int) -> None:
        self._cheat("set_balance", "setBalance", address, hex(int(wei)))

    def set_code(self, address: str, code: bytes) -> None:
        self._cheat("set_code", "setCode", address, "0x" + bytes(code).hex())

    def set_storage(self, address: str, slot: int, value: int) -> None:
        self._cheat("set_storage", "setStorageAt", address, "0x" + int(slot).to_bytes(32, "big").hex(), "0x" + int(value).to_bytes(32, "big").hex())

    def set_nonce(self, address: str, nonce: int) -> None:
        self._cheat("set_nonce", "setNonce", address, hex(int(nonce)))

    def impersonate(self, address: str) -> None:
        self._cheat("impersonate", "impersonateAccount", address)
        self._impersonated.add(address.lower())

    def stop_impersonating(self, address: str) -> None:
        self._cheat("stop_impersonating", "stopImpersonatingAccount", address)
        self._impersonated.discard(address.lower())

    def is_impersonating(self, address: str) -> bool:
        return address.lower() in self._impersonated

    def add_key(self, private_key: bytes) -> None:
        """The key signs in this process (web3.py's signing middleware), as ``sandbox.chain.keys`` does."""
        from eth_account import Account as EthAccount
        from web3.middleware import SignAndSendRawMiddlewareBuilder

        self._added_keys += 1
        signer = SignAndSendRawMiddlewareBuilder.build([EthAccount.from_key(bytes(private_key))])
        self._w3.middleware_onion.inject(signer, name=f"sandbox-added-key-{self._added_keys}", layer=0)

    # -- reads --------------------------------------------------------------------------

    def get_block(self, block: BlockId = "latest", full: bool = False) -> Record | None:
        if isinstance(block, str) and block.startswith("0x") and len(block) == 66:
            found = self.rpc("eth_getBlockByHash", block, full)
        else:
            found = self.rpc("eth_getBlockByNumber", block_param(block), full)
        return record(found) if found else None

    def get_transaction(self, tx_hash: str) -> Record | None:
        found = self.rpc("eth_getTransactionByHash", tx_hash)
        return record(found) if found else None

    def get_receipt(self, tx_hash: str) -> Record | None:
        found = self.rpc("eth_getTransactionReceipt", tx_hash)
        return record(found) if found else None

    def get_logs(self, from_block: BlockId = "latest", to_block: BlockId = "latest", address: list[str] | None = None,
                 topics: list[Any] | None = None) -> list[Record]:
        query: dict[str, Any] = {"fromBlock": block_param(from_block), "toBlock": block_param(to_block)}
        if address:
            query["address"] = address
        if topics:
            query["topics"] = [("0x" + bytes(t).hex()) if isinstance(t, (bytes, bytearray)) else t for t in topics]
        return [record(log) for log in self.rpc("eth_getLogs", query) or []]

    def get_balance(self, address: str, block: BlockId = "latest") -> int:
        return int(self.rpc("eth_getBalance", address, block_param(block)), 16)

    def get_code(self, address: str, block: BlockId = "latest") -> bytes:
        return bytes.fromhex(str(self.rpc("eth_getCode", address, block_param(block)))[2:])

    def get_nonce(self, address: str, block: BlockId = "latest") -> int:
        return int(self.rpc("eth_getTransactionCount", address, block_param(block)), 16)

    def get_storage(self, address: str, slot: int, block: BlockId = "latest") -> int:
        return int(self.rpc("eth_getStorageAt", address, hex(slot), block_param(block)), 16)

    def fee_history(self, count: int, newest: BlockId, percentiles: list[float]) -> Record:
        return dict(record(self.rpc("eth_feeHistory", hex(count), block_param(newest), percentiles)))

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)
