"""``sandbox state ...``: the saved chain itself (what it holds, checkpoints, anvil interchange).

Registered on the main app by :func:`register` (one line in ``app.py``)::

    sandbox state info                      # where the chain lives, its head, its size
    sandbox state snapshot after-ex2        # a checkpoint of the whole chain
    sandbox state list                      # the checkpoints
    sandbox state restore after-ex2         # the room back to that point
    sandbox state export --anvil dump.json  # anvil --load-state dump.json starts from it
    sandbox state import dump.json          # a chain anvil dumped (anvil --dump-state)

Checkpoints are consistent copies of the store (SQLite's online backup) in
``snapshots/`` beside it; a restore replaces the chain in one step, and the
node and the gallery pick it up on their next request.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from sandbox.errors import StateFileError

state_app = typer.Typer(help="The saved chain: info, checkpoints (snapshot/restore/list), anvil export/import.", no_args_is_help=True)

ProjectOpt = Annotated[Path | None, typer.Option("--project", envvar="SANDBOX_PROJECT", help="Project folder (default: current folder).")]
StateOpt = Annotated[Path | None, typer.Option("--state", envvar="SANDBOX_STATE", help="Chain store (default: PROJECT/.sandbox/chain.db).")]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _ws(project: Path | None, state: Path | None) -> Any:
    from sandbox.cli.app import _workshop

    return _workshop(project, state)


def _checkpoint(ws: Any, name: str) -> Path:
    if not NAME.match(name):
        raise StateFileError(f"{name!r} is not a checkpoint name: use letters, digits, '.', '_' or '-' (at most 64), e.g. after-exercise-2")
    return Path(ws.store.path).parent / "snapshots" / f"{name}.db"


def _say(text: str) -> None:
    from sandbox.cli.app import say

    say(text)


@state_app.command("info")
def info(project: ProjectOpt = None, state: StateOpt = None,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False) -> None:
    """Where the chain lives, its format, chain id, head block and size."""
    ws = _ws(project, state)
    store = ws.store
    meta = store.meta()
    counts = store.counts()
    size = sum(Path(str(store.path) + s).stat().st_size for s in ("", "-wal") if Path(str(store.path) + s).exists())
    data = {"path": str(store.path), "exists": bool(counts), "format": int(meta.get("format", 0) or 0) or None,
            "chain_id": int(meta["chain_id"]) if "chain_id" in meta else None, "head": store.head(), "bytes": size, **counts}
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    if not counts:
        _say(f"no chain at {store.path} yet: `sandbox mint` or `sandbox deploy` starts one")
        return
    _say(f"{store.path} (store format {data['format']}, chain id {data['chain_id']}): head block {data['head']}, "
         f"{counts['transactions']} transactions, {counts['logs']} logs, {counts['accounts']} accounts, {size / 1e6:.2f} MB")


@state_app.command("snapshot")
def snapshot(name: Annotated[str, typer.Argument(help="Checkpoint name, e.g. after-exercise-2.")],
             force: Annotated[bool, typer.Option("--force", help="Replace a checkpoint of that name.")] = False,
             project: ProjectOpt = None, state: StateOpt = None) -> None:
    """Save a checkpoint of the whole chain (state and history)."""
    ws = _ws(project, state)
    target = _checkpoint(ws, name)
    if target.exists() and not force:
        raise StateFileError(f"a checkpoint {name!r} exists already ({target}); choose another name or pass --force to replace it")
    with ws.store.lock():
        ws.store.copy_to(target)
    _say(f"[green]✓[/] checkpoint {name!r} at block {ws.store.head()} ({target})")


@state_app.command("list")
def list_checkpoints(project: ProjectOpt = None, state: StateOpt = None,
                     as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False) -> None:
    """The checkpoints of this chain, oldest first."""
    from sandbox.workshop.db import ChainStore

    ws = _ws(project, state)
    folder = Path(ws.store.path).parent / "snapshots"
    rows = []
    for path in sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []:
        other = ChainStore(path)
        try:
            head = other.head()
        except StateFileError:
            head = None
        finally:
            other.close()
        rows.append({"name": path.stem, "head": head, "saved": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime)),
                     "bytes": path.stat().st_size})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        _say("no checkpoints yet: `sandbox state snapshot NAME` makes one")
    for row in rows:
        where = "damaged" if row["head"] is None else f"block {row['head']}"
        _say(f"{row['name']}  {where}  {row['saved']}")


@state_app.command("restore")
def restore(name: Annotated[str, typer.Argument(help="A checkpoint made by `sandbox state snapshot`.")],
            project: ProjectOpt = None, state: StateOpt = None) -> None:
    """Put the chain back to a checkpoint (the node and gallery follow on their next request)."""
    ws = _ws(project, state)
    source = _checkpoint(ws, name)
    if not source.exists():
        folder = source.parent
        known = ", ".join(sorted(p.stem for p in folder.glob("*.db"))) if folder.is_dir() else ""
        raise StateFileError(f"no checkpoint {name!r}; known: {known or 'none yet'} (`sandbox state list`)")
    with ws.store.lock():
        ws.store.restore_from(source)
    _say(f"[green]✓[/] chain restored to {name!r} (block {ws.store.head()})")


@state_app.command("export")
def export(out: Annotated[Path, typer.Option("--anvil", help="Write anvil's --dump-state JSON to this file.")],
           project: ProjectOpt = None, state: StateOpt = None) -> None:
    """Write the chain as anvil's dump: `anvil --load-state FILE` continues it."""
    from sandbox._utils.leftovers import temp_path
    from sandbox.node.anvil_state import export_anvil

    ws = _ws(project, state)
    data = export_anvil(ws.store)
    tmp = temp_path(out)  # and a killed export's leftover removed
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        raise StateFileError(f"could not write {out} ({exc.strerror or exc}); check the folder exists and is writable") from None
    finally:
        tmp.unlink(missing_ok=True)
    _say(f"[green]✓[/] {out}: {len(data['accounts'])} accounts, {len(data['blocks'])} blocks, {len(data['transactions'])} transactions "
         f"(anvil --load-state {out})")


@state_app.command("import")
def import_(dump: Annotated[Path, typer.Argument(help="An anvil --dump-state JSON file (anvil 1.3 or later).")],
            chain_id: Annotated[int, typer.Option("--chain-id", help="The chain id anvil ran with.")] = 31337,
            project: ProjectOpt = None, state: StateOpt = None) -> None:
    """Start the chain from an anvil dump: its accounts, blocks, transactions and receipts."""
    from sandbox.node.anvil_state import import_anvil, read_dump

    ws = _ws(project, state)
    data = read_dump(dump)
    with ws.store.lock():
        head = import_anvil(data, ws.store, chain_id, dump)
    _say(f"[green]✓[/] imported {dump}: chain id {chain_id}, continuing at block {head + 1} ({ws.store.path})")


def register(app: typer.Typer) -> None:
    app.add_typer(state_app, name="state")
