"""README's "Testing your contracts" example runs as written, in a fresh project with no conftest.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
FILE_BLOCK = re.compile(r'```\w+ title="([^"]+)"\n(.*?)```', re.DOTALL)


def test_the_testing_guide_example_passes(pytester: pytest.Pytester) -> None:
    section = README.read_text().split("## Testing your contracts", 1)[1].split("\n## ", 1)[0]
    files = dict(FILE_BLOCK.findall(section))
    assert set(files) == {"contracts/Badge.sol", "tests/test_badge.py"}
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = pytester.runpytest("--gas-report", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*= sandbox gas report =*", "Badge*(deploy)*1*", "Badge*claim*"])
