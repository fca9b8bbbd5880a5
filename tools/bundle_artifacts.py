"""Ship the compile cache of this repository's contracts (sandbox/project/bundled/), for a warm first compile.

Run after changing anything under contracts/ (or the pinned solc, or foundry.toml):

    .venv/bin/python tools/bundle_artifacts.py

An entry that no longer matches the sources is never used (its name is the
hash of the sources and settings), so a forgotten run costs a cold compile,
never a wrong artifact.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.project.bundled import write  # noqa: E402

if __name__ == "__main__":
    for path in write(REPO):
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size // 1024} KiB)")
