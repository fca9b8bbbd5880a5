"""Solidity line coverage from the instructions an engine ran (``pytest --sandbox-coverage``).

Each code the engine ran is matched to a contract of the project (runtime
code of the same length differing only in immutables and library
addresses, or init code that starts with the contract's creation code);
its pcs become lines through the source maps. A line counts as coverable
when any instruction of the project's own contracts maps to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.contracts.sources import SourceMaps
from sandbox.project.compiler import CompiledProject
from sandbox.project.config import Project


@dataclass
class FileCoverage:
    file: str
    coverable: set[int] = field(default_factory=set)
    hit: set[int] = field(default_factory=set)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.hit & self.coverable) / len(self.coverable) if self.coverable else 100.0


def _same_code(ran: bytes, artifact: bytes) -> bool:
    if len(ran) != len(artifact) or not artifact:
        return False
    differing = sum(1 for a, b in zip(ran, artifact, strict=True) if a != b)
    return differing <= max(32, len(artifact) // 20)  # immutables and linked addresses


def measure(project: Project, compiled: CompiledProject, hits: dict[bytes, set[int]]) -> dict[str, FileCoverage]:
    """Coverage of the project's own source files (``src``), by file."""
    maps = SourceMaps(project, compiled)
    own = f"{compiled.src.rstrip('/')}/"
    result: dict[str, FileCoverage] = {}
    qualified = sorted({a.qualified_name for a in compiled.artifacts.values() if a.source.startswith(own)})
    codes = {(q, create): maps.code(q, create) for q in qualified for create in (False, True)}
    for (name, create), code in codes.items():
        for file, lines in maps.lines(name, create).items():
            if file.startswith(own):
                result.setdefault(file, FileCoverage(file)).coverable |= lines
    for ran, pcs in hits.items():
        for (name, create), code in codes.items():
            if (create and code and ran.startswith(code[: max(len(code) - 64, 1)])) or (not create and _same_code(ran, code)):
                for file, lines in maps.lines(name, create, pcs).items():
                    if file in result:
                        result[file].hit |= lines
                break
    return result


def summary(files: dict[str, FileCoverage]) -> list[str]:
    rows = [f"{'file':<48} {'lines':>7} {'hit':>7} {'cover':>7}"]
    total_lines = total_hit = 0
    for name in sorted(files):
        f = files[name]
        hit = len(f.hit & f.coverable)
        total_lines += len(f.coverable)
        total_hit += hit
        rows.append(f"{name:<48} {len(f.coverable):>7} {hit:>7} {f.percent:>6.1f}%")
    percent = 100.0 * total_hit / total_lines if total_lines else 100.0
    rows.append(f"{'total':<48} {total_lines:>7} {total_hit:>7} {percent:>6.1f}%")
    return rows


def write_lcov(files: dict[str, FileCoverage], root: Path, path: Path) -> None:
    out = []
    for name in sorted(files):
        f = files[name]
        out.append("TN:")
        out.append(f"SF:{(root / name).as_posix()}")
        for line in sorted(f.coverable):
            out.append(f"DA:{line},{1 if line in f.hit else 0}")
        out.append(f"LF:{len(f.coverable)}")
        out.append(f"LH:{len(f.hit & f.coverable)}")
        out.append("end_of_record")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")
