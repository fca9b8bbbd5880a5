"""console.log through the real forge-std console.sol and console2.sol, decoded as anvil prints them.

The contract (tests/core/data/consolelib) calls every family of their
functions (``log`` with each type and with two to four arguments,
``logInt``/``logUint``/``logString``/``logBool``/``logAddress``/``logBytes``,
``logBytesN``, and every format specifier on every type: ``%e`` as ``1.5e3``,
``%x`` of a negative int as two's complement, ``NaN`` where a specifier does
not apply). The same transaction runs on a real anvil,
whose log is the reference, and on each embedded engine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.contracts.console import signatures

REPO = Path(__file__).resolve().parents[2]
PROJECT = Path(__file__).resolve().parent / "data" / "consolelib"
ARGS = (-42, 1500)


def _sources() -> list[Path]:
    """The console libraries this repository installs: npm's forge-std and lib/forge-std (tools/forge-std.sh)."""
    found = [p for name in ("console.sol", "console2.sol")
             for p in (REPO / "node_modules" / "forge-std" / name, REPO / "lib" / "forge-std" / "src" / name) if p.exists()]
    if not found:
        pytest.fail("forge-std's console.sol is missing from node_modules and lib/; run `make setup`")
    return found


def test_every_function_of_forge_std_console_is_decoded() -> None:
    from eth_utils import keccak

    table = signatures()
    for source in _sources():
        text = source.read_text()
        sent = set(re.findall(r'encodeWithSignature\("([^"]+)"', text))
        if not sent and ('from "./console.sol"' in text or 'from "console.sol"' in text):
            continue  # newer forge-std: console2 is console under another name
        assert len(sent) > 300, source
        missing = sorted(s for s in sent if keccak(text=s)[:4] not in table)
        assert missing == [], f"{source}: {missing}"


@pytest.fixture(scope="module")
def anvil_lines() -> list[str]:
    """What anvil prints for the transaction: its console.log lines, as forge formats them."""
    with Anvil() as node:
        sb = Sandbox(PROJECT, rpc=node.url)
        logs = sb.deploy("Logs", sender=sb.accounts.alice)
        logs.everything(*ARGS, sender=sb.accounts.alice)
        printed = node.output()
    lines = printed.splitlines()
    start = lines.index("plain string")  # the first line after the estimate (anvil prints the engine's runs in order)
    end = lines.index("plain string", start + 1)  # anvil's estimate runs the call again and again, printing each run
    return lines[start:end]


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_lines_equal_anvils(backend: str, anvil_lines: list[str]) -> None:
    sb = Sandbox(PROJECT, backend=backend)
    logs = sb.deploy("Logs", sender=sb.accounts.alice)
    receipt = logs.everything(*ARGS, sender=sb.accounts.alice)
    # the contract's own address differs between chains only if the deployer's nonce does: both deploy first
    # anvil prints no line for console.log() with no argument; the sandbox keeps an empty one (a line per call)
    assert receipt.console[0] == ""
    assert receipt.console[1:] == anvil_lines
    assert "<console call" not in "\n".join(receipt.console)
