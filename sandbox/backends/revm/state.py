"""World state for the revm backend: pyrevm's EVM behind a Python mirror with an undo log.

pyrevm 0.3 keeps every change in revm's journal and never finalizes it, so an
account or slot touched once stays *warm* for every later transaction (EIP-2929
would then charge 2,100 gas less than py-evm and geth do). Here each
transaction runs inside a journal checkpoint; afterwards its writes are read
back, the checkpoint is reverted (which forgets what was loaded, so everything
is cold again) and the writes go to revm's database, where the next
transaction loads them cold, as a real node does.

The mirror (``accounts``, ``storage``) is the source of truth for reads; every
write also lands in an undo log, which gives snapshots, and reads and calls at
past blocks, without copying state.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import pyrevm
from eth_utils import keccak

from sandbox.backends.revm.replay import RunContext
from sandbox.backends.revm.tracing import CONSOLE_CODE, CONSOLE_IN_JOURNAL, CONSOLE_IN_STATE, CONSOLE_RUN_GAS, Tracer, console_code_gas, console_payloads
from sandbox.backends.trace import CONSOLE_ADDRESS, Recording

# pyrevm's stubs lag its code (AccountInfo takes balance=, deploy takes gas_price=).
AccountInfo: Any = pyrevm.AccountInfo

EMPTY_CODE_HASH = keccak(b"")
#: (balance, nonce, code_hash) of an account that does not exist.
EMPTY_ACCOUNT: tuple[int, int, bytes] = (0, 0, EMPTY_CODE_HASH)

_FAILURE = re.compile(r"^(Revert|Halt) \{ (?:reason: (.*), )?gas_used: (\d+)(?:, output: 0x([0-9a-f]*))? \}$", re.S)


class InvalidTransaction(Exception):
    """Raised when revm rejects a transaction before running it (gas, balance, ...)."""


@dataclass(frozen=True)
class BlockContext:
    """What the EVM sees of the block a transaction runs in."""

    number: int
    timestamp: int
    coinbase: bytes
    gas_limit: int
    base_fee: int
    prevrandao: bytes


@dataclass
class Rerun:
    """What an untraced run needs to be made again, traced, when its frames are first asked for."""

    block: BlockContext
    sender: bytes
    to: bytes | None
    data: bytes
    value: int
    gas: int
    gas_price: int
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...]
    #: Length of the write log when it ran, and its last entry then (the object: :meth:`WorldState.retrace` checks it is still there).
    mark: int
    anchor: Any
    success: bool = False
    output: bytes = b""


@dataclass
class Outcome:
    """One EVM run: status, gas (after refund and the EIP-7623 floor), output, logs."""

    success: bool
    gas_used: int
    output: bytes
    logs: list[tuple[bytes, list[int], bytes]] = field(default_factory=list)
    error: str | None = None
    contract_address: bytes | None = None
    gas_refunded: int = 0
    gas_spent: int = 0
    #: Length of the state's write log before a committed run (the state to run it again on).
    mark: int | None = None


def _hex(address: bytes) -> str:
    return "0x" + address.hex()


def _parse_journal(journal: str) -> tuple[set[bytes], set[bytes], set[bytes], dict[tuple[bytes, int], int]]:
    """Accounts loaded, destroyed and given code, and slots written (with their value before), from
    revm's journal as its Debug text (``... AccountLoaded { address: 0x.. }, StorageChange { address:
    0x.., key: 7, had_value: Some(0) } ...``). A split on the address marker is ~20x faster than a regex."""
    loaded: set[str] = set()
    destroyed: set[str] = set()
    new_code: set[str] = set()
    written: dict[tuple[str, int], int] = {}
    parts = journal.split(" { address: 0x")
    for before, body in itertools.pairwise(parts):
        if before.endswith("StorageChange"):
            # body: "<40 hex>, key: 7, had_value: Some(0) }, ..." (None for a first read)
            cut = body.find(", had_value: Some(", 47)
            if cut > 0:
                slot = (body[:40], int(body[47:cut]))
                if slot not in written:
                    written[slot] = int(body[cut + 18 : body.index(")", cut)])
        elif before.endswith("AccountLoaded"):
            loaded.add(body[:40])
        elif before.endswith("AccountDestroyed"):
            destroyed.add(body[:40])
        elif before.endswith(("CodeChange", "AccountCreated")):
            new_code.add(body[:40])
    to_bytes = {h: bytes.fromhex(h) for h in loaded | destroyed | new_code | {a for a, _ in written}}
    first_seen = {(to_bytes[a], key): value for (a, key), value in written.items()}
    return {to_bytes[h] for h in loaded}, {to_bytes[h] for h in destroyed}, {to_bytes[h] for h in new_code}, first_seen


def _unpadded(code: bytes, code_hash: bytes) -> bytes:
    """Deployed code without the zero padding revm's analysis appends (found by its hash)."""
    for length in range(len(code), max(len(code) - 64, -1), -1):
        if keccak(code[:length]) == code_hash:
            return code[:length]
    raise RuntimeError(f"revm returned code that does not match its hash 0x{code_hash.hex()}")


