"""Solidity source locations from solc's source maps: ``contracts/Logger.sol:64:9`` for a program counter.

The project's compile output keeps no source maps, so they are asked from
the same compilers (each unit of the compile, same settings) the first time
a location is wanted, and cached beside the compile cache. A program
counter becomes an instruction index (PUSH data skipped), the index an
entry of the decompressed map (``s:l:f``), the entry a file, line and
column, and the line's text.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sandbox.project.compiler import CompiledProject, _run_solc, _settings
from sandbox.project.config import Project
from sandbox.project.imports import build_graph

_PLACEHOLDER = re.compile(r"__\$[0-9a-fA-F]{34}\$__")
_OUTPUTS = ["evm.bytecode.sourceMap", "evm.bytecode.object", "evm.deployedBytecode.sourceMap", "evm.deployedBytecode.object"]


@dataclass(frozen=True)
class Location:
    """A place in a Solidity file: 1-based line and column, and the text of that line."""

    file: str
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def _entries(source_map: str) -> list[tuple[int, int, int]]:
    """solc's compressed map (``s:l:f:j:m;...``, empty fields repeat the previous) as ``(start, length, file)``."""
    out: list[tuple[int, int, int]] = []
    start, length, file = -1, -1, -1
    for item in source_map.split(";"):
        fields = item.split(":")
        if len(fields) > 0 and fields[0]:
            start = int(fields[0])
        if len(fields) > 1 and fields[1]:
            length = int(fields[1])
        if len(fields) > 2 and fields[2]:
            file = int(fields[2])
        out.append((start, length, file))
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


class SourceMaps:
    """Source maps of one compiled project, asked from solc once and cached."""

    def __init__(self, project: Project, compiled: CompiledProject) -> None:
        self.project = project
        self.compiled = compiled
        self._data: dict[str, Any] | None = None
        self._indices: dict[tuple[str, bool], dict[int, int]] = {}
        self._maps: dict[tuple[str, bool], list[tuple[int, int, int]]] = {}

    def _load(self) -> dict[str, Any]:
        if self._data is not None:
            return self._data
        key = hashlib.sha256(json.dumps(sorted((k, a.bytecode) for k, a in self.compiled.artifacts.items())).encode()).hexdigest()[:32]
        cache = self.project.state_dir / "cache" / f"sourcemaps-{key}.json"
        if cache.exists():
            self._data = dict(json.loads(cache.read_text()))
            return self._data
        graph = build_graph(self.project, self.project.source_files(), None)
        data: dict[str, Any] = {"contracts": {}, "files": {}, "texts": {}}
        for unit in self.compiled.units:
            closure: dict[str, None] = {}
            for name in unit.sources:
                closure.update(dict.fromkeys(graph.closure(name)))
            settings = _settings(self.project, unit.evm_version, [str(r) for r in graph.remappings])
            settings["outputSelection"] = {"*": {"*": _OUTPUTS}}
            sources = {name: graph.sources[name].text for name in sorted(closure)}
            output = _run_solc(unit.solc, {"language": "Solidity", "sources": {n: {"content": t} for n, t in sources.items()}, "settings": settings}, graph)
            files = {int(v["id"]): name for name, v in output.get("sources", {}).items()}
            for source, contracts in output.get("contracts", {}).items():
                for name, out in contracts.items():
                    evm = out.get("evm", {})
                    data["contracts"].setdefault(f"{source}:{name}", {
                        "files": {str(i): f for i, f in files.items()},
                        "create": [evm.get("bytecode", {}).get("sourceMap", ""), evm.get("bytecode", {}).get("object", "")],
                        "runtime": [evm.get("deployedBytecode", {}).get("sourceMap", ""), evm.get("deployedBytecode", {}).get("object", "")],
                    })
            data["texts"].update(sources)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data))
        self._data = data
        return data

    def locate(self, contract: str, pc: int, *, create: bool = False) -> Location | None:
        """Where ``pc`` of ``contract`` (a name the project knows) is in its Solidity source, or ``None``."""
        try:
            qualified = self.compiled.get(contract).qualified_name
        except Exception:
            return None
        entry = self._load()["contracts"].get(qualified)
        if entry is None:
            return None
        source_map, code_hex = entry["create" if create else "runtime"]
        if not source_map or not code_hex:
            return None
        key = (qualified, create)
        if key not in self._indices:
            # unlinked library placeholders (__$<34 hex>$__) are 20 bytes of PUSH20 data: any bytes do
            self._indices[key] = _instruction_indices(bytes.fromhex(_PLACEHOLDER.sub("00" * 20, code_hex)))
            self._maps[key] = _entries(source_map)
        index = self._indices[key].get(pc)
        maps = self._maps[key]
        if index is None or index >= len(maps):
            return None
        start, _length, file = maps[index]
        name = entry["files"].get(str(file))
        if name is None or start < 0:
            return None  # compiler-generated code (file -1)
        text = self._load()["texts"].get(name)
        if text is None:
            return None
        encoded = text.encode()
        before = encoded[:start].decode(errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        line_text = text.splitlines()[line - 1] if line - 1 < len(text.splitlines()) else ""
        return Location(name, line, column, line_text.strip())

    def lines(self, qualified: str, create: bool, pcs: set[int] | None = None) -> dict[str, set[int]]:
        """Lines of each file that instructions of ``qualified`` map to: those at ``pcs``, or all of them."""
        entry = self._load()["contracts"].get(qualified)
        if entry is None:
            return {}
        source_map, code_hex = entry["create" if create else "runtime"]
        if not source_map or not code_hex:
            return {}
        maps = _entries(source_map)
        indices = _instruction_indices(bytes.fromhex(_PLACEHOLDER.sub("00" * 20, code_hex)))
        found: dict[str, set[int]] = {}
        for pc, index in indices.items():
            if (pcs is not None and pc not in pcs) or index >= len(maps):
                continue
            start, _length, file = maps[index]
            name = entry["files"].get(str(file))
            if name is None or start < 0:
                continue
            found.setdefault(name, set()).add(self._line(name, start))
        return found

    def code(self, qualified: str, create: bool) -> bytes:
        entry = self._load()["contracts"].get(qualified)
        code_hex = entry["create" if create else "runtime"][1] if entry else ""
        return bytes.fromhex(_PLACEHOLDER.sub("00" * 20, code_hex)) if code_hex else b""

    def _line(self, name: str, start: int) -> int:
        starts = self.__dict__.setdefault("_line_starts", {}).get(name)
        if starts is None:
            encoded = self._load()["texts"][name].encode()
            starts = [0] + [i + 1 for i, b in enumerate(encoded) if b == 10]
            self.__dict__["_line_starts"][name] = starts
        import bisect

        return bisect.bisect_right(starts, start)

    def text(self, name: str) -> str:
        return str(self._load()["texts"].get(name, ""))
