"""Solidity source locations from solc's source maps: ``contracts/Logger.sol:64:9`` for a program counter.

The compile asks solc for the source maps of every contract (the
artifacts keep them, with the file ids of their unit), so no second solc
run is needed. A program counter becomes an instruction index (PUSH data
skipped), the index an entry of the decompressed map (``s:l:f:j``), the
entry a file, line and column, and the line's text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from sandbox.project.compiler import Artifact, CompiledProject
from sandbox.project.config import Project

_PLACEHOLDER = re.compile(r"__\$[0-9a-fA-F]{34}\$__")


@dataclass(frozen=True)
class Location:
    """A place in a Solidity file: 1-based line and column, and the text of that line."""

    file: str
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def _entries(source_map: str) -> list[tuple[int, int, int, str]]:
    """solc's compressed map (``s:l:f:j:m;...``, empty fields repeat the previous) as ``(start, length, file, jump)``."""
    out: list[tuple[int, int, int, str]] = []
    start, length, file, jump = -1, -1, -1, "-"
    for item in source_map.split(";"):
        fields = item.split(":")
        if len(fields) > 0 and fields[0]:
            start = int(fields[0])
        if len(fields) > 1 and fields[1]:
            length = int(fields[1])
        if len(fields) > 2 and fields[2]:
            file = int(fields[2])
        if len(fields) > 3 and fields[3]:
            jump = fields[3]
        out.append((start, length, file, jump))
    return out


def _instruction_indices(code: bytes) -> dict[int, int]:
    """pc -> instruction index (PUSH1..PUSH32 carry 1..32 data bytes)."""
    indices: dict[int, int] = {}
    pc = index = 0
    while pc < len(code):
        indices[pc] = index
        op = code[pc]
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
        index += 1
    return indices


def code_bytes(code_hex: str) -> bytes:
    """Bytecode from its hex; unlinked library placeholders (``__$<34 hex>$__``, PUSH20 data) become zeros."""
    return bytes.fromhex(_PLACEHOLDER.sub("00" * 20, code_hex.removeprefix("0x"))) if code_hex else b""


class SourceMaps:
    """The source maps of one compiled project (from its artifacts), and the texts they point into."""

    def __init__(self, project: Project, compiled: CompiledProject) -> None:
        self.project = project
        self.compiled = compiled
        self._indices: dict[tuple[str, bool], dict[int, int]] = {}
        self._maps: dict[tuple[str, bool], list[tuple[int, int, int, str]]] = {}
        self._texts: dict[str, str] = {}
        self._line_starts: dict[str, list[int]] = {}

    def artifact(self, qualified: str) -> Artifact | None:
        return self.compiled.artifacts.get(qualified)

    def has_map(self, qualified: str, create: bool) -> bool:
        """True when the artifact carries the source map of that code (a compile by this sandbox always does)."""
        artifact = self.artifact(qualified)
        if artifact is None:
            return False
        return bool(artifact.source_map if create else artifact.deployed_source_map)

    def _prepared(self, qualified: str, create: bool) -> tuple[dict[int, int], list[tuple[int, int, int, str]]] | None:
        key = (qualified, create)
        if key not in self._indices:
            artifact = self.artifact(qualified)
            if artifact is None or not self.has_map(qualified, create):
                return None
            code_hex = artifact.bytecode if create else artifact.deployed_bytecode
            if not code_hex:
                return None
            self._indices[key] = _instruction_indices(code_bytes(code_hex))
            self._maps[key] = _entries(artifact.source_map if create else artifact.deployed_source_map)
        return self._indices[key], self._maps[key]

    def entry(self, qualified: str, create: bool, pc: int) -> tuple[str, int, int, str] | None:
        """``(file, start byte, length, jump)`` of the instruction at ``pc``, or None (generated code, no map)."""
        prepared = self._prepared(qualified, create)
        if prepared is None:
            return None
        indices, maps = prepared
        index = indices.get(pc)
        if index is None or index >= len(maps):
            return None
        start, length, file, jump = maps[index]
        name = self.artifact(qualified).source_ids.get(str(file)) if start >= 0 else None  # type: ignore[union-attr]
        if name is None:
            return None  # compiler-generated code (file -1)
        return name, start, length, jump

    def locate(self, contract: str, pc: int, *, create: bool = False) -> Location | None:
        """Where ``pc`` of ``contract`` (a name the project knows) is in its Solidity source, or ``None``."""
        try:
            qualified = self.compiled.get(contract).qualified_name
        except Exception:
            return None
        found = self.entry(qualified, create, pc)
        if found is None:
            return None
        name, start, _length, _jump = found
        text = self.text(name)
        if not text:
            return None
        encoded = text.encode()
        before = encoded[:start].decode(errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        lines = text.splitlines()
        return Location(name, line, column, lines[line - 1].strip() if line - 1 < len(lines) else "")

    def lines(self, qualified: str, create: bool, pcs: set[int] | None = None) -> dict[str, set[int]]:
        """Lines of each file that instructions of ``qualified`` map to: those at ``pcs``, or all of them."""
        prepared = self._prepared(qualified, create)
        if prepared is None:
            return {}
        indices, _maps = prepared
        found: dict[str, set[int]] = {}
        for pc in indices if pcs is None else (p for p in pcs if p in indices):
            hit = self.entry(qualified, create, pc)
            if hit is not None:
                found.setdefault(hit[0], set()).add(self.line_of(hit[0], hit[1]))
        return found

    def pcs(self, qualified: str, create: bool) -> dict[int, int]:
        """pc -> instruction index of that code (empty without a map)."""
        prepared = self._prepared(qualified, create)
        return prepared[0] if prepared else {}

    def code(self, qualified: str, create: bool) -> bytes:
        artifact = self.artifact(qualified)
        if artifact is None:
            return b""
        return code_bytes(artifact.bytecode if create else artifact.deployed_bytecode)

    def line_of(self, name: str, start: int) -> int:
        """1-based line of byte offset ``start`` in file ``name``."""
        starts = self._line_starts.get(name)
        if starts is None:
            encoded = self.text(name).encode()
            starts = self._line_starts[name] = [0] + [i + 1 for i, b in enumerate(encoded) if b == 10]
        return bisect.bisect_right(starts, start)

    def text(self, name: str) -> str:
        """The text of source ``name`` as compiled (the compile cache checks each file's hash on load)."""
        if name not in self._texts:
            path = self.compiled.source_paths.get(name)
            candidates = [Path(path)] if path else []
            if self.compiled.root is not None:
                candidates.append(self.compiled.root / name)
            text = ""
            for candidate in candidates:
                try:
                    text = candidate.read_text()
                    break
                except OSError:
                    continue
            self._texts[name] = text
        return self._texts[name]
