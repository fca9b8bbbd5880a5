"""py-evm's state trie without re-decoding the same nodes: decoded trie nodes kept by their encoding.

Every transaction and every call on py-evm starts from a fresh state object
(``chain.get_vm(header).state``), so each storage read walks the account's
storage trie from its root and RLP-decodes every node on the way, in pure
Python, again; each write walks it once more to rebuild the root. With
SandboxNFT's token URIs (a dozen slots a token) that decoding was about a
fifth of a mint. A trie node is content-addressed (its hash is the key, its
encoding the value), so a decoded node never goes stale; py-trie mutates the
nodes it is given, so each caller gets its own copy of the lists. Nodes are
remembered as they are written too: the next walk reads the new ones.
"""

from __future__ import annotations

from typing import Any


class Recent:
    """A cache of what was used lately, in two generations of at most ``limit`` entries each.

    When the new generation is full it becomes the old one (the older is
    dropped) and a hit in the old generation moves back to the new: what a
    chain keeps reading (the trie paths its transactions walk) stays, what it
    wrote once and never read again (every superseded node of an archive
    chain) leaves, and memory stays bounded without evicting one by one.
    """

    __slots__ = ("limit", "new", "old")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.new: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        found = self.new.get(key)
        if found is None:
            found = self.old.get(key)
            if found is not None:
                self.put(key, found)
        return found

    def put(self, key: Any, value: Any) -> None:
        if len(self.new) >= self.limit:
            self.old, self.new = self.new, {}
        self.new[key] = value

    def __contains__(self, key: Any) -> bool:
        return key in self.new or key in self.old

    def __len__(self) -> int:
        return len(self.new) + len(self.old)

    def clear(self) -> None:
        self.new, self.old = {}, {}


#: Entries in each generation of the caches below. A mint on SandboxNFT walks and writes a few
#: hundred nodes; 200,000 kept every node of ~5,000 mints decoded (more memory than the chain's
#: own database) and then dropped them all at once.
MAX_NODES = 8192
#: Decoded nodes by their RLP encoding.
_decoded = Recent(MAX_NODES)


def _copy(node: Any) -> Any:
    """A node as ``rlp.decode`` gives it (lists of bytes), sharing nothing mutable with ``node``."""
    if isinstance(node, (list, tuple)):
        return [item if item.__class__ is bytes else _copy(item) for item in node]
    return node


def install() -> None:
    """Route py-trie's node decoding (``trie.hexary.decode_node``) through the cache; idempotent."""
    import trie.hexary as hexary
    from trie.utils.nodes import decode_node

    if getattr(getattr(hexary, "decode_node"), "_sandbox_cached", False):  # noqa: B009 (not re-exported, for mypy)
        return

    def cached_decode(encoded: Any) -> Any:
        if encoded.__class__ is not bytes:
            return decode_node(encoded)
        node = _decoded.get(encoded)
        if node is None:
            node = decode_node(encoded)
            _decoded.put(encoded, _copy(node))
            return node
        return _copy(node)

    def persist_node(trie: Any, node: Any) -> Any:
        # The node just written is the one read next (the next transaction's walk from the new root).
        key, value = trie._node_to_db_mapping(node)
        if value is not None:
            trie._set_db_value(key, value)
            if value not in _decoded:
                _decoded.put(value, _copy(node))
        return key

    cached_decode._sandbox_cached = True  # type: ignore[attr-defined]
    setattr(hexary, "decode_node", cached_decode)  # noqa: B010 (py-trie's module global, not re-exported)
    setattr(hexary.HexaryTrie, "_persist_node", persist_node)  # noqa: B010
    _install_values(hexary.HexaryTrie)
    _install_key_hashes()
    _install_jump_analysis()
    _install_rlp_encoder()
    _install_account_decoding()
    _install_keccak()
    _install_interpreter_loop()
    _install_serializable_copy()
    _install_serializable_init()
    _install_serializable_fields()
    _install_storage_counter()
    _install_state_logger()
    _install_bloom_bits()
    _install_list_serializer()
    _install_storage_words()
    from sandbox.backends.pyevm import batchtrie

    batchtrie.install()


#: Values by (trie root, key): a root names one immutable trie, so its answer for a key never changes.
_values = Recent(MAX_NODES)


def _install_values(trie_class: Any) -> None:
    """``HexaryTrie.get`` answered from :data:`_values` when the same root was asked the same key before.

    Each transaction and call builds its state afresh from a state root, so the
    same accounts and slots are looked up again at the same roots (the
    estimate, then the transaction, then the calls after it).
    """
    walk = trie_class.get

    def get(trie: Any, key: bytes) -> bytes:
        found = _values.get((trie.root_hash, key))
        if found is None:
            found = walk(trie, key)
            remember_value(trie.root_hash, key, found)
        return found  # type: ignore[no-any-return]

    trie_class.get = get


def known_value(root: bytes, key: bytes) -> bytes | None:
    """The value the trie at ``root`` holds for ``key``, when it was read before (``None``: not known)."""
    found: bytes | None = _values.get((root, key))
    return found


def remember_value(root: bytes, key: bytes, value: bytes) -> None:
    _values.put((root, key), value)


