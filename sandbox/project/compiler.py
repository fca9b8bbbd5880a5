"""Compile a project's Solidity sources, a compiler per pragma, offline, with a cache.

For each of the project's sources and its import closure, the compiler is
the highest solc-js release in the user cache that satisfies every pragma,
else the highest published one (fetched through npm on first need); sources
needing different compilers compile as separate units, and the artifacts of
all units make one project. ``SANDBOX_SOLC`` (one binary for everything) and
``foundry.toml``'s ``solc_version`` / ``solc`` (a version or a binary path)
override the choice. Every compile goes through
:func:`solcx.compile_standard` with the chosen binary.

Results are cached under ``.sandbox/cache`` by a hash of the project's own
sources, the settings and the toolchain choice; the entry records every
imported file's hash (checked on load) and the compiler of each unit, so an
unchanged project loads in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from semantic_version import Version

from sandbox.errors import CompileError, ProjectError, SolcVersionError, ToolchainError, UnknownContractError
from sandbox.project import bundled
from sandbox.project.config import Project
from sandbox.project.evm import EVM_TABLE_VERSION, check_backend_runs, check_evm_version, max_evm_version, unit_evm_version
from sandbox.project.imports import Graph, build_graph
from sandbox.project.solc_releases import check_published, published, satisfies, spec
from sandbox.project.toolchain import SETUP_HINT, cached_solc_versions, find_node, solc_binary

CACHE_FORMAT = 3  # 3: source maps and file ids in every artifact
#: Compile failures of this process by cache key: the same sources fail the same way, without running solc
#: again (a test suite whose every test compiles reports one compile error, quickly).
_FAILED: dict[str, tuple[CompileError, dict[str, str]]] = {}
_OUTPUTS = [
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.linkReferences",
    "evm.bytecode.sourceMap",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.linkReferences",
    "evm.deployedBytecode.sourceMap",
    "evm.methodIdentifiers",
    "devdoc",
    "userdoc",
]
#: forge's names for ignored_error_codes.
_ERROR_CODE_NAMES = {
    "license": "1878",
    "code-size": "5574",
    "init-code-size": "3860",
    "func-mutability": "2018",
    "unused-var": "2072",
    "unused-param": "5667",
    "unused-return": "9302",
    "virtual-interfaces": "5815",
    "missing-receive-ether": "3628",
    "shadowing": "2519",
    "same-varname": "8760",
    "unnamed-return": "6321",
    "unreachable": "5740",
    "pragma-solidity": "3420",
    "constructor-visibility": "2462",
    "transient-storage": "2394",
}


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    devdoc: dict[str, Any] = field(default_factory=dict)
    userdoc: dict[str, Any] = field(default_factory=dict)
    #: ``{source: {Library: [{"start": byte, "length": 20}]}}`` of the creation code.
    link_references: dict[str, dict[str, list[dict[str, int]]]] = field(default_factory=dict)
    compiler: str = ""
    evm_version: str = ""
    #: solc's compressed source maps (``s:l:f:j:m;...``) of the creation and the runtime code.
    source_map: str = ""
    deployed_source_map: str = ""
    #: solc's file ids in this artifact's unit, as the maps name them: ``{"0": "contracts/A.sol", ...}``.
    source_ids: dict[str, str] = field(default_factory=dict)

    @property
    def deployable(self) -> bool:
        """False for interfaces and abstract contracts (no creation code)."""
        return bool(self.bytecode)

    @property
    def qualified_name(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass(frozen=True)
class SolcBinary:
    path: Path
    version: str
    kind: str  # "env" (SANDBOX_SOLC), "path" (foundry.toml solc = path) or "solcjs" (the cache)


@dataclass(frozen=True)
class Unit:
    """One solc run: a compiler, an EVM version and the sources it compiled."""

    solc: SolcBinary
    evm_version: str
    sources: tuple[str, ...]


@dataclass
class CompiledProject:
    """Every contract of a project (and of its imports), by name."""

    artifacts: dict[str, Artifact]
    from_cache: bool
    units: list[Unit]
    src: str = "contracts"
    root: Path | None = None
    warnings: list[str] = field(default_factory=list)
    #: unit name -> file on disk, for every source compiled (the texts the source maps point into).
    source_paths: dict[str, str] = field(default_factory=dict)

    @property
    def solc(self) -> SolcBinary:
        """The compiler of the first unit (the newest); see :attr:`units` for all."""
        if not self.units:
            return SolcBinary(Path(""), "none", "none")
        return self.units[0].solc

    def get(self, name: str) -> Artifact:
        """The artifact called ``name`` (or ``"path/File.sol:Name"``)."""
        if name in self.artifacts:
            return self.artifacts[name]
        matches = [a for key, a in self.artifacts.items() if ":" in key and key.endswith(":" + name)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            options = ", ".join(sorted(f'"{a.qualified_name}"' for a in matches))
            raise UnknownContractError(f"contract name {name!r} is ambiguous; use one of {options}")
        known = ", ".join(self.names())
        if not known:
            where = (self.root / self.src) if self.root is not None else Path(self.src)
            found = "no .sol files there" if not where.is_dir() or next(where.rglob("*.sol"), None) is None else "none deployable"
            raise UnknownContractError(
                f"unknown contract {name!r}; known contracts: none (searched {where}: {found}); "
                "pass the project folder (Sandbox(project=...), --project, or the sandbox_project ini option)"
            )
        raise UnknownContractError(f"unknown contract {name!r}; known contracts: {known}")

    def names(self) -> list[str]:
        """The project's own deployable contracts: plain names, ``"path:Name"`` where two share a name."""
        prefix = self.src.rstrip("/") + "/"
        own = [(k, a) for k, a in self.artifacts.items() if ":" in k and a.deployable and a.source.startswith(prefix)]
        counts: dict[str, int] = {}
        for _, a in own:
            counts[a.name] = counts.get(a.name, 0) + 1
        return sorted(a.name if counts[a.name] == 1 else k for k, a in own)

    def all_abis(self) -> list[list[dict[str, Any]]]:
        return [a.abi for k, a in self.artifacts.items() if ":" in k]


