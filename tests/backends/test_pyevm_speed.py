"""py-evm's speed patches (sandbox/backends/pyevm/speed.py) give the bytes and answers py-evm gives without them."""

from __future__ import annotations

import random
from typing import Any

import pytest

from sandbox.backends.pyevm import speed


def _item(rnd: random.Random, depth: int = 0) -> Any:
    if depth > 2 or rnd.random() < 0.5:
        size = rnd.choice([0, 1, 1, 2, 31, 32, 54, 55, 56, 57, 255, 256, 1000, 70_000])
        return bytes([rnd.randrange(256 if rnd.random() < 0.5 else 128)]) if size == 1 else rnd.randbytes(size)
    items = [_item(rnd, depth + 1) for _ in range(rnd.choice([0, 1, 2, 3, 17]))]
    return items if rnd.random() < 0.5 else tuple(items)


def test_the_rlp_encoder_gives_pyrlps_bytes() -> None:
    speed.install()
    original = speed._RLP_ENCODE_RAW
    assert original is not None and original is not speed.fast_encode_raw
    rnd = random.Random(16)
    for _ in range(300):
        item = _item(rnd)
        assert speed.fast_encode_raw(item) == original(item)
    for single in (b"\x00", b"\x7f", b"\x80", b""):
        assert speed.fast_encode_raw(single) == original(single)
    assert speed.fast_encode_raw([bytearray(b"ab"), b"c"]) == original([bytearray(b"ab"), b"c"])  # others: pyrlp's own road
    with pytest.raises(Exception) as mine:
        speed.fast_encode_raw([b"x", 5])
    with pytest.raises(Exception) as theirs:
        original([b"x", 5])
    assert type(mine.value) is type(theirs.value)


def test_jump_analysis_is_shared_by_code_and_answers_as_a_fresh_stream() -> None:
    from eth.vm.code_stream import CodeStream

    speed.install()
    code = bytes.fromhex("6005565b00" "605b" "5b00")  # PUSH1 5 JUMP JUMPDEST STOP PUSH1 0x5b JUMPDEST STOP
    first, second = CodeStream(code), CodeStream(bytes(bytearray(code)))  # equal bytes, another object
    answers = [first.is_valid_opcode(p) for p in range(len(code) + 2)]
    assert second.valid_positions is first.valid_positions and second.invalid_positions is first.invalid_positions
    assert [second.is_valid_opcode(p) for p in range(len(code) + 2)] == answers
    assert answers[3] and not answers[6] and answers[7]  # the 0x5b pushed as data at 6 is no instruction


