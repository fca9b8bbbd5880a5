"""The repository's contracts ship compiled (sandbox/project/bundled/): a fresh copy starts warm, and only the same sources match."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from sandbox.project import bundled, compiler
from sandbox.project.compiler import compile_project
from sandbox.project.config import Project
from tests.project.conftest import REPO


def _fresh_copy(tmp_path: Path) -> Path:
    """The repository as a new clone has it: sources, foundry.toml, node_modules, no .sandbox/."""
    copy = tmp_path / "clone"
    copy.mkdir()
    shutil.copytree(REPO / "contracts", copy / "contracts")
    for name in ("foundry.toml", "remappings.txt"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, copy / name)
    for name in ("node_modules", "sandbox", "lib"):
        (copy / name).symlink_to(REPO / name)
    return copy


def test_a_fresh_copy_compiles_from_the_shipped_entry(tmp_path: Path) -> None:
    copy = _fresh_copy(tmp_path)
    compiled = compile_project(Project.load(copy))
    assert compiled.from_cache, "the shipped entry did not match: run `.venv/bin/python tools/bundle_artifacts.py` after changing contracts/"
    ours = compile_project(Project.load(REPO))
    assert compiled.names() == ours.names()
    for name in ours.names():
        assert compiled.get(name).bytecode == ours.get(name).bytecode and compiled.get(name).abi == ours.get(name).abi
    entry = next((copy / ".sandbox" / "cache").glob("compile-*.json"))
    assert str(copy) in entry.read_text() and bundled.ROOT not in entry.read_text()  # {root} made this copy's folder


def test_the_shipped_entry_is_checked_like_any_cache_entry(tmp_path: Path) -> None:
    copy = _fresh_copy(tmp_path)
    modules = copy / "node_modules"
    modules.unlink()
    shutil.copytree(REPO / "node_modules" / "@openzeppelin", modules / "@openzeppelin", symlinks=True)
    project = Project.load(copy)
    entry = project.state_dir / "cache" / next(bundled.BUNDLED.glob("compile-*.json.gz")).name.removesuffix(".gz")
    assert bundled.seed(entry, copy)
    assert compiler._load_cache(entry, project.src) is not None
    imported = modules / "@openzeppelin" / "contracts" / "token" / "ERC721" / "ERC721.sol"
    imported.write_text(imported.read_text() + "\n// changed\n")
    assert compiler._load_cache(entry, project.src) is None  # an import changed: the entry is not used


def test_nothing_is_shipped_for_other_sources(tmp_path: Path) -> None:
    assert not bundled.seed(tmp_path / "compile-0123456789abcdef0123456789abcdef.json", tmp_path)
    for shipped in bundled.BUNDLED.glob("compile-*.json.gz"):
        assert str(REPO) not in gzip.decompress(shipped.read_bytes()).decode()