def shared_node(encoded: bytes) -> Any:
    """The decoded node of ``encoded``, shared: the caller reads it and never changes it (py-trie's road gets copies)."""
    node = _decoded.get(encoded)
    if node is None:
        from trie.utils.nodes import decode_node

        node = decode_node(encoded)
        _decoded.put(encoded, node)
    return node


def remember_node(encoded: bytes, node: Any) -> None:
    """A node just written (``node`` is not mutated afterwards): the next walk finds it decoded."""
    if encoded not in _decoded:
        _decoded.put(encoded, node)


def _install_key_hashes() -> None:
    """The keccak of account addresses and storage slots (the trie keys) remembered: a few hundred, asked thousands of times."""
    from functools import lru_cache

    import eth.db.hash_trie as hash_trie
    import eth.db.storage as storage

    keccak = getattr(hash_trie, "keccak")  # noqa: B009 (eth-hash's, imported there)
    remembered = lru_cache(maxsize=65_536)(lambda key: keccak(key))

    def key_hash(key: bytes) -> bytes:
        return bytes(remembered(key) if key.__class__ is bytes else keccak(key))  # bytearray: not hashable

    setattr(hash_trie.HashTrie, "keymap", staticmethod(key_hash))  # noqa: B010
    setattr(storage, "keccak", key_hash)  # noqa: B010


#: Jump destinations found valid and invalid, by the code they are in (content, not object).
_positions: dict[bytes, tuple[set[int], set[int]]] = {}
MAX_CODES = 4096


def _install_jump_analysis() -> None:
    """Each code's JUMPDEST analysis shared by every run of that code.

    py-evm checks a jump's target by looking back up to 32 bytes for a PUSH
    whose data it would be, and remembers the answer only in the code stream
    of one message; every transaction and call starts a new stream. Whether
    a position is an instruction depends on the code bytes alone, so the
    answers are kept by code.
    """
    from eth.vm.code_stream import CodeStream

    init = CodeStream.__init__
    if getattr(init, "_sandbox_shared", False):
        return

    def shared(stream: Any, code_bytes: bytes) -> None:
        init(stream, code_bytes)
        kept = _positions.get(code_bytes)
        if kept is None:
            if len(_positions) >= MAX_CODES:
                _positions.clear()
            _positions[code_bytes] = (stream.invalid_positions, stream.valid_positions)
        else:
            stream.invalid_positions, stream.valid_positions = kept

    shared._sandbox_shared = True  # type: ignore[attr-defined]
    setattr(CodeStream, "__init__", shared)  # noqa: B010


def fast_encode_raw(item: Any, _fallback: Any = None) -> bytes:
    """``rlp.codec.encode_raw`` for ``bytes`` and lists/tuples of them, without its ABC ``isinstance`` checks.

    pyrlp asks ``isinstance(item, Atomic)`` (an abstract base class) for every
    item of every trie node, block and receipt it encodes, a sixth of the
    encoding. Same bytes out; anything else (bytearray, sedes objects, bad
    input and its error) goes to pyrlp's own function.
    """
    cls = item.__class__
    if cls is bytes:
        length = len(item)
        if length == 1 and item[0] < 128:
            return item  # type: ignore[no-any-return]
        offset = 128
        payload = item
    elif cls is list or cls is tuple:
        payload = b"".join([fast_encode_raw(x) for x in item])
        length = len(payload)
        offset = 192
    else:
        return bytes(_RLP_ENCODE_RAW(item))
    if length < 56:
        return _PREFIXES[offset + length] + payload  # type: ignore[no-any-return]
    if length >= 256**8:
        return bytes(_RLP_ENCODE_RAW(item))  # pyrlp's error
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return _PREFIXES[offset + 55 + len(size)] + size + payload  # type: ignore[no-any-return]


_PREFIXES = [bytes((i,)) for i in range(256)]
_RLP_ENCODE_RAW: Any = None


def _install_rlp_encoder() -> None:
    """Route pyrlp's ``encode_raw`` (and py-trie's copy of it) through :func:`fast_encode_raw`; idempotent."""
    global _RLP_ENCODE_RAW
    import rlp.codec as codec
    import trie.hexary as hexary

    if codec.encode_raw is fast_encode_raw:
        return
    _RLP_ENCODE_RAW = codec.encode_raw
    setattr(codec, "encode_raw", fast_encode_raw)  # noqa: B010 (pyrlp's module global: rlp.encode looks it up there)
    setattr(hexary, "encode_raw", fast_encode_raw)  # noqa: B010


