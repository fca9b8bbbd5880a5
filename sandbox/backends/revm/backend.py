"""eth-tester's backend interface on revm: :class:`RevmBackend`.

Drop-in for ``eth_tester.PyEVMBackend`` (same method names, arguments, return
shapes and exceptions), so ``EthereumTester(RevmBackend())`` and web3.py's
``EthereumTesterProvider`` run unchanged on it. Transactions are py-evm's
objects (signing, hashes, receipts); execution is revm's (see
:mod:`sandbox.backends.revm.state`); the chain of blocks is kept here.
"""

from __future__ import annotations

import os
from typing import Any

from eth.exceptions import Revert
from eth.vm.forks.prague import PragueVM
from eth_keys import KeyAPI
from eth_tester.backends.base import BaseChainBackend
from eth_tester.backends.pyevm.main import (
    generate_genesis_state_for_keys,
    get_default_account_keys,
    get_default_genesis_params,
)
from eth_tester.exceptions import BlockNotFound, TransactionFailed, TransactionNotFound, ValidationError
from eth_utils import to_tuple

from sandbox.backends.pyevm.signing import sign
from sandbox.backends.receipt_record import effective_gas_price
from sandbox.backends.revm.blocks import Block, child_of, genesis_block, make_receipt, serialize_block, serialize_receipt
from sandbox.backends.revm.calls import CallsMixin, Estimator
from sandbox.backends.revm.state import BlockContext, InvalidTransaction, WorldState
from sandbox.backends.revm.tracing import Tracer
from sandbox.backends.trace import Recording

#: eth-tester's own tester chain id (PyEVMBackend's MainnetTesterPosChain).
TESTER_CHAIN_ID = 131277322940537
ZERO_ADDRESS = b"\x00" * 20
DYNAMIC_FEE_PARAMS = ("max_fee_per_gas", "max_priority_fee_per_gas")


