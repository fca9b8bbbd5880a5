"""The frame every business-model script shares: arguments, sandbox, report.

A model script builds a :class:`ModelRun`, simulates on ``run.sandbox``,
records its figures and rows, and calls :meth:`ModelRun.finish`, which prints
a table, writes ``figures.json`` and a PNG chart into the output folder, and
returns the figures (the tests check them against the model's rules).

Every script takes ``--quick`` (small sizes, for tests), ``--rpc URL`` (the
same run on anvil or any node), ``--seed``, ``--out``, ``--param NAME=VALUE``
for each parameter it declares (:mod:`sandbox.models.params`; ``--help``
lists them with their sources) and ``--rules cn-2022`` (print which of the
published rules the run kept, :mod:`sandbox.models.rules`; the checks are in
``figures.json`` either way). :meth:`ModelRun.record` notes an action a rule
may judge; :meth:`ModelRun.compare` puts a model figure beside a published one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sandbox.main import Sandbox
from sandbox.models import params as model_params
from sandbox.models import rules as model_rules
from sandbox.models.params import ModelParamError, Param
from sandbox.project.config import SANDBOX_ROOT

T = TypeVar("T")


class ModelRun:
    """One run of a business-model simulation."""

    def __init__(
        self,
        name: str,
        description: str,
        argv: Sequence[str] | None = None,
        *,
        project: Path | None = None,
        accounts: tuple[int, int] | Callable[[dict[str, Any]], int] = (10, 10),
        params: Sequence[Param] = (),
        design: dict[str, Any] | None = None,
    ) -> None:
        parser = argparse.ArgumentParser(
            prog=f"{name}.py", description=description, epilog=model_params.help_text(params),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--quick", action="store_true", help="small sizes (seconds, for tests)")
        parser.add_argument("--rpc", metavar="URL", help="run on a JSON-RPC node (e.g. anvil) instead of the embedded chain")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        parser.add_argument("--out", type=Path, default=None, help=f"output folder (default: out/models/{name})")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="set a declared parameter (listed below)")
        parser.add_argument("--rules", choices=sorted(model_rules.RULE_SETS), default=None,
                            help="print which published rules the run kept and which it broke")
        self.args = parser.parse_args(argv)
        self.name = name
        self.quick: bool = self.args.quick
        try:
            #: the declared parameters' values for this run (defaults, quick defaults, --param)
            self.p: dict[str, Any] = model_params.resolve(params, self.args.param, quick=self.quick)
        except ModelParamError as exc:
            parser.error(str(exc))
        self.design: dict[str, Any] = dict(design or {})
        self.actions: list[model_rules.Action] = []
        self._published: list[dict[str, Any]] = []
        self.random = random.Random(self.args.seed)
        self.out_dir: Path = self.args.out or SANDBOX_ROOT / "out" / "models" / name
        self.console = Console()
        wanted = accounts(self.p) if callable(accounts) else accounts[0] if self.quick else accounts[1]
        count = max(10, wanted)
        self.sandbox = Sandbox(project or SANDBOX_ROOT, rpc=self.args.rpc, accounts=count)
        self.figures: dict[str, Any] = {
            "model": name,
            "generated_by": f"scripts/{name}.py (make models); do not edit",
            "quick": self.quick,
            "seed": self.args.seed,
            "params": dict(self.p),
        }
        self._tables: list[tuple[str, list[str], list[list[Any]]]] = []
        self._chart: Callable[[Any], None] | None = None
        self.console.print(f"[bold]{name}[/]: {description}")

    def size(self, quick: int, full: int) -> int:
        """``quick`` under ``--quick``, else ``full``."""
        return quick if self.quick else full

    def fund(self, accounts: Iterable[Any], wei: int) -> None:
        """Top every account up to ``wei`` from alice (a node may fund only its first ten)."""
        sb = self.sandbox
        for account in accounts:
            missing = wei - sb.balance(account)
            if missing > 0:
                sb.transfer(account, missing, sender=sb.accounts.alice)

    def progress(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate with a progress bar (hidden under --quick)."""
        if self.quick:
            yield from items
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=True) as bar:
            task = bar.add_task(description, total=total if total is not None else _len(items))
            for item in items:
                yield item
                bar.advance(task)

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        self._tables.append((title, columns, rows))

    def record(self, kind: str, receipt: Any = None, *, scenario: str = "", **facts: Any) -> None:
        """Note an action the published rules may judge (a sale, a gift, a login...), with its transaction."""
        tx = block = None
        if receipt is not None:
            raw = getattr(receipt, "tx_hash", None) or getattr(receipt, "transaction_hash", None)
            tx = raw if isinstance(raw, str) or raw is None else "0x" + bytes(raw).hex()
            block = getattr(receipt, "block_number", None)
        self.actions.append(model_rules.Action(kind, tx, block, scenario, facts))

    def compare(self, figure: str, model: Any, published: Any, *, unit: str, source: str, to_match: str) -> None:
        """Show a model figure beside a published one, and what would have to hold for them to match."""
        self._published.append({"figure": figure, "model": model, "published": published, "unit": unit,
                                "source": source, "to_match": to_match})

    def chart(self, draw: Callable[[Any], None]) -> None:
        """``draw(fig)`` fills a matplotlib figure; saved as ``chart.png``."""
        self._chart = draw

    def finish(self) -> dict[str, Any]:
        """Print the tables, write figures.json and chart.png; return the figures."""
        checks = model_rules.check(self.actions, self.design, self.args.rules or "cn-2022")
        self.figures["rule_checks"] = checks
        self.figures["design"] = self.design
        if self._published:
            self.figures["published"] = self._published
            self.table("Beside the published figures", ["figure", "model", "published", "to match"],
                       [[c["figure"], f"{_fmt(c['model'])} {c['unit']}", f"{_fmt(c['published'])} {c['unit']} ({c['source']})", c["to_match"]]
                        for c in self._published])
        if self.args.rules:
            self.table(f"Rules {checks['rule_set']}: " + ("the run kept every rule it exercised" if checks["within_mainland_rules"]
                                                          else "OUTSIDE the mainland rules"),
                       ["rule", "status", "breaches", "first breaking transaction"],
                       [[r["id"], r["status"], r["breaches"], _first_breach(r)] for r in checks["results"]])
        self.figures["tables"] = [{"title": t, "columns": c, "rows": [[_fmt(v) for v in row] for row in rows]} for t, c, rows in self._tables]
        for title, columns, rows in self._tables:
            table = Table(title=title)
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(_fmt(v) for v in row))
            self.console.print(table)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.out_dir / "figures.json", json.dumps(self.figures, indent=2, sort_keys=True, default=str).encode())
        if self._chart is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(8, 4.5), dpi=100)
            self._chart(fig)
            fig.tight_layout()
            fd, tmp = tempfile.mkstemp(dir=self.out_dir, suffix=".png")
            os.close(fd)
            fig.savefig(tmp)
            plt.close(fig)
            os.replace(tmp, self.out_dir / "chart.png")
        self.console.print(f"Figures and chart written to [bold]{self.out_dir}[/]")
        return self.figures


def _first_breach(result: dict[str, Any]) -> str:
    if not result["examples"]:
        return ""
    first = result["examples"][0]
    where = first["tx"] or first["kind"]
    scenario = f" [{first['scenario']}]" if first.get("scenario") else ""
    return f"{where}{scenario}: {first['why']}"


def _len(items: Iterable[Any]) -> int | None:
    return len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values (0 = equal, → 1 = concentrated)."""
    data = sorted(v for v in values if v >= 0)
    n = len(data)
    total = sum(data)
    if n == 0 or total == 0:
        return 0.0
    cumulative = sum((i + 1) * v for i, v in enumerate(data))
    return (2 * cumulative) / (n * total) - (n + 1) / n
