"""--sandbox-backend picks the embedded EVM for every Sandbox of the session."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_backend_option_reaches_every_sandbox(pytester: pytest.Pytester, backend: str) -> None:
    pytester.makepyfile(
        f"""
        import os
        from sandbox import Sandbox

        def test_fixture(sandbox):
            assert sandbox.chain.backend_name == "{backend}"

        def test_own_sandbox():
            assert Sandbox().chain.backend_name == "{backend}"
        """
    )
    result = pytester.runpytest_subprocess("-q", "--sandbox-backend", backend)
    result.assert_outcomes(passed=2)


def test_unknown_backend_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("--sandbox-backend", "quantum")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid choice: 'quantum'*"])
