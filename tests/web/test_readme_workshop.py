"""README's Workshop section runs as written: every `sandbox` line of its command blocks, in order, on one fresh chain.

Servers (`sandbox ui`, `room`, `node`) are started elsewhere (test_browser,
test_room, test_node); here they are skipped. A line followed by a
`# error: ...` comment must fail with that message.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.workshop.conftest import REPO

SERVERS = {"ui", "room", "node"}


def workshop_commands() -> list[tuple[list[str], str]]:
    """``(argv, expected error or "")`` for each `sandbox` line of the Workshop section's sh blocks."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Workshop"):text.index("### 5. Where the chain lives")]
    commands: list[tuple[list[str], str]] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("# error:") and commands:
                commands[-1] = (commands[-1][0], line.removeprefix("# error:").strip()[:60])
            if not line.startswith("sandbox "):
                continue
            argv = shlex.split(line.split("  #")[0])[1:]
            if argv[0] not in SERVERS:
                commands.append((argv, ""))
    return commands


def test_the_section_has_the_steps() -> None:
    names = [argv[0] for argv, _ in workshop_commands()]
    assert names.count("mint") >= 3 and "transfer" in names and "deploy" in names and "call" in names


@pytest.mark.slow  # about a minute: it includes `sandbox run scripts/digital_collectibles.py --quick`
def test_every_workshop_command_runs_as_written(sandbox_cmd: Any, state_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the README's paths (docs/workshop/apsara.svg, scripts/...) are from the repository root
    for argv, error in workshop_commands():
        result = sandbox_cmd(*argv)
        if error:
            assert result.code == 1 and error in " ".join(result.err.split()), (argv, result.err)
        else:
            assert result.code == 0, (argv, result.out, result.err)
    bob = next(a["address"] for a in json.loads(sandbox_cmd("accounts", "--json").out) if a["name"] == "bob")
    assert json.loads(sandbox_cmd("call", "SandboxNFT.ownerOf", "0", "--json").out)["result"] == bob  # carol minted it to bob in step 4
