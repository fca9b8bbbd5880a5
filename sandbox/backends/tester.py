"""What both embedded engines share: a :class:`ChainBackend` over an ``eth_tester.EthereumTester``.

py-evm (eth-tester's own ``PyEVMBackend``) and revm (``RevmBackend``) both
implement eth-tester's backend interface, so one class does the work for
both: records come from the ``EthereumTester`` (its normalized shape is the
seam's), web3.py's ``EthereumTesterProvider`` over the same tester serves
``sb.w3``, and the sandbox's own transactions take the short road to the
engine (no web3.py formatters, no eth-tester validation) whenever eth-tester
holds nothing that road would bypass (filters, locked accounts, manual
mining). What differs per engine (``call`` with raw revert data, the
pending block's clock, logs at speed, state dumps) is left to subclasses.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import lru_cache
from typing import Any

from eth.exceptions import VMError
from eth_tester.exceptions import BlockNotFound, SnapshotNotFound, TransactionFailed, TransactionNotFound, ValidationError
from eth_utils import keccak, to_checksum_address
from eth_utils import to_canonical_address as _canonical_address

from sandbox.backends.base import BlockId, ChainBackend, ExecutionFailed, Record, Reverted, TxRequest
from sandbox.backends.history import History
from sandbox.backends.mining import PendingBlock
from sandbox.backends.receipt_record import checksum
from sandbox.backends.trace import Recorder, Recording
from sandbox.errors import ChainError, MalformedTransaction, TransactionRejected


@lru_cache(maxsize=8192)
def _remembered_canonical(address: str | bytes) -> bytes:
    return bytes(_canonical_address(address))


def to_canonical_address(address: Any) -> bytes:
    """eth-utils' ``to_canonical_address``, remembered (each send asked it of the same sender four times)."""
    try:
        return _remembered_canonical(address)
    except TypeError:  # unhashable (a bytearray)
        return bytes(_canonical_address(address))


def _remember_checksums() -> None:
    """eth-tester's receipt and log normalizers checksum each address anew (keccak and all); the few
    addresses a chain has are worked out once, in the cache the sandbox's own receipt records use
    (:data:`sandbox.backends.receipt_record.checksum`). Same strings, same records."""
    from eth_tester.normalization import outbound

    for table, key in ((outbound.LOG_ENTRY_NORMALIZERS, "address"), (outbound.RECEIPT_NORMALIZERS, "from")):
        if not hasattr(table.get(key), "cache_info"):  # once per process
            table[key] = checksum


_remember_checksums()


