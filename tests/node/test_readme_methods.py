"""README.md's table of the node's methods is generated from the handler and up to date."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_lists_every_method_the_node_serves() -> None:
    tool = runpy.run_path(str(ROOT / "tools" / "node_methods.py"))
    assert tool["main"](["--check"]) == 0, "run .venv/bin/python tools/node_methods.py"
    table = tool["render"]()
    for name in ("eth_getBlockReceipts", "eth_newFilter", "personal_sign", "anvil_mine", "evm_setBalance"):
        assert f"`{name}`" in table
