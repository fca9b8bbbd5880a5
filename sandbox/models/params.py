"""A model's parameters, declared once: name, type, default, range, unit, source.

Each script in ``scripts/`` lists its parameters in a module-level ``PARAMS``
tuple of :class:`Param`. The same declaration gives the script's
``--param NAME=VALUE`` option and its ``--help`` listing, the JSON that
``sandbox sweep SCRIPT --list --json`` prints, and the validation of a
sweep's ``--grid NAME=v1,v2,...`` values::

    PARAMS = (
        Param("supply", int, 200, (1, 10_000), "copies", "assumption: a museum's first release", quick=12),
        Param("verified_share", float, 0.75, (0.0, 1.0), "share of buyers", "assumption"),
    )
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.errors import SandboxError

_TYPES: dict[type, str] = {int: "int", float: "float", bool: "bool", str: "str"}


class ModelParamError(SandboxError, ValueError):
    """Raised when a model parameter is unknown, not of its type, or outside its declared range."""


@dataclass(frozen=True)
class Param:
    """One declared parameter of a model."""

    name: str
    type: type
    default: Any
    range: tuple[Any, Any]
    unit: str
    source: str
    #: the default under ``--quick`` (small sizes), when it differs
    quick: Any = None

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise TypeError(f"parameter {self.name}: type must be one of {sorted(_TYPES.values())}")

    def default_for(self, quick: bool) -> Any:
        return self.quick if quick and self.quick is not None else self.default

    def parse(self, text: str) -> Any:
        """The value ``text`` names, checked against the type and range."""
        value: Any
        try:
            if self.type is bool:
                lowered = text.strip().lower()
                if lowered not in ("0", "1", "true", "false", "yes", "no"):
                    raise ValueError(text)
                value = lowered in ("1", "true", "yes")
            elif self.type is int:
                value = int(text)
            elif self.type is float:
                value = float(text)
            else:
                value = text
        except ValueError:
            raise ModelParamError(f"parameter {self.name}={text!r} is not a {_TYPES[self.type]}; give e.g. {self.name}={self.default}") from None
        return self.check(value)

    def check(self, value: Any) -> Any:
        low, high = self.range
        if self.type in (int, float) and not (low <= value <= high):
            raise ModelParamError(f"parameter {self.name}={value} is outside its range [{low}, {high}] ({self.unit}); pick a value inside it")
        if self.type is str and low is not None and value not in (low, high):
            raise ModelParamError(f"parameter {self.name}={value!r} must be {low!r} or {high!r}")
        return value

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": _TYPES[self.type], "default": self.default, "range": list(self.range),
                "unit": self.unit, "source": self.source, "quick_default": self.quick}


def by_name(params: Sequence[Param]) -> dict[str, Param]:
    return {p.name: p for p in params}


def split_assignment(text: str, *, option: str = "--param") -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ModelParamError(f"{option} {text!r} is not NAME=VALUE; write e.g. {option} supply=100")
    return name.strip(), value.strip()


def lookup(params: Sequence[Param], name: str) -> Param:
    table = by_name(params)
    if name not in table:
        known = ", ".join(table) or "(this model declares none)"
        raise ModelParamError(f"unknown parameter {name!r}; this model's parameters are: {known}")
    return table[name]


def resolve(params: Sequence[Param], assignments: Iterable[str], *, quick: bool) -> dict[str, Any]:
    """Defaults (quick or full) overridden by ``NAME=VALUE`` assignments."""
    values = {p.name: p.default_for(quick) for p in params}
    for text in assignments:
        name, raw = split_assignment(text)
        values[name] = lookup(params, name).parse(raw)
    return values


def help_text(params: Sequence[Param]) -> str:
    """The parameter listing shown by a script's ``--help``."""
    if not params:
        return ""
    lines = ["parameters (set one with --param NAME=VALUE; sweep with `sandbox sweep SCRIPT --grid NAME=v1,v2`):"]
    for p in params:
        quick = f", {p.quick} under --quick" if p.quick is not None else ""
        lines.append(f"  {p.name} ({_TYPES[p.type]}, {p.unit}): default {p.default}{quick}; range [{p.range[0]}, {p.range[1]}]")
        lines.append(f"      source: {p.source}")
    return "\n".join(lines)


def format_value(value: Any) -> str:
    return str(int(value)) if isinstance(value, bool) else str(value)


def as_argv(values: Mapping[str, Any]) -> list[str]:
    """``--param`` arguments for ``values``."""
    argv: list[str] = []
    for name, value in values.items():
        argv += ["--param", f"{name}={format_value(value)}"]
    return argv
