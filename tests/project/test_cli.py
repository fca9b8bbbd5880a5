"""`sandbox init` and `sandbox toolchain`, in process (the wheel test runs init from an installed wheel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandbox.cli.app import app
from sandbox.errors import ProjectError, SolcVersionError, ToolchainError

runner = CliRunner()


def test_init_foundry_layout_then_refuses_a_second_init(tmp_path: Path) -> None:
    done = runner.invoke(app, ["init", "--foundry", str(tmp_path / "proj")])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == [".gitignore", "foundry.toml", "lib", "script", "src", "test"]
    assert 'src = "src"' in (tmp_path / "proj" / "foundry.toml").read_text()
    assert f"Next: cd {tmp_path / 'proj'} && pytest test " in done.output
    again = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert isinstance(again.exception, ProjectError)  # main() prints it as one line
    assert "already has foundry.toml; run `sandbox init` in an empty folder" in str(again.exception)


def test_init_in_the_current_folder_says_only_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["init"])
    assert done.exit_code == 0, done.output
    assert "Next: pytest tests " in done.output and "cd ." not in done.output


def test_toolchain_path_and_list_follow_sandbox_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path / "home"))
    assert runner.invoke(app, ["toolchain", "path"]).output.strip() == str(tmp_path / "home")
    listed = runner.invoke(app, ["toolchain", "list", "--all"]).output
    assert "solc: none cached" in listed and "0.8.30" in listed and "@openzeppelin/contracts@5.4.0: not cached" in listed


def test_toolchain_install_of_an_unpublished_version_lists_the_nearest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path / "home"))
    done = runner.invoke(app, ["toolchain", "install", "solc@0.8.99"])
    assert isinstance(done.exception, SolcVersionError)
    assert "solc '0.8.99' is not a published solc-js release; nearest published: 0.8.35, 0.8.36, 0.8.37" in str(done.exception)


def test_no_registry_and_an_empty_cache_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens there
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    done = runner.invoke(app, ["toolchain", "install", "solc@0.8.19"])
    assert isinstance(done.exception, ToolchainError)
    message = str(done.exception)
    assert message.startswith("cannot fetch solc@0.8.19 from the npm registry")
    assert "run `sandbox toolchain install`" in message and str(tmp_path / "home") in message
