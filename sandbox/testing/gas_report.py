"""Gas used per contract function across a test run: min / median / max.

The pytest plugin's ``--gas-report`` registers :meth:`GasReport.record` as a
:attr:`Sandbox.observers <sandbox.facade.Sandbox.observers>` entry, so every
successful transaction of every Sandbox in the process is counted. Under
pytest-xdist each worker sends its samples (:meth:`to_json`) to the
controller, which :meth:`merge` s them before printing.
"""

from __future__ import annotations

import json
from statistics import median
from typing import Any

DEPLOY = "(deploy)"
ETHER = "(ether)"


def split_what(what: str) -> tuple[str, str]:
    """``"SandboxNFT.mint"`` -> ``("SandboxNFT", "mint")``; deploys and transfers get a marker."""
    if what.startswith("deploy "):
        return what[len("deploy ") :], DEPLOY
    contract, dot, function = what.partition(".")
    if not dot:
        return ETHER, what
    return contract, function


class GasReport:
    """Gas samples keyed by (contract, function)."""

    def __init__(self) -> None:
        self.samples: dict[tuple[str, str], list[int]] = {}

    def record(self, what: str, receipt: Any) -> None:
        """A :attr:`Sandbox.observers` callback: count one transaction's gas."""
        self.samples.setdefault(split_what(what), []).append(int(receipt.gas_used))

    def __len__(self) -> int:
        return sum(len(v) for v in self.samples.values())

    def to_json(self) -> str:
        return json.dumps([[c, f, gas] for (c, f), gas in self.samples.items()])

    def merge(self, data: str) -> None:
        """Add the samples of another report's :meth:`to_json`."""
        for contract, function, gas in json.loads(data):
            self.samples.setdefault((contract, function), []).extend(int(g) for g in gas)

    def rows(self) -> list[tuple[str, str, int, int, int, int]]:
        """``(contract, function, calls, min, median, max)``, sorted by contract then function."""
        out = []
        for (contract, function), gas in sorted(self.samples.items()):
            out.append((contract, function, len(gas), min(gas), int(median(gas)), max(gas)))
        return out

    def table(self) -> list[str]:
        """The report as aligned text lines (a header, then one line per function)."""
        header = ("Contract", "Function", "Calls", "Min", "Median", "Max")
        body = [(c, f, str(n), f"{lo:,}", f"{mid:,}", f"{hi:,}") for c, f, n, lo, mid, hi in self.rows()]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

        def line(row: tuple[str, ...]) -> str:
            left = [row[i].ljust(widths[i]) for i in range(2)]
            right = [row[i].rjust(widths[i]) for i in range(2, len(row))]
            return "  ".join(left + right).rstrip()

        return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)]
