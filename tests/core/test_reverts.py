from __future__ import annotations

import re

import pytest

from sandbox import Contract, ContractReverted, Sandbox, SandboxError


def _revert(fn, *args, **kwargs) -> ContractReverted:  # type: ignore[no-untyped-def]
    with pytest.raises(ContractReverted) as info:
        fn(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("as_transaction", [False, True])
def test_error_string(sb: Sandbox, probe: Contract, as_transaction: bool) -> None:
    fn = probe.failWithRequire.transact if as_transaction else probe.failWithRequire
    err = _revert(fn, 3, sender=sb.accounts.alice)
    assert err.kind == "error" and err.message == "x must be above 10"
    assert str(err) == "execution reverted: x must be above 10"
    assert isinstance(err, SandboxError)


@pytest.mark.parametrize("as_transaction", [False, True])
def test_custom_error_with_named_arguments(sb: Sandbox, probe: Contract, as_transaction: bool) -> None:
    fn = probe.failCustom.transact if as_transaction else probe.failCustom.call
    err = _revert(fn, 5, sender=sb.accounts.alice, value=2)
    assert err.kind == "custom" and err.name == "NotEnough"
    assert err.revert_args == {"needed": 5, "given": 2}
    assert err.reason == "NotEnough(needed=5, given=2)"


@pytest.mark.parametrize(
    ("function", "args", "code", "meaning"),
    [
        ("overflow", (3,), 0x11, "arithmetic overflow or underflow"),
        ("divide", (1, 0), 0x12, "division or modulo by zero"),
        ("outOfBounds", (5,), 0x32, "array index out of bounds"),
        ("failAssert", (), 0x01, "assert(false)"),
    ],
)
def test_panics_carry_code_and_meaning(probe: Contract, function: str, args: tuple[int, ...], code: int, meaning: str) -> None:
    err = _revert(getattr(probe, function), *args)
    assert err.kind == "panic" and err.panic_code == code
    assert err.reason == f"Panic(0x{code:02x}): {meaning}"


def test_panic_in_a_transaction(sb: Sandbox, probe: Contract) -> None:
    err = _revert(probe.overflow.transact, 3, sender=sb.accounts.alice)
    assert err.panic_code == 0x11


def test_custom_error_without_arguments_empty_and_unknown(probe: Contract) -> None:
    assert _revert(probe.failPlain).reason == "Plain()"
    empty = _revert(probe.failEmpty)
    assert empty.kind == "empty" and empty.data == b""
    unknown = _revert(probe.failUnknown)
    assert unknown.kind == "unknown" and unknown.reason == "unknown error 0xdeadbeef01"


def test_failed_transaction_with_explicit_gas_is_decoded_from_the_receipt(sb: Sandbox, probe: Contract) -> None:
    # With gas given there is no estimate; the transaction is mined with status 0.
    err = _revert(probe.failWithString.transact, "mined and failed", sender=sb.accounts.alice, gas=100_000)
    assert err.message == "mined and failed"
    assert err.receipt.status == 0  # type: ignore[attr-defined]


def test_reverts_matches_each_kind(sb: Sandbox, probe: Contract) -> None:
    alice = sb.accounts.alice
    with sb.reverts("x must be above 10"):
        probe.failWithRequire(1)
    with sb.reverts("NotEnough", needed=7, given=0):
        probe.failCustom(7, sender=alice)
    with sb.reverts("Panic(0x12)"):
        probe.divide(1, 0)
    with sb.reverts(panic=0x11):
        probe.overflow(1)
    with sb.reverts(re.compile(r"above \d+")) as seen:
        probe.failWithRequire(2)
    assert seen.error is not None and seen.error.kind == "error"
    with sb.reverts():
        probe.failEmpty()


def test_reverts_mismatch_names_expected_and_actual(sb: Sandbox, probe: Contract) -> None:
    with pytest.raises(AssertionError, match=r"expected revert 'NotEnough' needed=1, but it reverted with NotEnough\(needed=7, given=0\)"):
        with sb.reverts("NotEnough", needed=1):
            probe.failCustom(7, sender=sb.accounts.alice)
    with pytest.raises(AssertionError, match=r"expected revert 'Panic\(0x11\)', but it reverted with Panic\(0x12\)"):
        with sb.reverts("Panic(0x11)"):
            probe.divide(1, 0)


def test_reverts_fails_when_nothing_reverts(sb: Sandbox, probe: Contract) -> None:
    with pytest.raises(AssertionError, match="expected revert 'Plain', but nothing reverted"), sb.reverts("Plain"):
        probe.poke(sender=sb.accounts.alice)


def test_reverted_transaction_changes_nothing(sb: Sandbox, probe: Contract) -> None:
    block = sb.chain.block_number
    with sb.reverts("NotEnough"):
        probe.failCustom(1, sender=sb.accounts.alice)
    assert sb.chain.block_number == block


@pytest.mark.parametrize("as_transaction", [False, True])
def test_custom_error_with_one_string_is_not_mistaken_for_error_string(sb: Sandbox, probe: Contract, as_transaction: bool) -> None:
    fn = probe.failNamed if as_transaction else probe.failNamed.call
    err = _revert(fn, "Terracotta", sender=sb.accounts.alice)
    assert err.kind == "custom" and err.name == "Named" and err.revert_args == {"name": "Terracotta"}
    with sb.reverts("Named", name="Terracotta"):
        fn("Terracotta", sender=sb.accounts.alice)
