"""console.log and call traces on the embedded engines.

py-evm records every frame and console call through its hooks; revm
(pyrevm 0.3.7 has no inspector) through revm's EIP-3155 tracer and a console
run (``sandbox.backends.revm.tracing``): the same answers on both (on revm a
revert that logged nothing is traced when its trace is first read).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Contract, Sandbox
from sandbox.errors import ChainError, ContractReverted

INSPECT = Path(__file__).resolve().parents[1] / "testing" / "data" / "inspect"
LINES = ["work called with 7", "by {alice}", "Callee.double", "doubled 14, over ten: true"]


@pytest.fixture(scope="module", params=["pyevm", "revm"])
def sb(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    yield Sandbox(INSPECT, backend=request.param)


@pytest.fixture(scope="module")
def logger(sb: Sandbox) -> Contract:
    callee = sb.deploy("Callee", sender=sb.accounts.alice)
    return sb.deploy("Logger", callee, sender=sb.accounts.alice)


def records(sb: Sandbox) -> bool:
    return sb.chain.engine in ("py-evm", "revm")


def test_receipt_console_has_the_formatted_lines(sb: Sandbox, logger: Contract) -> None:
    receipt = logger.work(7, sender=sb.accounts.alice)
    if records(sb):
        assert receipt.console == [line.format(alice=sb.accounts.alice.address) for line in LINES]
    else:
        assert receipt.console == []


def test_console_lines_of_a_call_reach_the_listeners(sb: Sandbox, logger: Contract) -> None:
    from sandbox.contracts.transactor import Transactor

    heard: list[str] = []
    Transactor.console_listeners.append(heard.extend)
    try:
        assert logger.quiet() == 0
    finally:
        Transactor.console_listeners.remove(heard.extend)
    assert heard == (["0"] if records(sb) else [])


def test_trace_is_the_call_tree(sb: Sandbox, logger: Contract) -> None:
    receipt = logger.work(3, sender=sb.accounts.bob)
    trace = sb.trace(receipt)
    assert (trace.contract, trace.function, trace.args) == ("Logger", "work", {"x": 3})
    assert trace.sender == sb.accounts.bob.address and trace.depth == 0
    if not records(sb):
        assert not trace.complete and trace.children == []
        return
    assert trace.output == (6,)
    calls = trace.walk()
    assert [(c.contract, c.function, c.kind, c.depth) for c in calls] == [("Logger", "work", "CALL", 0), ("Callee", "double", "STATICCALL", 1)]
    assert calls[1].args == {"x": 3} and calls[1].output == (6,) and 0 < calls[1].gas_used < trace.gas_used
    assert calls[1].console == ["Callee.double"]
    drawn = trace.format()
    assert "Logger.work(x=3) ← 6" in drawn and "└─ console.log: doubled 6, over ten: false" in drawn
    assert sb.trace(receipt.tx_hash).format() == drawn  # by hash too


def test_a_revert_carries_its_trace_and_console(sb: Sandbox, logger: Contract) -> None:
    with pytest.raises(ContractReverted) as caught:
        logger.fail(9, sender=sb.accounts.alice)
    failure = caught.value
    assert failure.name == "TooBig"
    if not records(sb):
        assert failure.trace is None and failure.console == []  # type: ignore[attr-defined]
        return
    assert failure.console == ["about to fail"]  # type: ignore[attr-defined]
    trace = failure.trace  # type: ignore[attr-defined]
    path = trace.failing_path()
    assert [(c.contract, c.function, c.error) for c in path.walk()] == [
        ("Logger", "fail", "TooBig(value=9, limit=5)"),
        ("Callee", "check", "TooBig(value=9, limit=5)"),
    ]
    assert "Callee.check(x=9) [staticcall] ← REVERT TooBig(value=9, limit=5)" in trace.format(full=False)
    # The Solidity lines, from solc's source maps: the revert itself, and the call that failed under it.
    where = trace.revert_location  # found when asked: the source maps cost a solc run the first time
    assert (str(where), where.text) == ("contracts/Logger.sol:74:27", "if (x > 5) revert TooBig(x, 5);")
    assert (str(path.location), path.location.text) == ("contracts/Logger.sol:56:9", "callee.check(x);")


def test_trace_of_an_unknown_transaction(sb: Sandbox) -> None:
    with pytest.raises(ChainError, match="no mined transaction 0x00"):
        sb.trace("0x" + "00" * 32)


def test_deploy_is_a_create_frame(sb: Sandbox, logger: Contract) -> None:
    assert logger.receipt is not None
    trace = sb.trace(logger.receipt)
    assert trace.kind == "CREATE" and trace.function == "constructor" and trace.contract == "Logger"


def test_trace_has_the_events_and_geths_call_tracer_shape(sb: Sandbox, logger: Contract) -> None:
    from sandbox.backends.trace import call_tracer

    token = sb.deploy("Token", sender=sb.accounts.alice)
    receipt = token.mint(sb.accounts.bob, 5, sender=sb.accounts.alice)
    trace = sb.trace(receipt)
    recording = sb.chain.backend.recording(receipt.tx_hash)
    if not records(sb):
        assert recording is None and trace.events == []
        return
    assert trace.events == [f"Transfer(from=0x{'00' * 20}, to={sb.accounts.bob.address}, value=5)"]
    assert f"emit Transfer(from=0x{'00' * 20}" in trace.format()
    geth = call_tracer(sb.chain.backend.recording(logger.work(1, sender=sb.accounts.alice).tx_hash).root)
    assert geth["type"] == "CALL" and geth["to"] == logger.address.lower() and geth["input"].startswith("0x5858d161")
    assert [c["type"] for c in geth["calls"]] == ["STATICCALL", "STATICCALL", "STATICCALL", "STATICCALL"]
    assert int(geth["gasUsed"], 16) > int(geth["calls"][2]["gasUsed"], 16) > 0


def test_a_revert_through_a_proxy_and_a_library(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    impl = sb.deploy("Impl", sender=alice)  # links MathLib (deployed once, a handle of its own)
    proxy = sb.deploy("Proxy", impl, sender=alice)
    proxied = sb.at("Impl", proxy.address)
    receipt = proxied.set(5, sender=alice)
    assert proxied.stored() == 15
    with pytest.raises(ContractReverted, match="MathLib: too big") as caught:
        proxied.set(200, sender=alice)
    if not records(sb):
        assert sb.trace(receipt).complete is False
        return
    calls = sb.trace(receipt).walk()
    assert [(c.contract, c.function, c.kind) for c in calls] == [
        ("Impl", "set", "CALL"), ("Impl", "set", "DELEGATECALL"), ("MathLib", "triple", "DELEGATECALL"),
    ]
    assert calls[2].args == {"x": 5} and calls[2].output == (15,)
    # every frame below the top names the line that called it, through the proxy and into the library
    assert calls[0].call_site is None
    assert [(str(c.call_site), c.call_site.text) for c in calls[1:]] == [  # type: ignore[union-attr]
        ("contracts/Proxy.sol:34:23", "let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)"),  # the proxy's code, not Impl's
        ("contracts/Proxy.sol:18:18", "stored = MathLib.triple(x);"),
    ]
    drawn = sb.trace(receipt).format()
    assert "called at contracts/Proxy.sol:18:18: stored = MathLib.triple(x);" in drawn, drawn
    path = caught.value.trace.failing_path().walk()  # type: ignore[attr-defined]
    assert [c.contract for c in path] == ["Impl", "Impl", "MathLib"]
    assert all(c.error == "MathLib: too big" for c in path)
    where = caught.value.trace.revert_location  # type: ignore[attr-defined]
    assert (str(where), where.text) == ("contracts/Proxy.sol:7:9", 'require(x < 100, "MathLib: too big");')
    assert (str(path[1].location), path[1].location.text) == ("contracts/Proxy.sol:18:18", "stored = MathLib.triple(x);")


def test_source_maps_come_from_the_compile_itself(sb: Sandbox, logger: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.project.compiler as compiler

    artifact = sb.compile().get("Logger")
    assert artifact.source_map.count(";") > 10 and artifact.deployed_source_map.count(";") > 10
    assert "contracts/Logger.sol" in artifact.source_ids.values()

    def no_second_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("solc ran again for source locations")

    monkeypatch.setattr(compiler, "_run_solc", no_second_run)
    sb.__dict__.pop("_source_maps", None)
    with pytest.raises(ContractReverted) as caught:
        logger.fail(9, sender=sb.accounts.alice)
    if records(sb):
        where = caught.value.trace.revert_location  # type: ignore[attr-defined]
        assert where is not None and where.file == "contracts/Logger.sol"
