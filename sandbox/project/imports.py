"""Import resolution as Foundry and Hardhat do it, and the import graph of a project.

A source's name (its "source unit name" for solc) is its path relative to
the project root, e.g. ``contracts/Token.sol``. An import is resolved as
solc does: ``./`` and ``../`` relative to the importing unit, then the
longest matching remapping (with its optional ``context:``). The unit name
is then found as a file under the project root, or under the project's
``node_modules`` (Hardhat: ``@openzeppelin/contracts/...``), or in the
packages the sandbox bundles (OpenZeppelin, forge-std) when the project has
no copy of its own.

Remappings, first wins for the same prefix: ``foundry.toml``, then
``remappings.txt``, then Foundry's automatic ones for each ``lib/<name>``
(``<name>/=lib/<name>/src/`` when ``src/`` exists, else
``<name>/=lib/<name>/``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import ImportNotFoundError, ProjectError
from sandbox.project.config import Project
from sandbox.project.solc_releases import parse_pragma
from sandbox.project.toolchain import BUNDLED, package_dir


@dataclass(frozen=True)
class Remapping:
    context: str
    prefix: str
    target: str

    @classmethod
    def parse(cls, text: str) -> Remapping:
        head, sep, target = text.partition("=")
        if not sep or not head:
            raise ProjectError(f"remapping {text!r} is not of the form [context:]prefix=target; fix foundry.toml or remappings.txt")
        context, colon, prefix = head.rpartition(":")
        if not colon:
            context, prefix = "", head
        return cls(context, prefix, target)

    def __str__(self) -> str:
        return f"{self.context + ':' if self.context else ''}{self.prefix}={self.target}"


def effective_remappings(project: Project) -> list[Remapping]:
    """The project's remappings plus Foundry's automatic ones for ``lib/*``."""
    result: list[Remapping] = []
    seen: set[tuple[str, str]] = set()

    def add(r: Remapping) -> None:
        if (r.context, r.prefix) not in seen:
            seen.add((r.context, r.prefix))
            result.append(r)

    for text in project.remappings:
        add(Remapping.parse(text))
    for lib in project.libs:
        folder = project.root / lib
        if lib == "node_modules" or not folder.is_dir():
            continue  # node_modules packages are found without remappings
        for package in sorted(p for p in folder.iterdir() if p.is_dir()):
            inner = "src/" if (package / "src").is_dir() else ""
            add(Remapping("", f"{package.name}/", f"{lib}/{package.name}/{inner}"))
    return result


def unit_name(importer: str, path: str, remappings: list[Remapping]) -> str:
    """The source unit name ``import path`` in ``importer`` refers to."""
    if path.startswith(("./", "../")):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(importer), path))
    best: Remapping | None = None
    for r in remappings:
        if path.startswith(r.prefix) and importer.startswith(r.context):
            if best is None or (len(r.context), len(r.prefix)) > (len(best.context), len(best.prefix)):
                best = r
    if best is not None:
        path = best.target + path[len(best.prefix) :]
    return posixpath.normpath(path)


_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_IMPORT = re.compile(r"\bimport\s+(?:[^;\"']*?\bfrom\s+)?[\"']([^\"']+)[\"']")


def parse_imports(text: str) -> list[str]:
    return _IMPORT.findall(_COMMENTS.sub("", text))


@dataclass
class Source:
    unit: str
    path: Path
    text: str
    pragma: str | None
    imports: list[str] = field(default_factory=list)  # unit names


@dataclass
class Graph:
    """Every source reachable from the project's own, by unit name."""

    sources: dict[str, Source]
    own: list[str]
    remappings: list[Remapping]

    def closure(self, unit: str) -> list[str]:
        seen: dict[str, None] = {}
        stack = [unit]
        while stack:
            u = stack.pop()
            if u in seen:
                continue
            seen[u] = None
            stack.extend(self.sources[u].imports)
        return list(seen)


class Resolver:
    """Finds the file of a unit name (see the module docstring)."""

    def __init__(self, project: Project, progress: Callable[[str], None] | None = None) -> None:
        self.project = project
        self.progress = progress
        self.node_modules = project.root / "node_modules"

    def searched(self) -> list[str]:
        places = [str(self.project.root), str(self.node_modules)]
        places += [f"the sandbox's bundled {prefix.rstrip('/')}" for prefix in BUNDLED]
        return places

    def locate(self, unit: str) -> Path | None:
        root = self.project.root
        for candidate in (root / unit, self.node_modules / unit):
            if candidate.is_file():
                return candidate
        stripped = unit[len("node_modules/") :] if unit.startswith("node_modules/") else unit
        for prefix, package in BUNDLED.items():
            if stripped.startswith(prefix):
                # The project's own copy of the package wins, even if it lacks the file.
                own = self.node_modules / prefix
                if own.is_dir() or (root / "lib" / prefix).is_dir():
                    return None
                folder = package_dir(package, progress=self.progress)
                if folder is None:
                    return None
                candidate = folder / stripped[len(prefix) :]
                return candidate if candidate.is_file() else None
        return None


def build_graph(project: Project, files: list[Path], progress: Callable[[str], None] | None = None) -> Graph:
    """Parse ``files`` and everything they import.

    Raises:
        ImportNotFoundError: an import resolves to no file; the message names
            the importing file, the remappings and the folders searched.
    """
    remappings = effective_remappings(project)
    resolver = Resolver(project, progress)
    sources: dict[str, Source] = {}
    own = [p.relative_to(project.root).as_posix() for p in files]
    pending = [(u, p) for u, p in zip(own, files, strict=True)]
    while pending:
        unit, path = pending.pop()
        if unit in sources:
            continue
        text = path.read_text()
        source = Source(unit, path, text, parse_pragma(text))
        sources[unit] = source
        for imported in parse_imports(text):
            target = unit_name(unit, imported, remappings)
            if target not in sources:
                found = resolver.locate(target)
                if found is None:
                    raise ImportNotFoundError(
                        f"{unit}: import {imported!r} (as {target!r}) not found; "
                        f"remappings: {', '.join(map(str, remappings)) or 'none'}; "
                        f"searched: {', '.join(resolver.searched())}; "
                        "install the package (npm install / forge install into lib/) or add a remapping to remappings.txt"
                    )
                pending.append((target, found))
            source.imports.append(target)
    return Graph(sources, own, remappings)
