"""py-evm's lean call path (sandbox/backends/pyevm/speed.call_executor) returns what py-evm's full transaction executor returns."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.backends.base import Reverted
from sandbox.backends.pyevm import speed

# Runtime code that returns what a call can observe of its transaction: GAS, CALLER, ORIGIN, CALLVALUE,
# BALANCE(CALLER) (warm or cold), SELFBALANCE, GASPRICE, and GAS again after that access.
OBSERVER = bytes.fromhex("5a600052" "33602052" "32604052" "34606052" "3331608052" "4760a052" "3a60c052" "5a60e052" "6101006000f3")
REVERTER = bytes.fromhex("60aa60005260206000fd")  # revert(0, 32) with 0xaa at the end of the word


def _call(sb: Sandbox, to: str, **extra: Any) -> bytes:
    return sb.chain.backend.call({"from": sb.accounts.bob.address, "to": to, "data": b"\x01\x02", **extra})


@pytest.mark.parametrize("extra", [{}, {"value": 7}, {"gas": 100_000}, {"access_list": None}])
def test_the_lean_call_sees_what_the_full_executor_sees(monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any]) -> None:
    sb = Sandbox(backend="pyevm")
    observer = "0x" + "0b" * 20
    sb.set_code(observer, OBSERVER)
    sb.set_balance(observer, 5)
    if "access_list" in extra:
        extra = {"access_list": [{"address": sb.accounts.bob.address, "storage_keys": []}]}
    lean = _call(sb, observer, **extra)
    monkeypatch.setattr(speed, "call_executor", lambda state: state.apply_transaction)
    full = _call(sb, observer, **extra)
    assert lean == full
    words = [int.from_bytes(lean[i:i + 32], "big") for i in range(0, 256, 32)]
    assert words[1] == int(sb.accounts.bob.address, 16) and words[3] == extra.get("value", 0) and words[5] == 5 + extra.get("value", 0)
    assert words[0] > words[7] > 0  # gas left, before and after the BALANCE access


def test_a_lean_call_reverts_with_the_same_data(monkeypatch: pytest.MonkeyPatch) -> None:
    sb = Sandbox(backend="pyevm")
    reverter = "0x" + "0c" * 20
    sb.set_code(reverter, REVERTER)
    raised = []
    for patch in (False, True):
        if patch:
            monkeypatch.setattr(speed, "call_executor", lambda state: state.apply_transaction)
        with pytest.raises(Reverted) as failure:
            _call(sb, reverter)
        raised.append(failure.value.data)
    assert raised[0] == raised[1] == (0xAA).to_bytes(32, "big")
