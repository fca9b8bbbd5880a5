"""Every failure a user can cause, as a typed subclass of :class:`SandboxError`.

Messages name the bad value and the fix. The command line prints
``str(error)`` on one line and exits non-zero; Python callers catch by type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class SandboxError(Exception):
    """Raised for any failure the sandbox reports to its user (the root type)."""


class ProjectError(SandboxError, ValueError):
    """Raised when the project folder or its configuration files are unusable."""


class ToolchainError(SandboxError, RuntimeError):
    """Raised when node, npm packages or a solc binary are missing or broken."""


class CompileError(SandboxError):
    """Raised when solc reports errors; ``errors`` lists each with file:line:col."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


class UnknownContractError(SandboxError, KeyError):
    """Raised when a contract name is not among the compiled contracts."""

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0])


class UnknownAccountError(SandboxError, KeyError):
    """Raised when an account name, index or address is not a known account."""

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidAddressError(SandboxError, ValueError):
    """Raised when a value is not a valid (or not a correctly checksummed) address."""


class ArgumentError(SandboxError, TypeError):
    """Raised when arguments do not match any ABI signature of a function."""


class ChainError(SandboxError, RuntimeError):
    """Raised when the chain cannot do what was asked (bad snapshot, unsupported method)."""


class TransactionRejected(ChainError):
    """Raised when the chain refuses a transaction before running it (nonce, funds, chain id, unknown sender)."""


class MalformedTransaction(TransactionRejected, ValueError):
    """Raised when raw transaction bytes are not a signed transaction at all."""


class KeyLoadError(SandboxError, ValueError):
    """Raised when a private key (environment variable or keystore file) cannot be loaded."""


class NodeError(SandboxError, RuntimeError):
    """Raised when a local node (anvil) cannot be started or stops unexpectedly."""


class ContractReverted(SandboxError):
    """Raised when a transaction or call reverts; carries the decoded reason.

    Attributes:
        kind: ``"error"`` for ``Error(string)``, ``"panic"``, ``"custom"``,
            ``"unknown"`` (undecodable data) or ``"empty"`` (no data).
        name: ``"Error"``, ``"Panic"``, the custom error's name, or ``None``.
        revert_args: decoded arguments by name (``{"message": ...}`` for ``Error``).
        data: the raw revert data.
        reason: a one-line human reading of the revert.
        trace: the call trace of the failing run (see :attr:`trace`), set by the contract handles.
    """

    def __init__(
        self,
        reason: str,
        *,
        kind: str,
        name: str | None = None,
        args: dict[str, Any] | None = None,
        data: bytes = b"",
        panic_code: int | None = None,
    ) -> None:
        super().__init__(f"execution reverted: {reason}")
        self.reason = reason
        self.kind = kind
        self.name = name
        self.revert_args: dict[str, Any] = dict(args or {})
        self.data = data
        self.panic_code = panic_code

    @property
    def message(self) -> str | None:
        """The ``Error(string)`` message, if the revert carried one."""
        value = self.revert_args.get("message")
        return value if self.kind == "error" else None

    #: The call trace when known, or what finds it (see :attr:`trace`).
    _trace: Any = None
    _find_trace: Callable[[], Any] | None = None

    @property
    def trace(self) -> Any:
        """The call trace of the failing run (a ``sandbox.contracts.trace.CallTrace``), or ``None`` when the
        engine recorded none; found when first read (revm runs the failure again, traced, only then)."""
        find = self._find_trace
        if find is not None:
            self._find_trace = None
            try:
                self._trace = find()
            except Exception:  # a trace is a help, never a second failure
                self._trace = None
        return self._trace

    @trace.setter
    def trace(self, value: Any) -> None:
        self._trace, self._find_trace = value, None

    def trace_when_read(self, find: Callable[[], Any]) -> None:
        """Let :attr:`trace` be ``find()``, called when it is first read."""
        self._trace, self._find_trace = None, find


class StateFileError(SandboxError, ValueError):
    """Raised when the chain store is damaged, foreign, newer, unreadable or cannot be written (it is kept as it is)."""


class StateLockedError(SandboxError, TimeoutError):
    """Raised when another sandbox command holds the chain store for too long."""


class TokenError(SandboxError, ValueError):
    """Raised when a token id does not exist or the token cannot move (not its owner, held, soulbound)."""


class PortInUseError(SandboxError, OSError):
    """Raised when the port for `sandbox node` or `sandbox ui` is already taken."""


class BadPortError(SandboxError, ValueError):
    """Raised when a port for `sandbox node` or `sandbox ui` is outside 0..65535 or a host does not resolve."""


class CrossSiteError(SandboxError, PermissionError):
    """Raised when a request from another site's web page tries to change the chain or sign with dev keys."""


class SolcVersionError(ProjectError):
    """Raised when no published solc fits: an unknown version, or pragmas no single release satisfies."""


class ImportNotFoundError(ProjectError):
    """Raised when a Solidity import resolves to no file (the message lists the remappings and folders searched)."""


class EvmVersionError(ProjectError):
    """Raised when the project's EVM version is unknown or newer than the chosen backend runs."""


class LinkError(SandboxError, ValueError):
    """Raised when a contract needs a library that cannot be linked (unknown name, not deployable, bad address)."""


class SolcWarning(UserWarning):
    """Issued once per compile for each solc warning (hide with quiet=True, SANDBOX_QUIET=1 or foundry.toml ignored_error_codes)."""


class CheatcodeError(ChainError, ValueError):
    """Raised when a cheatcode gets a value it cannot write (a slot or value over 32 bytes, a bad balance)."""


class CoverageError(SandboxError, ValueError):
    """Raised when a coverage report cannot be shown (none written yet, unreadable, or no such file in it)."""


class ServerError(SandboxError, RuntimeError):
    """Raised when the warm command server (``sandbox server``) cannot start or be reached."""
