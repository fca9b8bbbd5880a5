"""A sandbox project: a folder with ``contracts/`` and, optionally, ``foundry.toml``.

The compiler settings are read from ``foundry.toml`` (``src``,
``evm_version``, ``optimizer``, ``optimizer_runs``, ``remappings``) so forge
and the Python sandbox compile the same way. The pinned solc version is the
``solc`` entry of this repository's ``package.json`` (the npm package that
provides solc-js); those two files are the one place each pin lives.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sandbox.errors import ProjectError

#: The folder holding this repository (``sandbox/``'s parent).
SANDBOX_ROOT = Path(__file__).resolve().parents[2]

_DEFAULT_REMAPPINGS = (
    "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
    "forge-std/=node_modules/forge-std/",
)


@lru_cache(maxsize=1)
def pinned_solc_version() -> str:
    """The solc version pinned by ``package.json`` (e.g. ``"0.8.28"``)."""
    package_json = SANDBOX_ROOT / "package.json"
    try:
        data = json.loads(package_json.read_text())
        return str(data["dependencies"]["solc"]).lstrip("=^~")
    except (OSError, KeyError, ValueError) as exc:
        raise ProjectError(
            f"cannot read the pinned solc version from {package_json}: {exc}; "
            "restore package.json from the repository"
        ) from exc


@dataclass(frozen=True)
class Project:
    """Where a project's sources are and how to compile them."""

    root: Path
    src: str = "contracts"
    evm_version: str = "cancun"
    optimizer: bool = True
    optimizer_runs: int = 200
    remappings: tuple[str, ...] = _DEFAULT_REMAPPINGS
    extra_roots: tuple[Path, ...] = field(default=())

    @classmethod
    def load(cls, root: str | Path | None = None) -> Project:
        """Read ``root``/foundry.toml (defaults apply where it is silent)."""
        path = Path(root if root is not None else Path.cwd()).resolve()
        if not path.is_dir():
            raise ProjectError(f"project folder {str(path)!r} does not exist; pass an existing folder")
        profile: dict[str, object] = {}
        toml_path = path / "foundry.toml"
        if toml_path.exists():
            try:
                profile = tomllib.loads(toml_path.read_text()).get("profile", {}).get("default", {})
            except tomllib.TOMLDecodeError as exc:
                raise ProjectError(f"{toml_path} is not valid TOML ({exc}); fix the file") from exc
        # A project without its own node_modules borrows this repository's
        # (OpenZeppelin, forge-std), so a pytest suite in a fresh folder works.
        extra: tuple[Path, ...] = ()
        if path != SANDBOX_ROOT and not (path / "node_modules").is_dir():
            extra = (SANDBOX_ROOT,)
        return cls(
            root=path,
            src=str(profile.get("src", "contracts")),
            evm_version=str(profile.get("evm_version", "cancun")),
            optimizer=bool(profile.get("optimizer", True)),
            optimizer_runs=int(profile.get("optimizer_runs", 200)),  # type: ignore[call-overload]
            remappings=tuple(profile.get("remappings", _DEFAULT_REMAPPINGS)),  # type: ignore[arg-type]
            extra_roots=extra,
        )

    @property
    def contracts_dir(self) -> Path:
        return self.root / self.src

    @property
    def state_dir(self) -> Path:
        """``.sandbox/``: compile cache and the workshop's persistent chain."""
        return self.root / ".sandbox"

    def source_files(self) -> list[Path]:
        """Every ``.sol`` file under the source folder, forge tests and scripts excluded."""
        if not self.contracts_dir.is_dir():
            return []
        return sorted(
            p
            for p in self.contracts_dir.rglob("*.sol")
            if not p.name.endswith((".t.sol", ".s.sol"))
        )