#: Decoded accounts by their RLP encoding (py-evm's ``Account`` is immutable: ``copy`` makes a changed one).
_accounts = Recent(MAX_NODES // 4)


def _install_account_decoding() -> None:
    """``AccountDB._get_account`` decoding each encoding once.

    Every call and transaction starts from a fresh account cache (a revert
    clears it too), so the sender's and the contract's accounts were
    RLP-decoded again on each; the same bytes are the same account.
    """
    import rlp
    from eth.db.account import AccountDB
    from eth.rlp.accounts import Account

    if getattr(AccountDB._get_account, "_sandbox_cached", False):
        return

    def get_account(db: Any, address: Any, from_journal: bool = True) -> Any:
        # py-evm's AccountDB._get_account, with the decoded account looked up by its encoding first
        if from_journal and address in db._account_cache:
            return db._account_cache[address]
        encoded = db._get_encoded_account(address, from_journal)
        account: Any
        if not encoded:
            account = Account()
        elif encoded.__class__ is not bytes:
            account = rlp.decode(encoded, sedes=Account)
        else:
            account = _accounts.get(encoded)
            if account is None:
                account = rlp.decode(encoded, sedes=Account)
                _accounts.put(encoded, account)
        if from_journal:
            db._account_cache[address] = account
        return account

    def set_account(db: Any, address: Any, account: Any) -> None:
        # py-evm's AccountDB._set_account, the encoding made by encode_account and remembered decoded
        db._account_cache[address] = account
        encoded = encode_account(account)
        db._journaltrie[address] = encoded
        if type(account) is Account and encoded not in _accounts:
            _accounts.put(encoded, account)

    get_account._sandbox_cached = True  # type: ignore[attr-defined]
    setattr(AccountDB, "_get_account", get_account)  # noqa: B010
    setattr(AccountDB, "_set_account", set_account)  # noqa: B010


def _big_endian(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")  # 0: b"", as pyrlp's big_endian_int


#: py-evm's ``Account`` (imported once: :func:`encode_account` runs ~7 times a mint).
_ACCOUNT_CLASS: Any = None


def _account_class() -> Any:
    global _ACCOUNT_CLASS
    from eth.rlp.accounts import Account

    _ACCOUNT_CLASS = Account
    return Account


def encode_account(account: Any) -> bytes:
    """``rlp.encode(account, sedes=Account)``, written out for py-evm's own ``Account`` with valid fields.

    The four fields (nonce and balance as big-endian integers, the two 32-byte
    hashes) put in a list and encoded: ~7 accounts a mint, each through
    pyrlp's serializer and four sedes. Anything else (another class, a bool,
    a negative number, a hash of another length) is pyrlp's, with its errors.
    """
    account_class = _ACCOUNT_CLASS or _account_class()
    if type(account) is account_class:
        nonce, balance, storage_root, code_hash = account.nonce, account.balance, account.storage_root, account.code_hash
        if (nonce.__class__ is int and balance.__class__ is int and nonce >= 0 and balance >= 0
                and storage_root.__class__ is bytes and len(storage_root) == 32 and code_hash.__class__ is bytes and len(code_hash) == 32):
            return fast_encode_raw([_big_endian(nonce), _big_endian(balance), storage_root, code_hash])
    import rlp

    return bytes(rlp.encode(account, sedes=account_class))


_CALL_EXECUTORS: dict[type, type] = {}


def call_executor(state: Any) -> Any:
    """The state's transaction executor for a gas-free call (``eth_call``): its result, without the bookkeeping.

    A call's effects are thrown away, so buying gas at price 0 (an account
    write), bumping the sender's nonce (another) and settling refunds and the
    coinbase fee (two more) change nothing it returns, yet were a third of a
    call on py-evm. The message is built as the fork builds it (intrinsic
    gas, EIP-7702 delegation, access-list warmth in ``build_computation``), so
    the code runs with the same gas and sees the same state; creations and
    blob transactions, whose message needs the nonce or the fee, keep the
    fork's own path.
    """
    base = state.transaction_executor_class
    lean = _CALL_EXECUTORS.get(base)
    if lean is None:
        lean = _CALL_EXECUTORS[base] = _lean_executor(base)
    return lean(state)


def _lean_executor(base: type) -> type:
    from eth.constants import CREATE_CONTRACT_ADDRESS
    from eth.vm.message import Message

    class CallExecutor(base):  # type: ignore[misc]
        def build_evm_message(self, transaction: Any) -> Any:
            state = self.vm_state
            if (transaction.to == CREATE_CONTRACT_ADDRESS or getattr(transaction, "type_id", None) == 3
                    or state.get_gas_price(transaction) != 0 or not hasattr(self, "get_code_at_address")):
                return super().build_evm_message(transaction)
            code, delegation = self.get_code_at_address(transaction.to)
            return Message(gas=transaction.gas - transaction.intrinsic_gas, to=transaction.to, sender=transaction.sender,
                           value=transaction.value, data=transaction.data, code=code, create_address=None,  # type: ignore[arg-type]
                           refund=self.calc_message_refund(transaction), is_delegation=delegation is not None)

        def finalize_computation(self, transaction: Any, computation: Any) -> Any:
            return computation

    CallExecutor.__name__ = CallExecutor.__qualname__ = f"Call{base.__name__}"
    return CallExecutor


def _install_keccak() -> None:
    """eth-hash's keccak (``eth_hash.auto.keccak``, which py-evm, py-trie, eth-utils and eth-keys call) in one or
    three C calls; idempotent, and left alone if neither road gives the backend's own digests.

    eth-hash's pycryptodome backend builds a hash object per call (a state
    allocated, a smart pointer, a buffer: ~5 us); py-evm hashes ~50 times a
    mint (trie nodes, keys, the transaction, the block). With safe-pysha3
    (eth-hash's ``pysha3`` backend, a dependency) a hash is its ``keccak_256``
    in C: ~0.9 us. Without it, pycryptodome's C sponge directly, one state per
    thread reset between hashes: three ctypes calls, ~2.6 us. Either is checked
    here against the backend's own digests on inputs around the sponge's
    136-byte rate.
    """
    from eth_hash.auto import keccak

    if getattr(keccak.hasher, "_sandbox", False):
        return
    original: Any = keccak._backend.keccak256
    hasher = _pysha3_keccak() or _sponge_keccak(original)
    if hasher is None:
        return
    try:
        if any(hasher(bytes(i % 251 for i in range(n))) != original(bytes(i % 251 for i in range(n)))
               for n in (0, 1, 31, 32, 135, 136, 137, 272, 1000)):
            return
    except Exception:
        return
    hasher._sandbox = True
    keccak(b"")  # eth-hash's first call checks its backend and then settles on ``hasher``
    setattr(keccak, "hasher", hasher)  # noqa: B010


def _pysha3_keccak() -> Any:
    """safe-pysha3's keccak-256 of bytes or bytearray (``None``: not installed)."""
    try:
        from sha3 import keccak_256
    except ImportError:
        return None

    def keccak256(data: bytes | bytearray) -> bytes:
        return keccak_256(data).digest()  # type: ignore[no-any-return]

    return keccak256


def _sponge_keccak(original: Any) -> Any:
    """keccak-256 on pycryptodome's C sponge, one state per thread (``None``: the sponge is not what it expects)."""
    import threading

    try:
        from Crypto.Hash import keccak as cryptodome_keccak
        from Crypto.Util._raw_api import VoidPointer, c_size_t, create_string_buffer, get_raw_buffer

        lib: Any = getattr(cryptodome_keccak, "_raw_keccak_lib")  # noqa: B009 (private to pycryptodome)
        reset, absorb, squeeze = lib.keccak_reset, lib.keccak_absorb, lib.keccak_digest
    except (ImportError, AttributeError):
        return None
    local = threading.local()

    def sponge() -> tuple[Any, Any]:
        state = VoidPointer()
        if lib.keccak_init(state.address_of(), c_size_t(64), 24):
            raise RuntimeError("keccak_init failed")
        made = local.made = (state.get(), create_string_buffer(32, None), state)  # the VoidPointer kept alive with it
        return made[0], made[1]

    def keccak256(data: bytes | bytearray) -> bytes:
        if data.__class__ is not bytes:
            return original(data)  # type: ignore[no-any-return]
        made = getattr(local, "made", None)
        state, out = (made[0], made[1]) if made is not None else sponge()
        reset(state)
        if absorb(state, data, c_size_t(len(data))) or squeeze(state, out, c_size_t(32), 0x01):
            return original(data)  # type: ignore[no-any-return]
        return get_raw_buffer(out)

    return keccak256


#: Whether the loop runs :mod:`sandbox.backends.pyevm.fastops`' stand-ins (the tests turn it off to compare).
FAST_OPCODES = True
#: Plain opcodes (py-evm's ``_FastOpcode`` objects) -> (gas cost, the function run for its logic), two tables:
#: with the stand-ins of :mod:`~sandbox.backends.pyevm.fastops`, and with py-evm's logic alone.
_WITH_STAND_INS: dict[Any, tuple[Any, Any]] = {}
_OWN_LOGIC: dict[Any, tuple[Any, Any]] = {}
_MAX_ENTRIES = 4096


def _entry(opcode_fn: Any, entries: dict[Any, tuple[Any, Any]], stand_ins: dict[Any, Any]) -> tuple[Any, Any]:
    """What the loop runs for a plain opcode: its cost (``inf`` when negative: py-evm's own call) and its logic."""
    if len(entries) >= _MAX_ENTRIES:
        entries.clear()
    logic = opcode_fn.logic_fn
    cost = opcode_fn.gas_cost
    entry = entries[opcode_fn] = (cost if cost >= 0 else float("inf"), stand_ins.get(logic, logic))
    return entry


#: An opcode table (by id, with the table itself: py-evm's tables and the sandbox's wrapped copies are never changed)
#: -> 256 steps filled as the opcodes are first run: (cost, the logic run after charging it, the table's entry).
_STEPS: dict[int, tuple[Any, list[Any]]] = {}
_MAX_TABLES = 64


def _steps_of(table: Any) -> list[Any]:
    kept = _STEPS.get(id(table))
    if kept is not None and kept[0] is table:
        return kept[1]
    if len(_STEPS) >= _MAX_TABLES:  # the tracer's and coverage's wrapped tables come and go
        _STEPS.clear()
    steps: list[Any] = [None] * 256
    _STEPS[id(table)] = (table, steps)
    return steps


def _step(steps: list[Any], opcode: int, table: Any) -> Any:
    """What the loop runs for ``opcode`` of ``table``: a plain opcode's cost and logic (its stand-in), else its entry called."""
    from eth.vm.logic.invalid import InvalidOpcode
    from eth.vm.opcode import _FastOpcode

    from sandbox.backends.pyevm import fastops

    try:
        opcode_fn = table[opcode]
    except KeyError:
        opcode_fn = InvalidOpcode(opcode)
    if opcode_fn.__class__ is _FastOpcode:
        cost, logic = _entry(opcode_fn, _WITH_STAND_INS, fastops.BY_LOGIC)
        step = steps[opcode] = (cost, logic, opcode_fn)
    else:
        step = steps[opcode] = (float("inf"), None, opcode_fn)
    return step


def _install_interpreter_loop() -> None:
    """py-evm's ``BaseComputation.apply_computation`` with its plain opcodes charged and run in the loop; idempotent.

    Each plain opcode (``_FastOpcode``: a logic function and a fixed cost)
    ran as three Python calls before its logic: the opcode's ``__call__``,
    the computation's ``consume_gas`` and the gas meter's, which checks the
    debug logger too; ~850 of them a mint. When the computation's gas meter
    and ``consume_gas`` are py-evm's own and debug logging is off, the loop
    subtracts the cost itself and runs the logic (the stand-in of
    :mod:`~sandbox.backends.pyevm.fastops` for the frequent ones, when the
    code stream, stack and memory are py-evm's own classes); an opcode whose
    cost exceeds the gas left runs as before (py-evm raises its OutOfGas),
    and every other opcode (CALLs, SSTORE, the sandbox's watched, stepped and
    coverage wrappers) is called as py-evm calls it. On py-evm's own code
    stream the loop reads the code itself (the stream's generator inline)
    and finds what to run for an opcode by one list index per opcode table
    (:func:`_steps_of`). The prologue is py-evm 0.12's, line for line.
    """
    from eth.exceptions import Halt
    from eth.vm.code_stream import CodeStream
    from eth.vm.computation import NO_RESULT, BaseComputation
    from eth.vm.gas_meter import GasMeter
    from eth.vm.logic.invalid import InvalidOpcode
    from eth.vm.memory import Memory
    from eth.vm.opcode import _FastOpcode
    from eth.vm.opcode_values import STOP
    from eth.vm.stack import Stack

    if getattr(BaseComputation.apply_computation, "_sandbox", False):
        return
    own_consume, meter_consume = BaseComputation.consume_gas, GasMeter.consume_gas
    no_stand_ins: dict[Any, Any] = {}

    def apply_computation(cls: Any, state: Any, message: Any, transaction_context: Any, parent_computation: Any = None) -> Any:
        with cls(state, message, transaction_context) as computation:
            if computation.is_origin_computation:
                computation.contracts_created = []
                if message.is_create:
                    cls.consume_initcode_gas_cost(computation)
            if parent_computation is not None:
                computation.contracts_created = parent_computation.contracts_created
            if message.is_create:
                computation.contracts_created.append(message.storage_address)
            precompile = computation.precompiles.get(message.code_address, NO_RESULT)
            if precompile is not NO_RESULT:
                if not message.is_delegation:
                    precompile(computation)
                return computation
            meter = computation._gas_meter
            show_debug2 = computation.logger.show_debug2
            opcode_lookup = computation.opcodes
            # py-evm's own loop (and its debug logging) unless the meter and consume_gas are py-evm's plain ones
            if (not show_debug2 and meter.__class__ is GasMeter and not meter.logger.show_debug2
                    and type(computation).consume_gas is own_consume and GasMeter.consume_gas is meter_consume):
                code = computation.code
                if (FAST_OPCODES and code.__class__ is CodeStream and computation._stack.__class__ is Stack
                        and computation._memory.__class__ is Memory):
                    # CodeStream's iteration inline (its generator's steps, resumed ~850 times a mint) and one
                    # list index from an opcode to what runs for it (the table's entry, its cost and stand-in)
                    steps = _steps_of(opcode_lookup)
                    raw = code._raw_code_bytes
                    while True:
                        pc = code.program_counter
                        try:
                            opcode = raw[pc]
                        except IndexError:  # past the end: STOP, the last opcode CodeStream's iterator yields
                            opcode, last = STOP, True
                        else:
                            code.program_counter = pc + 1
                            last = False
                        step = steps[opcode] or _step(steps, opcode, opcode_lookup)
                        try:
                            if step[0] <= meter.gas_remaining:
                                meter.gas_remaining -= step[0]
                                step[1](computation)
                            else:
                                step[2](computation=computation)  # as py-evm runs it (its OutOfGas when the cost exceeds the gas left)
                        except Halt:
                            break
                        if last:
                            break
                    return computation
                entries, stand_ins = _OWN_LOGIC, no_stand_ins
                for opcode in code:
                    try:
                        opcode_fn = opcode_lookup[opcode]
                    except KeyError:
                        opcode_fn = InvalidOpcode(opcode)
                    try:
                        if opcode_fn.__class__ is _FastOpcode:
                            entry = entries.get(opcode_fn) or _entry(opcode_fn, entries, stand_ins)
                            if entry[0] <= meter.gas_remaining:
                                meter.gas_remaining -= entry[0]
                                entry[1](computation)
                                continue
                        opcode_fn(computation=computation)  # as py-evm runs it (its OutOfGas when the cost exceeds the gas left)
                    except Halt:
                        break
                return computation
            for opcode in computation.code:
                try:
                    opcode_fn = opcode_lookup[opcode]
                except KeyError:
                    opcode_fn = InvalidOpcode(opcode)
                if show_debug2:
                    mnemonic = getattr(opcode_fn, "mnemonic", None) or opcode_fn.__wrapped__.mnemonic
                    computation.logger.debug2(f"OPCODE: 0x{opcode:x} ({mnemonic}) | pc: {max(0, computation.code.program_counter - 1)} | "
                                              f"stack: {computation._stack}")
                try:
                    opcode_fn(computation=computation)
                except Halt:
                    break
        return computation

    apply_computation._sandbox = True  # type: ignore[attr-defined]
    setattr(BaseComputation, "apply_computation", classmethod(apply_computation))  # noqa: B010


#: pyrlp's own ``copy`` (kept for the tests).
_RLP_COPY: Any = None


def _install_serializable_copy() -> None:
    """pyrlp's ``Serializable.copy`` without ``copy.deepcopy`` of the fields that are ints or bytes; idempotent.

    py-evm copies headers, accounts and transactions to change a field (~14
    copies a mint), and pyrlp deep-copies every field kept; an int, bytes or
    str deep-copies to itself, through ``copy.deepcopy``'s dispatch each time.
    Other fields (tuples of logs, nested serializables) are deep-copied as
    before, and copies with positional arguments keep pyrlp's own method.
    """
    global _RLP_COPY
    import copy as copying

    from rlp.sedes.serializable import BaseSerializable

    original = BaseSerializable.copy
    if getattr(original, "_sandbox", False):
        return
    _RLP_COPY = original
    atoms = frozenset({int, bytes, str, bool, type(None)})

    def copy(self: Any, *args: Any, **kwargs: Any) -> Any:
        if args:
            return original(self, *args, **kwargs)
        attrs = plain_fields(type(self))
        if attrs is None:
            fields = self.as_dict()
        else:  # as_dict, read from the instance's dict (what __iter__'s getattr finds there)
            kept = self.__dict__
            fields = {name: kept[attr] for name, attr in zip(self._meta.field_names, attrs, strict=False)}  # as long: plain_fields
        for key, value in fields.items():
            if value.__class__ not in atoms and key not in kwargs:
                fields[key] = copying.deepcopy(value)
        fields.update(kwargs)
        return type(self)(**fields)

    copy._sandbox = True  # type: ignore[attr-defined]
    setattr(BaseSerializable, "copy", copy)  # noqa: B010


#: pyrlp's own ``merge_kwargs_to_args`` (kept for the tests).
_RLP_MERGE: Any = None


def _install_serializable_init() -> None:
    """pyrlp's ``Serializable(**fields)`` without its five set operations when the keywords are exactly the fields left; idempotent.

    ``Serializable.__init__`` merges keyword arguments through
    ``merge_kwargs_to_args``, which counts duplicate field names, builds four
    sets and compares them on every construction (headers, accounts,
    receipts, logs, transactions: ~27 a mint). A class's field names are
    checked for duplicates once; then when the keywords are as many as the
    fields after the positional ones and each of those is there, nothing is
    unknown, missing or given twice, and the values are those fields' in
    order, as pyrlp would put them. Anything else is pyrlp's function, with
    its errors.
    """
    global _RLP_MERGE
    import rlp.sedes.serializable as serializable

    original = serializable.merge_kwargs_to_args
    if getattr(original, "_sandbox", False):
        return
    _RLP_MERGE = original
    unique: set[tuple[str, ...]] = set()

    def merge_kwargs_to_args(args: Any, kwargs: dict[str, Any], arg_names: Any, allow_missing: bool = False) -> Any:
        if arg_names not in unique and arg_names.__class__ is tuple and len(set(arg_names)) == len(arg_names):
            unique.add(arg_names)
        if arg_names in unique:
            needed = arg_names[len(args):]
            if len(kwargs) == len(needed):
                try:
                    values = tuple([kwargs[name] for name in needed])
                except KeyError:
                    pass
                else:
                    return tuple(args) + values
        return original(args, kwargs, arg_names, allow_missing=allow_missing)

    merge_kwargs_to_args._sandbox = True  # type: ignore[attr-defined]
    setattr(serializable, "merge_kwargs_to_args", merge_kwargs_to_args)  # noqa: B010 (pyrlp's module global: __init__ looks it up there)


#: Serializable classes -> their field attributes when those are plain instance attributes (``None``: not).
_PLAIN: dict[type, tuple[str, ...] | None] = {}


def plain_fields(cls: type) -> tuple[str, ...] | None:
    """``cls._meta.field_attrs`` when pyrlp's ``setattr``/``getattr`` of them only write and read the instance's dict.

    That is: the class has no ``__setattr__`` of its own and no class in its
    MRO has an attribute of one of those names (a slot, a property, a class
    default); else ``None``. Asked once per class.
    """
    try:
        return _PLAIN[cls]
    except KeyError:
        pass
    meta = getattr(cls, "_meta", None)
    attrs = getattr(meta, "field_attrs", None)
    found: tuple[str, ...] | None = None
    if (attrs.__class__ is tuple and cls.__setattr__ is object.__setattr__  # type: ignore[comparison-overlap]
            and len(attrs) == len(meta.field_names) and not any(hasattr(cls, attr) for attr in attrs)):  # type: ignore[union-attr]
        found = attrs
    _PLAIN[cls] = found
    return found


#: pyrlp's own ``BaseSerializable.__init__`` (kept for the tests).
_RLP_INIT: Any = None


def _install_serializable_fields() -> None:
    """pyrlp's ``Serializable.__init__`` storing the fields in the instance's dict itself; idempotent.

    pyrlp sets each field with ``setattr(self, attr, make_immutable(value))``:
    two calls a field, ~30 constructions of ten to twenty fields a mint
    (headers, accounts, receipts, logs, transactions, blocks). When the
    class's fields are plain instance attributes (:func:`plain_fields`), the
    same values go into the dict directly, lists made tuples as
    ``make_immutable`` makes them; a wrong number of fields (and any other
    class) is pyrlp's own ``__init__``, with its error.
    """
    global _RLP_INIT
    import rlp.sedes.serializable as serializable

    original = serializable.BaseSerializable.__init__
    if getattr(original, "_sandbox", False):
        return
    _RLP_INIT = original
    make_immutable = serializable.make_immutable

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        attrs = plain_fields(type(self))
        if attrs is None:
            return original(self, *args, **kwargs)  # type: ignore[no-any-return]
        values = serializable.merge_kwargs_to_args(args, kwargs, self._meta.field_names) if kwargs else args
        if len(values) != len(attrs):
            return original(self, *args, **kwargs)  # type: ignore[no-any-return]  # its TypeError
        kept = self.__dict__
        for value, attr in zip(values, attrs, strict=False):  # as long: checked above
            kept[attr] = make_immutable(value) if isinstance(value, list) else value
        return None

    __init__._sandbox = True  # type: ignore[attr-defined]
    setattr(serializable.BaseSerializable, "__init__", __init__)  # noqa: B010


def _install_state_logger() -> None:
    """py-evm's ``BaseState.logger`` kept per state class instead of asked of eth-utils on every use.

    The property builds its name and calls ``get_extended_debug_logger``, which
    swaps the logging module's logger class in and out under a context manager
    (~3 us); a send asks it four times (its message, its finalization, the
    state root's debug lines). The logger kept is the one logging's registry
    holds for that name: when the registry holds another (eth-utils replaces
    one of the wrong class), the property asks eth-utils again, as py-evm does.
    """
    import logging

    from eth.vm.state import BaseState
    from eth_utils.logging import get_extended_debug_logger

    if getattr(getattr(BaseState.logger, "fget", None), "_sandbox", False):
        return
    registry = logging.Logger.manager.loggerDict
    kept: dict[type, tuple[str, Any]] = {}

    def logger(state: Any) -> Any:
        cls = state.__class__
        entry = kept.get(cls)
        if entry is None or registry.get(entry[0]) is not entry[1]:
            name = f"eth.vm.state.{cls.__name__}"
            entry = kept[cls] = (name, get_extended_debug_logger(name))
        return entry[1]

    logger._sandbox = True  # type: ignore[attr-defined]
    setattr(BaseState, "logger", property(logger))  # noqa: B010


def _install_storage_counter() -> None:
    """``eth.db.storage``'s ``to_bytes`` of a count (its clear counter) computed directly; idempotent.

    Every account's storage a state first touches starts a clear counter at
    ``to_bytes(0)``: eth-utils' conversion checks its arguments through two
    decorators and goes int -> hex string -> bytes, about a third of making
    the storage object (once a mint, for the contract). For one non-negative
    int the answer is its big-endian bytes, at least one; anything else is
    eth-utils' function, with its errors.
    """
    import eth.db.storage as storage

    original: Any = getattr(storage, "to_bytes")  # noqa: B009 (eth-utils', imported there)
    if getattr(original, "_sandbox", False):
        return

    def to_bytes(*args: Any, **kwargs: Any) -> bytes:
        if len(args) == 1 and not kwargs:
            count = args[0]
            if count.__class__ is int and count >= 0:
                return count.to_bytes((count.bit_length() + 7) // 8 or 1, "big")
        return original(*args, **kwargs)  # type: ignore[no-any-return]

    to_bytes._sandbox = True  # type: ignore[attr-defined]
    setattr(storage, "to_bytes", to_bytes)  # noqa: B010 (py-evm's module global, imported from eth-utils)


#: eth-bloom's own ``get_bloom_bits`` (kept for the tests).
_BLOOM_BITS: Any = None


def _install_bloom_bits() -> None:
    """eth-bloom's ``get_bloom_bits`` (a value's three bits: a keccak and three slices) remembered by value; idempotent.

    A receipt's bloom is built from each log's address and topics, and
    py-evm checks each log's address against it again: the same contract,
    event signature and accounts every mint. The bits depend on the bytes
    alone; non-bytes go to eth-bloom's function (a generator, with its errors).
    """
    global _BLOOM_BITS
    import eth_bloom.bloom as bloom

    original = bloom.get_bloom_bits
    if getattr(original, "_sandbox", False):
        return
    _BLOOM_BITS = original
    kept = Recent(MAX_NODES // 4)

    def get_bloom_bits(value: Any) -> Any:
        if value.__class__ is not bytes:
            return original(value)
        bits = kept.get(value)
        if bits is None:
            bits = tuple(original(value))
            kept.put(value, bits)
        return bits

    get_bloom_bits._sandbox = True  # type: ignore[attr-defined]
    setattr(bloom, "get_bloom_bits", get_bloom_bits)  # noqa: B010 (eth-bloom's module global: BloomFilter looks it up there)


#: pyrlp's own ``List.serialize`` (kept for the tests).
_RLP_LIST_SERIALIZE: Any = None


def _install_list_serializer() -> None:
    """pyrlp's ``List.serialize`` (every Serializable's fields: headers, transactions, receipts) with its integer and
    binary fields serialized inline; idempotent.

    pyrlp's is a generator under ``to_list``: per field a ``zip``/``enumerate``
    step, a yield, the sedes' ``serialize`` and its type checks through
    ``isinstance``; a header is 21 fields, hashed each time py-evm makes one.
    Here a strict list of a list, tuple or Serializable of the right length:
    ``BigEndianInt`` fields that are non-negative ints (in their length, if
    fixed) and ``Binary`` fields that are bytes of a valid length give the
    bytes pyrlp gives; any other field is its sedes' own ``serialize``. At the
    first field that is not ordinary (or a sedes that raises) the whole list
    goes to pyrlp's function, which raises its error.
    """
    global _RLP_LIST_SERIALIZE
    from rlp.exceptions import SerializationError
    from rlp.sedes.big_endian_int import BigEndianInt
    from rlp.sedes.binary import Binary
    from rlp.sedes.lists import List
    from rlp.sedes.serializable import BaseSerializable

    original = List.serialize
    if getattr(original, "_sandbox", False):
        return
    _RLP_LIST_SERIALIZE = original

    def serialize(sedes: Any, obj: Any) -> Any:
        cls = obj.__class__
        if sedes.strict is not True or not (cls is tuple or cls is list or isinstance(obj, BaseSerializable)) or len(obj) != len(sedes):
            return original(sedes, obj)
        out = []
        for element, field in zip(obj, sedes, strict=True):
            kind = field.__class__
            if kind is BigEndianInt:
                if element.__class__ is not int or element < 0:
                    return original(sedes, obj)
                size = field.length
                if size is None:
                    out.append(element.to_bytes((element.bit_length() + 7) // 8, "big"))
                elif element.bit_length() > 8 * size:
                    return original(sedes, obj)
                else:
                    out.append(element.to_bytes(size, "big"))
            elif kind is Binary:
                if element.__class__ is not bytes:
                    return original(sedes, obj)
                length = len(element)
                if not (field.min_length <= length <= field.max_length or (field.allow_empty and length == 0)):
                    return original(sedes, obj)
                out.append(element)
            else:
                try:
                    out.append(field.serialize(element))
                except SerializationError:
                    return original(sedes, obj)
        return out

    serialize._sandbox = True  # type: ignore[attr-defined]
    setattr(List, "serialize", serialize)  # noqa: B010


def decode_word(encoded: bytes) -> int:
    """``rlp.decode(encoded, sedes=big_endian_int)`` for a canonical encoding of 1 to 55 bytes; pyrlp's (and its errors) else."""
    length = len(encoded)
    if length:
        first = encoded[0]
        if first < 0x80:
            if length == 1 and first:
                return first
        elif 0x80 < first <= 0xB7 and length == first - 0x7F and encoded[1] and (first != 0x81 or encoded[1] >= 0x80):
            return int.from_bytes(encoded[1:], "big")
    import rlp

    return rlp.decode(encoded, sedes=rlp.sedes.big_endian_int)  # type: ignore[no-any-return]


def encode_word(value: Any) -> bytes:
    """``rlp.encode(value)`` for a non-negative int below 2**440; pyrlp's (and its errors) for anything else."""
    if value.__class__ is int and 0 <= value:
        if 0 < value < 0x80:
            return _PREFIXES[value]
        size = (value.bit_length() + 7) // 8
        if size < 56:
            return _PREFIXES[0x80 + size] + value.to_bytes(size, "big")
    import rlp

    return bytes(rlp.encode(value))


def _install_storage_words() -> None:
    """py-evm's ``AccountStorageDB.get`` and ``set`` with the slot's value decoded and encoded directly; idempotent.

    Every SLOAD and SSTORE reads a value through ``rlp.decode(..., sedes=big_endian_int)``
    (and SSTORE writes one through ``rlp.encode``): pyrlp's codec, its sedes
    inference and checks, ~20 times a mint, for a 1 to 33 byte string. The
    methods here are py-evm's, line for line, with :func:`decode_word` and
    :func:`encode_word`, which give pyrlp's answer for canonical words and
    hand anything else to pyrlp (with its errors).
    """
    from eth.db.storage import AccountStorageDB
    from eth.vm.interrupt import MissingStorageTrieNode
    from eth_utils import int_to_big_endian

    from sandbox.backends.pyevm import storage_read

    if getattr(AccountStorageDB.get, "_sandbox", False):
        return
    read = storage_read.read

    def get(store: Any, slot: int, from_journal: bool = True) -> int:
        store._accessed_slots.add(slot)
        key = int_to_big_endian(slot)
        lookup_db = store._journal_storage if from_journal else store._locked_changes
        try:
            encoded_value = read(lookup_db, key)
        except MissingStorageTrieNode:
            raise
        except KeyError:
            return 0
        if encoded_value == b"":
            return 0
        return decode_word(encoded_value)

    def set_(store: Any, slot: int, value: int) -> None:
        key = int_to_big_endian(slot)
        if value:
            store._journal_storage[key] = encode_word(value)
        else:
            try:
                current_val = store._journal_storage[key]
            except KeyError:
                return  # deleting an empty key has no effect
            else:
                if current_val != b"":
                    del store._journal_storage[key]  # only try to delete the value if it's present

    get._sandbox = True  # type: ignore[attr-defined]
    setattr(AccountStorageDB, "get", get)  # noqa: B010
    setattr(AccountStorageDB, "set", set_)  # noqa: B010
