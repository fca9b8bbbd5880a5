"""``sandbox init`` and ``sandbox toolchain install|list|path``.

Registered on the main app by :func:`register` (two lines in ``app.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from sandbox.cli import consoles

console = consoles.out
toolchain_app = typer.Typer(help="The non-Python toolchain in the user cache: solc-js releases, OpenZeppelin, forge-std, anvil.", no_args_is_help=True)


def init(
    folder: Annotated[Path, typer.Argument(help="Project folder (created if missing; default: the current folder).")] = Path("."),
    foundry: Annotated[bool, typer.Option("--foundry", help="Foundry's layout: src/ test/ script/ lib/.")] = False,
) -> None:
    """Start a project: a sample NFT contract, a passing test, foundry.toml, .gitignore."""
    from sandbox.project.scaffold import init_project

    written = init_project(folder, foundry=foundry)
    for path in written:
        console.print(f"  created {path}")
    test_dir = "test" if foundry else "tests"
    here = folder.resolve() == Path.cwd().resolve()
    console.print(f"Next: {'' if here else f'cd {folder} && '}pytest {test_dir}   (compiles contracts on first use; solc is fetched once into the cache)",
                  soft_wrap=True)


def _what(spec: str) -> tuple[str, str]:
    from sandbox.project.solc_releases import check_published

    name, _, version = spec.partition("@")
    if name in ("openzeppelin", "@openzeppelin/contracts", "forge-std", "anvil"):
        return name, ""
    if name == "solc" and version:
        return "solc", check_published(version)
    return "solc", check_published(spec)


@toolchain_app.command("install")
def install(
    specs: Annotated[
        list[str] | None,
        typer.Argument(help="solc@0.8.19 (or 0.8.19), openzeppelin, forge-std, anvil; default: the default solc, OpenZeppelin and forge-std."),
    ] = None,
) -> None:
    """Fetch into the cache (through npm, hashes checked) what compiles and tests need."""
    from sandbox.project.toolchain import BUNDLED, DEFAULT_SOLC, foundry_binary, package_dir, solc_binary, toolchain_home

    wanted = [_what(s) for s in (specs or [f"solc@{DEFAULT_SOLC}", "openzeppelin", "forge-std"])]
    for kind, version in wanted:
        start = time.perf_counter()
        if kind == "solc":
            where = solc_binary(version, progress=console.print).parent
            label = f"solc {version}"
        elif kind == "anvil":
            where = foundry_binary("anvil")
            label = "anvil"
        else:
            prefix = "forge-std/" if kind == "forge-std" else "@openzeppelin/contracts/"
            folder = package_dir(BUNDLED[prefix], progress=console.print)
            where = folder if folder is not None else toolchain_home()
            label = BUNDLED[prefix].spec
        console.print(f"✓ {label}: {where} ({time.perf_counter() - start:.1f} s)", soft_wrap=True)


@toolchain_app.command("list")
def list_(all_: Annotated[bool, typer.Option("--all", help="Also every published solc-js release.")] = False) -> None:
    """What the cache holds."""
    from semantic_version import Version

    from sandbox.project.solc_releases import published
    from sandbox.project.toolchain import BUNDLED, cached_solc_versions, package_dir, toolchain_home

    console.print(f"cache: {toolchain_home()}", soft_wrap=True)
    cached = sorted(cached_solc_versions(), key=Version)
    console.print(f"solc: {', '.join(cached) or 'none cached'}")
    for package in BUNDLED.values():
        present = package_dir(package, fetch=False)
        console.print(f"{package.spec}: {'cached' if present is not None else 'not cached'}")
    if all_:
        console.print("published solc-js releases: " + ", ".join(str(v) for v in published()), soft_wrap=True)


@toolchain_app.command("path")
def path() -> None:
    """Print the cache folder (set SANDBOX_HOME to move it)."""
    from sandbox.project.toolchain import toolchain_home

    typer.echo(str(toolchain_home()))


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.add_typer(toolchain_app, name="toolchain")