def test_accounts_decoded_once_are_what_pyrlp_decodes_and_stay_unchanged() -> None:
    import rlp
    from eth.rlp.accounts import Account

    from sandbox import Sandbox

    sb = Sandbox(backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    snapshot = sb.snapshot()
    sb.transfer(bob, 10**18, sender=alice)
    sb.revert(snapshot)
    sb.transfer(bob, 7, sender=alice)
    chain = sb.chain.backend.engine_backend.chain
    db = chain.get_vm().state._account_db
    for account in (alice, bob):
        address = bytes.fromhex(account.address[2:])
        kept = db._get_account(address)
        assert kept == rlp.decode(db._get_encoded_account(address), sedes=Account)
        with pytest.raises(AttributeError):
            kept.balance = 1  # shared between states: py-evm's accounts are immutable (copy makes a new one)
    assert sb.balance(bob) == sb.chain.backend.get_balance(bob.address) and sb.balance(bob) % 10**18 == 7


def test_keccak_is_pysha3s_one_call_when_installed() -> None:
    from eth_hash.auto import keccak

    speed.install()
    assert getattr(keccak.hasher, "_sandbox", False)
    assert keccak.hasher.__qualname__.startswith("_pysha3_keccak."), keccak.hasher  # safe-pysha3 is a dependency


@pytest.mark.parametrize("road", ["pysha3", "sponge"])
def test_keccak_roads_give_pycryptodomes_digests_in_every_thread(road: str) -> None:
    import threading

    from Crypto.Hash import keccak as cryptodome_keccak
    from eth_hash.auto import keccak

    speed.install()
    hasher = speed._pysha3_keccak() if road == "pysha3" else speed._sponge_keccak(keccak._backend.keccak256)
    assert hasher is not None

    def reference(data: bytes) -> bytes:
        return bytes(cryptodome_keccak.new(data=data, digest_bits=256).digest())

    rnd = random.Random(7)
    inputs = [rnd.randbytes(n) for n in (0, 1, 32, 64, 135, 136, 137, 271, 272, 273, 5000)] + [rnd.randbytes(rnd.randrange(600)) for _ in range(200)]
    assert [hasher(d) for d in inputs] == [reference(d) for d in inputs]
    assert [keccak(d) for d in inputs] == [reference(d) for d in inputs]
    assert hasher(bytearray(b"abc")) == keccak(bytearray(b"abc")) == reference(b"abc")
    failures: list[int] = []

    def hashing(seed: int) -> None:
        local = random.Random(seed)
        for _ in range(300):
            data = local.randbytes(local.randrange(300))
            if hasher(data) != reference(data):
                failures.append(seed)

    threads = [threading.Thread(target=hashing, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_the_interpreter_loop_charges_gas_as_py_evm_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same mints (one out of gas) on the sandbox's loop and on py-evm's: the same receipts, blocks and state roots."""
    import os

    from eth.vm.gas_meter import GasMeter

    from sandbox import Sandbox
    from sandbox.errors import ContractReverted
    from tests.backends.workload import REPO

    monkeypatch.setattr(os, "urandom", lambda n: b"\x5a" * n)  # the same mix hash on both roads: whole blocks compare
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Loop", "L", alice, sender=alice)
    backend = sb.chain.backend

    def steps() -> list[Any]:
        seen: list[Any] = []
        for i in range(3):
            receipt = nft.mint(bob, f"ipfs://loop/{i}" * 3, sender=alice)
            seen.append((backend.get_receipt(receipt.tx_hash), backend.get_block("latest")))
        with pytest.raises(ContractReverted) as starved:
            nft.mint(bob, "ipfs://starved", sender=alice, gas=50_000)
        failed = starved.value.receipt  # type: ignore[attr-defined]
        seen.append((backend.get_receipt(failed.tx_hash), backend.get_block("latest")))
        seen.append(nft.ownerOf(2))
        return seen

    snapshot = sb.snapshot()
    ours = steps()
    sb.revert(snapshot)
    meter_consume = GasMeter.consume_gas
    charged: list[int] = []

    def py_evms_own(meter: Any, amount: int, reason: str) -> None:  # not py-evm's function: the loop leaves gas to the meter
        charged.append(amount)
        meter_consume(meter, amount, reason)

    monkeypatch.setattr(GasMeter, "consume_gas", py_evms_own)
    theirs = steps()
    assert charged  # py-evm's road ran
    assert ours == theirs
    assert ours[3][0]["status"] == 0 and ours[3][0]["gas_used"] == 50_000


def test_the_next_header_is_the_one_py_evm_builds_from_the_parent() -> None:
    from sandbox import Sandbox
    from sandbox.backends.pyevm import oneshot
    from tests.backends.workload import REPO

    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Head", "H", alice, sender=alice)
    chain = sb.chain.backend.engine_backend.chain
    compared = 0
    for step in range(6):
        if step == 2:
            sb.chain.set_balance(bob.address, 10**20)  # a block of its own (no transaction)
        elif step == 4:
            sb.mine(3)
        nft.mint(bob, f"ipfs://head/{step}" * (step + 1), sender=alice)  # full blocks move the base fee
        parent = chain.get_canonical_head()
        ours, theirs = oneshot.next_header(chain, parent), chain.create_header_from_parent(parent)
        assert ours.copy(timestamp=theirs.timestamp) == theirs  # both read the wall clock: equal but for a second's tick
        assert ours.timestamp >= parent.timestamp + 1
        compared += 1
    assert oneshot._SHARED_FIELDS[type(chain)]  # the one-go build is the one in use for this chain class
    assert compared == 6


def test_serializable_copies_equal_pyrlps_and_share_nothing_mutable() -> None:
    from eth.rlp.accounts import Account
    from eth.rlp.logs import Log
    from eth.rlp.receipts import Receipt
    from eth.vm.forks.prague.blocks import PragueBlockHeader

    speed.install()
    theirs = speed._RLP_COPY
    assert theirs is not None
    header = PragueBlockHeader(difficulty=0, block_number=7, gas_limit=30_000_000, timestamp=1_700_000_000, base_fee_per_gas=7)
    receipt = Receipt(b"\x01", 21_000, [Log(b"\x11" * 20, (1, 2), b"data"), Log(b"\x22" * 20, (), b"")])
    for item, changes in ((header, {}), (header, {"gas_used": 5, "extra_data": b"x"}), (Account(1, 2), {"balance": 3}),
                          (receipt, {}), (receipt, {"gas_used": 1})):
        ours, pyrlps = item.copy(**changes), theirs(item, **changes)
        assert ours == pyrlps and type(ours) is type(pyrlps) and ours is not item
    copied = receipt.copy()
    assert copied.logs == receipt.logs and copied.logs[0] is not receipt.logs[0]  # nested serializables still deep-copied
    with pytest.raises(TypeError):
        header.copy(not_a_field=1)


def test_serializable_construction_merges_keywords_as_pyrlp_does() -> None:
    """Fields given by keyword, by position and mixed: the same objects, and pyrlp's errors for the wrong ones."""
    import itertools

    import rlp.sedes.serializable as serializable
    from eth.rlp.accounts import Account
    from eth.rlp.logs import Log
    from eth.vm.forks.prague.blocks import PragueBlockHeader

    speed.install()
    theirs = speed._RLP_MERGE
    assert theirs is not None and serializable.merge_kwargs_to_args is not theirs
    header = PragueBlockHeader(difficulty=0, block_number=7, gas_limit=30_000_000, timestamp=1_700_000_000, base_fee_per_gas=7)
    for item in (Account(1, 2), Log(b"\x11" * 20, (1, 2), b"data"), header):
        names = item._meta.field_names
        values = tuple(item)
        for split in range(len(names) + 1):
            args, kwargs = values[:split], dict(zip(names[split:], values[split:], strict=True))
            assert serializable.merge_kwargs_to_args(args, kwargs, names) == theirs(args, kwargs, names)
            if split == 0 or item is not header:  # py-evm's header takes its fields by keyword only
                assert type(item)(*args, **kwargs) == item
        wrong: list[tuple[Any, dict[str, Any]]] = [
            ((), {**dict(zip(names, values, strict=True)), "not_a_field": 1}),  # unknown
            ((), dict(itertools.islice(zip(names, values, strict=True), len(names) - 1))),  # missing
            (values[:1], dict(zip(names, values, strict=True))),  # given twice
            (values[:1], {"not_a_field": 1, **dict(itertools.islice(zip(names[2:], values[2:], strict=True), len(names)))}),  # same count, unknown
        ]
        for args, kwargs in wrong:
            with pytest.raises(TypeError) as mine:
                serializable.merge_kwargs_to_args(args, kwargs, names)
            with pytest.raises(TypeError) as pyrlps:
                theirs(args, kwargs, names)
            assert str(mine.value) == str(pyrlps.value)
    doubled = ("a", "a", "b")
    with pytest.raises(TypeError, match="Duplicate argument names"):
        serializable.merge_kwargs_to_args((), {"a": 1, "b": 2}, doubled)


def test_serializable_fields_are_stored_as_pyrlps_init_stores_them() -> None:
    """The fields in the instance's dict, lists made tuples: the same state as pyrlp's ``__init__`` leaves, and its errors."""
    import rlp
    import rlp.sedes.serializable as serializable
    from eth.rlp.accounts import Account
    from eth.rlp.logs import Log
    from eth.rlp.receipts import Receipt
    from eth.vm.forks.prague.blocks import PragueBlockHeader

    speed.install()
    theirs = speed._RLP_INIT
    assert theirs is not None and serializable.BaseSerializable.__init__ is not theirs

    ours_init = serializable.BaseSerializable.__init__

    def built_by_pyrlp(cls: Any, *args: Any, **kwargs: Any) -> Any:
        serializable.BaseSerializable.__init__ = theirs  # type: ignore[method-assign]
        try:
            return cls(*args, **kwargs)
        finally:
            serializable.BaseSerializable.__init__ = ours_init  # type: ignore[method-assign]

    header = {"difficulty": 0, "block_number": 7, "gas_limit": 30_000_000, "timestamp": 1_700_000_000, "base_fee_per_gas": 7}
    made = [
        (Account, (1, 2), {}), (Account, (), {"nonce": 3, "balance": 4}), (Log, (b"\x11" * 20, [1, 2], b"d"), {}),
        (Log, (b"\x11" * 20,), {"topics": [[5]], "data": b""}),  # nested lists made tuples all the way down
        (PragueBlockHeader, (), dict(PragueBlockHeader(**header).as_dict())),
    ]
    for cls, args, kwargs in made:
        assert speed.plain_fields(cls) == cls._meta.field_attrs  # the shortcut is the one that ran
        ours, pyrlps = cls(*args, **kwargs), built_by_pyrlp(cls, *args, **kwargs)
        assert ours.__dict__ == pyrlps.__dict__  # before either is hashed or encoded (both cache that in the dict)
        assert all(type(getattr(ours, a)) is type(getattr(pyrlps, a)) for a in cls._meta.field_attrs)
        assert ours.copy().__dict__ == pyrlps.__dict__
        assert ours == pyrlps
        if cls is not Log or kwargs.get("topics") != [[5]]:  # not a Log's fields (made here for make_immutable's nesting)
            assert rlp.encode(ours) == rlp.encode(pyrlps)
    receipt = Receipt(b"\x01", 5, [Log(b"\x11" * 20, [1], b"x")])
    assert type(receipt.logs) is tuple and receipt.logs[0].topics == (1,)

    class Pair(rlp.Serializable):  # pyrlp's own __init__ (py-evm's classes check their arguments in theirs)
        fields = [("a", rlp.sedes.big_endian_int), ("b", rlp.sedes.binary)]  # noqa: RUF012 (pyrlp's class attribute)

    assert Pair(1, b"x").__dict__ == built_by_pyrlp(Pair, 1, b"x").__dict__ == Pair(b=b"x", a=1).__dict__
    for args in ((1,), (1, b"x", 3)):  # too few, too many: pyrlp's TypeError
        with pytest.raises(TypeError) as mine:
            Pair(*args)
        with pytest.raises(TypeError) as pyrlps:
            built_by_pyrlp(Pair, *args)
        assert str(mine.value) == str(pyrlps.value)

    class Slotted(rlp.Serializable):  # fields kept in slots: pyrlp's own setattr
        fields = [("a", rlp.sedes.big_endian_int)]  # noqa: RUF012
        __slots__ = ("_a",)

    class Shadowed(rlp.Serializable):
        fields = [("a", rlp.sedes.big_endian_int)]  # noqa: RUF012

    def read(self: Any) -> Any:
        return self.__dict__["kept"]

    def write(self: Any, value: Any) -> None:
        self.__dict__["kept"] = value

    Shadowed._a = property(read, write)  # type: ignore[attr-defined]  # a property of a field attribute's name, added later
    assert Shadowed._meta.field_attrs == ("_a",)
    assert speed.plain_fields(Slotted) is None and speed.plain_fields(Shadowed) is None  # pyrlp's own setattr and getattr
    assert Slotted(1).a == 1 and Slotted(a=2).copy().a == 2
    assert Shadowed(3).a == 3 and Shadowed(4).copy().a == 4 and Shadowed(5).__dict__ == {"kept": 5}


def test_accounts_are_encoded_as_pyrlp_encodes_them_and_kept_decoded() -> None:
    import rlp
    from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
    from eth.db.account import AccountDB
    from eth.db.atomic import AtomicDB
    from eth.rlp.accounts import Account

    speed.install()
    rnd = random.Random(8)
    numbers = [0, 1, 127, 128, 255, 256, 2**64 - 1, 2**64, 10**18, 2**256 - 1, 2**256, 2**300]
    hashes = [BLANK_ROOT_HASH, EMPTY_SHA3, rnd.randbytes(32)]
    for _ in range(300):
        account = Account(rnd.choice(numbers), rnd.choice(numbers) + rnd.randrange(3), rnd.choice(hashes), rnd.choice(hashes))
        assert speed.encode_account(account) == rlp.encode(account, sedes=Account)
    wrong = [Account(-1, 0), Account(0, -5), Account(True, 0), Account(0, 0, b"\x01" * 31), Account(0, 0, BLANK_ROOT_HASH, b"")]
    for account in wrong:  # pyrlp's own road, and its errors
        with pytest.raises(rlp.exceptions.ObjectSerializationError) as ours:
            speed.encode_account(account)
        with pytest.raises(rlp.exceptions.ObjectSerializationError) as pyrlps:
            rlp.encode(account, sedes=Account)
        assert str(ours.value) == str(pyrlps.value)
    db = AccountDB(AtomicDB())
    address = b"\x42" * 20
    db.set_balance(address, 10**18)
    db.set_nonce(address, 3)
    encoded = db._journaltrie[address]
    assert encoded == rlp.encode(Account(3, 10**18), sedes=Account)
    assert speed._accounts.get(encoded) is db._get_account(address)  # the next state reading these bytes decodes nothing


def test_storage_clear_counters_are_eth_utils_bytes() -> None:
    import eth.db.storage as storage
    import eth_utils

    speed.install()
    assert storage.to_bytes is not eth_utils.to_bytes and getattr(storage.to_bytes, "_sandbox", False)
    rnd = random.Random(4)
    for count in [*range(0, 600), 2**16 - 1, 2**16, 2**64, 2**256 - 1, *(rnd.randrange(2**80) for _ in range(200))]:
        assert storage.to_bytes(count) == eth_utils.to_bytes(count), count
    for args, kwargs in (((True,), {}), ((b"\x01",), {}), ((), {"hexstr": "0x0a"}), ((), {"text": "a"})):
        assert storage.to_bytes(*args, **kwargs) == eth_utils.to_bytes(*args, **kwargs)
    for args in ((-1,), (1.5,), (None,)):  # eth-utils' errors
        with pytest.raises(Exception) as ours:
            storage.to_bytes(*args)
        with pytest.raises(Exception) as theirs:
            eth_utils.to_bytes(*args)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    made = storage.AccountStorageDB({}, storage.BLANK_ROOT_HASH, b"\x01" * 20)
    assert made._clear_count[storage.CLEAR_COUNT_KEY_NAME] == eth_utils.to_bytes(0)


def test_bloom_bits_remembered_are_eth_blooms() -> None:
    import eth_bloom.bloom as bloom
    from eth.rlp.logs import Log
    from eth.rlp.receipts import Receipt

    speed.install()
    theirs = speed._BLOOM_BITS
    assert theirs is not None and bloom.get_bloom_bits is not theirs
    rnd = random.Random(6)
    values = [b"", b"\x00", *(rnd.randbytes(rnd.choice([20, 32])) for _ in range(200))]
    for value in values + values:  # the second time from what was kept
        assert tuple(bloom.get_bloom_bits(value)) == tuple(theirs(value))
    assert all(bloom.get_bloom_bits(value) is bloom.get_bloom_bits(value) for value in values)  # remembered, not made again
    with pytest.raises(TypeError):
        tuple(bloom.get_bloom_bits("text"))  # type: ignore[arg-type]
    logs = [Log(rnd.choice(values[2:]), tuple(rnd.randrange(2**256) for _ in range(rnd.randrange(5))), b"") for _ in range(30)]
    receipt = Receipt(b"\x01", 21_000, logs)
    expected = 0
    for log in logs:
        for value in log.bloomables:
            for bits in theirs(value):
                expected |= bits
    assert receipt.bloom == expected
    assert all(log.address in receipt.bloom_filter for log in logs)
    assert b"\x99" * 20 not in receipt.bloom_filter or all(bits & expected for bits in theirs(b"\x99" * 20))


def test_list_serialization_gives_pyrlps_items_and_errors() -> None:
    import rlp
    from rlp.exceptions import SerializationError
    from rlp.sedes import BigEndianInt, Binary, CountableList, List, big_endian_int, binary

    speed.install()
    theirs = speed._RLP_LIST_SERIALIZE
    assert theirs is not None and List.serialize is not theirs
    fields = [big_endian_int, BigEndianInt(1), BigEndianInt(32), binary, Binary.fixed_length(20), Binary.fixed_length(32, allow_empty=True),
              Binary(2, 4), CountableList(big_endian_int), List([big_endian_int, binary])]
    rnd = random.Random(12)

    def value(field: Any) -> Any:
        roll = rnd.random()
        if roll < 0.05:
            return rnd.choice([-1, True, None, "text", bytearray(b"ab"), 1.5, [1], (b"x",)])  # wrong kinds
        if isinstance(field, BigEndianInt):
            return rnd.choice([0, 1, 255, 256, 2**64, 2**256 - 1, 2**256, rnd.randrange(2**rnd.randrange(1, 300))])
        if isinstance(field, Binary):
            return rnd.randbytes(rnd.choice([0, 1, 2, 3, 4, 5, 20, 31, 32, 33]))
        if isinstance(field, CountableList):
            return [rnd.randrange(1000) for _ in range(rnd.randrange(3))]
        return [rnd.randrange(5), rnd.randbytes(2)]

    ok = failed = 0
    for _ in range(6000):
        sedes = List(rnd.sample(fields, rnd.randint(1, len(fields))), strict=rnd.random() < 0.9)
        obj = [value(f) for f in sedes]
        if rnd.random() < 0.05:
            obj = obj[:-1] if rnd.random() < 0.5 else [*obj, 1]  # the wrong length
        obj = tuple(obj) if rnd.random() < 0.5 else obj
        try:
            expected: Any = theirs(sedes, obj)
        except SerializationError as exc:
            with pytest.raises(type(exc)) as mine:
                sedes.serialize(obj)
            assert str(mine.value) == str(exc)
            failed += 1
        else:
            got = sedes.serialize(obj)
            assert got == expected and [type(x) for x in got] == [type(x) for x in expected]
            ok += 1
    assert ok > 800 and failed > 800  # both roads, many times
    from eth.vm.forks.prague.blocks import PragueBlockHeader

    header = PragueBlockHeader(difficulty=0, block_number=7, gas_limit=30_000_000, timestamp=1_700_000_000, base_fee_per_gas=7, bloom=2**2047)
    assert rlp.encode(header, cache=False) == rlp.codec.encode_raw(theirs(PragueBlockHeader._meta.sedes, header))


def test_storage_words_are_decoded_and_encoded_as_pyrlp_does() -> None:
    import rlp
    from eth.db.atomic import AtomicDB
    from eth.db.storage import AccountStorageDB
    from rlp.exceptions import DecodingError, DeserializationError

    speed.install()
    rnd = random.Random(21)
    words = [0, 1, 2, 127, 128, 255, 256, 2**64, 2**255, 2**256 - 1, *(rnd.randrange(2 ** rnd.randrange(1, 440)) for _ in range(3000))]
    for word in words:
        encoded = rlp.encode(word)
        assert speed.encode_word(word) == encoded and speed.decode_word(encoded) == word, word
    for wrong in (-1, True, None, "1", 2**440):  # pyrlp's own answer or error
        try:
            expected: Any = rlp.encode(wrong)
        except Exception as exc:
            with pytest.raises(type(exc)):
                speed.encode_word(wrong)
        else:
            assert speed.encode_word(wrong) == expected
    # not canonical, not an integer's encoding, cut short or too long: pyrlp's errors
    for bad in (b"\x00", b"\x81\x05", b"\x82\x00\x01", b"\x82\x01", b"\x81", b"\xc1\x01", b"\x01\x02", b"\xb8\x01\x01", b""):
        with pytest.raises((DecodingError, DeserializationError, TypeError)) as ours:  # a list: int.from_bytes' TypeError
            speed.decode_word(bad)
        with pytest.raises((DecodingError, DeserializationError, TypeError)) as pyrlps:
            rlp.decode(bad, sedes=rlp.sedes.big_endian_int)
        assert type(ours.value) is type(pyrlps.value) and str(ours.value) == str(pyrlps.value)
    from eth.constants import BLANK_ROOT_HASH
    from eth_utils import int_to_big_endian

    store = AccountStorageDB(AtomicDB(), BLANK_ROOT_HASH, b"\x01" * 20)
    assert getattr(AccountStorageDB.get, "_sandbox", False)
    for slot, word in enumerate(words[:200]):
        store.set(slot, word)
    assert all(store.get(slot) == word for slot, word in enumerate(words[:200]))
    assert all(store._journal_storage[int_to_big_endian(slot)] == rlp.encode(word) for slot, word in enumerate(words[:200]) if word)
    store.set(5, 0)
    assert store.get(5) == 0 and store.get(10**6) == 0


def _layers(store: Any) -> list[tuple[str, Any]]:
    return [("journal", store._journal_storage), ("locked", store._locked_changes), ("cache", store._storage_cache), ("lookup", store._storage_lookup)]


def _answer(read: Any, db: Any, key: bytes) -> tuple[str, Any]:
    try:
        return "value", read(db, key)
    except KeyError as exc:
        return type(exc).__name__, exc.args


def test_storage_reads_walk_the_layers_to_py_evms_answers() -> None:
    """``storage_read.read`` on every layer of an account's storage, through sets, clears, checkpoints, locks and persists."""
    from eth.constants import BLANK_ROOT_HASH
    from eth.db.atomic import AtomicDB
    from eth.db.journal import get_next_checkpoint
    from eth.db.storage import AccountStorageDB
    from eth.vm.interrupt import MissingStorageTrieNode
    from eth_utils import int_to_big_endian

    from sandbox.backends.pyevm import batchtrie
    from sandbox.backends.pyevm.storage_read import read

    speed.install()
    rnd = random.Random(25)
    db = AtomicDB()
    address = b"\x02" * 20
    store = AccountStorageDB(db, BLANK_ROOT_HASH, address)
    model: dict[int, int] = {}
    seen: set[str] = set()
    checkpoints: list[tuple[Any, dict[int, int]]] = []
    deleted_since_lock = False  # py-evm reverts across one clear at most: one clear between locks
    keys = [int_to_big_endian(slot) for slot in range(12)] + [b"\x00" * 31 + b"\x05", b"\xff" * 40]
    for step in range(1500):
        op = rnd.random()
        if op < 0.45:
            slot, value = rnd.randrange(12), rnd.choice([0, 0, 1, 7, 2**200, rnd.randrange(2**256)])
            store.set(slot, value)
            model[slot] = value
        elif op < 0.5 and not deleted_since_lock:
            store.delete()
            model = {}
            deleted_since_lock = True
            seen.add("cleared")
        elif op < 0.62:
            checkpoint = get_next_checkpoint()
            store.record(checkpoint)
            checkpoints.append((checkpoint, dict(model)))
        elif op < 0.72 and checkpoints:
            checkpoint, before = checkpoints.pop()
            store.discard(checkpoint)
            model = before
            seen.add("discarded")
        elif op < 0.8 and checkpoints:
            store.commit(checkpoints.pop()[0])
        elif op < 0.88 and not checkpoints:
            store.lock_changes()
            deleted_since_lock = False
        elif op < 0.95 and not checkpoints:
            store.make_storage_root()
            deleted_since_lock = False
            if store._storage_lookup._write_trie is not None:
                assert store._storage_lookup._write_trie.__class__ is batchtrie.BatchedTrie
                seen.add("write trie")
        elif not checkpoints:
            store.make_storage_root()
            store.persist(db)
            lookup = store._storage_lookup
            store = AccountStorageDB(db, lookup.get_changed_root() if store.has_changed_root else lookup._starting_root_hash, address)
            deleted_since_lock = False
            seen.add("new block")
        for name, layer in _layers(store):
            for key in rnd.sample(keys, 6):
                if rnd.random() < 0.5:  # either road may be the first to fill the LRU
                    fast = _answer(read, layer, key)
                    if name == "cache" and fast[0] == "value":  # the LRU keeps what it was asked, as CacheDB does
                        assert key in layer._cached_values
                    plain = _answer(lambda d, k: d[k], layer, key)
                else:
                    plain, fast = _answer(lambda d, k: d[k], layer, key), _answer(read, layer, key)
                assert fast == plain, (step, name, key, fast, plain)
                seen.add(f"{name} {fast[0]}")
        for slot in range(12):
            assert store.get(slot) == model.get(slot, 0), (step, slot)
    wanted = {"journal KeyError", "locked KeyError", "journal value", "cache value", "lookup value", "write trie", "cleared", "discarded", "new block"}
    assert wanted <= seen, seen
    # a trie node missing from the database: py-evm's MissingStorageTrieNode, from every layer
    orphan = AccountStorageDB(AtomicDB(), b"\x11" * 32, address)
    for name, layer in _layers(orphan):
        with pytest.raises(MissingStorageTrieNode) as theirs:
            layer[keys[1]]
        with pytest.raises(MissingStorageTrieNode) as ours:
            read(layer, keys[1])
        assert ours.value.args == theirs.value.args, name
    # a layer of another class: its own ``__getitem__``
    assert read({b"k": b"v"}, b"k") == b"v"
    with pytest.raises(KeyError):
        read({}, b"k")


def test_state_loggers_are_the_ones_eth_utils_gives() -> None:
    import logging

    from eth.vm.forks import LondonVM, PragueVM
    from eth.vm.state import BaseState
    from eth_utils.logging import ExtendedDebugLogger, get_extended_debug_logger

    speed.install()
    assert getattr(BaseState.logger.fget, "_sandbox", False)
    states = [object.__new__(vm.get_state_class()) for vm in (PragueVM, LondonVM)]
    for state in states:
        name = f"eth.vm.state.{state.__class__.__name__}"
        first = state.logger
        assert first is state.logger is get_extended_debug_logger(name) and isinstance(first, ExtendedDebugLogger)
        logging.Logger.manager.loggerDict[name] = logging.Logger(name)  # another logger in the registry under that name
        again = state.logger
        assert again is not first and again is get_extended_debug_logger(name) and isinstance(again, ExtendedDebugLogger)
    assert states[0].logger is not states[1].logger
