"""revm's recordings (sandbox.backends.revm.tracing, .replay) judged against py-evm's, run by run.

The same contracts run on both engines from the same genesis, so addresses,
calldata and gas agree; py-evm's hooks record directly, revm's come from its
EIP-3155 tracer and console runs. Both must give the same console lines,
call trees (geth's callTracer shape, gas included), revert locations and
coverage, and tracing must not change a receipt.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.backends.trace import call_tracer
from sandbox.errors import ContractReverted

NESTED = Path(__file__).resolve().parent / "data" / "tracing"
INSPECT = Path(__file__).resolve().parents[1] / "testing" / "data" / "inspect"
SALT = b"\x01" * 32


def _workload(sb: Sandbox) -> dict[str, Any]:
    alice = sb.accounts.alice
    factory = sb.deploy("Factory", sender=alice)
    made = factory.make(5, SALT, sender=alice, value=10)  # CREATE and CREATE2 with value, constructors that log
    busy = factory.busy(3, sender=alice, value=5)  # precompiles, loops of logs, a caught revert, a value call
    with pytest.raises(ContractReverted) as caught:
        factory.deep(13, sender=alice)  # Factory -> Child.store, which reverts
    return {"sb": sb, "factory": factory, "made": made, "busy": busy, "failure": caught.value}


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, dict[str, Any]]]:
    yield {backend: _workload(Sandbox(NESTED, backend=backend)) for backend in ("pyevm", "revm")}


def _tree(run: dict[str, Any], receipt: Any) -> dict[str, Any]:
    root = run["sb"].chain.backend.recording(receipt.tx_hash).root
    return call_tracer(root, with_log=True)


def _create_input_blanked(tree: dict[str, Any]) -> dict[str, Any]:
    # py-evm's hooks record a CREATE frame's input as the message's data, which py-evm leaves empty
    # (the init code is the message's code); revm's tree has the init code, as geth's callTracer does.
    out = dict(tree, input="<init code>") if tree["type"] == "CREATE" else dict(tree)
    if "calls" in out:
        out["calls"] = [_create_input_blanked(c) for c in out["calls"]]
    return out


def test_console_lines_are_py_evms(runs: dict[str, dict[str, Any]]) -> None:
    py, rv = runs["pyevm"], runs["revm"]
    lines = rv["busy"].console
    assert lines == py["busy"].console
    # formats: a plain string, %s with uints, a bool, an address, a long string over many words, the same line
    # again and again, and the lines of a frame that reverted (caught with try/catch)
    assert lines[:2] == ["round", "round 0 of 3"] and lines.count("round") == 3
    assert lines[6:8] == ["true", rv["factory"].address]
    assert lines[8].startswith("a line longer than any one word") and lines[8].endswith(" x 3")
    assert lines[9:] == ["store 13", "Child: unlucky", "store 3"]
    assert rv["made"].console == py["made"].console == ["child made with 5", "child made with 6"]
    assert rv["failure"].console == py["failure"].console == ["store 13"]  # type: ignore[attr-defined]


def test_receipts_are_the_same_traced_or_not(runs: dict[str, dict[str, Any]]) -> None:
    py, rv = runs["pyevm"], runs["revm"]
    def logged(receipt: Any) -> list[tuple[str, str, list[str]]]:
        return [(log["address"], log["data"], log["topics"]) for log in receipt.logs]

    for name in ("made", "busy"):
        assert rv[name].gas_used == py[name].gas_used and logged(rv[name]) == logged(py[name])
    sb = Sandbox(NESTED, backend="revm")
    tracer = sb.chain.backend.engine_backend.tracer
    tracer.always = True  # every run through the tracer: the receipts must not move
    again = _workload(sb)
    assert tracer.traced > 6
    assert [again[n].gas_used for n in ("made", "busy")] == [rv[n].gas_used for n in ("made", "busy")]


def test_call_trees_are_py_evms(runs: dict[str, dict[str, Any]]) -> None:
    py, rv = runs["pyevm"], runs["revm"]
    busy = _tree(rv, rv["busy"])
    assert busy == _tree(py, py["busy"])  # gas, inputs, outputs (precompiles' too), errors, logs with their positions
    types = [(c["type"], c["to"][-4:]) for c in busy["calls"] if c["to"] != "0x000000000000000000636f6e736f6c652e6c6f67"]
    assert types[:2] == [("STATICCALL", "0002"), ("STATICCALL", "0004")] and types[-1][0] == "CALL"
    caught = [c for c in busy["calls"] if c.get("error")]
    assert len(caught) == 1 and caught[0]["revertReason"] == "Child: unlucky"
    made = _tree(rv, rv["made"])
    assert [c["type"] for c in made["calls"]] == ["CREATE", "CREATE"] and made["calls"][1]["value"] == hex(10)
    assert made["calls"][0]["input"].startswith("0x6080")  # the init code
    assert _create_input_blanked(made) == _create_input_blanked(_tree(py, py["made"]))
    assert rv["sb"].trace(rv["busy"]).format(full=True) == py["sb"].trace(py["busy"]).format(full=True)


def test_a_revert_two_calls_deep_names_the_contract_and_line() -> None:
    sb = Sandbox(INSPECT, backend="revm")
    callee = sb.deploy("Callee", sender=sb.accounts.alice)
    logger = sb.deploy("Logger", callee, sender=sb.accounts.alice)
    with pytest.raises(ContractReverted) as caught:
        logger.fail(9, sender=sb.accounts.alice)  # Logger.fail -> Callee.check, which reverts
    trace = caught.value.trace  # type: ignore[attr-defined]
    innermost = trace.innermost_failure()
    where = trace.revert_location
    assert (innermost.contract, innermost.function, innermost.error) == ("Callee", "check", "TooBig(value=9, limit=5)")
    assert (str(where), where.text) == ("contracts/Logger.sol:74:27", "if (x > 5) revert TooBig(x, 5);")
    assert [(c.contract, str(c.location)) for c in trace.failing_path().walk()] == [
        ("Logger", "contracts/Logger.sol:56:9"), ("Callee", "contracts/Logger.sol:74:27")]


def test_a_quiet_revert_is_traced_when_its_trace_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox.backends.revm.tracing import Tracer

    sb = Sandbox(INSPECT, backend="revm")
    tracer = sb.chain.backend.engine_backend.tracer
    alice = sb.accounts.alice
    proxied = sb.at("Impl", sb.deploy("Proxy", sb.deploy("Impl", sender=alice), sender=alice).address)
    callee = sb.deploy("Callee", sender=alice)
    with sb.reverts("MathLib: too big"):
        proxied.set(200, sender=alice)  # an expected revert: nobody reads its trace, so no tracer (~1.5 s each traced)
    with pytest.raises(ContractReverted) as caught:
        proxied.set(300, sender=alice)  # Proxy -> Impl.set -> MathLib.triple, which reverts; logs nothing
    assert tracer.traced == 0
    trace = caught.value.trace  # type: ignore[attr-defined]  # the failure run again, traced, now
    assert tracer.traced == 1 and caught.value.trace is trace and tracer.traced == 1  # type: ignore[attr-defined]
    path = trace.failing_path().walk()
    assert [(c.contract, c.function, c.kind, c.args) for c in path] == [
        ("Impl", "set", "CALL", {"x": 300}), ("Impl", "set", "DELEGATECALL", {"x": 300}), ("MathLib", "triple", "DELEGATECALL", {"x": 300})]
    assert all(c.error == "MathLib: too big" for c in path)
    assert [str(c.location) for c in path[1:]] == ["contracts/Proxy.sol:18:18", "contracts/Proxy.sol:7:9"]
    where = trace.revert_location
    assert (str(where), where.text) == ("contracts/Proxy.sol:7:9", 'require(x < 100, "MathLib: too big");')
    with pytest.raises(ContractReverted) as called:
        callee.check(9)  # a call (eth_call), not a transaction
    assert str(called.value.trace.revert_location) == "contracts/Logger.sol:74:27" and tracer.traced == 2  # type: ignore[attr-defined]
    with pytest.raises(ContractReverted) as mined:
        proxied.set(500, sender=alice, gas=100_000)  # mined with status 0 (its reason: a call at the block before)
    assert mined.value.receipt.status == 0 and tracer.traced == 2  # type: ignore[attr-defined]
    assert [c.args for c in mined.value.trace.failing_path().walk()] == [{"x": 500}] * 3 and tracer.traced == 3  # type: ignore[attr-defined]
    monkeypatch.setattr(Tracer, "trace_failures", True)  # every failure traced at once
    with pytest.raises(ContractReverted):
        callee.check(9)
    assert tracer.traced == 4


def test_the_trace_read_later_is_the_failing_runs() -> None:
    sb = Sandbox(INSPECT, backend="revm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    token = sb.deploy("Token", sender=alice)
    with pytest.raises(ContractReverted) as caught:
        token.transfer(bob, 10, sender=alice)  # alice holds nothing yet
    token.mint(alice, 100, sender=alice)  # now the same transfer would succeed
    token.transfer(bob, 10, sender=alice)
    sb.mine(3)
    trace = caught.value.trace  # type: ignore[attr-defined]  # run again on the state it failed on, not on today's
    assert (trace.function, trace.args, trace.error) == ("transfer", {"to": bob.address, "amount": 10}, "Token: balance too low")
    # A revert to a snapshot taken before the failure, with a transaction before the failure, takes away the
    # state it ran on: its trace is then None (Tracer.trace_failures traces it at once instead).
    snapshot = sb.snapshot()
    token.mint(bob, 1, sender=alice)
    with pytest.raises(ContractReverted) as lost:
        token.transfer(alice, 500, sender=bob)  # bob holds 11
    sb.revert(snapshot)
    token.mint(bob, 50, sender=alice)
    assert lost.value.trace is None  # type: ignore[attr-defined]
    # ...and one to a snapshot taken after the failure keeps it
    with pytest.raises(ContractReverted) as kept:
        token.transfer(alice, 500, sender=bob)
    snapshot = sb.snapshot()
    token.mint(bob, 1000, sender=alice)
    sb.revert(snapshot)
    token.mint(bob, 1000, sender=alice)
    assert kept.value.trace.args == {"to": alice.address, "amount": 500}  # type: ignore[attr-defined]
    assert kept.value.trace.error == "Token: balance too low"  # type: ignore[attr-defined]


def test_a_revert_in_a_made_contract_is_py_evms(runs: dict[str, dict[str, Any]]) -> None:
    trace = runs["revm"]["failure"].trace
    theirs = runs["pyevm"]["failure"].trace
    assert trace.format(full=True) == theirs.format(full=True)
    path = trace.failing_path().walk()
    assert [c.function for c in path] == ["deep", "store"] and path[1].to == runs["revm"]["factory"].children(1)
    # the Factory's line; a contract the Factory made is not named by either engine's decoder (no deploy of its own)
    assert [str(c.location) for c in path] == [str(c.location) for c in theirs.failing_path().walk()] == ["contracts/Nested.sol:103:9", "None"]


def test_untraced_runs_are_traced_when_asked(runs: dict[str, dict[str, Any]]) -> None:
    sb = Sandbox(INSPECT, backend="revm")
    tracer = sb.chain.backend.engine_backend.tracer
    alice = sb.accounts.alice
    token = sb.deploy("Token", sender=alice)
    callee = sb.deploy("Callee", sender=alice)
    logger = sb.deploy("Logger", callee, sender=alice)
    before = tracer.traced
    mint = token.mint(alice, 5, sender=alice)
    work = logger.work(3, sender=alice)  # console lines from a console run: no tracer
    assert work.console[2] == "Callee.double" and logger.quiet() == 6
    assert tracer.traced == before
    trace = sb.trace(mint)  # the tracer now, once, on the state before the transaction
    assert tracer.traced == before + 1 and trace.events == [f"Transfer(from=0x{'00' * 20}, to={alice.address}, value=5)"]
    sb.trace(mint)
    assert tracer.traced == before + 1
    assert [c.function for c in sb.trace(work).walk()] == ["work", "double"]


def test_coverage_is_py_evms() -> None:
    """The lines and branches of tests/testing/test_coverage_cli.py's workload, per file, on both engines."""
    from sandbox.backends.pyevm import coverage
    from sandbox.contracts.coverage import measure

    measured = {}
    try:
        for backend in ("pyevm", "revm"):
            coverage.HITS, coverage.BRANCHES = {}, {}
            sb = Sandbox(INSPECT, backend=backend)
            alice = sb.accounts.alice
            token = sb.deploy("Token", sender=alice)
            token.mint(alice, 5, sender=alice)
            callee = sb.deploy("Callee", sender=alice)
            callee.check(3)
            with pytest.raises(ContractReverted):
                callee.check(9)
            hits, branches = coverage.HITS, coverage.BRANCHES
            measured[backend] = measure(sb.project, sb.compile(), hits, branches).files
    finally:
        coverage.HITS = coverage.BRANCHES = None
    py, rv = measured["pyevm"], measured["revm"]
    assert set(rv) == set(py) and rv["contracts/Logger.sol"].branches == {(74, 0): [True, True]}
    for name in py:
        assert (rv[name].coverable, rv[name].hit, rv[name].branches) == (py[name].coverable, py[name].hit, py[name].branches), name