# ---------------------------------------------------------------------------
# Choosing compilers
# ---------------------------------------------------------------------------


def _binary_version(path: Path) -> str | None:
    import solcx
    from solcx.exceptions import SolcError

    try:
        return str(solcx.wrapper.get_solc_version(path))
    except (OSError, SolcError, subprocess.SubprocessError, ValueError):
        return None


def resolve_solc() -> SolcBinary | None:
    """``SANDBOX_SOLC`` when set (one binary for every source), else None."""
    explicit = os.environ.get("SANDBOX_SOLC")
    if not explicit:
        return None
    version = _binary_version(Path(explicit))
    if version is None:
        raise ToolchainError(f"SANDBOX_SOLC={explicit!r} is not a working solc binary; fix or unset it")
    return SolcBinary(Path(explicit), version, "env")


_VERSION = re.compile(r"^v?=?\d+\.\d+\.\d+$")


def _fixed_binary(project: Project, progress: Callable[[str], None] | None) -> SolcBinary | None:
    env = resolve_solc()
    if env is not None:
        return env
    if project.solc is None:
        if not project.auto_detect_solc:
            raise ProjectError(
                f"{project.root / 'foundry.toml'} sets auto_detect_solc = false but no solc_version; "
                'add solc_version = "0.8.28" (or remove auto_detect_solc)'
            )
        return None
    if _VERSION.match(project.solc.strip()):
        version = check_published(project.solc)
        return SolcBinary(solc_binary(version, progress=progress), version, "solcjs")
    path = (project.root / project.solc).resolve()
    found = _binary_version(path)
    if found is None:
        raise ToolchainError(f"solc = {project.solc!r} in foundry.toml is neither a solc version nor a working solc binary ({path}); fix it")
    os.environ.setdefault("SANDBOX_NODE", find_node())  # a solc-js wrapper runs on it
    return SolcBinary(path, found, "path")


def _ranges(graph: Graph, units: list[str]) -> list[tuple[str, str]]:
    return [(u, graph.sources[u].pragma or "") for u in units if graph.sources[u].pragma]


