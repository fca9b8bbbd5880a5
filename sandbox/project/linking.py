"""Library linking: fill the ``__$...$__`` placeholders of creation code with addresses.

solc leaves a 20-byte placeholder wherever a contract calls a public
library function, and lists each in ``linkReferences`` as ``{source:
{Library: [{"start": byte, "length": 20}]}}``. :func:`link` fills them;
:func:`needed_libraries` says which libraries an artifact needs, so
``Sandbox.deploy`` can deploy each once per chain (as forge does) unless
``libraries={"Lib": address}`` names one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from sandbox.errors import LinkError, UnknownContractError
from sandbox.project.compiler import Artifact


def needed_libraries(artifact: Artifact) -> list[str]:
    """``"path/File.sol:Lib"`` of every library ``artifact``'s creation code needs."""
    return [f"{source}:{lib}" for source, libs in sorted(artifact.link_references.items()) for lib in sorted(libs)]


def pick_address(qualified: str, libraries: Mapping[str, str]) -> str | None:
    """The address ``libraries`` gives for ``qualified`` (by full or plain name)."""
    if qualified in libraries:
        return libraries[qualified]
    return libraries.get(qualified.rsplit(":", 1)[1])


def check_names(artifact: Artifact, libraries: Mapping[str, object]) -> None:
    """Every key of ``libraries`` must be a library ``artifact`` links."""
    needed = needed_libraries(artifact)
    plain = {q.rsplit(":", 1)[1] for q in needed}
    for key in libraries:
        if key not in needed and key not in plain:
            listed = ", ".join(needed) or "none"
            raise LinkError(f"{artifact.name} does not link a library {key!r}; the libraries it links: {listed}")


def link(artifact: Artifact, addresses: Mapping[str, str]) -> str:
    """``artifact``'s creation code with every library placeholder replaced.

    ``addresses`` maps ``"path/File.sol:Lib"`` to a 0x address.
    """
    code = artifact.bytecode
    chars = list(code)
    for source, libs in artifact.link_references.items():
        for lib, refs in libs.items():
            qualified = f"{source}:{lib}"
            address = addresses.get(qualified)
            if address is None:
                raise LinkError(
                    f"{artifact.name} needs library {qualified} and no address was given; pass libraries={{{lib!r}: address}} or let deploy() deploy it"
                )
            hex_address = address.lower().removeprefix("0x")
            if len(hex_address) != 40:
                raise LinkError(f"library {qualified}: {address!r} is not a 20-byte address; pass a 0x address of 40 hex digits")
            for ref in refs:
                start, length = 2 * int(ref["start"]), 2 * int(ref["length"])
                chars[start : start + length] = hex_address
    linked = "".join(chars)
    if "__" in linked:
        raise LinkError(f"{artifact.name}'s bytecode still has a library placeholder after linking; recompile with force=True")
    return linked


def resolve_links(
    artifact: Artifact,
    libraries: Mapping[str, str],
    *,
    get: Callable[[str], Artifact],
    deploy: Callable[[str], str],
    has_code: Callable[[str], bool],
    memo: dict[str, str],
) -> dict[str, str]:
    """An address for every library ``artifact`` needs.

    ``libraries`` (already checked addresses) wins; else an address this
    chain already got for the same library code (``memo``, checked to still
    hold code, since a snapshot revert can remove it); else ``deploy``.
    """
    check_names(artifact, libraries)
    addresses: dict[str, str] = {}
    for qualified in needed_libraries(artifact):
        given = pick_address(qualified, libraries)
        if given is not None:
            addresses[qualified] = given
            continue
        try:
            library = get(qualified)
        except UnknownContractError:
            plain = qualified.rsplit(":", 1)[1]
            raise LinkError(
                f"{artifact.name} needs library {qualified}, which is not among the compiled contracts; pass libraries={{{plain!r}: address}}"
            ) from None
        if not library.deployable:
            raise LinkError(f"{artifact.name} needs library {qualified}, which has no bytecode to deploy; pass its address with libraries=")
        key = f"{qualified}@{hashlib.sha256(library.bytecode.encode()).hexdigest()[:16]}"
        known = memo.get(key)
        if known is None or not has_code(known):
            known = deploy(qualified)
            memo[key] = known
        addresses[qualified] = known
    return addresses
