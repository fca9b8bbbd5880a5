"""EVM versions: what each solc release can target and what each backend runs.

The EVM version of a compile unit is the project's setting, else the newest
that both its compiler and the chosen backend support. A setting newer than
the backend runs is refused before compiling; a setting newer than an old
compiler knows is lowered to that compiler's newest (as forge does), since
older bytecode runs on newer EVMs.
"""

from __future__ import annotations

from semantic_version import Version

from sandbox.errors import EvmVersionError

#: Oldest first.
EVM_VERSIONS = (
    "homestead",
    "tangerineWhistle",
    "spuriousDragon",
    "byzantium",
    "constantinople",
    "petersburg",
    "istanbul",
    "berlin",
    "london",
    "paris",
    "shanghai",
    "cancun",
    "prague",
    "osaka",
)

#: The first solc release that accepts each EVM version (solc's changelog;
#: prague and osaka checked against npm's 0.8.26..0.8.30, the 0.7.6 and 0.8.19
#: boundaries by tests/project/test_evm.py).
_FIRST_SOLC = {
    "homestead": "0.4.11",
    "tangerineWhistle": "0.4.11",
    "spuriousDragon": "0.4.11",
    "byzantium": "0.4.21",
    "constantinople": "0.4.21",
    "petersburg": "0.5.5",
    "istanbul": "0.5.14",
    "berlin": "0.7.4",  # accepted by npm's 0.7.4 (tests/project/test_evm.py checks 0.7.6)
    "london": "0.8.7",
    "paris": "0.8.18",
    "shanghai": "0.8.20",
    "cancun": "0.8.24",
    "prague": "0.8.27",
    "osaka": "0.8.29",
}

#: Part of the compile cache key: a corrected table recompiles.
EVM_TABLE_VERSION = ",".join(f"{k}={v}" for k, v in _FIRST_SOLC.items())

#: The newest EVM each backend executes. pyrevm 0.3.7 is revm 8 (Cancun);
#: an external node is assumed to be anvil-like Cancun unless configured.
_BACKEND_MAX = {"pyevm": "prague", "revm": "cancun", "rpc": "cancun"}


def max_evm_version(backend_name: str) -> str:
    """The newest EVM version ``backend_name`` (``"pyevm"``, ``"revm"``, ``"rpc"``) runs."""
    try:
        return _BACKEND_MAX[backend_name]
    except KeyError:
        raise EvmVersionError(f"unknown backend {backend_name!r}; choose one of: {', '.join(_BACKEND_MAX)}") from None


def check_evm_version(name: str) -> str:
    if name not in EVM_VERSIONS:
        raise EvmVersionError(f"unknown evm_version {name!r} in foundry.toml; choose one of: {', '.join(EVM_VERSIONS)}")
    return name


def compiler_max_evm(solc_version: str) -> str:
    """The newest EVM version ``solc_version`` accepts."""
    version = Version(solc_version)
    best = EVM_VERSIONS[0]
    for evm in EVM_VERSIONS:
        if version >= Version(_FIRST_SOLC[evm]):
            best = evm
    return best


def older(a: str, b: str) -> str:
    return a if EVM_VERSIONS.index(a) <= EVM_VERSIONS.index(b) else b


def check_backend_runs(setting: str, backend_max: str, backend_name: str | None = None) -> None:
    """Refuse an explicit EVM version the backend cannot run, naming both."""
    if EVM_VERSIONS.index(check_evm_version(setting)) > EVM_VERSIONS.index(backend_max):
        who = f"the {backend_name} backend" if backend_name else "the chosen backend"
        raise EvmVersionError(
            f"evm_version {setting!r} (foundry.toml) is newer than {who} runs (up to {backend_max!r}); "
            f"set evm_version = \"{backend_max}\" or remove it, or choose a backend that runs {setting!r}"
        )


def unit_evm_version(solc_version: str, setting: str | None, backend_max: str) -> str:
    """The EVM version a unit compiled by ``solc_version`` targets."""
    newest = compiler_max_evm(solc_version)
    if setting is not None:
        return older(setting, newest)
    return older(newest, backend_max)
