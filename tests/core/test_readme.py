"""The README's Python tour runs as written (so the docs cannot drift)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_readme_tour_runs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## A tour of the Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    monkeypatch.chdir(REPO)  # Sandbox() uses the current folder as the project
    exec(compile(code.group(1), "README.md", "exec"), {})
    assert "ERC721NonexistentToken(tokenId=99)" in capsys.readouterr().out
    assert os.getcwd() == str(REPO)