def choose_version(graph: Graph, unit: str, cached: list[Version]) -> str:
    """The highest cached release satisfying every pragma of ``unit``'s closure, else the highest published."""
    ranges = _ranges(graph, graph.closure(unit))
    pragmas = [r for _, r in ranges]
    for pool in (cached, published()[::-1]):
        for version in pool:
            if satisfies(version, pragmas):
                return str(version)
    detail = "; ".join(f"{u} needs {r}" for u, r in ranges)
    one_by_one = [u for u, r in ranges if not any(v in spec(r) for v in published())]
    if one_by_one:
        bad = one_by_one[0]
        raise SolcVersionError(f"no published solc satisfies `pragma solidity {dict(ranges)[bad]}` of {bad}; fix the pragma")
    raise SolcVersionError(f"no single solc version satisfies every pragma that {unit} imports: {detail}; make the ranges overlap")


def _check_fixed(graph: Graph, solc: SolcBinary) -> None:
    version = Version(solc.version)
    bad = [(u, r) for own in graph.own for u, r in _ranges(graph, graph.closure(own)) if version not in spec(r)]
    if bad and solc.kind != "env":
        detail = "; ".join(f"{u} needs {r}" for u, r in dict(bad).items())
        raise SolcVersionError(
            f"solc {solc.version} (foundry.toml solc_version) does not satisfy: {detail}; change solc_version or remove it to choose per pragma"
        )


# ---------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _unchanged(digests: dict[str, str]) -> bool:
    try:
        return all(_sha(Path(path).read_bytes()) == digest for path, digest in digests.items())
    except OSError:
        return False


def _settings(project: Project, evm_version: str, remappings: list[str]) -> dict[str, Any]:
    return {
        "evmVersion": evm_version,
        "optimizer": {"enabled": project.optimizer, "runs": project.optimizer_runs},
        "remappings": remappings,
        "outputSelection": {"*": {"*": _OUTPUTS}},
    }


def compile_project(
    project: Project,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    backend: str = "pyevm",
) -> CompiledProject:
    """Compile ``project`` (or load it from the cache when nothing changed).

    ``backend`` (``"pyevm"``, ``"revm"``, ``"rpc"``) caps the EVM version.

    Raises:
        CompileError: solc reported errors; each is listed with file:line:col.
        SolcVersionError: no published solc satisfies the pragmas.
        ImportNotFoundError: an import resolves to no file.
        EvmVersionError: the project's evm_version is newer than the backend runs.
        ToolchainError: no usable solc (npm unreachable and nothing cached).
    """
    backend_max = max_evm_version(backend)
    if project.evm_version is not None:
        check_backend_runs(project.evm_version, backend_max, backend)
    files = project.source_files()
    own = {p.relative_to(project.root).as_posix(): p.read_bytes() for p in files}
    key_material = json.dumps(
        {
            "format": CACHE_FORMAT,
            "project": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(project).items() if k != "root"},
            "env_solc": os.environ.get("SANDBOX_SOLC"),
            "backend_max": backend_max,
            "evm_table": EVM_TABLE_VERSION,
            "sources": {name: _sha(data) for name, data in own.items()},
        },
        sort_keys=True,
    ).encode()
    cache_file = project.state_dir / "cache" / f"compile-{_sha(key_material)[:32]}.json"
    failed = _FAILED.get(cache_file.name)
    if failed is not None and not force and _unchanged(failed[1]):
        raise CompileError(str(failed[0]), failed[0].errors)
    if not force:
        cached = _load_cache(cache_file, project.src)
        if cached is None and not cache_file.exists() and bundled.seed(cache_file, project.root):  # this repository's own contracts
            cached = _load_cache(cache_file, project.src)
        if cached is not None:
            return CompiledProject(cached[0], True, cached[1], project.src, project.root, source_paths=cached[2])
    if not files:
        return CompiledProject({}, False, [], project.src, project.root)

    graph = build_graph(project, files, progress)
    fixed = _fixed_binary(project, progress)
    by_version: dict[str, list[str]] = {}
    if fixed is not None:
        _check_fixed(graph, fixed)
        by_version[fixed.version] = list(graph.own)
    else:
        cached_versions = sorted((Version(v) for v in cached_solc_versions()), reverse=True)
        for unit in graph.own:
            by_version.setdefault(choose_version(graph, unit, cached_versions), []).append(unit)

    remappings = [str(r) for r in graph.remappings]
    artifacts: dict[str, Artifact] = {}
    units: list[Unit] = []
    warnings: list[str] = []
    for version in sorted(by_version, key=Version, reverse=True):
        solc = fixed if fixed is not None else SolcBinary(solc_binary(version, progress=progress), version, "solcjs")
        evm = unit_evm_version(solc.version, project.evm_version, backend_max)
        closure: dict[str, None] = {}
        for unit in by_version[version]:
            closure.update(dict.fromkeys(graph.closure(unit)))
        if progress:
            progress(f"Compiling {len(closure)} source file(s) with solc {solc.version} ({solc.kind}, EVM {evm})")
        standard_input = {
            "language": "Solidity",
            "sources": {u: {"content": graph.sources[u].text} for u in sorted(closure)},
            "settings": _settings(project, evm, remappings),
        }
        try:
            output = _run_solc(solc, standard_input, graph)
        except CompileError as exc:
            _FAILED[cache_file.name] = (exc, {str(s.path): _sha(s.path.read_bytes()) for s in graph.sources.values()})
            raise
        warnings += _warnings(project, output.get("errors", []))
        for key, artifact in _artifacts_from_output(output, solc.version, evm).items():
            artifacts.setdefault(key, artifact)  # the newest unit wins for a shared dependency
        units.append(Unit(solc, evm, tuple(by_version[version])))
    if project.deny_warnings and warnings:
        raise CompileError(f"{len(warnings)} warning(s) and deny_warnings = true in foundry.toml:\n" + "\n".join(warnings), [])
    _add_plain_names(artifacts, project.src)
    dependencies = {str(s.path): _sha(s.path.read_bytes()) for u, s in graph.sources.items() if u not in own}
    source_paths = {u: str(s.path) for u, s in graph.sources.items()}
    _write_cache(
        cache_file,
        {
            "dependencies": dependencies,
            "source_paths": source_paths,
            "units": [{"solc": [str(u.solc.path), u.solc.version, u.solc.kind], "evm": u.evm_version, "sources": list(u.sources)} for u in units],
            "artifacts": {k: asdict(a) for k, a in artifacts.items() if ":" in k},
        },
    )
    return CompiledProject(artifacts, False, units, project.src, project.root, warnings, source_paths)


