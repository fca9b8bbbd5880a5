"""py-evm's elliptic-curve precompiles loaded when a contract first calls one, not when py-evm is imported.

py-evm's package imports every fork at its top, and with them every
precompile: ``eth.precompiles.bls12_381`` (Prague's 0x0b-0x11) imports
py_ecc's pure-Python BLS12-381 curve and pairing modules, whose constants
take 0.3-0.4 s to build on the development machine, and ``ecadd``, ``ecmul``
and ``ecpairing`` (alt_bn128, 0x06-0x08) import py_ecc's bn128 ones, another
50-65 ms. Every ``Sandbox()``, pytest session and command that touches an
engine paid for them, the revm engine too (it uses py-evm's headers and
receipts, never its precompiles). :func:`install` puts small stand-ins in
``sys.modules`` under those names: each precompile function loads the real
module (from py-evm's own files) on first call and hands over, so a contract
calling them on py-evm gets py-evm's own answer and gas. The same pattern as
:mod:`sandbox._utils.lazy_keyfile`.
"""

from __future__ import annotations

import functools
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


#: py-evm's alt_bn128 precompile modules, each defining the function of its own name
BN128 = ("ecadd", "ecmul", "ecpairing")
_loaded: dict[str, ModuleType] = {}


def _forward(submodule: str, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(f"{NAME}.{submodule}"), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"py-evm's {NAME}.{submodule}.{name}, loaded on first call."
    return call


def real_bn128(name: str) -> ModuleType:
    """py-evm's own ``eth.precompiles.<name>``, executed from its file under a private name on first use
    (the stand-in keeps the public one, which py-evm's forks already hold)."""
    module = _loaded.get(name)
    if module is None:
        stand_in = sys.modules[f"eth.precompiles.{name}"]
        spec = importlib.util.spec_from_file_location(f"eth.precompiles._sandbox_real_{name}", stand_in._sandbox_file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        _loaded[name] = module
    return module


def _bn128_stand_in(name: str, path: Path) -> ModuleType:
    module = ModuleType(f"eth.precompiles.{name}", f"Stand-in for py-evm's {name} precompile until first use (sandbox._utils.lazy_precompiles).")
    module._sandbox_stand_in = True  # type: ignore[attr-defined]
    module._sandbox_file = str(path)  # type: ignore[attr-defined]

    def call(*args: Any, **kwargs: Any) -> Any:
        if not args and "computation" not in kwargs:
            # py-evm's function is curried: a fork's table binds the gas costs first (``ecadd(gas_cost=150)``)
            # and calls the result with the computation later; bind here too, load on that call.
            return functools.partial(call, **kwargs)
        return getattr(real_bn128(name), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"py-evm's eth.precompiles.{name}.{name} (curried), loaded on first call with a computation."
    setattr(module, name, call)

    def other(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(real_bn128(name), attr)

    module.__getattr__ = other  # type: ignore[method-assign]
    return module


def _other(attr: str) -> Any:
    """A submodule by attribute (``bls12_381.bls12_381_g1``, ``.constants``): imported from the real folder."""
    if attr.startswith("__"):
        raise AttributeError(attr)
    try:
        return importlib.import_module(f"{NAME}.{attr}")
    except ModuleNotFoundError:
        raise AttributeError(f"module {NAME!r} has no attribute {attr!r}") from None


def install() -> None:
    """Put the stand-ins in place, unless py-evm is imported already (then there is nothing to save) or not installed."""
    if "eth" in sys.modules or NAME in sys.modules:
        return
    spec = importlib.util.find_spec("eth")
    if spec is None or spec.origin is None:
        return
    precompiles = Path(spec.origin).parent / "precompiles"
    folder = precompiles / "bls12_381"
    if not (folder / "__init__.py").is_file() or not all((precompiles / f"{n}.py").is_file() for n in BN128):
        return  # another py-evm layout: leave it alone
    for name in BN128:
        sys.modules[f"eth.precompiles.{name}"] = _bn128_stand_in(name, precompiles / f"{name}.py")
    package = ModuleType(NAME, "Stand-in for py-evm's BLS12-381 precompiles until first use (sandbox._utils.lazy_precompiles).")
    package.__path__ = [str(folder)]  # the real submodules import from the real folder
    package.__package__ = NAME
    package._sandbox_stand_in = True  # type: ignore[attr-defined]
    for submodule, names in _FUNCTIONS.items():
        for name in names:
            setattr(package, name, _forward(submodule, name))
    package.__getattr__ = _other  # type: ignore[method-assign]
    sys.modules[NAME] = package
