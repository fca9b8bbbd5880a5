"""revm's EIP-3155 steps made into the engine-neutral recording of :mod:`sandbox.backends.trace`.

pyrevm 0.3.7 has no inspector API; its only window on execution is revm's
EIP-3155 tracer, one JSON line per instruction (``pc, op, gas, gasCost,
stack, depth, refund, memSize``; no memory, no return data, no address of
the code running). :func:`build` rebuilds from them what py-evm's hooks
record directly:

- the call tree: a CALL/CREATE step opens a child (its arguments on the
  stack), the depth going back down closes it, and the step after it (the
  parent's next instruction) has the success flag or created address on top
  of the stack and the gas the child gave back;
- memory, by running every instruction that writes it (MSTORE, MSTORE8,
  CALLDATACOPY, CODECOPY, EXTCODECOPY, RETURNDATACOPY, MCOPY and the return
  data a call copies into it) on a Python copy: the source of call inputs,
  return and revert data, log data and the console.log payloads;
  precompiles' outputs are computed with py-evm's own precompiles;
- logs (LOGn: topics on the stack, data in memory), the pcs run per code
  (coverage) and JUMPI outcomes (branches), and geth's struct-logger steps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak

from sandbox.backends.trace import CONSOLE_ADDRESS, MAX_STEPS, Frame, Recording, StepLimitExceeded, StepOptions

_CALLS = {0xF1: "CALL", 0xF2: "CALLCODE", 0xF4: "DELEGATECALL", 0xFA: "STATICCALL", 0xF0: "CREATE", 0xF5: "CREATE2"}
_MASK160 = (1 << 160) - 1
#: revm's instruction results that are not failures of the step (geth and py-evm show no error there).
_NOT_ERRORS = frozenset({"CallOrCreate", "Revert", "Stop", "Return", "SelfDestruct", "Continue"})
_PRECOMPILES = frozenset(range(1, 11))  # Cancun: ecrecover .. point evaluation


@dataclass
class RunContext:
    """What a run was given (the transaction) and how it ended (the engine's outcome)."""

    sender: bytes
    to: bytes | None
    data: bytes
    value: int
    gas: int
    success: bool
    error: str | None
    output: bytes
    gas_spent: int
    #: The created contract of a successful create transaction.
    created: bytes | None
    #: Code at an address before the run (the state's mirror).
    code_of: Callable[[bytes], bytes]
    #: Nonce of an address before the run.
    nonce_of: Callable[[bytes], int]
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = ()


@dataclass
class _Open:
    """A frame while it runs: its memory, code and what it saw."""

    frame: Frame
    code: bytes
    static: bool
    memory: bytearray = field(default_factory=bytearray)
    returndata: bytes = b""
    last: dict[str, Any] | None = None
    #: The parent's CALL/CREATE step and its arguments (the return window), None for the root.
    call: dict[str, Any] | None = None
    ret: tuple[int, int] = (0, 0)
    logs: list[tuple[bytes, list[int], bytes]] = field(default_factory=list)
    counters: list[int] = field(default_factory=list)
    creates: int = 0


def _int(word: str) -> int:
    return int(word, 16)


def _address(word: str) -> bytes:
    return (int(word, 16) & _MASK160).to_bytes(20, "big")


def _read(memory: bytearray, offset: int, size: int) -> bytes:
    if size == 0:
        return b""
    chunk = bytes(memory[offset : offset + size])
    return chunk + b"\x00" * (size - len(chunk))


def _write(memory: bytearray, offset: int, data: bytes) -> None:
    if not data:
        return
    end = offset + len(data)
    if end > len(memory):
        memory.extend(b"\x00" * (((end + 31) // 32) * 32 - len(memory)))
    memory[offset:end] = data


def _copy_source(source: bytes, offset: int, size: int) -> bytes:
    chunk = source[offset : offset + size] if offset < len(source) else b""
    return chunk + b"\x00" * (size - len(chunk))


def intrinsic_gas(data: bytes, *, create: bool, access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = ()) -> int:
    """Gas a transaction pays before its code runs (Cancun: calldata, creation with EIP-3860's init code words, access list)."""
    zeros = data.count(0)
    gas = 21_000 + 4 * zeros + 16 * (len(data) - zeros)
    if create:
        gas += 32_000 + 2 * ((len(data) + 31) // 32)
    return gas + sum(2_400 + 1_900 * len(keys) for _, keys in access_list)


class _Shim:
    """The few parts of a py-evm computation its precompile functions use."""

    def __init__(self, data: bytes, gas: int) -> None:
        self.msg = self
        self.data = self.data_as_bytes = data
        self.gas = gas
        self.used = 0
        self.output = b""

    def consume_gas(self, amount: int, reason: str = "") -> None:
        self.used += amount
        if self.used > self.gas:
            raise RuntimeError("precompile out of gas")


def precompile(address: int, data: bytes, gas: int) -> tuple[bool, bytes, int]:
    """Run precompile ``address`` as py-evm does: (success, output, gas used)."""
    from eth.vm.forks.cancun.computation import CancunComputation

    run = CancunComputation._precompiles.get(address.to_bytes(20, "big"))
    if run is None:
        return True, b"", 0
    shim = _Shim(data, gas)
    try:
        run(shim)
    except Exception:
        return False, b"", gas
    return True, bytes(shim.output), shim.used


class Builder:
    """One run's steps, read in order, into ``recording`` (frames, console payloads, steps) and coverage."""

    def __init__(self, ctx: RunContext, recording: Recording, *, depth: int, step_options: StepOptions | None = None,
                 hits: dict[bytes, set[int]] | None = None, branches: dict[bytes, set[tuple[int, bool]]] | None = None) -> None:
        self.ctx = ctx
        self.recording = recording
        self.step_options = step_options
        self.hits = hits
        self.branches = branches
        self.depth = depth  # Frame.depth of the root (0 unless the run is nested in another recording)
        #: Code of the contracts this run created (they are not in the state's mirror yet).
        self.created: dict[bytes, bytes] = {}
        self.nonces: dict[bytes, int] = {}
        self.log_counter = 0
        self.console: list[bytes] = []
        create = ctx.to is None
        to = ctx.created or (self._create_address(ctx.sender, nonce=ctx.nonce_of(ctx.sender)) if create else ctx.to)
        assert to is not None
        root_gas = ctx.gas - intrinsic_gas(ctx.data, create=create, access_list=ctx.access_list)
        self.root = Frame("CREATE" if create else "CALL", ctx.sender, to, ctx.value, ctx.data, root_gas, depth)
        self.root.code_address = to
        self.opened = [_Open(self.root, ctx.data if create else self._code(to), False)]
        self.pending: _Open | None = None
        self.base: int | None = None

    # -- state the steps do not show ------------------------------------------------

    def _code(self, address: bytes) -> bytes:
        code = self.created.get(address)
        return code if code is not None else self.ctx.code_of(address)

    @staticmethod
    def _create_address(sender: bytes, *, nonce: int) -> bytes:
        import rlp

        return keccak(rlp.encode([sender, nonce]))[12:]

    def _next_nonce(self, sender: bytes) -> int:
        nonce = self.nonces.get(sender)
        if nonce is None:
            nonce = 1 if sender in self.created else self.ctx.nonce_of(sender)
        self.nonces[sender] = nonce + 1
        return nonce

    # -- the steps ----------------------------------------------------------------------

    def feed(self, lines: list[str]) -> None:
        for line in lines:
            self.step(json.loads(line))
        self.finish()

    def step(self, s: dict[str, Any]) -> None:
        depth = s["depth"]
        if self.base is None:
            self.base = depth
            self.root.gas = _int(s["gas"])
        level = depth - self.base
        opened = self.opened
        if self.pending is not None:
            child, self.pending = self.pending, None
            if level == len(opened):  # the child has code: it runs now
                child.frame.gas = _int(s["gas"])
                opened.append(child)
            else:
                self._close_empty(child, s)
        elif level < len(opened) - 1:
            self._close(opened.pop(), s)
        self._run(opened[-1], s, level)

    def _run(self, top: _Open, s: dict[str, Any], level: int) -> None:
        op: int = s["op"]
        pc: int = s["pc"]
        stack: list[str] = s["stack"]
        if self.hits is not None:
            seen = self.hits.get(top.code)
            if seen is None:
                seen = self.hits[top.code] = set()
            seen.add(pc)
            if op == 0x57 and self.branches is not None and len(stack) >= 2:
                self.branches.setdefault(top.code, set()).add((pc, stack[-2] != "0x0"))
        if self.step_options is not None:
            self._struct_step(top, s, level)
        top.last = s
        memory = top.memory
        if op == 0x52:  # MSTORE
            _write(memory, _int(stack[-1]), _int(stack[-2]).to_bytes(32, "big"))
        elif op == 0x53:  # MSTORE8
            _write(memory, _int(stack[-1]), bytes([_int(stack[-2]) & 0xFF]))
        elif op in (0x37, 0x39, 0x3E):  # CALLDATACOPY, CODECOPY, RETURNDATACOPY
            source = top.frame.input if op == 0x37 else top.code if op == 0x39 else top.returndata
            size = _int(stack[-3])
            if size:
                _write(memory, _int(stack[-1]), _copy_source(source, _int(stack[-2]), size))
        elif op == 0x5E:  # MCOPY
            size = _int(stack[-3])
            if size:
                _write(memory, _int(stack[-1]), _read(memory, _int(stack[-2]), size))
        elif op == 0x3C:  # EXTCODECOPY
            size = _int(stack[-4])
            if size:
                _write(memory, _int(stack[-2]), _copy_source(self._code(_address(stack[-1])), _int(stack[-3]), size))
        elif 0xA0 <= op <= 0xA4:  # LOG0..LOG4
            topics = [_int(stack[-3 - i]) for i in range(op - 0xA0)]
            top.logs.append((top.frame.to, topics, _read(memory, _int(stack[-1]), _int(stack[-2]))))
            top.counters.append(self.log_counter)
            self.log_counter += 1
        elif op in _CALLS:
            self.pending = self._open_child(top, _CALLS[op], s)

    def _open_child(self, parent: _Open, op: str, s: dict[str, Any]) -> _Open:
        stack = s["stack"]
        frame = parent.frame
        memory = parent.memory
        ret = (0, 0)
        salt = None
        if op in ("CREATE", "CREATE2"):
            value = _int(stack[-1])
            data = _read(memory, _int(stack[-2]), _int(stack[-3]))
            if op == "CREATE2":
                salt = _int(stack[-4])
            sender = frame.to
            to = code_address = b""
            kind = "CREATE"
        else:
            code_address = _address(stack[-2])
            if op in ("CALL", "CALLCODE"):
                value, args, ret = _int(stack[-3]), (_int(stack[-4]), _int(stack[-5])), (_int(stack[-6]), _int(stack[-7]))
            else:
                value, args, ret = (frame.value if op == "DELEGATECALL" else 0), (_int(stack[-3]), _int(stack[-4])), (_int(stack[-5]), _int(stack[-6]))
            data = _read(memory, *args)
            sender = frame.sender if op == "DELEGATECALL" else frame.to
            to = frame.to if op in ("DELEGATECALL", "CALLCODE") else code_address
            static = parent.static or op == "STATICCALL"
            # py-evm's names (its message flags): any call in a static context is a STATICCALL, CALLCODE a DELEGATECALL
            kind = "STATICCALL" if static else "DELEGATECALL" if op in ("DELEGATECALL", "CALLCODE") else "CALL"
        child = Frame(kind, sender, to, value, data, 0, self.depth + len(self.opened))
        child.code_address = code_address
        child.call_pc = s["pc"]
        child.logs_before = len(parent.logs)
        opened = _Open(child, data if kind == "CREATE" else self._code(code_address), parent.static or kind == "STATICCALL", call=s, ret=ret)
        if kind == "CREATE":
            if salt is not None:
                opened.frame.to = keccak(b"\xff" + sender + salt.to_bytes(32, "big") + keccak(data))[12:]
                self._next_nonce(sender)
            else:
                opened.frame.to = self._create_address(sender, nonce=self._next_nonce(sender))
            opened.frame.code_address = opened.frame.to
        frame.children.append(child)
        if kind != "CREATE" and code_address == CONSOLE_ADDRESS:
            child.console.append(len(self.recording.console))
            self.recording.console.append(data)
            self.console.append(data)
        return opened

    def _returned(self, child: _Open, s: dict[str, Any]) -> tuple[bool, int]:
        """Did the child succeed (the flag or address the parent's next step has on top), and the gas it gave back."""
        call = child.call
        assert call is not None
        top = s["stack"][-1] if s["stack"] else "0x0"
        if child.frame.kind == "CREATE":
            success = top != "0x0"
            if success:
                child.frame.to = child.frame.code_address = _address(top)
        else:
            success = top == "0x1"
        # revm's cost of a CALL/CREATE step is its own cost plus the gas it handed over (less a call's stipend)
        returned = _int(s["gas"]) - (_int(call["gas"]) - _int(call["gasCost"]))
        return success, returned

    def _close(self, child: _Open, s: dict[str, Any]) -> None:
        """``child`` (which ran code) has ended; ``s`` is its parent's next step."""
        frame = child.frame
        success, returned = self._returned(child, s)
        frame.gas_used = frame.gas - returned
        last = child.last or {}
        op = last.get("op")
        output = b""
        if op in (0xF3, 0xFD):  # RETURN, REVERT
            output = _read(child.memory, _int(last["stack"][-1]), _int(last["stack"][-2]))
        self._end(child, success, output, reverted=op == 0xFD, halt=last.get("error"))
        parent = self.opened[-1]
        if frame.kind == "CREATE":
            if success:
                self.created[frame.to] = output
            parent.returndata = b"" if success else output if op == 0xFD else b""
        else:
            parent.returndata = output if success or op == 0xFD else b""
            if parent.returndata:
                _write(parent.memory, child.ret[0], parent.returndata[: child.ret[1]])

    def _close_empty(self, child: _Open, s: dict[str, Any]) -> None:
        """``child`` ran no instruction (no code, a precompile, or refused before it ran); ``s`` is its parent's next step."""
        parent = self.opened[-1]
        frame = child.frame
        success, returned = self._returned(child, s)
        address = int.from_bytes(frame.code_address or b"\x00", "big")
        is_precompile = frame.kind != "CREATE" and address in _PRECOMPILES and not child.code
        if not success and not is_precompile:
            # a call to code-less account cannot fail once it starts: the call was refused (depth, balance), as py-evm, no frame
            parent.frame.children.remove(frame)
            if frame.console:
                del self.recording.console[frame.console[0]]
                self.console.pop()
            parent.returndata = b""
            return
        output = b""
        if is_precompile:
            ran, output, used = precompile(address, frame.input, max(returned, 0))
            frame.gas = returned + used if ran else max(returned, 0)
            frame.gas_used = used if ran else frame.gas
        else:
            frame.gas = returned
            frame.gas_used = 0
            if frame.kind == "CREATE":
                self.created[frame.to] = b""
        self._end(child, success, output, reverted=False, halt=None if success else "PrecompileError")
        parent.returndata = output if frame.kind != "CREATE" else b""
        if output:
            _write(parent.memory, child.ret[0], output[: child.ret[1]])

    def _end(self, child: _Open, success: bool, output: bytes, *, reverted: bool, halt: str | None) -> None:
        frame = child.frame
        frame.output = output if (success or reverted) else b""
        if success:
            frame.logs = child.logs
            frame.log_counters = child.counters
            return
        frame.error = "Revert" if reverted else (halt if halt and halt not in _NOT_ERRORS else "OutOfGas")
        if child.last is not None:
            frame.fail_pc = int(child.last["pc"])

    def finish(self) -> None:
        """The run is over: close what is open (the root from the engine's outcome)."""
        ctx = self.ctx
        root = self.opened[0]
        self.opened[1:] = []
        frame = root.frame
        frame.gas_used = max(ctx.gas_spent - (ctx.gas - frame.gas), 0)
        output = ctx.output
        last = root.last
        if ctx.to is None and ctx.success and last is not None and last.get("op") == 0xF3:
            output = _read(root.memory, _int(last["stack"][-1]), _int(last["stack"][-2]))
        if ctx.to is None and ctx.created:
            frame.to = frame.code_address = ctx.created
        self._end(root, ctx.success, output, reverted=ctx.error == "Revert", halt=ctx.error)
        rec = self.recording
        if rec.root is None:
            rec.root = frame
        elif rec.stack:
            rec.stack[-1].children.append(frame)

    # -- geth's struct logger ------------------------------------------------------------

    def _struct_step(self, top: _Open, s: dict[str, Any], level: int) -> None:
        options = self.step_options
        steps = self.recording.steps
        assert options is not None and steps is not None
        if len(steps) >= (options.limit or MAX_STEPS):
            raise StepLimitExceeded(f"more than {options.limit or MAX_STEPS} steps")
        if steps and "_sload" in steps[-1]:  # the value an SLOAD read is on top of the next step's stack
            previous = steps[-1]
            stored, key = previous.pop("_sload")
            if s["stack"] and level == previous["depth"] - 1:
                stored[key] = "0x" + _int(s["stack"][-1]).to_bytes(32, "big").hex()
            previous["storage"] = dict(stored)
        step: dict[str, Any] = {"pc": s["pc"], "op": s.get("opName", hex(s["op"])), "gas": _int(s["gas"]), "gasCost": _int(s["gasCost"]),
                                "depth": level + 1}
        if options.stack:
            step["stack"] = list(s["stack"])
        if options.memory:
            memory = bytes(top.memory)
            step["memory"] = ["0x" + memory[i : i + 32].hex() for i in range(0, len(memory), 32)]
        step["refund"] = _int(s.get("refund", "0x0"))
        error = s.get("error")
        if error and error not in _NOT_ERRORS:
            step["error"] = error
        stack = s["stack"]
        if options.storage and s["op"] in (0x54, 0x55) and stack:
            stored = self.recording.step_storage.setdefault(top.frame.to, {})
            key = "0x" + _int(stack[-1]).to_bytes(32, "big").hex()
            if s["op"] == 0x55 and len(stack) >= 2:
                stored[key] = "0x" + _int(stack[-2]).to_bytes(32, "big").hex()
                step["storage"] = dict(stored)
            else:
                step["_sload"] = (stored, key)
        steps.append(step)

    def close_steps(self) -> None:
        steps = self.recording.steps
        if steps and "_sload" in steps[-1]:
            stored, _key = steps[-1].pop("_sload")
            steps[-1]["storage"] = dict(stored)
