"""The :class:`Sandbox` facade: compile, deploy, call and transact in a few verbs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sandbox.chain.accounts import Account, Accounts, normalize_address
from sandbox.chain.chain import DEFAULT_CHAIN_ID, Chain, backend_from_environment
from sandbox.contracts.handles import Contract, ContractFunction, Event, EventDecoder, EventMap, Receipt, constructor_data
from sandbox.contracts.reverts import ErrorDecoder, RevertExpectation, reverts
from sandbox.errors import ArgumentError, ContractReverted, UnknownContractError
from sandbox.project.compiler import CompiledProject, compile_project
from sandbox.project.config import Project


class Sandbox:
    """A project compiled onto a chain, with named accounts.

    >>> sb = Sandbox()                                # embedded chain, project = cwd
    >>> nft = sb.deploy("SandboxNFT", "Workshop", "WS", sb.accounts.alice, sender=sb.accounts.alice)
    >>> receipt = nft.mint(sb.accounts.bob, "ipfs://x", sender=sb.accounts.alice)
    >>> nft.ownerOf(0) == sb.accounts.bob
    True
    """

    #: Called as ``observer(what, receipt)`` after every successful transaction of
    #: every Sandbox; ``what`` is ``"Contract.function"``, ``"deploy Contract"`` or
    #: ``"transfer"``. The pytest plugin's ``--gas-report`` listens here.
    observers: ClassVar[list[Callable[[str, Receipt], None]]] = []

    def __init__(
        self,
        project: str | Path | None = None,
        *,
        rpc: str | None = None,
        backend: str | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        allowed_chain_ids: set[int] | frozenset[int] = frozenset(),
        progress: Callable[[str], None] | None = None,
        signers: Sequence[Account] | None = None,
        accounts: int = 10,
    ) -> None:
        self.project = Project.load(project)
        # rpc/backend default to SANDBOX_RPC / SANDBOX_BACKEND; signers (real keys,
        # see sandbox.chain.keys) to SANDBOX_PRIVATE_KEY / SANDBOX_KEYSTORE.
        rpc, backend = backend_from_environment(rpc, backend, chain_id)
        self.chain = Chain(rpc=rpc, backend=backend, chain_id=chain_id, allowed_chain_ids=allowed_chain_ids, signers=signers, accounts=accounts)
        self._progress = progress
        self._compiled: CompiledProject | None = None
        self._errors = ErrorDecoder()
        self._events = EventDecoder()

    # -- the pieces underneath -----------------------------------------------

    @property
    def w3(self) -> Any:
        """The ``web3.Web3`` underneath."""
        return self.chain.w3

    @property
    def accounts(self) -> Accounts:
        return self.chain.accounts

    def compile(self, *, force: bool = False) -> CompiledProject:
        """Compile the project's contracts (cached; cheap when nothing changed)."""
        if self._compiled is None or force:
            compiled = compile_project(self.project, force=force, progress=self._progress)
            for abi in compiled.all_abis():
                self._errors.add_abi(abi)
                self._events.add_abi(abi)
            self._compiled = compiled
        return self._compiled

    @property
    def contract_names(self) -> list[str]:
        return self.compile().names()

    # -- deploying -----------------------------------------------------------

    def deploy(self, name: str, *args: Any, sender: Any, value: int = 0, gas: int | None = None) -> Contract:
        """Deploy contract ``name`` with constructor ``args``; returns its handle."""
        artifact = self.compile().get(name)
        if not artifact.deployable:
            raise UnknownContractError(f"{name!r} is an interface or abstract contract and cannot be deployed")
        data = constructor_data(name, artifact.abi, artifact.bytecode, args)
        receipt = self._transact(None, data, sender=sender, value=value, gas=gas, what=f"deploy {name}")
        assert receipt.contract_address is not None
        return Contract(self, name, receipt.contract_address, artifact.abi, receipt)

    def at(self, name: str, address: Any) -> Contract:
        """Handle for contract ``name`` already deployed at ``address``."""
        artifact = self.compile().get(name)
        return Contract(self, name, normalize_address(address, what=f"{name} address"), artifact.abi)

    # -- state and time --------------------------------------------------------

    @contextmanager
    def isolate(self) -> Iterator[None]:
        """Snapshot on enter, revert on exit (nestable)."""
        snapshot = self.chain.snapshot()
        try:
            yield
        finally:
            self.chain.revert(snapshot)

    def snapshot(self) -> Any:
        return self.chain.snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.chain.revert(snapshot_id)

    def time_travel(self, seconds: int | None = None, *, to: int | None = None) -> int:
        """Move the chain's clock forward and mine a block; returns the new timestamp."""
        return self.chain.time_travel(seconds, to=to)

    def mine(self, blocks: int = 1) -> int:
        return self.chain.mine(blocks)

    def balance(self, who: Any) -> int:
        return self.chain.balance(self.accounts.resolve(who))

    def transfer(self, to: Any, value: int, *, sender: Any) -> Receipt:
        """Send ``value`` wei from ``sender`` to ``to``."""
        return self._transact(self.accounts.resolve(to), b"", sender=sender, value=value, gas=None, what="transfer")

    def get_events(
        self,
        address: Any = None,
        *,
        name: str | None = None,
        from_block: int = 0,
        to_block: int | str = "latest",
        topics: list[Any] | None = None,
    ) -> list[Event]:
        """Decoded events from the chain's logs (``eth_getLogs``), oldest first.

        ``address`` limits them to one contract; ``name`` to one event name;
        ``topics`` is passed to the node as is (e.g. ``[None, padded_address]``).
        """
        self.compile()
        query: dict[str, Any] = {"fromBlock": from_block, "toBlock": to_block}
        if address is not None:
            query["address"] = normalize_address(address, what="event address")
        if topics is not None:
            query["topics"] = topics
        events = []
        for log in self.w3.eth.get_logs(query):
            event = self._events.decode(log)
            if event is not None and (name is None or event.name == name):
                events.append(event)
        return events

    @staticmethod
    def reverts(expected: Any = None, *, panic: int | None = None, **kwargs: Any) -> Any:
        """Context manager asserting the block reverts (see :func:`sandbox.reverts.reverts`)."""
        return reverts(expected, panic=panic, **kwargs)

    # -- the wire --------------------------------------------------------------

    def decode_revert(self, exc: BaseException) -> ContractReverted | None:
        """The :class:`ContractReverted` hidden in a web3.py / eth-tester exception."""
        if self._compiled is None:
            try:
                self.compile()
            except Exception:
                pass
        estimator = getattr(self.chain, "estimator", None)
        raw = estimator.take_revert_data() if estimator is not None else None
        if raw is not None:
            return self._errors.decode(raw)
        return self._errors.from_exception(exc)

    def _sender(self, sender: Any, what: str) -> str:
        if sender is None:
            raise ArgumentError(f"{what} is a transaction: pass sender= (e.g. sender=sb.accounts.alice)")
        address = self.accounts.resolve(sender)
        self.chain.check_can_sign(address)
        return address

    def _estimate(self, to: str | None, data: bytes, *, sender: Any, value: int = 0) -> int:
        tx: dict[str, Any] = {"from": self._sender(sender, "estimate_gas"), "data": data, "value": value}
        if to is not None:
            tx["to"] = to
        try:
            return int(self.w3.eth.estimate_gas(tx, self.chain.estimate_block))
        except Exception as exc:
            decoded = self.decode_revert(exc)
            if decoded is None:
                raise
            raise decoded from None

    def _transact(self, to: str | None, data: bytes, *, sender: Any, value: int, gas: int | None, what: str) -> Receipt:
        tx: dict[str, Any] = {"from": self._sender(sender, what), "data": data, "value": value}
        if to is not None:
            tx["to"] = to
        fast = getattr(self.chain, "fast", None)  # the revm backend's direct path
        if fast is not None and fast.ready(tx["from"]):
            receipt = self._send_fast(fast, tx, gas)
        elif gas is None and self.chain.embedded:
            receipt = self._send_embedded(tx)
        else:
            receipt = self._send(tx, gas)
        if receipt.status == 0:
            failure = self._replay_failure(tx, receipt.block_number)
            failure.receipt = receipt  # type: ignore[attr-defined]
            raise failure
        for observer in self.observers:
            observer(what, receipt)
        return receipt

    def _send(self, tx: dict[str, Any], gas: int | None) -> Receipt:
        w3 = self.w3
        try:
            tx["gas"] = gas if gas is not None else int(w3.eth.estimate_gas(tx, self.chain.estimate_block))
            tx_hash = w3.eth.send_transaction(tx)
        except Exception as exc:
            decoded = self.decode_revert(exc)
            if decoded is None:
                raise
            raise decoded from None
        raw = w3.eth.get_transaction_receipt(tx_hash) if self.chain.embedded else w3.eth.wait_for_transaction_receipt(tx_hash)
        return self._receipt(raw)

    def _send_fast(self, fast: Any, tx: dict[str, Any], gas: int | None) -> Receipt:
        """Send on the revm backend directly (sandbox.backends.revm.fast): same transaction, fewer layers."""
        try:
            raw = fast.transact(tx, gas)
        except Exception as exc:
            decoded = self.decode_revert(exc)
            if decoded is None:
                raise
            raise decoded from None
        return self._receipt(raw)

    def _send_embedded(self, tx: dict[str, Any]) -> Receipt:
        """Estimate with one EVM run and let the real run confirm the bound.

        If the transaction fails at the optimistic limit, it is undone (the
        chain returns to a snapshot) and re-sent with a confirmed estimate, so
        a failure seen by the caller is the transaction's own.
        """
        tester, estimator = self.chain.tester, self.chain.estimator
        snapshot = tester.take_snapshot()
        estimator.confirm = False
        try:
            tx["gas"] = int(self.w3.eth.estimate_gas(tx))
        except Exception as exc:
            decoded = self.decode_revert(exc)
            if decoded is None:
                raise
            raise decoded from None
        finally:
            estimator.confirm = True
        receipt = self._send(tx, tx["gas"])
        if receipt.status == 1:
            return receipt
        tester.revert_to_snapshot(snapshot)
        return self._send(tx, None)

    def _replay_failure(self, tx: dict[str, Any], block_number: int) -> ContractReverted:
        """Re-run a failed transaction as a call to recover its revert reason."""
        call = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value", "gas")}
        try:
            self.w3.eth.call(call, max(block_number - 1, 0))
        except Exception as exc:
            decoded = self.decode_revert(exc)
            if decoded is not None:
                return decoded
        return ContractReverted("transaction failed (out of gas or invalid opcode)", kind="empty")

    def _receipt(self, raw: Any) -> Receipt:
        events = EventMap()
        for log in raw["logs"]:
            event = self._events.decode(log)
            if event is not None:
                events.setdefault(event.name, []).append(event)
        return Receipt(
            tx_hash="0x" + bytes(raw["transactionHash"]).hex(),
            status=int(raw["status"]),
            gas_used=int(raw["gasUsed"]),
            block_number=int(raw["blockNumber"]),
            effective_gas_price=int(raw.get("effectiveGasPrice") or 0),
            contract_address=raw.get("contractAddress"),
            logs=list(raw["logs"]),
            events=events,
        )

    def _call(self, contract: Contract, item: dict[str, Any], data: bytes, *, sender: Any = None, value: int = 0) -> Any:
        tx: dict[str, Any] = {"to": contract.address, "data": data}
        if sender is not None:
            tx["from"] = self.accounts.resolve(sender)
        if value:
            tx["value"] = value
        try:
            fast = getattr(self.chain, "fast", None)
            raw = fast.call(tx) if fast is not None and fast.ready() else self.w3.eth.call(tx)
        except Exception as exc:
            decoded = self.decode_revert(exc)
            if decoded is None:
                raise
            raise decoded from None
        return contract.decode_output(item, bytes(raw))


__all__ = ["Account", "Contract", "ContractFunction", "RevertExpectation", "Sandbox"]
