"""Solidity line and branch coverage from the instructions an engine ran (``pytest --sandbox-coverage``).

Each code the engine ran is matched to a contract of the project (runtime
code of the same length differing only in immutables and library
addresses, or init code that starts with the contract's creation code);
its pcs become lines through the source maps. A line counts as coverable
when any instruction of the project's own contracts maps to it.

Branches are the JUMPIs whose source range is a decision of the source (an
``if``, ``require``, ``assert``, loop, ``? :``, ``&&`` or ``||``): each has
two outcomes (jumped, fell through), seen or not; the checks solc adds on
its own (overflow, call value, ABI decoding, the function dispatch) map to
other ranges and are not counted. The same range compiled into several
contracts (a base contract, a library) is one branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.contracts.sources import SourceMaps
from sandbox.project.compiler import CompiledProject
from sandbox.project.config import Project

_JUMPI = 0x57
_DECISION = re.compile(r"^(if\b|require\s*\(|assert\s*\(|while\b|for\b|do\b)|\?|&&|\|\|")


@dataclass
class FileCoverage:
    file: str
    coverable: set[int] = field(default_factory=set)
    hit: set[int] = field(default_factory=set)
    #: ``(line, block) -> [jumped, fell through]`` (None: the decision never ran).
    branches: dict[tuple[int, int], list[bool] | None] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.hit & self.coverable) / len(self.coverable) if self.coverable else 100.0

    @property
    def branch_count(self) -> int:
        return 2 * len(self.branches)

    @property
    def branches_hit(self) -> int:
        return sum(sum(outcomes) for outcomes in self.branches.values() if outcomes is not None)


@dataclass
class Measured:
    """Coverage by file, and the contracts that could not be measured, with why."""

    files: dict[str, FileCoverage]
    unmapped: list[str] = field(default_factory=list)


def _same_code(ran: bytes, artifact: bytes) -> bool:
    if len(ran) != len(artifact) or not artifact:
        return False
    differing = sum(1 for a, b in zip(ran, artifact, strict=True) if a != b)
    return differing <= max(32, len(artifact) // 20)  # immutables and linked addresses


def _is_decision(text: str, start: int, length: int) -> bool:
    snippet = text.encode()[start : start + max(length, 0)].decode(errors="replace").lstrip()
    return bool(_DECISION.search(snippet[:200])) and not snippet.startswith(("contract ", "function ", "library ", "abstract "))


def measure(project: Project, compiled: CompiledProject, hits: dict[bytes, set[int]],
            branches: dict[bytes, set[tuple[int, bool]]] | None = None) -> Measured:
    """Coverage of the project's own source files (``src``), by file."""
    maps = SourceMaps(project, compiled)
    own = f"{compiled.src.rstrip('/')}/"
    result: dict[str, FileCoverage] = {}
    unmapped: list[str] = []
    qualified = sorted({a.qualified_name for a in compiled.artifacts.values() if a.source.startswith(own)})
    codes: dict[tuple[str, bool], bytes] = {}
    for q in qualified:
        for create in (False, True):
            code = maps.code(q, create)
            if not code:
                continue
            if not maps.has_map(q, create):
                unmapped.append(f"{q} ({'creation' if create else 'runtime'} code): its artifact has no source map, so its pcs cannot be "
                                "mapped to lines (an artifact not compiled by this sandbox, or a compile cache older than format 3); "
                                "recompile with `sandbox compile --force`")
                continue
            codes[(q, create)] = code
    # decisions: source range -> the JUMPI pcs of each code compiled from it
    decisions: dict[tuple[str, int, int], list[tuple[str, bool, int]]] = {}
    for (name, create), code in codes.items():
        for file, lines in maps.lines(name, create).items():
            if file.startswith(own):
                result.setdefault(file, FileCoverage(file)).coverable |= lines
        for pc in maps.pcs(name, create):
            if pc < len(code) and code[pc] == _JUMPI:
                found = maps.entry(name, create, pc)
                if found is not None and found[0].startswith(own) and _is_decision(maps.text(found[0]), found[1], found[2]):
                    decisions.setdefault((found[0], found[1], found[2]), []).append((name, create, pc))
    outcomes: dict[tuple[str, bool], set[tuple[int, bool]]] = {}
    for ran, pcs in hits.items():
        for (name, create), code in codes.items():
            if (create and ran.startswith(code[: max(len(code) - 64, 1)])) or (not create and _same_code(ran, code)):
                for file, lines in maps.lines(name, create, pcs).items():
                    if file in result:
                        result[file].hit |= lines
                outcomes.setdefault((name, create), set()).update((branches or {}).get(ran, set()))
                break
    by_line: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for file, start, length in decisions:
        by_line.setdefault((file, maps.line_of(file, start)), []).append((start, length))
    for (file, line), ranges in by_line.items():
        for block, (start, length) in enumerate(sorted(ranges)):
            seen: list[bool] | None = None
            for name, create, pc in decisions[(file, start, length)]:
                went = outcomes.get((name, create), set())
                if (pc, True) in went or (pc, False) in went:
                    seen = seen or [False, False]
                    seen[0] |= (pc, True) in went
                    seen[1] |= (pc, False) in went
            result.setdefault(file, FileCoverage(file)).branches[(line, block)] = seen
    return Measured(result, unmapped)


