"""The installed package works outside this repository: build the wheel, install it
into a fresh venv, `sandbox init` an empty folder and run `pytest` there.

One wheel and one venv per session. The venv has no system site-packages; its
dependencies come from uv's (or pip's) cache, and from the registry only for
what the cache lacks. The toolchain cache (solc-js, OpenZeppelin) is the user's,
shared as it is for any project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "PYTEST_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=_clean_env(**env), timeout=900)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the freshly built wheel (and its [test] extra) installed; returns its bin/."""
    work = tmp_path_factory.mktemp("wheel")
    uv = shutil.which("uv", path=str(BIN))
    # No --wheel: build makes the sdist, then the wheel from the sdist, so both are proved.
    build = [sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(REPO)]
    if uv:
        build[3:3] = ["--installer", "uv"]
    done = _run(build, REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert next((work / "dist").glob("nft_dapp_sandbox-*.tar.gz"), None) is not None
    wheel = next((work / "dist").glob("nft_dapp_sandbox-*.whl"))
    venv = work / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    requirement = f"{wheel}[test]"
    constraints = ["-c", str(REPO / "requirements.lock")]
    if uv:
        assert _run([uv, "venv", "-q", "--python", base, str(venv)], work).returncode == 0
        install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *constraints, requirement]
        done = _run([*install[:3], "--offline", *install[3:]], work)
        if done.returncode != 0:  # something is not in uv's cache yet: ask the registry
            done = _run(install, work)
    else:
        assert _run([base, "-m", "venv", str(venv)], work).returncode == 0
        done = _run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *constraints, requirement], work)
    assert done.returncode == 0, done.stderr[-2000:]
    return venv / "bin"


def test_the_wheel_runs_init_and_pytest_outside_the_repository(installed: Path, tmp_path: Path) -> None:
    site = next(installed.parent.glob("lib/python*/site-packages"))
    assert (site / "sandbox" / "project" / "solc_releases.json").is_file()
    assert (site / "sandbox" / "project" / "templates" / "test_sample_nft.py.tmpl").is_file()
    assert not any(str(REPO) in p.read_text() for p in site.glob("*.pth")), "the venv must not point back at the repository"
    project = tmp_path / "my-nft"
    init = _run([str(installed / "sandbox"), "init", str(project)], tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    assert (project / "contracts" / "SampleNFT.sol").is_file() and (project / "foundry.toml").is_file()
    # pytest started from tests/, as users do: the plugin finds the project above the rootdir.
    tests = _run([str(installed / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project / "tests")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "2 passed" in tests.stdout