def _run_solc(solc: SolcBinary, standard_input: dict[str, Any], graph: Graph) -> dict[str, Any]:
    import solcx
    from solcx.exceptions import SolcError

    from sandbox.project.solcjs.worker import WorkerError, compile_standard

    try:
        if solc.kind == "solcjs" or (solc.path.name == "solc" and solc.path.with_name("solc.js").exists()):
            return compile_standard(standard_input, solc.path)  # the release kept loaded (solcjs/worker.py)
        return dict(solcx.compile_standard(standard_input, solc_binary=solc.path, allow_empty=True))
    except WorkerError as exc:
        raise ToolchainError(f"solc {solc.version} at {solc.path} could not run ({exc}); {SETUP_HINT}") from None
    except SolcError as exc:
        errors = getattr(exc, "error_dict", None) or []
        if not errors:
            raise ToolchainError(f"solc {solc.version} at {solc.path} failed: {str(exc).strip()[:500]}; {SETUP_HINT}") from None
        raise _compile_error(graph, errors, solc) from None
    except (OSError, json.JSONDecodeError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", None) or getattr(exc, "output", None) or str(exc)).strip()
        raise ToolchainError(f"solc {solc.version} at {solc.path} could not run ({detail}); {SETUP_HINT}") from None


def _warnings(project: Project, errors: list[dict[str, Any]]) -> list[str]:
    ignored = {_ERROR_CODE_NAMES.get(c, c) for c in project.ignored_error_codes}
    result = []
    for err in errors:
        if err.get("severity") == "error" or str(err.get("errorCode", "")) in ignored:
            continue
        file = (err.get("sourceLocation") or {}).get("file", "")
        if file and any(file.startswith(p.rstrip("/") + "/") or file == p for p in project.ignored_warnings_from):
            continue
        result.append(str(err.get("formattedMessage") or err.get("message", "")).strip())
    return result


def _artifacts_from_output(output: dict[str, Any], compiler: str, evm: str) -> dict[str, Artifact]:
    artifacts: dict[str, Artifact] = {}
    ids = {str(v["id"]): name for name, v in output.get("sources", {}).items() if "id" in v}
    for source, contracts in output.get("contracts", {}).items():
        for name, data in contracts.items():
            evm_out = data.get("evm", {})
            bytecode = evm_out.get("bytecode", {})
            deployed = evm_out.get("deployedBytecode", {})
            artifacts[f"{source}:{name}"] = Artifact(
                name=name,
                source=source,
                abi=data.get("abi", []),
                bytecode=bytecode.get("object", ""),
                deployed_bytecode=deployed.get("object", ""),
                devdoc=data.get("devdoc", {}),
                userdoc=data.get("userdoc", {}),
                link_references=bytecode.get("linkReferences", {}) or {},
                compiler=compiler,
                evm_version=evm,
                source_map=bytecode.get("sourceMap", "") or "",
                deployed_source_map=deployed.get("sourceMap", "") or "",
                source_ids=ids,
            )
    return artifacts


def _add_plain_names(artifacts: dict[str, Artifact], src: str) -> None:
    """Plain names for contracts whose name is unique among the project's own (else among all)."""
    by_name: dict[str, list[str]] = {}
    for key, artifact in list(artifacts.items()):
        if ":" in key:
            by_name.setdefault(artifact.name, []).append(key)
    prefix = src.rstrip("/") + "/"
    for name, keys in by_name.items():
        own = [k for k in keys if k.startswith(prefix)]
        if len(own) == 1:
            artifacts[name] = artifacts[own[0]]
        elif not own and len(keys) == 1:
            artifacts[name] = artifacts[keys[0]]


def _load_cache(cache_file: Path, src: str) -> tuple[dict[str, Artifact], list[Unit], dict[str, str]] | None:
    try:
        data = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        return None
    for path, digest in data.get("dependencies", {}).items():
        try:
            if _sha(Path(path).read_bytes()) != digest:
                return None
        except OSError:
            return None
    try:
        artifacts = {k: Artifact(**v) for k, v in data["artifacts"].items()}
        units = [Unit(SolcBinary(Path(u["solc"][0]), u["solc"][1], u["solc"][2]), u["evm"], tuple(u["sources"])) for u in data["units"]]
    except (KeyError, TypeError, IndexError):
        return None
    _add_plain_names(artifacts, src)
    return artifacts, units, dict(data.get("source_paths", {}))


def _write_cache(cache_file: Path, payload: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a cache file."""
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh)
        os.replace(tmp, cache_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _compile_error(graph: Graph, errors: list[dict[str, Any]], solc: SolcBinary) -> CompileError:
    lines: list[str] = []
    fatal = [e for e in errors if e.get("severity") == "error"]
    for err in fatal:
        loc = err.get("sourceLocation") or {}
        file = loc.get("file", "")
        header = f"{err.get('type', 'Error')}: {err.get('message', '').strip()}"
        if file and "start" in loc and file in graph.sources:
            text = graph.sources[file].text
            start = max(int(loc["start"]), 0)
            line_no = text.count("\n", 0, start) + 1
            line_start = text.rfind("\n", 0, start) + 1
            col = start - line_start + 1
            line_end = text.find("\n", start)
            source_line = text[line_start : line_end if line_end != -1 else len(text)]
            err["location"] = f"{file}:{line_no}:{col}"
            lines.append(f"{file}:{line_no}:{col}: {header}")
            lines.append(f"    {source_line}")
            lines.append("    " + " " * (col - 1) + "^")
        else:
            lines.append(header)
    count = len(fatal)
    message = f"{count} compile error{'s' if count != 1 else ''} (solc {solc.version}):\n" + "\n".join(lines)
    return CompileError(message, fatal)


__all__ = ["Artifact", "CompiledProject", "SolcBinary", "Unit", "check_evm_version", "compile_project", "resolve_solc"]


def emit_warnings(compiled: CompiledProject, quiet: bool = False) -> None:
    """Issue each solc warning of a fresh compile once, as a :class:`SolcWarning`."""
    if quiet or compiled.from_cache:
        return
    import warnings

    from sandbox.errors import SolcWarning

    for text in compiled.warnings:
        warnings.warn(text, SolcWarning, stacklevel=3)
