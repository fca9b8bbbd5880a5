"""py-evm's most frequent opcodes' logic, the same steps on the stack list itself.

A SandboxNFT mint runs ~850 instructions, nine in ten of them pushes, dups,
swaps, pops, jumps and word arithmetic (and six SHA3s of bytes already in
memory); py-evm runs each as its logic function calling the computation's stack proxy calling the stack's method,
which pops into a tuple through a generator and converts each item. The
functions here read and write ``computation._stack.values`` (py-evm's list:
ints and bytes, as it keeps them) directly: the same items pushed (bytes
where py-evm pushes bytes), the same program counter, the same memory, and
when anything is out of the ordinary (too few or too many items, memory to
grow, a jump to check the slow way) py-evm's own function runs instead,
before anything was changed, so its errors and its gas are the ones raised
and charged.

:data:`BY_LOGIC` maps each py-evm logic function to its stand-in;
:func:`sandbox.backends.pyevm.speed` runs them only for py-evm's plain
opcodes (``_FastOpcode``) on py-evm's own ``CodeStream``, ``Stack`` and
``Memory``, with debug logging off. Every other opcode, and every opcode a
wrapper replaced (tracing, coverage, the one-run watch), is called as
py-evm calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth.constants import UINT_256_MAX
from eth.exceptions import InvalidInstruction, InvalidJumpDestination
from eth.vm.logic import arithmetic, comparison, context, duplication, flow, memory, sha3, stack, swap
from eth.vm.opcode_values import JUMPDEST, STOP
from eth.vm.stack import to_bytes, to_int
from eth_hash.auto import keccak

Logic = Callable[[Any], None]
#: Stack depth limit: py-evm raises FullStack when pushing onto 1024 items.
_FULL = 1024


def _push(size: int, original: Logic) -> Logic:
    if size == 0:
        def push0(c: Any) -> None:
            values = c._stack.values
            if len(values) >= _FULL:
                return original(c)
            values.append(b"")
        return push0

    def push(c: Any) -> None:
        values = c._stack.values
        if len(values) >= _FULL:
            return original(c)
        code = c.code
        pc = code.program_counter
        raw = code._raw_code_bytes[pc:pc + size]
        code.program_counter = pc + size
        if len(raw) != size:  # the code ends inside the push data: zeros after it
            raw = raw.ljust(size, b"\x00")
        values.append(raw)
    return push


def _dup(position: int, original: Logic) -> Logic:
    def dup(c: Any) -> None:
        values = c._stack.values
        if position <= len(values) < _FULL:
            values.append(values[-position])
        else:
            original(c)
    return dup


def _swap(position: int, original: Logic) -> Logic:
    index = -position - 1

    def swap_(c: Any) -> None:
        values = c._stack.values
        if len(values) > position:
            values[-1], values[index] = values[index], values[-1]
        else:
            original(c)
    return swap_


def _binary(operation: Callable[[int, int], int], original: Logic) -> Logic:
    """An opcode popping two words (the top one first) and pushing one int."""
    def binary(c: Any) -> None:
        values = c._stack.values
        if len(values) < 2:
            return original(c)
        first = values[-1]
        second = values[-2]
        del values[-1]
        if first.__class__ is not int:
            first = int.from_bytes(first, "big") if first.__class__ is bytes else to_int(first)
        if second.__class__ is not int:
            second = int.from_bytes(second, "big") if second.__class__ is bytes else to_int(second)
        values[-1] = operation(first, second)
    return binary


# ADD, SUB and AND, a mint's most frequent word operations, are written out rather than made by _binary: one
# Python call fewer per instruction (the operation inline instead of a function applied to the two words).


def _add(c: Any) -> None:
    values = c._stack.values
    if len(values) < 2:
        return arithmetic.add(c)
    left = values[-1]
    right = values[-2]
    del values[-1]
    if left.__class__ is not int:
        left = int.from_bytes(left, "big") if left.__class__ is bytes else to_int(left)
    if right.__class__ is not int:
        right = int.from_bytes(right, "big") if right.__class__ is bytes else to_int(right)
    values[-1] = (left + right) & UINT_256_MAX


def _sub(c: Any) -> None:
    values = c._stack.values
    if len(values) < 2:
        return arithmetic.sub(c)
    left = values[-1]
    right = values[-2]
    del values[-1]
    if left.__class__ is not int:
        left = int.from_bytes(left, "big") if left.__class__ is bytes else to_int(left)
    if right.__class__ is not int:
        right = int.from_bytes(right, "big") if right.__class__ is bytes else to_int(right)
    values[-1] = (left - right) & UINT_256_MAX


def _and(c: Any) -> None:
    values = c._stack.values
    if len(values) < 2:
        return comparison.and_op(c)
    left = values[-1]
    right = values[-2]
    del values[-1]
    if left.__class__ is not int:
        left = int.from_bytes(left, "big") if left.__class__ is bytes else to_int(left)
    if right.__class__ is not int:
        right = int.from_bytes(right, "big") if right.__class__ is bytes else to_int(right)
    values[-1] = left & right


def _iszero(c: Any) -> None:
    values = c._stack.values
    if not values:
        return comparison.iszero(c)
    value = values[-1]
    if value.__class__ is not int:
        value = int.from_bytes(value, "big") if value.__class__ is bytes else to_int(value)
    values[-1] = 1 if value == 0 else 0


def _not(c: Any) -> None:
    values = c._stack.values
    if not values:
        return comparison.not_op(c)
    value = values[-1]
    if value.__class__ is not int:
        value = int.from_bytes(value, "big") if value.__class__ is bytes else to_int(value)
    values[-1] = UINT_256_MAX - value


def _pop(c: Any) -> None:
    values = c._stack.values
    if values:
        del values[-1]
    else:
        stack.pop(c)


def _jumpdest(c: Any) -> None:
    pass


def _jump_to(code: Any, dest: int) -> None:
    # flow.jump's checks after it set the counter, with the same errors
    code.program_counter = dest
    if (code._raw_code_bytes[dest] if dest < code._length_cache else STOP) != JUMPDEST:
        raise InvalidJumpDestination("Invalid Jump Destination")
    if dest not in code.valid_positions and not code.is_valid_opcode(dest):
        raise InvalidInstruction("Jump resulted in invalid instruction")


def _jump(c: Any) -> None:
    values = c._stack.values
    if not values:
        return flow.jump(c)
    dest = values.pop()
    if dest.__class__ is not int:
        dest = int.from_bytes(dest, "big") if dest.__class__ is bytes else to_int(dest)
    _jump_to(c.code, dest)


def _jumpi(c: Any) -> None:
    values = c._stack.values
    if len(values) < 2:
        return flow.jumpi(c)
    dest = values[-1]
    check = values[-2]
    del values[-2:]
    if dest.__class__ is not int:
        dest = int.from_bytes(dest, "big") if dest.__class__ is bytes else to_int(dest)
    if check.__class__ is not int:
        check = int.from_bytes(check, "big") if check.__class__ is bytes else to_int(check)
    if check:
        _jump_to(c.code, dest)


def _mstore(c: Any) -> None:
    values = c._stack.values
    if len(values) < 2:
        return memory.mstore(c)
    start = values[-1]
    if start.__class__ is not int:
        start = int.from_bytes(start, "big") if start.__class__ is bytes else to_int(start)
    data = c._memory._bytes
    end = start + 32
    if end > len(data):  # memory grows (and costs): py-evm's road
        return memory.mstore(c)
    value = values[-2]
    del values[-2:]
    data[start:end] = value.to_bytes(32, "big") if value.__class__ is int else to_bytes(value).rjust(32, b"\x00")[-32:]


def _mload(c: Any) -> None:
    values = c._stack.values
    if not values:
        return memory.mload(c)
    start = values[-1]
    if start.__class__ is not int:
        start = int.from_bytes(start, "big") if start.__class__ is bytes else to_int(start)
    data = c._memory._bytes
    end = start + 32
    if end > len(data):
        return memory.mload(c)
    values[-1] = bytes(data[start:end])


def _sha3(c: Any) -> None:
    # py-evm's sha3 when the bytes hashed are in memory already (no growth, no memory gas) and the word gas is there
    values = c._stack.values
    if len(values) < 2:
        return sha3.sha3(c)
    start = values[-1]
    size = values[-2]
    if start.__class__ is not int:
        start = int.from_bytes(start, "big") if start.__class__ is bytes else to_int(start)
    if size.__class__ is not int:
        size = int.from_bytes(size, "big") if size.__class__ is bytes else to_int(size)
    data = c._memory._bytes
    end = start + size
    meter = c._gas_meter
    cost = 6 * ((size + 31) // 32)  # GAS_SHA3WORD a word
    if not size or end > len(data) or cost > meter.gas_remaining:
        return sha3.sha3(c)
    del values[-2:]
    meter.gas_remaining -= cost
    values.append(_keccak(bytes(data[start:end])))


_keccak = keccak  # eth-hash's, as sha3.sha3 hashes


def _caller(c: Any) -> None:
    values = c._stack.values
    if len(values) >= _FULL:
        return context.caller(c)
    values.append(c.msg.sender)


def _callvalue(c: Any) -> None:
    values = c._stack.values
    if len(values) >= _FULL:
        return context.callvalue(c)
    values.append(c.msg.value)


def _calldatasize(c: Any) -> None:
    values = c._stack.values
    if len(values) >= _FULL:
        return context.calldatasize(c)
    values.append(len(c.msg.data))


def _shl(shift: int, value: int) -> int:
    return 0 if shift >= 256 else (value << shift) & UINT_256_MAX


def _shr(shift: int, value: int) -> int:
    return 0 if shift >= 256 else (value >> shift) & UINT_256_MAX


def _table() -> dict[Any, Logic]:
    table: dict[Any, Logic] = {
        arithmetic.add: _add, arithmetic.sub: _sub, comparison.and_op: _and,
        comparison.iszero: _iszero, comparison.not_op: _not,
        stack.pop: _pop, flow.jumpdest: _jumpdest, flow.jump: _jump, flow.jumpi: _jumpi,
        memory.mstore: _mstore, memory.mload: _mload, sha3.sha3: _sha3,
        context.caller: _caller, context.callvalue: _callvalue, context.calldatasize: _calldatasize,
    }
    binaries: dict[Any, Callable[[int, int], int]] = {
        comparison.or_op: int.__or__, comparison.xor: int.__xor__,
        comparison.lt: lambda a, b: 1 if a < b else 0, comparison.gt: lambda a, b: 1 if a > b else 0,
        comparison.eq: lambda a, b: 1 if a == b else 0,
        arithmetic.mul: lambda a, b: (a * b) & UINT_256_MAX,
        arithmetic.div: lambda a, b: 0 if b == 0 else (a // b) & UINT_256_MAX,
        arithmetic.shl: _shl, arithmetic.shr: _shr,
    }
    for fn, operation in binaries.items():
        table[fn] = _binary(operation, fn)
    for size in range(33):
        fn = getattr(stack, f"push{size}")
        table[fn] = _push(size, fn)
    for position in range(1, 17):
        fn = getattr(duplication, f"dup{position}")
        table[fn] = _dup(position, fn)
        fn = getattr(swap, f"swap{position}")
        table[fn] = _swap(position, fn)
    return table


#: py-evm's logic function -> the stand-in run for it (an empty dict runs py-evm's own everywhere).
BY_LOGIC: dict[Any, Logic] = _table()
