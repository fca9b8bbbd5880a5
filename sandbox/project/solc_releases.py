"""Every solc release npm publishes, with its pinned tarball hash, and pragma matching.

``solc_releases.json`` (generated, see its ``_generated`` key) lists each
release of npm's ``solc`` package from 0.4.11 with the ``sha512`` integrity
npm published for it. Choosing a compiler needs no network: a pragma is
matched against this list, and a release is fetched (and checked against
its hash) only when a compile needs it. ``python -m
sandbox.project.solc_releases --refresh`` regenerates the list from npm.

Pragmas use npm's range syntax (``^0.8.20``, ``>=0.8.25 <0.9.0``, ``0.8.19``,
``>=0.6.0 || ^0.8.0``), which :class:`semantic_version.NpmSpec` parses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from semantic_version import NpmSpec, Version

from sandbox.errors import SolcVersionError

RELEASES_FILE = Path(__file__).resolve().parent / "solc_releases.json"
#: The oldest release with the standard-JSON interface the sandbox speaks.
MIN_VERSION = Version("0.4.11")


@lru_cache(maxsize=1)
def _data() -> dict[str, dict[str, str]]:
    return dict(json.loads(RELEASES_FILE.read_text()))


def _table() -> dict[str, str]:
    return _data()["releases"]


def npm_version(version: str) -> str:
    """The npm version that holds solc ``version`` (``"0.8.7"`` -> ``"0.8.7-fixed"``: npm's first 0.8.7 shipped 0.7.5)."""
    return _data().get("npm_versions", {}).get(version, version)


def published() -> list[Version]:
    """Every usable release, oldest first."""
    return sorted(v for v in map(Version, _table()) if v >= MIN_VERSION)


def integrity(version: str) -> str:
    """The pinned ``sha512-...`` of npm's ``solc@version`` tarball."""
    try:
        return _table()[version]
    except KeyError:
        raise SolcVersionError(f"solc {version} is not a published release; {nearest_hint(version)}") from None


def nearest_hint(version: str) -> str:
    """``"nearest published: 0.8.29, 0.8.30, 0.8.31"``, for error messages."""
    try:
        wanted = Version(version)
    except ValueError:
        wanted = None
    releases = published()
    if wanted is None:
        near = releases[-3:]
    else:
        near = sorted(releases, key=lambda v: (abs(v.major - wanted.major), abs(v.minor - wanted.minor), abs(v.patch - wanted.patch)))[:3]
    return "nearest published: " + ", ".join(str(v) for v in sorted(near)) + " (see `sandbox toolchain list --all`)"


def check_published(version: str) -> str:
    """``version`` normalised (``"v0.8.19"`` -> ``"0.8.19"``), or a :class:`SolcVersionError`."""
    text = version.strip().lstrip("v=")
    if text not in _table() or Version(text) < MIN_VERSION:
        raise SolcVersionError(f"solc {version!r} is not a published solc-js release; {nearest_hint(text)}")
    return text


_PRAGMA = re.compile(r"pragma\s+solidity\s+([^;]+);")
_SPACES_AFTER_OP = re.compile(r"(\^|~|>=|<=|>|<|=)\s+")


def parse_pragma(text: str) -> str | None:
    """The ``pragma solidity`` range of a source (``None`` when there is none)."""
    match = _PRAGMA.search(text)
    return " ".join(match.group(1).split()) if match else None


@lru_cache(maxsize=512)
def spec(pragma: str) -> NpmSpec:
    """``pragma`` as a version range; Solidity allows ``>= 0.8.0`` with a space."""
    cleaned = _SPACES_AFTER_OP.sub(r"\1", pragma.strip())
    try:
        return NpmSpec(cleaned)
    except ValueError:
        raise SolcVersionError(f"cannot read the version range {pragma!r} of a `pragma solidity`; write it as e.g. ^0.8.20 or >=0.8.0 <0.9.0") from None


def satisfies(version: Version, pragmas: list[str]) -> bool:
    return all(version in spec(p) for p in pragmas)


def refresh() -> int:  # pragma: no cover - run by hand against the registry
    """Regenerate ``solc_releases.json`` from npm."""
    out = subprocess.run(["npm", "view", "solc@>=0.4.0", "version", "dist.integrity", "--json"], capture_output=True, text=True, check=True).stdout
    rows = json.loads(out)
    releases = {r["version"]: r["dist.integrity"] for r in rows if "-" not in r["version"]}
    fixed = {r["version"].removesuffix("-fixed"): r for r in rows if r["version"].endswith("-fixed")}
    for version, row in fixed.items():
        releases[version] = row["dist.integrity"]
    data = {
        "_generated": _data()["_generated"],
        "npm_versions": {v: r["version"] for v, r in sorted(fixed.items(), key=lambda kv: Version(kv[0]))},
        "releases": {v: releases[v] for v in sorted(releases, key=Version)},
    }
    RELEASES_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{len(releases)} releases written to {RELEASES_FILE}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(refresh() if "--refresh" in sys.argv else 0)