def _faster_signing() -> None:
    """eth-keys as the engines sign with it, without its per-signature set-up (a fifth of a mint on revm).

    Each ``key.backend`` look-up built a new backend (an import and an
    environment read), and each coincurve signature derived the key's public
    key again. One backend per ``ECC_BACKEND_CLASS`` value, and coincurve's key
    objects kept per private key; RFC 6979 signatures are the same bytes.
    """
    import os

    from eth_keys import datatypes
    from eth_keys.backends import coincurve as with_coincurve
    from eth_keys.backends import get_backend

    if getattr(datatypes.LazyBackend.get_backend, "_sandbox", False):
        return
    made: dict[str | None, Any] = {}

    def one_backend(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return get_backend(*args, **kwargs)
        choice = os.environ.get("ECC_BACKEND_CLASS")
        if choice not in made:
            made[choice] = get_backend()
        return made[choice]

    one_backend._sandbox = True  # type: ignore[attr-defined]
    datatypes.LazyBackend.get_backend = classmethod(one_backend)  # type: ignore[method-assign, assignment]
    if with_coincurve.is_coincurve_available():
        import coincurve

        key_object = lru_cache(maxsize=1024)(coincurve.PrivateKey)

        def ecdsa_sign(backend: Any, msg_hash: bytes, private_key: Any) -> Any:
            return datatypes.Signature(key_object(private_key.to_bytes()).sign_recoverable(msg_hash, hasher=None), backend=backend)

        setattr(with_coincurve.CoinCurveECCBackend, "ecdsa_sign", ecdsa_sign)  # noqa: B010


_faster_signing()

FEE_FIELDS = ("gas_price", "max_fee_per_gas", "max_priority_fee_per_gas")
OPTIONAL_FIELDS = ("nonce", *FEE_FIELDS)


def raw_chain_id(raw: bytes) -> int | None:
    """The chain id a signed transaction commits to (``None``: a legacy transaction without EIP-155)."""
    import rlp

    if raw and raw[0] >= 0xC0:  # legacy: an RLP list, v = chain_id * 2 + 35/36 under EIP-155
        v = int.from_bytes(rlp.decode(raw)[6], "big")
        return (v - 35) // 2 if v >= 35 else None
    return int.from_bytes(rlp.decode(raw[1:])[0], "big")  # typed (EIP-2718): chain id first


def trim_middleware(w3: Any) -> None:
    """Drop web3.py middleware a local chain does not need.

    ENS resolution has no registry on a local chain, and the buffered gas
    estimate adds 100,000 gas to every transaction: the sandbox estimates gas
    itself and always sends an explicit limit.
    """
    for name in ("ens_name_to_address", "gas_estimate"):
        try:
            w3.middleware_onion.remove(name)
        except (KeyError, ValueError):
            pass


class TesterBackend(PendingBlock, ChainBackend):
    """A :class:`ChainBackend` over an ``EthereumTester`` whose backend is an embedded engine."""

    embedded = True

    def __init__(self, tester: Any, estimator: Any, chain_id: int) -> None:
        self.tester = tester
        self.engine_backend = tester.backend
        self.estimator = estimator
        self.chain_id = chain_id
        self.snapshot_ids = []
        self._held_keys: Any = None
        self._held_addresses: frozenset[bytes] = frozenset()
        self._w3: Any = None
        #: Addresses whose unsigned transactions are let through (:meth:`impersonate`).
        self.impersonated: set[bytes] = set()
        #: Console payloads and call frames of each run, when the engine records them.
        self.observer: Recorder | None = None

    # -- identity ----------------------------------------------------------------

    @property
    def w3(self) -> Any:
        if self._w3 is None:
            from web3 import Web3
            from web3.providers.eth_tester import EthereumTesterProvider
            from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

            endpoints = {ns: dict(methods) for ns, methods in API_ENDPOINTS.items()}
            endpoints["eth"]["chainId"] = static_return(self.chain_id)
            endpoints["net"]["version"] = static_return(str(self.chain_id))
            self._w3 = Web3(EthereumTesterProvider(self.tester, api_endpoints=endpoints))
            trim_middleware(self._w3)
        return self._w3

    def accounts(self) -> list[str]:
        return list(self.tester.get_accounts())

    # -- requests in the engine's shape --------------------------------------------

    def _held(self, sender: str) -> bool:
        """Does the engine hold ``sender``'s key? (Asked on every send: the addresses are derived once per key set.)"""
        keys = self.engine_backend.account_keys
        if keys is not self._held_keys:  # eth-tester and RevmBackend replace the tuple when a key is added
            self._held_keys, self._held_addresses = keys, frozenset(k.public_key.to_canonical_address() for k in keys)
        return to_canonical_address(sender) in self._held_addresses

    def _first_account(self) -> str:
        """The engine's first account (derived once per key set: eth-tester derives every address on each ask)."""
        keys = self.engine_backend.account_keys
        kept = self.__dict__.get("_first")
        if kept is None or kept[0] is not keys:
            kept = (keys, to_checksum_address(self.engine_backend.get_accounts()[0]))
            self.__dict__["_first"] = kept
        return str(kept[1])

    def _direct(self, sender: str | None = None) -> bool:
        """True when eth-tester holds nothing the engine-level road would skip."""
        t = self.tester
        if not t.auto_mine_transactions or t._block_filters or t._log_filters or t._pending_transaction_filters:
            return False
        return sender is None or (to_canonical_address(sender) not in t._account_passwords and self._held(sender))

    @staticmethod
    def _raw(tx: TxRequest, *, with_gas: bool = True) -> dict[str, Any]:
        raw: dict[str, Any] = {"from": to_canonical_address(tx["from"]) if tx.get("from") else b"\x00" * 20,
                               "data": bytes(tx.get("data") or b""), "value": int(tx.get("value") or 0)}
        if tx.get("to"):
            raw["to"] = to_canonical_address(tx["to"])
        if with_gas and tx.get("gas") is not None:
            raw["gas"] = int(tx["gas"])
        for key in OPTIONAL_FIELDS:
            if tx.get(key) is not None:
                raw[key] = int(tx[key])
        if tx.get("access_list"):
            raw["access_list"] = tuple((to_canonical_address(e["address"]), tuple(int(str(k), 16) if isinstance(k, str) else int(k)
                                        for k in e.get("storage_keys", ()))) for e in tx["access_list"])
        return raw

    @staticmethod
    def _inbound(tx: TxRequest) -> dict[str, Any]:
        """The request as eth-tester's public methods take it (hex strings)."""
        out: dict[str, Any] = {"from": tx["from"], "data": "0x" + bytes(tx.get("data") or b"").hex(), "value": int(tx.get("value") or 0)}
        if tx.get("to"):
            out["to"] = tx["to"]
        for key in ("gas", *OPTIONAL_FIELDS):
            if tx.get(key) is not None:
                out[key] = int(tx[key])
        if tx.get("access_list"):
            out["access_list"] = tx["access_list"]
        return out

    def _block_arg(self, block: BlockId) -> int | str:
        """A block id as the engine takes it: a number or a tag (hashes resolved here)."""
        if isinstance(block, str) and block.startswith("0x") and len(block) == 66:
            found = self.get_block(block)
            if found is None:
                raise ChainError(f"no block with hash {block}")
            return int(found["number"])
        if block == "finalized":
            return "safe"
        return block

    # -- transactions ---------------------------------------------------------------

    def send(self, tx: TxRequest) -> Record:
        if self.observer is not None:
            self.observer.start()
        receipt = self._send(tx)
        if self.observer is not None:
            self.observer.file(str(receipt["transaction_hash"]))
        return receipt

    def recording(self, tx_hash: str) -> Recording | None:
        return None if self.observer is None else self.observer.by_tx.get(tx_hash)

    def last_recording(self) -> Recording | None:
        return None if self.observer is None else self.observer.current

    def rerun(self, call: TxRequest, block: BlockId, steps: Any = None) -> tuple[Recording | None, bool]:
        if self.observer is None:
            return None, False
        failed = False
        with self.observer.stepping(steps) if steps is not None else self.observer.framing():
            try:
                self.call(call, block)
            except (Reverted, ExecutionFailed):
                failed = True
        recording = self.last_recording()
        if recording is None or recording.root is None:
            return None, failed
        return recording, failed or recording.root.reverted

    def _send(self, tx: TxRequest) -> Record:
        try:
            if not self._automine:  # manual mining: it waits in the pending block (and the caller hears so)
                return self._receipt_now(self._to_pending(tx, self._raw(tx), self._held(tx["from"])))
            if not self._held(tx["from"]) and to_canonical_address(tx["from"]) in self.impersonated:
                return self._receipt_now(self._send_impersonated(tx))
            stamp = self._stamp()
            if self._direct(tx["from"]):
                tx_hash = self.engine_backend.send_transaction(self._raw(tx))
                self.engine_backend.mine_blocks(1)
                self._mined(stamp)
                return self._receipt_now("0x" + bytes(tx_hash).hex())
            if self._held(tx["from"]):
                sent_hash = str(self.tester.send_transaction(self._inbound(tx)))
                self._mined(stamp)
                return self._receipt_now(sent_hash)
            # A key the engine does not hold (sandbox.chain.keys): web3.py's signing middleware signs it.
            sent = dict(self._inbound(tx), **{"from": to_checksum_address(tx["from"])})
            sent["data"] = bytes(tx.get("data") or b"")
            signed_hash = "0x" + bytes(self.w3.eth.send_transaction(_web3_tx(sent))).hex()
            self._mined(stamp)
            return self._receipt_now(signed_hash)
        except ValidationError as exc:
            if 'No valid "from" key' in str(exc):
                raise TransactionRejected(
                    f"{tx['from']} is not an account this chain signs for: send from a dev account (sb.accounts.alice), "
                    f"one of sb.accounts.generate(), or inside `with sb.impersonate({tx['from']!r}):`"
                ) from None
            raise TransactionRejected(f"the chain refused the transaction from {tx['from']}: {exc}") from None

    def _receipt_now(self, tx_hash: str) -> Record:
        receipt = self._own_receipt(tx_hash)
        if receipt is None:
            raise ChainError(f"transaction {tx_hash} is pending: mining is off on this chain; mine a block (sb.mine()) to include it")
        return receipt

    def send_transaction(self, tx: TxRequest) -> str:
        if not self._automine:
            if tx.get("gas") is None:
                tx = dict(tx, gas=self.estimate(tx))
            return self._to_pending(tx, self._raw(tx), self._held(tx["from"]))
        if not self._held(tx["from"]) and to_canonical_address(tx["from"]) in self.impersonated:
            try:
                if tx.get("gas") is None:
                    tx = dict(tx, gas=self.estimate(tx))
                return self._send_impersonated(tx)
            except ValidationError as exc:
                raise TransactionRejected(f"the chain refused the transaction from {tx['from']}: {exc}") from None
        if not self._held(tx["from"]):
            raise TransactionRejected(f"unknown account {tx['from']}: this chain signs only for its dev accounts; sign it yourself and send it raw")
        stamp = self._stamp()
        try:
            tx_hash = str(self.tester.send_transaction(self._inbound(tx)))
        except ValidationError as exc:
            raise TransactionRejected(f"the chain refused the transaction from {tx['from']}: {exc}") from None
        self._mined(stamp)
        return tx_hash

    def send_raw(self, raw: bytes) -> str:
        try:
            chain_id = raw_chain_id(raw)
        except Exception as exc:
            raise MalformedTransaction(f"the raw transaction is not a signed transaction ({type(exc).__name__}: {exc})") from None
        if chain_id is not None and chain_id != self.chain_id:
            raise TransactionRejected(
                f"the transaction is signed for chain id {chain_id}, this chain is {self.chain_id} (EIP-155); sign it for {self.chain_id}")
        from eth_utils import ValidationError as EVMValidationError  # py-evm raises eth-utils'

        if not self._automine:
            return self._raw_to_pending(raw)
        stamp = self._stamp()
        try:
            tx_hash = str(self.tester.send_raw_transaction("0x" + raw.hex()))
        except (ValidationError, EVMValidationError, TransactionFailed) as exc:  # nonce, funds, gas: eth-tester's or py-evm's words
            raise TransactionRejected(f"the chain refused the raw transaction: {exc}") from None
        self._mined(stamp)
        return tx_hash

    def estimate(self, tx: TxRequest, block: BlockId = "latest", *, confirm: bool = True) -> int:
        if block == "pending" and self._pending_empty():
            block = "latest"  # nothing waits: the pending state is the latest one
        self.estimator.confirm = confirm
        self.estimator.revert_data = None
        if self.observer is not None:
            self.observer.start()
        try:
            return int(self.engine_backend.estimate_gas(self._raw(tx, with_gas=False), self._read_block(block)))
        except ValidationError as exc:
            raise TransactionRejected(f"the chain refused to estimate the transaction from {tx.get('from')}: {exc}") from None
        except Exception as exc:
            data = self.estimator.take_revert_data()
            if data is not None:
                raise Reverted(data) from None
            if isinstance(exc, (TransactionFailed, VMError)):
                raise ExecutionFailed(f"execution failed: {exc}") from None
            raise
        finally:
            self.estimator.confirm = True

    def call(self, tx: TxRequest, block: BlockId = "latest") -> bytes:
        if block == "pending" and self._pending_empty():
            block = "latest"
        if self.observer is not None:
            self.observer.start()
        if not tx.get("from"):  # as web3.py's eth-tester provider: calls come from the first account
            tx = dict(tx, **{"from": self._first_account()})
        try:
            return self._call(self._raw(tx), self._read_block(block), free=not any(tx.get(k) for k in FEE_FIELDS))
        except ValidationError as exc:
            raise TransactionRejected(f"the chain refused the call: {exc}") from None
        except BlockNotFound:
            raise ChainError(f"block {block!r} does not exist on this chain") from None

    @abstractmethod
    def _call(self, raw: dict[str, Any], block: int | str, *, free: bool) -> bytes:
        """Run ``raw`` at ``block`` and throw its effects away; ``free``: base fee 0, as geth runs eth_call."""

    # -- state and time -------------------------------------------------------------

    def snapshot(self) -> Any:
        return self.tester.take_snapshot()

    def revert(self, snapshot: Any) -> None:
        waiting = [] if self._pending_empty() else self._pending_objects()
        try:
            self.tester.revert_to_snapshot(snapshot)
        except SnapshotNotFound:
            raise ChainError(f"unknown snapshot {snapshot!r}") from None
        if waiting:  # as anvil's pool: a revert keeps the transactions waiting
            self._rebuild(waiting)

    # -- reads ------------------------------------------------------------------------

    def get_block(self, block: BlockId = "latest", full: bool = False) -> Record | None:
        try:
            if isinstance(block, str) and block.startswith("0x") and len(block) == 66:
                found = dict(self.tester.get_block_by_hash(block, full))
            else:
                found = dict(self.tester.get_block_by_number("safe" if block == "finalized" else block, full))
        except (BlockNotFound, KeyError, IndexError):
            return None
        except ValidationError:  # a transaction type eth-tester's validator does not know (EIP-7702): each one unvalidated
            if not full:
                raise
            found = dict(self.get_block(block, False) or {})
            found["transactions"] = [self.get_transaction(str(h)) for h in found["transactions"]]
        return found

    def get_transaction(self, tx_hash: str) -> Record | None:
        try:
            return dict(self.tester.get_transaction_by_hash(tx_hash))
        except (TransactionNotFound, KeyError):
            return None
        except ValidationError:  # eth-tester's validator knows no authorization_list (EIP-7702): the engine's record, normalized only
            raw = self.engine_backend.get_transaction_by_hash(bytes.fromhex(tx_hash[2:]))
            return dict(self.tester.normalizer.normalize_outbound_transaction(raw))

    def _own_receipt(self, tx_hash: str) -> Record | None:
        """:meth:`get_receipt` of a transaction just sent: the engine's receipt normalized as eth-tester
        normalizes it, without eth-tester's check of the engine's own output (a fifth of a mint on revm)."""
        try:
            raw = self.engine_backend.get_transaction_receipt(bytes.fromhex(tx_hash[2:]))
        except (TransactionNotFound, KeyError):
            return None
        receipt = dict(self.tester.normalizer.normalize_outbound_receipt(raw))
        return receipt if receipt.get("block_number") is not None else None

    def get_receipt(self, tx_hash: str) -> Record | None:
        try:
            receipt = dict(self.tester.get_transaction_receipt(tx_hash))
        except (TransactionNotFound, KeyError):
            return None
        return receipt if receipt.get("block_number") is not None else None

    def _range(self, from_block: BlockId, to_block: BlockId) -> range:
        head = self.block_number()

        def number(block: BlockId) -> int:
            block = self._block_arg(block)
            if block == "earliest":
                return 0
            return head if isinstance(block, str) else int(block)

        # A range that starts past the head is empty (not the head's logs); one that ends past it stops there.
        return range(number(from_block), min(number(to_block), head) + 1)

    def get_logs(self, from_block: BlockId = "latest", to_block: BlockId = "latest", address: list[str] | None = None,
                 topics: list[Any] | None = None) -> list[Record]:
        wanted = {a.lower() for a in address or []}
        positions = [_topic_set(t) for t in topics or []]
        found: list[Record] = []
        blocks = self._range(from_block, to_block)
        history = self.history
        if history is not None and blocks and blocks.start <= history.head:
            # Saved blocks in one query to the store; the engine's own blocks after them.
            found.extend(history.logs(blocks.start, min(blocks.stop - 1, history.head), wanted, positions))
            blocks = range(history.head + 1, max(blocks.stop, history.head + 1))
        for number in blocks:
            for log in self._block_logs(number):
                if _matches(log, wanted, positions):
                    found.append(log)
        return found

    def _block_logs(self, number: int) -> list[Record]:
        """Every log of block ``number`` (normalized), in order; engines with a faster road override it."""
        block = self.tester.get_block_by_number(number)
        logs: list[Record] = []
        for tx_hash in block["transactions"]:
            logs.extend(dict(log) for log in self.tester.get_transaction_receipt(tx_hash)["logs"])
        return logs

    def get_balance(self, address: str, block: BlockId = "latest") -> int:
        return int(self.engine_backend.get_balance(to_canonical_address(address), self._read_block(block)))

    def get_code(self, address: str, block: BlockId = "latest") -> bytes:
        return bytes(self.engine_backend.get_code(to_canonical_address(address), self._read_block(block)))

    def get_nonce(self, address: str, block: BlockId = "latest") -> int:
        return int(self.engine_backend.get_nonce(to_canonical_address(address), self._read_block(block)))

    def get_storage(self, address: str, slot: int, block: BlockId = "latest") -> int:
        value = self.engine_backend.get_storage(to_canonical_address(address), int(slot), self._read_block(block))
        return int.from_bytes(value, "big") if isinstance(value, (bytes, bytearray)) else int(value)

    def _read_block(self, block: BlockId) -> int | str:
        block = self._block_arg(block)
        if self.history is not None and not isinstance(block, str):
            try:
                self.engine_backend._state_block(block)  # refuses a block whose state was not kept
            except ValidationError as exc:
                raise ChainError(str(exc)) from None
        return "latest" if block == "pending" and self._pending_empty() else block

    @property
    def history(self) -> History | None:
        """The saved chain this one continues (``None`` for a chain started fresh)."""
        return getattr(self.engine_backend, "history", None)

    def raw_header(self, block: BlockId = "latest") -> bytes | None:
        try:
            number = self._block_arg(block)
        except ChainError:
            return None
        history = self.history
        saved = self.engine_backend._saved(number) if history is not None else None
        if saved is not None:
            assert history is not None
            return history.raw_header(saved)
        return self._engine_raw_header(number)

    def _engine_raw_header(self, block: int | str) -> bytes | None:
        """The RLP header of one of the engine's own blocks (engines override it)."""
        return self._unsupported("raw block headers")  # type: ignore[no-any-return]

    def fee_history(self, count: int, newest: BlockId, percentiles: list[float]) -> Record:
        return dict(self.tester.get_fee_history(count, self._block_arg(newest), percentiles))

    # -- cheatcodes ----------------------------------------------------------------------
    # Each write is sealed in an empty block of its own: eth-tester reads ``latest`` from the
    # head block, and a snapshot (a block) taken before the write must undo it.

    @abstractmethod
    def _write_account(self, address: bytes, *, balance: int | None = None, nonce: int | None = None,
                       code: bytes | None = None, storage: dict[int, int] | None = None) -> None:
        """Change one account in the engine's pending state (``None``: keep that field)."""

    @abstractmethod
    def _send_unsigned(self, raw: dict[str, Any]) -> str:
        """Apply ``raw`` (engine shape, with gas) from a sender whose key nobody holds; returns its hash."""

    def _cheat(self, address: str, **fields: Any) -> None:
        waiting = self._restart()  # the write is sealed in a block of its own, without the transactions waiting
        self._write_account(to_canonical_address(address), **fields)
        self._seal()
        if waiting:
            self._rebuild(waiting)

    def load_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        waiting = self._restart()  # every account in one block of its own
        for address, account in accounts.items():
            self._write_account(to_canonical_address(address), balance=int(account.get("balance", 0)), nonce=int(account.get("nonce", 0)),
                                code=bytes(account.get("code") or b""), storage={int(k): int(v) for k, v in (account.get("storage") or {}).items()})
        self._seal()
        if waiting:
            self._rebuild(waiting)

    def set_balance(self, address: str, wei: int) -> None:
        self._cheat(address, balance=int(wei))

    def set_code(self, address: str, code: bytes) -> None:
        self._cheat(address, code=bytes(code))

    def set_storage(self, address: str, slot: int, value: int) -> None:
        self._cheat(address, storage={int(slot): int(value)})

    def set_nonce(self, address: str, nonce: int) -> None:
        self._cheat(address, nonce=int(nonce))

    def impersonate(self, address: str) -> None:
        self.impersonated.add(to_canonical_address(address))

    def stop_impersonating(self, address: str) -> None:
        self.impersonated.discard(to_canonical_address(address))

    def is_impersonating(self, address: str) -> bool:
        return to_canonical_address(address) in self.impersonated

    def add_key(self, private_key: bytes) -> None:
        self.engine_backend.add_account(bytes(private_key))

    def _send_impersonated(self, tx: TxRequest) -> str:
        """Send ``tx`` as its impersonated sender (signed by a stand-in key, the sender put back), mined."""
        stamp = self._stamp()
        tx_hash = self._send_unsigned(self._raw(tx))
        if self._automine:
            self.tester.mine_blocks(1)
            self._mined(stamp)
        return tx_hash


def stand_in_key(sender: str | bytes) -> bytes:
    """The key that signs for impersonated ``sender`` (the engine is told the real sender): one per
    sender, so two senders sending the same fields get two hashes, as on anvil (one shared key gave both
    the same hash, and the second was refused by the store's unique hashes)."""
    return bytes(keccak(b"sandbox impersonation stand-in " + _canonical_address(sender)))


def _web3_tx(tx: dict[str, Any]) -> dict[str, Any]:
    names = {"gas_price": "gasPrice", "max_fee_per_gas": "maxFeePerGas", "max_priority_fee_per_gas": "maxPriorityFeePerGas", "access_list": "accessList"}
    return {names.get(k, k): v for k, v in tx.items()}


def _topic_set(topic: Any) -> set[str] | None:
    if topic is None:
        return None
    items = topic if isinstance(topic, (list, tuple)) else [topic]
    return {("0x" + bytes(t).hex()) if isinstance(t, (bytes, bytearray)) else str(t).lower() for t in items}


def _matches(log: Record, addresses: set[str], topics: list[set[str] | None]) -> bool:
    if addresses and str(log["address"]).lower() not in addresses:
        return False
    have = [str(t).lower() for t in log["topics"]]
    if len(have) < len(topics):
        return False
    return all(want is None or topic in want for want, topic in zip(topics, have, strict=False))