class RevmBackend(CallsMixin, BaseChainBackend):  # type: ignore[misc]
    """An eth-tester chain backend executing on revm (``pyrevm``)."""

    def __init__(
        self,
        genesis_parameters: dict[str, Any] | None = None,
        genesis_state: dict[bytes, dict[str, Any]] | None = None,
        *,
        chain_id: int = TESTER_CHAIN_ID,
    ) -> None:
        self.chain_id = chain_id
        self.builder: Any = PragueVM.get_transaction_builder()
        self._genesis: tuple[dict[str, Any], Any] | None = None
        self.estimator = Estimator()
        #: Traces runs into a recorder (sandbox.backends.revm.tracing) when the sandbox sets one.
        self.tracer: Tracer | None = None
        self.reset_to_genesis(genesis_parameters, genesis_state)

    # -- genesis -------------------------------------------------------------

    def reset_to_genesis(self, genesis_params: dict[str, Any] | None = None, genesis_state: Any = None, num_accounts: int | None = None) -> None:
        if genesis_state is None and self._genesis is not None and genesis_params is None:
            genesis_params, genesis_state = self._genesis
        params = dict(genesis_params or get_default_genesis_params())
        if genesis_state is None:
            keys = get_default_account_keys(quantity=num_accounts)
            genesis_state = generate_genesis_state_for_keys(keys)
        self.account_keys = get_default_account_keys(quantity=len(genesis_state))
        self._genesis = (params, genesis_state)
        self.state = WorldState(chain_id=self.chain_id, gas_limit=int(params["gas_limit"]))
        self.state.tracer = self.__dict__.get("tracer")
        for address, account in genesis_state.items():
            self.state.set_account(
                address,
                int(account.get("balance", 0)),
                int(account.get("nonce", 0)),
                bytes(account.get("code", b"")),
                {int(k): int(v) for k, v in (account.get("storage") or {}).items()},
            )
        self.blocks: list[Block] = [genesis_block(params, len(self.state.log))]
        self.pending = child_of(self.blocks[0])
        self._by_hash: dict[bytes, Block] = {self.blocks[0].hash: self.blocks[0]}
        self._tx_block: dict[bytes, Block] = {}

    # -- snapshots -------------------------------------------------------------

    def take_snapshot(self) -> bytes:
        return self.blocks[-1].hash

    def revert_to_snapshot(self, snapshot: bytes) -> None:
        block = self._by_hash.get(snapshot)
        if block is None or self.blocks[block.number] is not block:
            raise BlockNotFound(f"No block found for block hash: {snapshot!r}")
        for dropped in [*self.blocks[block.number + 1 :], self.pending]:
            self._by_hash.pop(dropped.hash, None) if dropped.mark is not None else None
            for tx in dropped.transactions:
                self._tx_block.pop(tx.hash, None)
        del self.blocks[block.number + 1 :]
        assert block.mark is not None
        self.state.undo_to(block.mark)
        self.pending = child_of(block)

    # -- time and mining ---------------------------------------------------------

    def time_travel(self, to_timestamp: int) -> int:
        # As eth-tester: the block is mined one second before the target.
        self.pending.timestamp = to_timestamp - 1
        self.mine_blocks()
        return to_timestamp

    @to_tuple
    def mine_blocks(self, num_blocks: int = 1, coinbase: bytes = ZERO_ADDRESS) -> Any:
        for _ in range(num_blocks):
            block = self.pending
            block.seal(len(self.state.log), coinbase)
            self.blocks.append(block)
            self._by_hash[block.hash] = block
            self.pending = child_of(block)
            yield block.hash

    # -- accounts ------------------------------------------------------------------

    @to_tuple
    def get_accounts(self) -> Any:
        yield from self._key_lookup

    def add_account(self, private_key: bytes) -> None:
        self.account_keys = (*self.account_keys, KeyAPI().PrivateKey(private_key))

    @property
    def account_keys(self) -> tuple[Any, ...]:
        return self._account_keys

    @account_keys.setter
    def account_keys(self, keys: tuple[Any, ...]) -> None:
        # Deriving ten public keys per transaction (PyEVMBackend's _key_lookup) costs more than the EVM run.
        self._account_keys = tuple(keys)
        self._key_lookup = {key.public_key.to_canonical_address(): key for key in self._account_keys}

    # -- chain data --------------------------------------------------------------

    def _block(self, block_number: Any) -> Block:
        if block_number in ("latest", "safe", "finalized"):
            return self.blocks[-1]
        if block_number == "earliest":
            return self.blocks[0]
        if block_number == "pending":
            return self.pending
        if isinstance(block_number, int) and not isinstance(block_number, bool) and 0 <= block_number < len(self.blocks):
            return self.blocks[block_number]
        raise BlockNotFound(f"No block found for block number: {block_number}")

    def get_block_by_number(self, block_number: Any, full_transaction: bool = True) -> dict[str, Any]:
        block = self._block(block_number)
        return serialize_block(block, full_transaction, block is self.pending)

    def get_block_by_hash(self, block_hash: bytes, full_transaction: bool = True) -> dict[str, Any]:
        block = self._by_hash.get(block_hash)
        if block is None or block.number >= len(self.blocks) or self.blocks[block.number] is not block:
            raise BlockNotFound(f"No block found for block hash: {block_hash!r}")
        return serialize_block(block, full_transaction, False)

    def _find(self, transaction_hash: bytes) -> tuple[Block, int]:
        block = self._tx_block.get(transaction_hash)
        if block is not None:
            for index, tx in enumerate(block.transactions):
                if tx.hash == transaction_hash:
                    return block, index
        raise TransactionNotFound(f"No transaction found for transaction hash: 0x{transaction_hash.hex()}")

    def get_transaction_by_hash(self, transaction_hash: bytes) -> dict[str, Any]:
        from eth_tester.backends.pyevm.serializers import serialize_transaction

        block, index = self._find(transaction_hash)
        return serialize_transaction(block, block.transactions[index], index, block is self.pending)  # type: ignore[no-any-return]

    def get_transaction_receipt(self, transaction_hash: bytes) -> dict[str, Any]:
        block, index = self._find(transaction_hash)
        return serialize_receipt(block, index, block is self.pending)

    def get_fee_history(self, block_count: int = 1, newest_block: Any = "latest", reward_percentiles: Any = ()) -> dict[str, Any]:
        if isinstance(block_count, int) and not 1 <= block_count <= 1024:
            raise ValidationError("block_count must be between 1 and 1024")
        if newest_block == "pending":
            newest_block = "latest"
        newest = self._block(newest_block)
        # py-evm's get_ancestors: the blocks before ``newest``, newest first.
        ancestors = [self.blocks[n] for n in range(newest.number - 1, max(newest.number - 1 - block_count, -1), -1)]
        return {
            "oldest_block": 1,
            "base_fee_per_gas": [b.base_fee for b in ancestors],
            "gas_used_ratio": [b.gas_used / b.gas_limit for b in ancestors],
            "reward": [],
        }

    # -- account state -------------------------------------------------------------

    def _mark(self, block_number: Any) -> int | None:
        """The state log length at ``block_number``; None for the current (pending) state."""
        block = self._block(block_number)
        if block is self.pending or block.mark == len(self.state.log):
            return None
        return block.mark

    def _account(self, address: bytes, block_number: Any) -> tuple[int, int, bytes]:
        mark = self._mark(block_number)
        account: tuple[int, int, bytes] = self.state.account(address) if mark is None else self.state.value_at(mark, False, address)
        return account

    def get_nonce(self, account: bytes, block_number: Any = "latest") -> int:
        return self._account(account, block_number)[1]

    def get_balance(self, account: bytes, block_number: Any = "latest") -> int:
        return self._account(account, block_number)[0]

    def get_code(self, account: bytes, block_number: Any = "latest") -> bytes:
        code: bytes = self.state.codes[self._account(account, block_number)[2]]
        return code

    def get_storage(self, account: bytes, slot: int, block_number: Any = "latest") -> int:
        mark = self._mark(block_number)
        return int(self.state.slot(account, slot) if mark is None else self.state.value_at(mark, True, (account, slot)))

    def get_base_fee(self, block_number: Any = "latest") -> int:
        return self._block(block_number).base_fee

    # -- sending -------------------------------------------------------------------

    def send_raw_transaction(self, raw_transaction: bytes) -> bytes:
        if raw_transaction[:1] == b"\x03":
            raise ValidationError("blob transactions (type 3) are not supported by the revm backend; use the py-evm backend")
        return self._apply(self.builder.decode(raw_transaction))

    def send_signed_transaction(self, signed_transaction: dict[str, Any], block_number: Any = "latest") -> bytes:
        normalized = self._normalize_transaction(signed_transaction, block_number)
        if all(k in normalized for k in ("access_list", "gas_price")):
            tx = self.builder.new_access_list_transaction(**normalized)
        elif all(k in normalized for k in DYNAMIC_FEE_PARAMS):
            tx = self.builder.new_dynamic_fee_transaction(**normalized)
        else:
            tx = self.builder.new_transaction(**normalized)
        return self._apply(tx)

    def send_transaction(self, transaction: dict[str, Any]) -> bytes:
        key = self._key_lookup.get(transaction["from"])
        if key is None:
            raise ValidationError('No valid "from" key was provided in the transaction which is required for transaction signing.')
        signed = sign(self._unsigned(self._normalize_transaction(transaction)), key)
        # Signed here with this key: recovering the sender from the signature (py-evm's
        # cached ``sender``) can only give this address back, so it is filled in.
        if hasattr(signed, "__dict__"):
            signed.__dict__["sender"] = transaction["from"]
        return self._apply(signed)

    def _unsigned(self, normalized: dict[str, Any]) -> Any:
        if all(k in normalized for k in ("access_list", "gas_price")):
            return self.builder.new_unsigned_access_list_transaction(**normalized)
        if all(k in normalized for k in DYNAMIC_FEE_PARAMS):
            return self.builder.new_unsigned_dynamic_fee_transaction(**normalized)
        return self.builder.create_unsigned_transaction(**normalized)

    def _normalize_transaction(self, transaction: dict[str, Any], block_number: Any = "latest") -> dict[str, Any]:
        """PyEVMBackend's defaults: nonce, data, value, to, fee fields, chain id, access list."""
        dynamic = any(k in transaction for k in DYNAMIC_FEE_PARAMS) or not any(k in transaction for k in (*DYNAMIC_FEE_PARAMS, "gas_price"))
        typed = dynamic or "access_list" in transaction
        out: dict[str, Any] = {}
        for key, value in transaction.items():
            if key in ("from", "type"):
                continue
            out["y_parity" if key == "v" and typed else key] = value
        out.setdefault("nonce", self.get_nonce(transaction["from"], block_number) if "from" in transaction else 0)
        out.setdefault("data", b"")
        out.setdefault("value", 0)
        out.setdefault("to", b"")
        if dynamic:
            if not any(k in transaction for k in DYNAMIC_FEE_PARAMS):
                out["max_fee_per_gas"] = out["max_priority_fee_per_gas"] = 10**9
            elif "max_priority_fee_per_gas" in transaction and "max_fee_per_gas" not in transaction:
                out["max_fee_per_gas"] = transaction["max_priority_fee_per_gas"] + 2 * self.get_base_fee(block_number)
        if typed:
            out.setdefault("access_list", ())
            out.setdefault("chain_id", self.chain_id)
        return out

    def _apply(self, tx: Any) -> bytes:
        """Validate ``tx`` as py-evm does, run it on the pending block, record its receipt."""
        block = self.pending
        if block.gas_used + tx.gas > block.gas_limit:
            raise ValidationError(f"Transaction exceeds gas limit: using {tx.gas}, bringing total to {block.gas_used + tx.gas}, but limit is {block.gas_limit}")
        price = self._check_funds(tx.sender, tx.nonce, tx.gas, tx.value, tx, block.base_fee)
        context = self._context(block)
        try:
            access_list = tuple(getattr(tx, "access_list", ()))
            outcome = self.state.execute(
                context, sender=tx.sender, to=tx.to or None, data=tx.data, value=tx.value, gas=tx.gas, gas_price=price, commit=True, access_list=access_list
            )
        except InvalidTransaction as exc:
            raise ValidationError(f"revm rejected the transaction: {exc}") from None
        receipt = make_receipt(tx, b"\x01" if outcome.success else b"", block.gas_used + outcome.gas_used, outcome.logs)
        block.transactions.append(tx)
        block.receipts.append(receipt)
        block.outcomes.append(outcome)
        self._tx_block[tx.hash] = block
        return bytes(tx.hash)

    def retrace(self, transaction_hash: bytes, recording: Recording) -> bool:
        """Run mined transaction ``transaction_hash`` again, traced into ``recording``, on the state before it; False if unknown."""
        tracer = self.tracer
        try:
            block, index = self._find(transaction_hash)
        except TransactionNotFound:
            return False
        outcome = block.outcomes[index]
        if tracer is None or outcome.mark is None or outcome.mark > len(self.state.log):
            return False
        tx = block.transactions[index]
        undone = self.state.undo_to(outcome.mark)
        tracer.into = recording
        try:
            self.state.execute(self._context(block), sender=tx.sender, to=tx.to or None, data=tx.data, value=tx.value, gas=tx.gas,
                               gas_price=effective_gas_price(tx, block.base_fee), commit=False, access_list=tuple(getattr(tx, "access_list", ())))
        except InvalidTransaction:
            return False
        finally:
            tracer.into = None
            self.state.redo(undone)
        return True

    def _check_funds(self, sender: bytes, nonce: int, gas: int, value: int, tx: Any, base_fee: int) -> int:
        """py-evm's London validation; returns the effective gas price."""
        if hasattr(tx, "max_fee_per_gas") and tx.max_fee_per_gas < base_fee:
            raise ValidationError(f"Sender's max fee per gas ({tx.max_fee_per_gas}) is lower than block's base fee per gas ({base_fee})")
        price = effective_gas_price(tx, base_fee)
        balance, current_nonce, _ = self.state.account(sender)
        if balance < gas * price:
            raise ValidationError(f"Sender {sender!r} cannot afford txn gas {gas * price} with account balance {balance}")
        if balance < value + gas * price:
            raise ValidationError(f"Sender does not have enough balance to cover transaction value and gas  (has {balance}, needs {value + gas * price})")
        if current_nonce != nonce:
            raise ValidationError(f"Invalid transaction nonce: Expected {current_nonce}, but got {nonce}")
        return price

    def _context(self, block: Block) -> BlockContext:
        return BlockContext(block.number, block.timestamp, block.coinbase, block.gas_limit, block.base_fee, block.mix_hash)

    def is_eip838_error(self, error: Exception) -> bool:
        return isinstance(error, Revert) and bool(error.args) and isinstance(error.args[0], bytes) and error.args[0][:4] == b"\x08\xc3y\xa0"

    def _raise(self, exc: Exception) -> None:
        raise TransactionFailed(exc) from exc

    def _random(self) -> bytes:
        return os.urandom(32)
