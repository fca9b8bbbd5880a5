"""The :class:`Sandbox` facade: compile, deploy, call and transact in a few verbs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sandbox.backends.base import Reverted
from sandbox.chain.accounts import Account, Accounts, normalize_address
from sandbox.chain.chain import DEFAULT_CHAIN_ID, Chain
from sandbox.chain.keys import keys_from_environment
from sandbox.contracts.handles import Contract, ContractFunction, Event, Receipt, constructor_data
from sandbox.contracts.reverts import RevertExpectation, reverts
from sandbox.contracts.transactor import Transactor
from sandbox.errors import ArgumentError, ChainError, ContractReverted, UnknownContractError
from sandbox.project.compiler import CompiledProject, compile_project, emit_warnings
from sandbox.project.config import Project
from sandbox.project.linking import link, resolve_links


@dataclass
class Defaults:
    """Where a ``Sandbox()`` without ``rpc=``/``backend=`` runs (set by the pytest plugin for its session).

    ``node_for(chain_id)`` gives the URL of a node with another chain id
    (the plugin starts one under ``--sandbox-anvil``), for ``Sandbox(chain_id=...)``.
    """

    rpc: str | None = None
    backend: str | None = None
    node_for: Callable[[int], str] | None = None


def _where(rpc: str | None, backend: str | None, chain_id: int) -> tuple[str | None, str]:
    """``rpc``/``backend`` with :attr:`Sandbox.defaults`, then ``SANDBOX_RPC``/``SANDBOX_BACKEND``, as defaults.

    An explicit ``rpc`` or ``backend`` wins. A sandbox asking for another
    ``chain_id`` while the default is a node (a second chain, as in a bridge
    test) goes to ``SANDBOX_RPC_<chain_id>``, or to a node the plugin starts.
    """
    defaults = Sandbox.defaults
    if rpc is None and backend is None:
        rpc = defaults.rpc or os.environ.get("SANDBOX_RPC") or None
        if rpc is not None and chain_id != DEFAULT_CHAIN_ID:
            rpc = os.environ.get(f"SANDBOX_RPC_{chain_id}") or (defaults.node_for(chain_id) if defaults.node_for else None)
            if rpc is None:
                raise ChainError(
                    f"Sandbox(chain_id={chain_id}) while SANDBOX_RPC is set: that node has its own chain id; "
                    f"set SANDBOX_RPC_{chain_id} to a node with chain id {chain_id}, or run with pytest --sandbox-anvil"
                )
    if backend is None:
        backend = defaults.backend or os.environ.get("SANDBOX_BACKEND") or "pyevm"
    if backend == "rpc" and rpc is None:
        raise ChainError("backend 'rpc' needs a node URL: pass rpc='http://127.0.0.1:8545' or set SANDBOX_RPC")
    return rpc, backend


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
    observers: ClassVar[list[Callable[[str, Receipt], None]]] = Transactor.observers
    #: Where ``Sandbox()`` runs when neither ``rpc=`` nor ``backend=`` is given; the pytest
    #: plugin sets it for a session (``--sandbox-rpc``, ``--sandbox-anvil``, ``--sandbox-backend``).
    defaults: ClassVar[Defaults]

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
        chain: Chain | None = None,
    ) -> None:
        """``chain`` runs the sandbox on a chain built elsewhere (the workshop's saved chain)."""
        self.project = Project.load(project)
        if chain is None:
            rpc, backend = _where(rpc, backend, chain_id)
            chain = Chain(rpc=rpc, backend=backend, chain_id=chain_id, allowed_chain_ids=allowed_chain_ids,
                          signers=keys_from_environment() if signers is None else signers, accounts=accounts)
        self.chain = chain
        self._progress = progress
        self._compiled: CompiledProject | None = None
        self._tx = Transactor(self.chain, prepare=self._compile_for_decoding)
        self._tx.traces.locate = self._locate

    def _use_chain(self, chain: Chain) -> None:
        """Go on on ``chain`` (the workshop's chain reloaded from its store), keeping the compiled project
        and the decoders: a reload then costs the chain only."""
        self.chain = chain
        self._tx.chain = chain

    # -- the pieces underneath -----------------------------------------------

    @property
    def w3(self) -> Any:
        """The ``web3.Web3`` underneath."""
        return self.chain.w3

    @property
    def accounts(self) -> Accounts:
        return self.chain.accounts

    def compile(self, *, force: bool = False, quiet: bool | None = None) -> CompiledProject:
        """Compile the project's contracts (cached; cheap when nothing changed).

        Each source gets the solc its pragmas ask for, with the newest EVM
        version this chain's backend runs. solc's warnings are issued once
        per compile as ``SolcWarning`` unless ``quiet`` (default: ``SANDBOX_QUIET=1``).
        """
        if self._compiled is None or force:
            compiled = compile_project(self.project, force=force, progress=self._progress, backend=self.chain.backend_name)
            emit_warnings(compiled, quiet=os.environ.get("SANDBOX_QUIET", "") not in ("", "0") if quiet is None else quiet)
            for abi in compiled.all_abis():
                self._tx.add_abi(abi)
            self._compiled = compiled
        return self._compiled

    def _compile_for_decoding(self) -> None:
        """Before a revert is decoded: the project's ABIs must be known (cached after the first compile)."""
        self.compile()

    @property
    def contract_names(self) -> list[str]:
        return self.compile().names()

    # -- deploying -----------------------------------------------------------

    def deploy(
        self, name: str, *args: Any, sender: Any = None, value: int = 0, gas: int | None = None, libraries: dict[str, Any] | None = None
    ) -> Contract:
        """Deploy contract ``name`` (or ``"path/File.sol:Name"``) with constructor ``args``; returns its handle.

        Public libraries it calls are deployed once per chain and linked, as
        forge does; ``libraries={"Lib": address}`` links existing ones instead.
        """
        compiled = self.compile()
        artifact = compiled.get(name)
        if not artifact.deployable:
            raise UnknownContractError(f"{name!r} is an interface or abstract contract and cannot be deployed")
        if sender is None:
            raise ArgumentError(f"deploy {name} is a transaction: pass sender= (e.g. sender=sb.accounts.alice)")
        bytecode = artifact.bytecode
        if artifact.link_references or libraries:
            given = {k: normalize_address(getattr(v, "address", v), what=f"library {k} address") for k, v in (libraries or {}).items()}
            addresses = resolve_links(
                artifact,
                given,
                get=compiled.get,
                deploy=lambda lib: self.deploy(lib, sender=sender).address,
                has_code=lambda address: bool(self.w3.eth.get_code(address)),
                memo=self.__dict__.setdefault("_libraries", {}),
            )
            bytecode = link(artifact, addresses)
        data = constructor_data(name, artifact.abi, bytecode, args)
        receipt = self._tx.transact(None, data, sender=sender, value=value, gas=gas, what=f"deploy {name}")
        assert receipt.contract_address is not None
        return Contract(self._tx, name, receipt.contract_address, artifact.abi, receipt)

    def at(self, name: str, address: Any) -> Contract:
        """Handle for contract ``name`` already deployed at ``address``."""
        artifact = self.compile().get(name)
        return Contract(self._tx, name, normalize_address(address, what=f"{name} address"), artifact.abi)

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
        return self._tx.transact(self.accounts.resolve(to), b"", sender=sender, value=value, gas=None, what="transfer")

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
        addresses = [normalize_address(address, what="event address")] if address is not None else None
        events = []
        for log in self.chain.backend.get_logs(from_block, to_block, addresses, topics):
            event = self._tx.events.decode(log)
            if event is not None and (name is None or event.name == name):
                events.append(event)
        return events

    # -- cheatcodes (every backend: py-evm, revm, a node with anvil_*/hardhat_*) ----------------
    # On the embedded engines each write is sealed in an empty block (so a snapshot undoes it).

    def set_balance(self, who: Any, wei: int) -> None:
        """Set the ether balance of ``who`` (an account, a name or any address) to ``wei``."""
        self.chain.set_balance(self.accounts.resolve(who), wei)

    def set_code(self, address: Any, code: bytes | str) -> None:
        """Put runtime ``code`` (bytes or 0x hex) at ``address``; its storage and balance stay."""
        if isinstance(code, str):
            try:
                code = bytes.fromhex(code.removeprefix("0x"))
            except ValueError:
                raise ArgumentError(f"set_code: code {code[:20]!r}... is not hex; pass bytes or 0x-prefixed hex") from None
        self.chain.set_code(normalize_address(address, what="set_code address"), code)

    def set_storage(self, address: Any, slot: Any, value: Any) -> None:
        """Write storage ``slot`` of ``address`` to ``value`` (each an int, bytes or 0x hex of at most 32 bytes)."""
        self.chain.set_storage(normalize_address(address, what="set_storage address"), slot, value)

    def set_nonce(self, who: Any, nonce: int) -> None:
        """Set the nonce of ``who``: its next transaction uses ``nonce``."""
        self.chain.set_nonce(self.accounts.resolve(who), nonce)

    @contextmanager
    def impersonate(self, who: Any) -> Iterator[Account]:
        """``with sb.impersonate(addr) as whale:`` sends from ``addr`` without its key (``sender=whale`` or ``sender=addr``).

        Refused on chain ids outside the dev set, as dev keys are (``allowed_chain_ids=`` opts in).
        """
        address = self.accounts.resolve(who)
        self.chain.impersonate(address)
        try:
            yield self.accounts.at(address)
        finally:
            self.chain.stop_impersonating(address)

    def deal(self, token: Any, who: Any, amount: int, *, adjust_supply: bool = False) -> None:
        """Give ``who`` a balance of ``amount`` of ERC-20 ``token``, as forge-std's ``deal`` does.

        The ``balanceOf`` slot is found by writing candidate slots (Solidity and
        Vyper mapping layouts, slots 0-99, and OpenZeppelin's ERC-7201 namespace)
        and asking ``balanceOf`` back; ``adjust_supply`` moves ``totalSupply``
        by the difference too.
        """
        from sandbox.contracts.storage import find_balance_slot, find_plain_slot

        token_address = normalize_address(token, what="deal token")
        holder = self.accounts.resolve(who)
        amount = int(amount)
        before = self._uint_call(token_address, BALANCE_OF + bytes(12) + bytes.fromhex(holder[2:]))
        slot = find_balance_slot(self.chain, lambda: self._uint_call(token_address, BALANCE_OF + bytes(12) + bytes.fromhex(holder[2:])),
                                 token_address, holder)
        if slot is None:
            raise ChainError(
                f"deal: no storage slot of {token_address} holds balanceOf({holder}) (tried the Solidity and Vyper mapping "
                "layouts at slots 0-99 and OpenZeppelin's ERC-7201 namespace); is it an ERC-20 with a plain balances mapping?"
            )
        self.chain.set_storage(token_address, slot, amount)
        if adjust_supply:
            supply = self._uint_call(token_address, TOTAL_SUPPLY)
            supply_slot = find_plain_slot(self.chain, lambda: self._uint_call(token_address, TOTAL_SUPPLY), token_address)
            if supply_slot is None:
                raise ChainError(f"deal: no plain storage slot of {token_address} holds totalSupply(); deal without adjust_supply=True")
            self.chain.set_storage(token_address, supply_slot, supply + amount - before)

    def _uint_call(self, to: str, data: bytes) -> int:
        out = self._tx.call(to, data)
        if len(out) < 32:
            raise ChainError(f"{to} returned {len(out)} bytes for 0x{data[:4].hex()} (an ERC-20 view returns 32); is it an ERC-20 token?")
        return int.from_bytes(out[:32], "big")

    def _locate(self, contract: str, pc: int, create: bool) -> Any:
        """Solidity location of ``pc`` in ``contract`` (from the source maps the compile keeps)."""
        from sandbox.contracts.sources import SourceMaps

        maps: SourceMaps | None = self.__dict__.get("_source_maps")
        if maps is None or maps.compiled is not self.compile():
            maps = self.__dict__["_source_maps"] = SourceMaps(self.project, self.compile())
        return maps.locate(contract, pc, create=create)

    def trace(self, receipt_or_hash: Any) -> Any:
        """The call tree of a mined transaction (a :class:`Receipt` or its hash), decoded with the project's ABIs.

        Each frame has its type, sender, target, contract and function name,
        arguments, return value or revert reason, gas and depth; ``print()`` it
        for a ``forge -vvvv``-style tree. Both embedded engines give the whole
        tree: as recorded when the transaction ran, else run again on its parent
        block's state. The top call alone (``complete`` is False) on a node, for
        a transaction older than a reload of the saved chain where the state
        before it was not kept (revm; py-evm keeps the last 256 blocks it
        wrote) and for a later transaction of a block mined together.
        """
        self.compile()
        tx_hash = receipt_or_hash.tx_hash if isinstance(receipt_or_hash, Receipt) else str(receipt_or_hash)
        return self._tx.trace(tx_hash)

    @staticmethod
    def reverts(expected: Any = None, *, panic: int | None = None, **kwargs: Any) -> Any:
        """Context manager asserting the block reverts (see :func:`sandbox.reverts.reverts`)."""
        return reverts(expected, panic=panic, **kwargs)

    # -- the wire --------------------------------------------------------------

    def decode_revert(self, data: bytes) -> ContractReverted:
        """Revert data as a :class:`ContractReverted`, decoded with every ABI of the project."""
        return self._tx.reverted(Reverted(data))


#: ERC-20 selectors (``balanceOf(address)``, ``totalSupply()``) for :meth:`Sandbox.deal`.
BALANCE_OF = bytes.fromhex("70a08231")
TOTAL_SUPPLY = bytes.fromhex("18160ddd")

__all__ = ["Account", "Contract", "ContractFunction", "RevertExpectation", "Sandbox"]

Sandbox.defaults = Defaults()
