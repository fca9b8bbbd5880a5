"""``sandbox coverage``: the last Solidity coverage report (``pytest --sandbox-coverage`` writes it).

Registered on the main app by :func:`register` (one line in ``app.py``).
Reads ``coverage/lcov.info`` (lines and branches) and prints the table of
files; ``--file contracts/X.sol`` prints that file annotated (a line that
ran ``✓``, one that never ran ``✗``, each decision's two outcomes); the
HTML pages are ``coverage/index.html``. Contracts the last run could not
map (no source map) are listed with why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sandbox.cli import consoles
from sandbox.errors import CoverageError

console = consoles.plain


def _marks(seen: list[bool] | None) -> str:
    return "··" if seen is None else ("✓" if seen[0] else "✗") + ("✓" if seen[1] else "✗")


def coverage(
    folder: Annotated[Path, typer.Option("--dir", help="Folder of the report (pytest --sandbox-coverage writes coverage/).")] = Path("coverage"),
    file: Annotated[str | None, typer.Option("--file", help="Show one source file annotated, e.g. contracts/Token.sol.")] = None,
    root: Annotated[Path | None, typer.Option("--project", help="Project folder the report's paths are under (default: the one the run used).")] = None,
) -> None:
    """Show the last Solidity coverage report: lines and branches per file, or one file annotated."""
    from sandbox.contracts.coverage import read_lcov, summary

    lcov = folder / "lcov.info"
    if not lcov.is_file():
        raise CoverageError(f"no coverage report at {lcov}: run `pytest --sandbox-coverage` first (it writes coverage/lcov.info and "
                            "coverage/index.html), or pass --dir to the folder that holds it")
    try:
        meta = json.loads((folder / "report.json").read_text()) if (folder / "report.json").is_file() else {}
        base = (root or Path(meta.get("root") or folder.resolve().parent)).resolve()
        files = read_lcov(lcov, base)
    except (OSError, ValueError, IndexError, AttributeError) as exc:
        raise CoverageError(f"{lcov} is not a report this sandbox wrote ({exc}); run `pytest --sandbox-coverage` again") from None
    if file is None:
        for line in summary(files):
            print(line)
        stale = [name for name in files if (base / name).is_file() and (base / name).stat().st_mtime > lcov.stat().st_mtime]
        if stale:
            console.print(f"[yellow]changed since the report:[/] {escape(', '.join(sorted(stale)))} (run pytest --sandbox-coverage again)")
        for note in meta.get("unmapped") or []:
            console.print(f"[yellow]not measured:[/] {escape(str(note))}", soft_wrap=True)
        index = folder / "index.html"
        if index.is_file():
            console.print(f"annotated sources: {index.resolve().as_uri()}", soft_wrap=True)
        return
    found = files.get(file)
    if found is None:
        raise CoverageError(f"{file!r} is not in the report {lcov}; files in it: {', '.join(sorted(files)) or 'none'}")
    try:
        text = (base / file).read_text()
    except OSError:
        raise CoverageError(f"cannot read {base / file}; pass --project to the folder the report's paths are under") from None
    marks: dict[int, list[str]] = {}
    for (number, _block), seen in sorted(found.branches.items()):
        marks.setdefault(number, []).append(_marks(seen))
    for number, line in enumerate(text.splitlines(), start=1):
        state = "[green]✓[/]" if number in found.hit else "[red]✗[/]" if number in found.coverable else " "
        console.print(f"{number:>5} {state} {' '.join(marks.get(number, [])):<5} {escape(line)}", soft_wrap=True)
    hit = len(found.hit & found.coverable)
    console.print(f"lines {hit}/{len(found.coverable)}, branches {found.branches_hit}/{found.branch_count}")


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage)
