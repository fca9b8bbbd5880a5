"""The 0.1 flat import paths still work, and are the very modules of the new layout."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from sandbox._aliases import ALIASES


@pytest.mark.parametrize(("old", "new"), sorted(ALIASES.items()))
def test_an_old_path_is_the_new_module(old: str, new: str) -> None:
    assert importlib.import_module(old) is importlib.import_module(new)


def test_old_from_imports_work_in_a_fresh_interpreter() -> None:
    """What the README and users' code wrote against 0.1, in a process that imported nothing before."""
    code = (
        "from sandbox.nft import metadata_uri; from sandbox.keys import key_from_env; from sandbox.strategies import accounts; "
        "from sandbox.reverts import reverts; from sandbox.identity import CREDENTIAL_TYPES; from sandbox.merkle import Allowlist; "
        "import sandbox.bridge, sandbox.facade, sandbox.pytest_plugin, sandbox.helpers.nft as n; "
        "assert sandbox.nft is n; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
