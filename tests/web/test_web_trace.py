"""The transaction page's call trace (``sb.trace``, drawn as ``forge -vvvv`` does): nested calls, console.log, a revert.

The inspect project's Logger calls its Callee and logs; the workshop records
both by name, as `sandbox deploy` does, so the trace names them. The gallery
process sent the transactions (as its contract page's write forms do), so
its engine recorded them; py-evm traces on every page load, revm's tracer is
slow, so its page offers a link. A transaction another process sent, before
this one loaded the chain, is run again on py-evm (its saved trie keeps the
state before it); revm keeps no such state: the page shows the top call and
says why.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.errors import ContractReverted
from sandbox.node.server import BackgroundServer
from sandbox.web import create_app
from sandbox.workshop.session import Workshop

INSPECT = Path(__file__).resolve().parents[1] / "testing" / "data" / "inspect"


@pytest.fixture(scope="module", params=["pyevm", "revm"])
def explorer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], str]]:
    """One chain and gallery per engine for the module (the tests only read it)."""
    ws = Workshop(INSPECT, state=tmp_path_factory.mktemp("trace") / "chain.db", backend=request.param)
    with ws.session(write=True) as sb:
        alice = sb.accounts.alice
        callee = sb.deploy("Callee", sender=alice)
        logger = sb.deploy("Logger", callee, sender=alice)
        ws.record_contract("Callee", callee.address)
        ws.record_contract("Logger", logger.address)
        ok = logger.work(3, sender=alice).tx_hash
        with pytest.raises(ContractReverted) as failed:  # a gas limit given: mined, then reverted
            logger.fail(9, sender=alice, gas=300_000)
    txs = {"ok": ok, "failed": failed.value.receipt.tx_hash}  # type: ignore[attr-defined]
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, txs, request.param


def trace_of(url: str, tx: str, *, ask: bool) -> str | None:
    page = httpx.get(f"{url}/tx/{tx}" + ("?trace=1" if ask else ""), timeout=120)
    assert page.status_code == 200, page.text[:500]
    start = page.text.find('<pre class="trace">')
    if start < 0:
        assert "Show the call trace" in page.text
        return None
    return html.unescape(page.text[start + len('<pre class="trace">') : page.text.index("</pre>", start)])


def test_the_transaction_page_draws_the_call_tree(explorer: tuple[str, dict[str, str], str]) -> None:
    url, txs, engine = explorer
    shown = trace_of(url, txs["ok"], ask=False)
    if engine == "revm":
        assert shown is None  # a link instead: revm's tracer takes seconds
        shown = trace_of(url, txs["ok"], ask=True)
    assert shown is not None
    lines = shown.splitlines()
    assert lines[0].startswith("[") and "Logger.work(x=3) ← 6" in lines[0], shown
    assert any(line.startswith("├─ [") and "Callee.double(x=3) [staticcall] ← 6" in line for line in lines), shown
    assert "│  └─ console.log: Callee.double" in lines, shown
    assert "console.log: work called with 3" in shown and "not recorded" not in shown


def test_a_failed_transaction_shows_where_it_reverted(explorer: tuple[str, dict[str, str], str]) -> None:
    url, txs, _ = explorer
    shown = trace_of(url, txs["failed"], ask=True)
    assert shown is not None
    assert "Logger.fail(x=9) ← REVERT TooBig(value=9, limit=5)" in shown.splitlines()[0], shown
    assert any("Callee.check(x=9) [staticcall] ← REVERT TooBig(value=9, limit=5)" in line for line in shown.splitlines()), shown


@pytest.mark.parametrize("engine", ["pyevm", "revm"])
def test_a_transaction_from_before_the_load_shows_its_top_call_and_why(tmp_path: Path, engine: str) -> None:
    ws = Workshop(INSPECT, state=tmp_path / "chain.db", backend=engine)
    with ws.session(write=True) as sb:
        callee = sb.deploy("Callee", sender=sb.accounts.alice)
        logger = sb.deploy("Logger", callee, sender=sb.accounts.alice)
        ws.record_contract("Callee", callee.address)
        ws.record_contract("Logger", logger.address)
        tx = logger.work(3, sender=sb.accounts.alice).tx_hash
    ws.store.close()
    with BackgroundServer(create_app(Workshop(INSPECT, state=tmp_path / "chain.db", backend=engine))) as server:
        shown = trace_of(server.url, tx, ask=True)
    assert shown is not None
    if engine == "pyevm":  # py-evm reads the state before it from the trie it saved: run again, the whole tree
        assert "Callee.double(x=3) [staticcall] ← 6" in shown and "not recorded" not in shown, shown
        return
    top, note = shown.splitlines()
    assert "Logger.work(x=3)" in top
    assert "inner calls not recorded" in note and "keeps the state before it only on py-evm" in note
