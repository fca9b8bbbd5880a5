"""A sandbox project: a folder of Solidity sources in a Hardhat or Foundry layout.

Settings come from ``foundry.toml``'s default profile, as forge reads them:
``src``, ``test``, ``script``, ``libs``, ``remappings`` (added to
``remappings.txt`` and the automatic ones, never replacing them),
``solc_version`` / ``solc`` (a version or a path to a solc binary),
``auto_detect_solc``, ``evm_version``, ``optimizer``, ``optimizer_runs``,
``ignored_error_codes``, ``ignored_warnings_from``, ``deny_warnings``.
Without ``src``, the sources are in ``contracts/`` (Hardhat, Ape, Brownie)
or, when that is missing and ``src/`` exists, in ``src/`` (Foundry).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.errors import ProjectError

#: The folder holding this repository (``sandbox/``'s parent) in a source checkout.
SANDBOX_ROOT = Path(__file__).resolve().parents[2]

#: Markers of a project folder, for :func:`find_project_root`.
_MARKERS = ("foundry.toml", "hardhat.config.js", "hardhat.config.ts", "ape-config.yaml", "brownie-config.yaml", "remappings.txt")


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that looks like a project, else ``start``.

    A folder is a project when it has one of the usual config files, or a
    ``contracts/`` folder, or a ``src/`` folder holding ``.sol`` files.
    """
    start = start.resolve()
    home = Path.home().resolve()
    for folder in (start, *start.parents):
        if folder == home and folder != start:
            break  # a folder above the user's home is nobody's project
        if any((folder / m).is_file() for m in _MARKERS) or (folder / "contracts").is_dir():
            return folder
        src = folder / "src"
        if src.is_dir() and next(src.rglob("*.sol"), None) is not None:
            return folder
    return start


def _str_list(value: Any, what: str, toml_path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise ProjectError(f"{what} in {toml_path} must be a list of strings, not {value!r}; fix the file")
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Project:
    """Where a project's sources are and how to compile them."""

    root: Path
    src: str = "contracts"
    test: str = "test"
    script: str = "script"
    libs: tuple[str, ...] = ("lib",)
    #: None: the newest that the compiler and the backend both run.
    evm_version: str | None = None
    optimizer: bool = True
    optimizer_runs: int = 200
    #: From foundry.toml, then remappings.txt (the automatic ones are added by the compiler).
    remappings: tuple[str, ...] = ()
    #: ``solc_version`` / ``solc``: a version ("0.8.19") or a path to a solc binary.
    solc: str | None = None
    auto_detect_solc: bool = True
    ignored_error_codes: tuple[str, ...] = ("1878", "5574")  # forge's defaults: license, code-size
    ignored_warnings_from: tuple[str, ...] = ()
    deny_warnings: bool = False
    extra_roots: tuple[Path, ...] = field(default=())

    @classmethod
    def load(cls, root: str | Path | None = None) -> Project:
        """Read ``root``/foundry.toml and ``root``/remappings.txt (defaults where they are silent)."""
        path = Path(root if root is not None else Path.cwd()).resolve()
        if not path.is_dir():
            raise ProjectError(f"project folder {str(path)!r} does not exist; pass an existing folder")
        profile: dict[str, Any] = {}
        toml_path = path / "foundry.toml"
        if toml_path.exists():
            try:
                profile = tomllib.loads(toml_path.read_text()).get("profile", {}).get("default", {})
            except tomllib.TOMLDecodeError as exc:
                raise ProjectError(f"{toml_path} is not valid TOML ({exc}); fix the file") from exc
        src = profile.get("src")
        if src is None:
            src = "src" if not (path / "contracts").is_dir() and (path / "src").is_dir() else "contracts"
        remappings = list(_str_list(profile.get("remappings"), "remappings", toml_path))
        txt = path / "remappings.txt"
        if txt.is_file():
            remappings += [line.strip() for line in txt.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
        solc = profile.get("solc_version", profile.get("solc"))
        evm = profile.get("evm_version")
        codes = profile.get("ignored_error_codes")
        return cls(
            root=path,
            src=str(src),
            test=str(profile.get("test", "test")),
            script=str(profile.get("script", "script")),
            libs=_str_list(profile.get("libs", ["lib"]), "libs", toml_path),
            evm_version=str(evm) if evm is not None else None,
            optimizer=bool(profile.get("optimizer", True)),
            optimizer_runs=int(profile.get("optimizer_runs", 200)),
            remappings=tuple(remappings),
            solc=str(solc) if solc is not None else None,
            auto_detect_solc=bool(profile.get("auto_detect_solc", True)),
            ignored_error_codes=cls.ignored_error_codes if codes is None else tuple(str(c) for c in codes),
            ignored_warnings_from=_str_list(profile.get("ignored_warnings_from"), "ignored_warnings_from", toml_path),
            deny_warnings=bool(profile.get("deny_warnings", False)),
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
        return sorted(p for p in self.contracts_dir.rglob("*.sol") if not p.name.endswith((".t.sol", ".s.sol")))
