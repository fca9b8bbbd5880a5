"""The import paths of the flat 0.1 layout, kept working after the move to packages.

``import sandbox.nft`` gives the very module ``sandbox.helpers.nft`` (same
object, so patches and ``isinstance`` checks agree), without a file per old
name. New code imports the new paths; these exist for users' code and docs.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import importlib.abc

# The finder and loader follow importlib's protocols without subclassing importlib.abc: importing it
# pulls in importlib.resources (tens of milliseconds), and every `sandbox` command imports this module.

#: old path → new path
ALIASES: dict[str, str] = {
    "sandbox.accounts": "sandbox.chain.accounts",
    "sandbox.anvil": "sandbox.chain.anvil",
    "sandbox.keys": "sandbox.chain.keys",
    "sandbox.compiler": "sandbox.project.compiler",
    "sandbox.toolchain": "sandbox.project.toolchain",
    "sandbox.reverts": "sandbox.contracts.reverts",
    "sandbox.facade": "sandbox.main",
    "sandbox.pytest_plugin": "sandbox.testing.plugin",
    "sandbox.strategies": "sandbox.testing.strategies",
    "sandbox.balances": "sandbox.testing.balances",
    "sandbox.gas_report": "sandbox.testing.gas_report",
    "sandbox.nft": "sandbox.helpers.nft",
    "sandbox.merkle": "sandbox.helpers.merkle",
    "sandbox.bridge": "sandbox.helpers.bridge",
    "sandbox.identity": "sandbox.helpers.identity",
    "sandbox.report": "sandbox.models.report",
    "sandbox.demo": "sandbox.cli.demo",
}


class _AliasLoader:
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # a placeholder; exec_module swaps in the real module

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns whatever sys.modules holds after exec_module.
        sys.modules[module.__name__] = importlib.import_module(ALIASES[module.__name__])


class _AliasFinder:
    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in ALIASES:
            return importlib.machinery.ModuleSpec(fullname, cast("importlib.abc.Loader", _AliasLoader()))
        return None


def install() -> None:
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