def calldata_floor(data: bytes) -> int:
    """EIP-7623 (Prague) minimum gas of a transaction carrying ``data``."""
    zeros = data.count(0)
    return 21000 + 10 * (zeros + 4 * (len(data) - zeros))


class WorldState:
    """Accounts and storage of one chain, executed by revm, undoable to any mark."""

    def __init__(self, *, chain_id: int, gas_limit: int) -> None:
        self.evm: Any = pyrevm.EVM(env=pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=chain_id)), gas_limit=gas_limit, spec_id="CANCUN")
        self.chain_id = chain_id
        self.accounts: dict[bytes, tuple[int, int, bytes]] = {}
        self.storage: dict[tuple[bytes, int], int] = {}
        self.codes: dict[bytes, bytes] = {EMPTY_CODE_HASH: b""}
        self._code_in_db: set[bytes] = {EMPTY_CODE_HASH}
        #: (is_storage, key, old, new); a mark is a length of this list.
        self.log: list[tuple[bool, Any, Any, Any]] = []
        self._block_key: BlockContext | None = None
        #: Traces runs when set (sandbox.backends.revm.tracing); eth-tester's RevmBackend alone has none.
        self.tracer: Tracer | None = None

    # -- reads (from the mirror) ---------------------------------------------

    def account(self, address: bytes) -> tuple[int, int, bytes]:
        return self.accounts.get(address, EMPTY_ACCOUNT)

    def code(self, address: bytes) -> bytes:
        return self.codes[self.account(address)[2]]

    def slot(self, address: bytes, key: int) -> int:
        return self.storage.get((address, key), 0)

    def value_at(self, mark: int, is_storage: bool, key: Any) -> Any:
        """The value ``key`` had when the log was ``mark`` long."""
        for entry in self.log[mark:]:
            if entry[0] is is_storage and entry[1] == key:
                return entry[2]
        if is_storage:
            return self.storage.get(key, 0)
        return self.accounts.get(key, EMPTY_ACCOUNT)

    # -- writes ----------------------------------------------------------------

    def _put_account(self, address: bytes, value: tuple[int, int, bytes], *, log: bool = True) -> None:
        """Write an account to revm's database (and to the mirror unless ``log`` is off)."""
        balance, nonce, code_hash = value
        if log:
            if value == EMPTY_ACCOUNT:
                self.accounts.pop(address, None)
            else:
                self.accounts[address] = value
        if code_hash in self._code_in_db:
            info = AccountInfo(balance=balance, nonce=nonce, code_hash=None if code_hash == EMPTY_CODE_HASH else code_hash)
        else:
            info = AccountInfo(balance=balance, nonce=nonce, code=self.codes[code_hash])
            self._code_in_db.add(code_hash)
        self.evm.insert_account_info(_hex(address), info)

    def _put_slots(self, items: list[tuple[tuple[bytes, int], int]]) -> None:
        if not items:
            return
        # insert_account_storage writes revm's database only while the account is
        # not in the journal, and loads it there (warm) as it writes: so one
        # checkpoint per slot, reverted to forget the load.
        evm = self.evm
        for (address, key), value in items:
            if value:
                self.storage[(address, key)] = value
            else:
                self.storage.pop((address, key), None)
            checkpoint = evm.snapshot()
            evm.insert_account_storage(_hex(address), key, value)
            evm.revert(checkpoint)

    def set_account(self, address: bytes, balance: int, nonce: int, code: bytes = b"", storage: dict[int, int] | None = None) -> None:
        """Write an account (genesis, tests); logged, so snapshots undo it."""
        code_hash = keccak(code) if code else EMPTY_CODE_HASH
        self.codes.setdefault(code_hash, code)
        self.apply([(False, address, self.account(address), (balance, nonce, code_hash))])
        self.apply([(True, (address, k), self.slot(address, k), v) for k, v in (storage or {}).items()])

    def apply(self, changes: list[tuple[bool, Any, Any, Any]]) -> None:
        """Write ``changes`` (``(is_storage, key, old, new)``) and log them."""
        slots = []
        for is_storage, key, _old, new in changes:
            if is_storage:
                slots.append((key, new))
            else:
                self._put_account(key, new)
        self._put_slots(slots)
        self.log.extend(changes)

    def undo_to(self, mark: int, *, keep: bool = False) -> list[tuple[bool, Any, Any, Any]]:
        """Undo the log back to ``mark``; returns the undone entries (oldest first)."""
        undone = self.log[mark:]
        accounts: dict[bytes, tuple[int, int, bytes]] = {}
        slots: dict[tuple[bytes, int], int] = {}
        for is_storage, key, old, _new in reversed(undone):
            (slots if is_storage else accounts)[key] = old
        for address, value in accounts.items():
            self._put_account(address, value)
        self._put_slots(list(slots.items()))
        del self.log[mark:]
        return undone

    def redo(self, entries: list[tuple[bool, Any, Any, Any]]) -> None:
        self.apply(entries)

    # -- execution ---------------------------------------------------------------

    def _set_block(self, block: BlockContext) -> None:
        if block != self._block_key:
            self.evm.set_block_env(
                pyrevm.BlockEnv(
                    number=block.number,
                    coinbase=_hex(block.coinbase),
                    timestamp=block.timestamp,
                    gas_limit=block.gas_limit,
                    basefee=block.base_fee,
                    prevrandao=block.prevrandao,
                )
            )
            self._block_key = block

    def execute(
        self,
        block: BlockContext,
        *,
        sender: bytes,
        to: bytes | None,
        data: bytes,
        value: int,
        gas: int,
        gas_price: int,
        commit: bool,
        access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = (),
    ) -> Outcome:
        """Run one transaction; with ``commit`` its effects stay (and are logged).

        ``gas_price`` is the effective price. Fees are settled here, not by
        pyrevm (which charges creates but not calls): the sender prepays
        ``gas * gas_price`` before the run, as in py-evm, gets the unused gas
        back after it, and the coinbase earns the tip; the base fee is burned.
        """
        evm = self.evm
        self._set_block(block)
        before = self.account(sender)
        prepaid = gas * gas_price
        if prepaid:
            self._put_account(sender, (before[0] - prepaid, before[1], before[2]), log=False)
        checkpoint = evm.snapshot()
        self._preload(access_list)
        tracer = self.tracer
        traced = tracer is not None and tracer.wanted()
        lines: list[str] | None = None
        changes = None
        try:
            if traced:
                assert tracer is not None
                with tracer.capturing(evm) as lines:
                    outcome = self._run(sender, to, data, value, gas)
            else:
                outcome = self._run(sender, to, data, value, gas)
            journal: str | None = None
            console_run = False
            if tracer is not None and not traced:
                if commit or tracer.catch_journal is not None:
                    journal = evm.journal_str
                if tracer.catch_journal is not None and journal is not None:  # an access list's run: the journal, nothing else
                    tracer.catch_journal(journal)
                elif tracer.worth_a_trace(outcome):
                    # the same transaction again from the same state, traced (the same gas: tracing only watches)
                    evm.revert(checkpoint)
                    checkpoint = evm.snapshot()
                    self._preload(access_list)
                    with tracer.capturing(evm) as lines:
                        outcome = self._run(sender, to, data, value, gas)
                    tracer.retraced += 1
                    journal = None
                else:
                    # a run that called console.log; or one that reverted, whose journal went with it: the
                    # console run's gas says whether it logged (then the tracer runs, for the lines in order)
                    console_loaded = CONSOLE_IN_JOURNAL in journal if journal is not None else CONSOLE_IN_STATE in evm.journal_state
                    console_run = console_loaded or (not outcome.success and not str(outcome.error).startswith("OutOfGas"))
            if commit:
                outcome.mark = len(self.log)
                changes = self._read_changes(block, sender, before, gas_price * (gas - outcome.gas_used), (gas_price - block.base_fee) * outcome.gas_used,
                                             journal)
            if console_run:
                assert tracer is not None
                evm.revert(checkpoint)
                payloads = self._console_run(block, sender, to, data, value, gas, outcome, access_list)
                checkpoint = evm.snapshot()
                if payloads is None:  # the console run went another way: the tracer, from the same state
                    self._preload(access_list)
                    with tracer.capturing(evm) as lines:
                        self._run(sender, to, data, value, gas)
                else:
                    tracer.heard(payloads)
            if lines is not None:
                assert tracer is not None
                tracer.record(lines, self.run_context(sender, to, data, value, gas, outcome, access_list))
            elif tracer is not None and not outcome.success and tracer.catch_journal is None:
                # untraced failure: its frames are traced if and when someone reads them (LazyRecording)
                rerun = Rerun(block, sender, to, data, value, gas, gas_price, access_list, len(self.log), self.log[-1] if self.log else None,
                              outcome.success, outcome.output)  # the log is still the one it ran on: a commit's writes come after
                tracer.defer(lambda recording: self.retrace(rerun, recording))
        finally:
            evm.revert(checkpoint)
            if access_list:
                evm.set_tx_env(pyrevm.TxEnv())
            if changes is None and prepaid:
                self._put_account(sender, before, log=False)
        if changes is not None:
            self.apply(changes)
        return outcome

    def retrace(self, run: Rerun, recording: Recording) -> bool:
        """Run ``run`` again, traced into ``recording``, on the state it ran on; False when that state is gone.

        The state is the initial one plus the write log, and transactions only append to the log, so
        the state a run saw is the log's first ``run.mark`` entries for as long as the entry before
        them is still the object it saw (runs at past blocks undo and redo the same objects). Only a
        revert to a snapshot older than the run's last write before it (the log cut below
        ``run.mark``, then written anew) takes that state away: then no trace, rather than another run's.
        """
        tracer = self.tracer
        log = self.log
        if tracer is None or len(log) < run.mark or (run.mark and log[run.mark - 1] is not run.anchor):
            return False
        undone = self.undo_to(run.mark)
        tracer.into = recording
        try:
            again = self.execute(run.block, sender=run.sender, to=run.to, data=run.data, value=run.value, gas=run.gas,
                                 gas_price=run.gas_price, commit=False, access_list=run.access_list)
        except InvalidTransaction:
            return False
        finally:
            tracer.into = None
            self.redo(undone)
        if (again.success, again.output) != (run.success, run.output):  # not the run that failed: no trace rather than another's
            recording.root = None
            return False
        return True

    def _console_run(self, block: BlockContext, sender: bytes, to: bytes | None, data: bytes, value: int, gas: int, outcome: Outcome,
                     access_list: tuple[tuple[bytes, tuple[int, ...]], ...]) -> list[bytes] | None:
        """The console.log payloads of a run, from a second run with code at the console address
        (:data:`~sandbox.backends.revm.tracing.CONSOLE_CODE`); None when that run did not end as the
        first, or used gas its payloads do not account for (then the tracer finds them).

        The first run's journal checkpoint must be reverted: this one starts from the same state. Its
        loads cost gas, so it gets more (the receipt is the first run's); code that reads ``gasleft()``
        may go another way here, which the outcome check catches.
        """
        evm = self.evm
        console = _hex(CONSOLE_ADDRESS)
        evm.insert_account_info(console, AccountInfo(balance=0, nonce=0, code=CONSOLE_CODE))
        checkpoint = evm.snapshot()
        try:
            self._preload(access_list)
            second = self._run(sender, to, data, value, min(gas + CONSOLE_RUN_GAS, max(block.gas_limit, gas)))
            journal = evm.journal_str
        except InvalidTransaction:
            return None
        finally:
            evm.revert(checkpoint)
            # back to an account without code (revm's database keeps it as an empty account: the same to every opcode)
            evm.insert_account_info(console, AccountInfo(balance=0, nonce=0, code_hash=None))
        if second.success != outcome.success or second.output != outcome.output:
            return None
        payloads = console_payloads(journal)
        if second.gas_spent - outcome.gas_spent != sum(console_code_gas(len(p)) for p in payloads):
            return None  # a console call in a frame that reverted (its journal entries went with it), or a run that went another way
        return payloads

    def _preload(self, access_list: tuple[tuple[bytes, tuple[int, ...]], ...]) -> None:
        if access_list:
            # revm loads access-list entries without journaling them, so they would
            # stay warm for good; loading each account first (journaled) makes the
            # checkpoint's revert drop them, slots included.
            for address, _ in access_list:
                self.evm.basic(_hex(address))
            self.evm.set_tx_env(pyrevm.TxEnv(access_list=[(_hex(a), [int(k) for k in keys]) for a, keys in access_list]))

    def _run(self, sender: bytes, to: bytes | None, data: bytes, value: int, gas: int) -> Outcome:
        """One run in the open checkpoint: its outcome (revm's failures read from its error text)."""
        evm = self.evm
        created: bytes | None = None
        try:
            if to is None:
                created = bytes.fromhex(evm.deploy(_hex(sender), data, value=value, gas=gas, gas_price=0)[2:])
                output = b""
            else:
                output = bytes(evm.message_call(_hex(sender), _hex(to), data, value=value, gas=gas, gas_price=0))
            success, error = True, None
        except RuntimeError as exc:
            failure = _FAILURE.match(str(exc))
            if failure is None:
                raise InvalidTransaction(str(exc)) from None
            success, error = False, failure.group(2) or failure.group(1)
            output = bytes.fromhex(failure.group(4) or "")
        result = evm.result
        revm_gas = int(result.gas_used)
        outcome = Outcome(
            success=success,
            gas_used=max(revm_gas, calldata_floor(data)),
            output=output,
            error=error,
            contract_address=created,
            gas_refunded=int(result.gas_refunded) if success else 0,
        )
        outcome.gas_spent = revm_gas + outcome.gas_refunded
        if success:
            outcome.logs = [(bytes.fromhex(log.address[2:]), [int(t, 16) for t in log.topics], bytes(log.data[1])) for log in result.logs]
        return outcome

    def run_context(self, sender: bytes, to: bytes | None, data: bytes, value: int, gas: int, outcome: Outcome,
                    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = ()) -> RunContext:
        """What :mod:`sandbox.backends.revm.replay` needs besides the steps (the state read before the run's writes)."""
        return RunContext(sender, to, data, value, gas, outcome.success, outcome.error, outcome.output, outcome.gas_spent,
                          outcome.contract_address, self.code, lambda address: self.account(address)[1], access_list)

    def _read_changes(self, block: BlockContext, sender: bytes, before: tuple[int, int, bytes], refund: int, tip: int,
                      journal: str | None = None) -> list[tuple[bool, Any, Any, Any]]:
        """What the transaction in the open checkpoint wrote, as log entries."""
        evm = self.evm
        text = evm.journal_str if journal is None else journal
        journal = text[text.rindex(", journal: [") :]
        loaded, destroyed, new_code, first_seen = _parse_journal(journal)
        coinbase = block.coinbase
        loaded.add(sender)
        if tip:
            loaded.add(coinbase)
        changes: list[tuple[bool, Any, Any, Any]] = []
        for address in loaded:
            old = before if address == sender else self.account(address)
            if address in destroyed:
                new = EMPTY_ACCOUNT
            else:
                info = evm.basic(_hex(address))
                balance, nonce, code_hash = int(info.balance), int(info.nonce), old[2]
                if address in new_code:
                    code_hash = bytes(info.code_hash)
                    if code_hash not in self.codes:
                        self.codes[code_hash] = _unpadded(bytes(evm.get_code(_hex(address)) or b""), code_hash)
                if address == sender:
                    nonce = old[1] + 1  # pyrevm bumps the nonce of creates only
                    balance += refund
                if address == coinbase:
                    balance += tip
                new = (balance, nonce, code_hash)
            if new != old:
                changes.append((False, address, old, new))
        for (address, key), old_value in first_seen.items():
            new_value = 0 if address in destroyed else int(evm.storage(_hex(address), key))
            if new_value != old_value:
                changes.append((True, (address, key), old_value, new_value))
        return changes
