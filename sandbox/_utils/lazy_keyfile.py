"""eth-keyfile loaded when a keystore is first read or written, not when eth-account is imported.

eth-account imports eth-keyfile at its top, and eth-keyfile imports py_ecc's
pure-Python BLS12-381 pairing and secp256k1 modules, whose constants take
about a quarter of a second to build. eth-tester imports eth-account, so
every command, every ``Sandbox()`` and every pytest session paid for
keystore support that almost none of them use. :func:`install` puts two
small stand-in modules in ``sys.modules`` under eth-keyfile's names; each of
their functions loads the real eth-keyfile on first call and hands over.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any, Literal

_NAMES = ("eth_keyfile", "eth_keyfile.keyfile")
_FUNCTIONS = ("create_keyfile_json", "decode_keyfile_json", "extract_key_from_keyfile", "load_keyfile")
_real: ModuleType | None = None


def real() -> ModuleType:
    """The real ``eth_keyfile.keyfile`` (imported now if it was not yet)."""
    global _real
    if _real is None:
        for name in _NAMES:
            if getattr(sys.modules.get(name), "_sandbox_stand_in", False):
                del sys.modules[name]
        _real = importlib.import_module("eth_keyfile.keyfile")
    return _real


def _forward(name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(real(), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"eth_keyfile.{name}, loaded on first call."
    return call


def _stand_in(name: str) -> ModuleType:
    module = ModuleType(name, "Stand-in for eth-keyfile until first use (sandbox._utils.lazy_keyfile).")
    module._sandbox_stand_in = True  # type: ignore[attr-defined]
    module.KDFType = Literal["pbkdf2", "scrypt"]  # type: ignore[attr-defined]  # eth-keyfile's own definition
    for function in _FUNCTIONS:
        setattr(module, function, _forward(function))
    module.__getattr__ = _other  # type: ignore[method-assign]
    return module


def _other(attr: str) -> Any:
    """Any other public name: the real module's (dunder look-ups by the import system and ``repr`` do not load it)."""
    if attr.startswith("__"):
        raise AttributeError(attr)
    return getattr(real(), attr)


def install() -> None:
    """Put the stand-ins in place, unless eth-keyfile is imported already (then there is nothing to save)."""
    if _NAMES[0] in sys.modules:
        return
    package, keyfile = _stand_in(_NAMES[0]), _stand_in(_NAMES[1])
    package.keyfile = keyfile  # type: ignore[attr-defined]
    package.__path__ = []  # a package, so ``import eth_keyfile.keyfile`` finds the stand-in in sys.modules
    sys.modules[_NAMES[0]], sys.modules[_NAMES[1]] = package, keyfile
