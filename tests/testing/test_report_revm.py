"""The pytest report of a failing contract test on revm: the call trace and the Solidity line, as on py-evm.

On revm a revert that logged nothing runs untraced (the tracer costs ~1.5 s a revert,
sandbox.backends.revm.tracing); the report's reading of ``ContractReverted.trace`` runs it
again, traced, on the state it failed on. Expected reverts (``sandbox.reverts``) are never
traced: nobody reads their trace.
"""

from __future__ import annotations

from pathlib import Path

import pytest

INSPECT = Path(__file__).resolve().parent / "data" / "inspect"

SUITE = """
def _proxied(sandbox):
    alice = sandbox.accounts.alice
    proxy = sandbox.deploy("Proxy", sandbox.deploy("Impl", sender=alice), sender=alice)
    return sandbox.at("Impl", proxy.address)

def test_expected_reverts_cost_no_trace(sandbox):
    proxied = _proxied(sandbox)
    for x in (100, 200, 300):
        with sandbox.reverts("MathLib: too big"):
            proxied.set(x, sender=sandbox.accounts.alice)
    assert sandbox.chain.backend.engine_backend.tracer.traced == 0

def test_nested_revert(sandbox):
    proxied = _proxied(sandbox)
    proxied.set(5, sender=sandbox.accounts.alice)
    proxied.set(400, sender=sandbox.accounts.alice)
"""


@pytest.fixture(autouse=True)
def _as_a_user_sees_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report a user's terminal shows (pytest prints more on CI: see tests/testing/test_report.py)."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)


def test_failure_on_revm_shows_the_failing_path_and_the_line(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nsandbox_project = {INSPECT}\n")
    pytester.makepyfile(test_sample=SUITE)
    result = pytester.runpytest("--sandbox-backend", "revm", "--tb=short")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*_ test_nested_revert _*",
        "*- call trace -*",
        "*Impl.set(x=400) ← REVERT MathLib: too big",
        "*└─ *Impl.set(x=400) ?delegatecall? ← REVERT MathLib: too big",
        "*at contracts/Proxy.sol:18:18: stored = MathLib.triple(x);",
        "*└─ *MathLib.triple(x=400) ?delegatecall? ← REVERT MathLib: too big",
        "*at contracts/Proxy.sol:7:9: require(x < 100, \"MathLib: too big\");",
    ])
    result.stdout.fnmatch_lines(['*raised by MathLib.triple at contracts/Proxy.sol:7:9: require(x < 100, "MathLib: too big");'])
    assert "Impl.set(x=5)" not in result.stdout.str()  # the failing run's trace, not the one before it
