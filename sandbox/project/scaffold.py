"""``sandbox init``: a new project, as ``forge init`` and ``ape init`` make one.

Hardhat layout (default): ``contracts/`` with a sample NFT, ``tests/`` with a
passing pytest file, ``foundry.toml``, ``.gitignore``. With ``foundry=True``,
Foundry's ``src/ test/ script/ lib/``.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.errors import ProjectError

TEMPLATES = Path(__file__).resolve().parent / "templates"


def init_project(folder: Path, *, foundry: bool = False) -> list[Path]:
    """Write the sample project into ``folder`` (created if missing); returns the files written.

    Raises:
        ProjectError: ``folder`` already holds a project (a foundry.toml or the sample files).
    """
    folder = folder.resolve()
    src, test = ("src", "test") if foundry else ("contracts", "tests")
    files = {
        Path(src) / "SampleNFT.sol": (TEMPLATES / "SampleNFT.sol").read_text(),
        Path(test) / "test_sample_nft.py": (TEMPLATES / "test_sample_nft.py.tmpl").read_text(),
        Path("foundry.toml"): (TEMPLATES / "foundry.toml").read_text().replace("{src}", src).replace("{test}", test),
        Path(".gitignore"): (TEMPLATES / "gitignore").read_text(),
    }
    existing = [str(p) for p in files if (folder / p).exists() and p.name != ".gitignore"]
    if existing:
        raise ProjectError(f"{folder} already has {', '.join(existing)}; run `sandbox init` in an empty folder or pass another DIR")
    written = []
    for rel, text in files.items():
        path = folder / rel
        if path.exists():  # keep the user's .gitignore
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    if foundry:
        for empty in ("script", "lib"):
            (folder / empty).mkdir(exist_ok=True)
            (folder / empty / ".gitkeep").touch()
    return written
