"""The HTML coverage report: ``coverage/index.html`` (a table per file) and one annotated source page per file.

A line that ran is green, a coverable line that never ran is red; the
branch column shows each decision's outcomes on that line (``✓✓`` both
ways, ``✓✗`` only jumped, ``✗✓`` only fell through, ``··`` never reached).
Plain HTML with inline CSS: it opens from the disk, no server needed.
"""

from __future__ import annotations

import html
from pathlib import Path

from sandbox.contracts.coverage import FileCoverage

_CSS = """body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}tr.total{font-weight:bold}pre{margin:0}.src td{text-align:left;padding:0 8px;
font:13px ui-monospace,monospace;white-space:pre}.hit{background:#e6ffec}.miss{background:#ffebe9}.n{color:#888;text-align:right!important}
.b{color:#555}"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{_CSS}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n")


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _mark(seen: list[bool] | None) -> str:
    if seen is None:
        return "··"
    return ("✓" if seen[0] else "✗") + ("✓" if seen[1] else "✗")


def source_page_name(file: str) -> str:
    return "src/" + file.replace("/", "__") + ".html"


def write_html(files: dict[str, FileCoverage], root: Path, folder: Path) -> Path:
    """Write the report into ``folder``; returns the index page."""
    (folder / "src").mkdir(parents=True, exist_ok=True)
    rows = ["<tr><th>file</th><th>lines</th><th>hit</th><th>cover</th><th>branches</th><th>hit</th><th>cover</th></tr>"]
    totals = [0, 0, 0, 0]
    for name in sorted(files):
        f = files[name]
        hit = len(f.hit & f.coverable)
        totals = [totals[0] + len(f.coverable), totals[1] + hit, totals[2] + f.branch_count, totals[3] + f.branches_hit]
        rows.append(f"<tr><td><a href='{source_page_name(name)}'>{html.escape(name)}</a></td><td>{len(f.coverable)}</td><td>{hit}</td>"
                    f"<td>{_percent(hit, len(f.coverable))}</td><td>{f.branch_count}</td><td>{f.branches_hit}</td>"
                    f"<td>{_percent(f.branches_hit, f.branch_count)}</td></tr>")
        (folder / source_page_name(name)).write_text(_source(f, root))
    rows.append(f"<tr class='total'><td>total</td><td>{totals[0]}</td><td>{totals[1]}</td><td>{_percent(totals[1], totals[0])}</td>"
                f"<td>{totals[2]}</td><td>{totals[3]}</td><td>{_percent(totals[3], totals[2])}</td></tr>")
    index = folder / "index.html"
    index.write_text(_page("Solidity coverage", "<table>" + "".join(rows) + "</table>"))
    return index


def _source(f: FileCoverage, root: Path) -> str:
    try:
        text = (root / f.file).read_text()
    except OSError:
        return _page(f.file, f"<p>source not found under {html.escape(str(root))}</p>")
    by_line: dict[int, list[str]] = {}
    for (branch_line, _block), seen in sorted(f.branches.items()):
        by_line.setdefault(branch_line, []).append(_mark(seen))
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        css = "hit" if number in f.hit else "miss" if number in f.coverable else ""
        rows.append(f"<tr class='{css}'><td class='n'>{number}</td><td class='b'>{' '.join(by_line.get(number, []))}</td>"
                    f"<td>{html.escape(line)}</td></tr>")
    hit = len(f.hit & f.coverable)
    head = (f"<p>lines {hit}/{len(f.coverable)} ({_percent(hit, len(f.coverable))}), branches {f.branches_hit}/{f.branch_count} "
            f"({_percent(f.branches_hit, f.branch_count)}) · <a href='../index.html'>all files</a></p>")
    return _page(f.file, head + "<table class='src'>" + "".join(rows) + "</table>")