def summary(files: dict[str, FileCoverage]) -> list[str]:
    rows = [f"{'file':<44} {'lines':>6} {'hit':>6} {'cover':>7} {'branches':>9} {'hit':>5} {'cover':>7}"]
    total_lines = total_hit = total_branches = total_taken = 0
    for name in sorted(files):
        f = files[name]
        hit = len(f.hit & f.coverable)
        total_lines += len(f.coverable)
        total_hit += hit
        total_branches += f.branch_count
        total_taken += f.branches_hit
        branch_percent = 100.0 * f.branches_hit / f.branch_count if f.branch_count else 100.0
        rows.append(f"{name:<44} {len(f.coverable):>6} {hit:>6} {f.percent:>6.1f}% {f.branch_count:>9} {f.branches_hit:>5} {branch_percent:>6.1f}%")
    percent = 100.0 * total_hit / total_lines if total_lines else 100.0
    branch_percent = 100.0 * total_taken / total_branches if total_branches else 100.0
    rows.append(f"{'total':<44} {total_lines:>6} {total_hit:>6} {percent:>6.1f}% {total_branches:>9} {total_taken:>5} {branch_percent:>6.1f}%")
    return rows


def write_lcov(files: dict[str, FileCoverage], root: Path, path: Path) -> None:
    out = []
    for name in sorted(files):
        f = files[name]
        out.append("TN:")
        out.append(f"SF:{(root / name).as_posix()}")
        for (line, block), seen in sorted(f.branches.items()):
            for branch in (0, 1):
                out.append(f"BRDA:{line},{block},{branch},{'-' if seen is None else int(seen[branch])}")
        out.append(f"BRF:{f.branch_count}")
        out.append(f"BRH:{f.branches_hit}")
        for line in sorted(f.coverable):
            out.append(f"DA:{line},{1 if line in f.hit else 0}")
        out.append(f"LF:{len(f.coverable)}")
        out.append(f"LH:{len(f.hit & f.coverable)}")
        out.append("end_of_record")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")


def read_lcov(path: Path, root: Path | None = None) -> dict[str, FileCoverage]:
    """An lcov file back as coverage by file (names relative to ``root`` when they are under it)."""
    files: dict[str, FileCoverage] = {}
    current: FileCoverage | None = None
    for raw in path.read_text().splitlines():
        tag, _, rest = raw.partition(":")
        if tag == "SF":
            name = rest
            if root is not None:
                try:
                    name = Path(rest).relative_to(root).as_posix()
                except ValueError:
                    pass
            current = files.setdefault(name, FileCoverage(name))
        elif current is None:
            continue
        elif tag == "DA":
            line, count = rest.split(",")[:2]
            current.coverable.add(int(line))
            if int(count) > 0:
                current.hit.add(int(line))
        elif tag == "BRDA":
            line, block, branch, taken = rest.split(",")
            key = (int(line), int(block))
            if taken == "-":
                current.branches.setdefault(key, None)
            else:
                seen = current.branches.get(key) or [False, False]
                seen[int(branch)] = int(taken) > 0
                current.branches[key] = seen
        elif tag == "end_of_record":
            current = None
    return files
