"""py-evm's BLS12-381 precompiles loaded when a contract first calls one, not when py-evm is imported.

py-evm's package imports every fork at its top, Prague's precompiles among
them, and ``eth.precompiles.bls12_381`` imports py_ecc's pure-Python
BLS12-381 curve and pairing modules, whose constants take 0.3-0.4 s to build
on this machine. Every ``Sandbox()``, pytest session and command that
touches an engine paid for them, the revm engine too (it uses py-evm's
headers and receipts, never its precompiles). :func:`install` puts a small
stand-in package in ``sys.modules`` under that name: its seven precompile
functions load the real modules (from the real folder) on first call and
hand over, so a contract calling 0x0b-0x11 on py-evm gets py-evm's own
answer and gas. The same pattern as :mod:`sandbox._utils.lazy_keyfile`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

NAME = "eth.precompiles.bls12_381"
#: py-evm's submodule → the precompile functions it defines (the names ``eth.precompiles`` imports)
_FUNCTIONS = {
    "bls12_381_g1": ("bls12_g1_add", "bls12_g1_msm", "bls12_map_fp_to_g1"),
    "bls12_381_g2": ("bls12_g2_add", "bls12_g2_msm", "bls12_map_fp2_to_g2"),
    "bls12_381_pairing": ("bls12_pairing_check",),
}


def _forward(submodule: str, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(f"{NAME}.{submodule}"), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"py-evm's {NAME}.{submodule}.{name}, loaded on first call."
    return call


def _other(attr: str) -> Any:
    """A submodule by attribute (``bls12_381.bls12_381_g1``, ``.constants``): imported from the real folder."""
    if attr.startswith("__"):
        raise AttributeError(attr)
    try:
        return importlib.import_module(f"{NAME}.{attr}")
    except ModuleNotFoundError:
        raise AttributeError(f"module {NAME!r} has no attribute {attr!r}") from None


def install() -> None:
    """Put the stand-in in place, unless py-evm is imported already (then there is nothing to save) or not installed."""
    if "eth" in sys.modules or NAME in sys.modules:
        return
    spec = importlib.util.find_spec("eth")
    if spec is None or spec.origin is None:
        return
    folder = Path(spec.origin).parent / "precompiles" / "bls12_381"
    if not (folder / "__init__.py").is_file():
        return  # another py-evm layout: leave it alone
    package = ModuleType(NAME, "Stand-in for py-evm's BLS12-381 precompiles until first use (sandbox._utils.lazy_bls).")
    package.__path__ = [str(folder)]  # the real submodules import from the real folder
    package.__package__ = NAME
    package._sandbox_stand_in = True  # type: ignore[attr-defined]
    for submodule, names in _FUNCTIONS.items():
        for name in names:
            setattr(package, name, _forward(submodule, name))
    package.__getattr__ = _other  # type: ignore[method-assign]
    sys.modules[NAME] = package
