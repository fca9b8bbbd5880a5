"""The ``sandbox`` command (typer + rich).

Every :class:`~sandbox.errors.SandboxError` becomes one red line and exit
status 1: no traceback at the command line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sandbox.cli import console_out, consoles, coverage_cmds, did_cmds, models_cmds, project_cmds, server_cmds, state_cmds
from sandbox.errors import SandboxError

app = typer.Typer(
    name="sandbox",
    help="NFT & DApp Sandbox: Solidity contracts on a local Ethereum chain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = consoles.out
err_console = consoles.err


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the generated SVG art.")] = Path("sandbox-demo"),
    project: Annotated[Path | None, typer.Option(help="Project folder (default: current folder).")] = None,
) -> None:
    """Compile, deploy SandboxNFT, mint three NFTs, give one away, show them."""
    from sandbox.cli.demo import run_demo

    run_demo(out, console.console, project)


@app.command()
def compile(
    project: Annotated[Path | None, typer.Option(help="Project folder (default: current folder).")] = None,
    force: Annotated[bool, typer.Option(help="Ignore the cache.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Hide solc's warnings.")] = False,
    backend: Annotated[str, typer.Option(help="Cap the EVM version for this backend: pyevm, revm, rpc.")] = "pyevm",
) -> None:
    """Compile the project's contracts and list them."""
    from sandbox.project.compiler import compile_project
    from sandbox.project.config import Project

    compiled = compile_project(Project.load(project), force=force, progress=console.print, backend=backend)
    if not quiet:
        for text in compiled.warnings:
            err_console.print(f"[yellow]warning:[/] {escape(text)}", highlight=False, soft_wrap=True)
    units = ", ".join(f"solc {u.solc.version} ({u.solc.kind}, EVM {u.evm_version})" for u in compiled.units)
    source = "cache" if compiled.from_cache else units
    console.print(f"{len(compiled.names())} contracts from {source}: {', '.join(compiled.names())}")


# -- the workshop: commands on one persistent chain (.sandbox/chain.db) ------------

ProjectOpt = Annotated[Path | None, typer.Option("--project", envvar="SANDBOX_PROJECT", help="Project folder (default: current folder).")]
StateOpt = Annotated[Path | None, typer.Option("--state", envvar="SANDBOX_STATE", help="Chain store (default: PROJECT/.sandbox/chain.db).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")]
CollectionOpt = Annotated[str | None, typer.Option("--collection", help="Another NFT contract (deployed name or address).")]


def _workshop(project: Path | None, state: Path | None, backend: str | None = None) -> Any:
    """The workshop chain; ``backend`` from ``--backend``, else SANDBOX_BACKEND, else the project's default (py-evm)."""
    import os

    from sandbox.backends import EMBEDDED
    from sandbox.errors import ChainError
    from sandbox.workshop.session import Workshop

    source = "--backend" if backend else "SANDBOX_BACKEND"
    backend = backend or os.environ.get("SANDBOX_BACKEND") or None  # read here, at the boundary, once
    if backend is not None and backend not in EMBEDDED:
        raise ChainError(f"{source}={backend!r}: the workshop chain runs on an embedded engine; use one of {', '.join(EMBEDDED)}")
    workshop = Workshop(project, state=state, backend=backend)
    # Plain print, not rich: a Ctrl-C inside rich's print can leave the line in its buffer, printed again later.
    workshop.on_wait = lambda: print(f"waiting for another sandbox command to finish with {workshop.store.path} ...",
                                     file=sys.stderr, flush=True)
    return workshop


def say(*objects: Any) -> None:
    """Print without wrapping long lines (addresses, hashes) at 80 columns."""
    console.print(*objects, soft_wrap=True)


def _emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        render()


@app.command()
def accounts(project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False) -> None:
    """List the named accounts with their ether and how many NFTs each holds."""
    from sandbox.workshop import collection

    ws = _workshop(project, state)
    with ws.session() as sb:
        rows = collection.accounts(ws, sb)
    table = Table("name", "address", "ether", "NFTs")
    for row in rows:
        table.add_row(row["name"], row["address"], row["balance_eth"], str(row["nfts"]))
    _emit(rows, as_json, lambda: console.print(table))


@app.command()
def mint(
    to: Annotated[str, typer.Option("--to", help="Who gets the NFT: an account name (bob) or an address.")],
    name: Annotated[str, typer.Option("--name", help='The NFT\'s name, e.g. "Panda #1".')],
    description: Annotated[str, typer.Option(help="A line about it.")] = "",
    image: Annotated[Path | None, typer.Option(help="PNG, JPEG, GIF, WebP or SVG file (default: generated art).")] = None,
    sender: Annotated[str | None, typer.Option("--from", help="Minter (default: the collection's owner, alice).")] = None,
    collection_ref: CollectionOpt = None,
    project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """Mint an NFT to an account (the first mint deploys the workshop collection)."""
    from sandbox.helpers.nft import check_image, check_text
    from sandbox.workshop import collection

    check_text(name, description)
    data = collection.read_image(image) if image is not None else None
    if data is not None and image is not None:
        check_image(data, image.name)  # by content, not by name: text called .png is refused here
    ws = _workshop(project, state)
    with ws.session(write=True) as sb:
        result = collection.mint(ws, sb, to=to, name=name, description=description, image=data,
                                 filename=image.name if image else "", collection=collection_ref, sender=sender)
    _emit(result, as_json, lambda: say(
        f"[green]✓[/] minted #{result['token_id']} {escape(repr(name))} to {escape(result['owner_name'])} (gas {result['gas_used']:,}); "
        f"see it with [bold]sandbox show {result['token_id']}{escape(' --collection ' + collection_ref) if collection_ref else ''}[/]"))


@app.command()
def show(
    token_id: Annotated[int, typer.Argument(help="Token id (0, 1, ...).")],
    collection_ref: CollectionOpt = None, project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """Show one NFT: name, description, owner and every transfer."""
    from sandbox.workshop import collection

    ws = _workshop(project, state)
    with ws.session() as sb:
        entry = collection.token(ws, sb, token_id, collection=collection_ref)

    def render() -> None:
        say(f"[bold]#{entry['token_id']} {escape(entry['name'])}[/] in {escape(entry['collection'])} {entry['contract']}")
        if entry["description"]:
            say(escape(entry["description"]))
        say(f"owner: [bold]{escape(entry['owner_name'])}[/] ({entry['owner']})")
        say(f"image: {escape(entry['image'][:60])}{'...' if len(entry['image']) > 60 else ''} ({len(entry['image']):,} characters)")
        table = Table("block", "from", "to", "transaction", title="history")
        for h in entry["history"]:
            table.add_row(str(h["block"]), "minted" if h["from_name"] == "nobody" else escape(h["from_name"]), escape(h["to_name"]), h["tx"])
        console.print(table)

    _emit(entry, as_json, render)


@app.command("list")
def list_tokens(
    owner: Annotated[str | None, typer.Option(help="Only this account's NFTs (name or address).")] = None,
    collection_ref: CollectionOpt = None, project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """List the NFTs on the chain (all ERC-721 tokens, or one owner's)."""
    from sandbox.workshop import collection

    ws = _workshop(project, state)
    with ws.session() as sb:
        rows = collection.tokens(ws, sb, owner=owner, collection=collection_ref)
    rows = [{k: v for k, v in r.items() if k != "image"} for r in rows] if as_json else rows
    table = Table("id", "name", "owner", "collection", "transfers")
    for r in rows:
        table.add_row(str(r["token_id"]), escape(r["name"]), escape(r["owner_name"]), f"{escape(r['collection'])} {r['contract'][:10]}...",
                      str(len(r["history"]) - 1))
    _emit(rows, as_json, lambda: console.print(table if rows else "no NFTs yet: try [bold]sandbox mint --to bob --name \"Panda #1\"[/]"))


@app.command()
def transfer(
    token_id: Annotated[int, typer.Argument(help="Token id to give away.")],
    sender: Annotated[str, typer.Option("--from", help="Its current owner (name or address).")],
    to: Annotated[str, typer.Option("--to", help="Who gets it (name or address).")],
    collection_ref: CollectionOpt = None, project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """Give an NFT to someone else."""
    from sandbox.workshop import collection

    ws = _workshop(project, state)
    with ws.session(write=True) as sb:
        result = collection.transfer(ws, sb, token_id, sender=sender, to=to, collection=collection_ref)
    _emit(result, as_json, lambda: say(
        f"[green]✓[/] {escape(result['from_name'])} gave #{token_id} {escape(repr(result['name']))} to {escape(result['to_name'])}"))


@app.command()
def deploy(
    contract: Annotated[str, typer.Argument(help="Contract name from contracts/, e.g. SandboxNFT.")],
    args: Annotated[list[str] | None, typer.Argument(help="Constructor arguments (account names work for addresses).")] = None,
    sender: Annotated[str, typer.Option("--from", help="Deployer.")] = "alice",
    value: Annotated[str, typer.Option(help="Ether to send, e.g. 1ether.")] = "0",
    project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """Deploy any contract of the project on the workshop chain."""
    from sandbox.workshop import words as calls

    ws = _workshop(project, state)
    with ws.session(write=True) as sb:
        result = calls.deploy(ws, sb, contract, list(args or []), sender=sender, value=value)
    _emit(result, as_json, lambda: say(f"[green]✓[/] deployed {contract} at {result['address']} (gas {result['gas_used']:,})"))


@app.command()
def call(
    target: Annotated[str, typer.Argument(help="CONTRACT.FUNCTION, e.g. SandboxNFT.ownerOf.")],
    args: Annotated[list[str] | None, typer.Argument(help="Arguments.")] = None,
    sender: Annotated[str | None, typer.Option("--from", help="msg.sender for the call.")] = None,
    project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """Read from a deployed contract (no transaction)."""
    from sandbox.workshop import words as calls

    ws = _workshop(project, state)
    with ws.session() as sb:
        result = calls.call(ws, sb, target, list(args or []), sender=sender)
    _emit(result, as_json, lambda: say(escape(json.dumps(result["result"], default=str))))


@app.command()
def send(
    target: Annotated[str, typer.Argument(help="CONTRACT.FUNCTION, e.g. SandboxNFT.setMaxSupply.")],
    args: Annotated[list[str] | None, typer.Argument(help="Arguments.")] = None,
    sender: Annotated[str, typer.Option("--from", help="Who sends the transaction.")] = "alice",
    value: Annotated[str, typer.Option(help="Ether to send, e.g. 0.1ether.")] = "0",
    project: ProjectOpt = None, state: StateOpt = None, as_json: JsonOpt = False,
) -> None:
    """Send a transaction to a deployed contract."""
    from sandbox.workshop import words as calls

    ws = _workshop(project, state)
    with ws.session(write=True) as sb:
        result = calls.send(ws, sb, target, list(args or []), sender=sender, value=value)

    def render() -> None:
        say(f"[green]✓[/] {escape(target)} in block {result['block']} (gas {result['gas_used']:,}) {result['tx']}")
        for e in result["events"]:
            say(f"  {escape(e['event'])} {escape(json.dumps(e['args'], default=str))}")

    _emit(result, as_json, render)


@app.command()
def reset(project: ProjectOpt = None, state: StateOpt = None) -> None:
    """Forget the chain and start a new one (a store that does not open is kept as .bak)."""
    ws = _workshop(project, state)
    backup = ws.reset()
    say("[green]✓[/] new chain: the next command starts from block 0 with funded accounts"
                  + (f" (the store that did not open was kept as {backup})" if backup else ""))


HostOpt = Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 opens it to your network.")]
BackendOpt = Annotated[str | None, typer.Option(
    "--backend", metavar="pyevm|revm", help="The engine the chain runs on (default: SANDBOX_BACKEND, else pyevm); a saved chain loads on either.")]


@app.command()
def node(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8545, host: HostOpt = "127.0.0.1",
    allow_origin: Annotated[list[str] | None, typer.Option(
        "--allow-origin", help="A web page origin (http://host:port, or *) allowed to make the node sign with its dev accounts.")] = None,
    block_time: Annotated[int | None, typer.Option("--block-time", "-b", min=1, max=86_400,
        help="Mine a block every N seconds (interval mining) instead of each transaction as it arrives.")] = None,
    no_mining: Annotated[bool, typer.Option("--no-mining", help="Leave transactions pending until evm_mine / anvil_mine.")] = False,
    project: ProjectOpt = None, state: StateOpt = None, backend: BackendOpt = None,
) -> None:
    """Serve the workshop chain over JSON-RPC (MetaMask, ethers.js, viem, cast)."""
    from sandbox.node.server import bind, check_port, create_app, serve

    check_port(port)

    ws = _workshop(project, state, backend)
    with ws.session() as sb:
        chain_id = sb.chain.chain_id
    sock = bind(host, port)
    say(f"[green]✓[/] JSON-RPC node on [bold]http://{host}:{port}[/] (chain id {chain_id}, engine {ws.backend}), state in {ws.store.path}")
    say(f"  try: cast block-number --rpc-url http://{host}:{port}    (Ctrl-C stops)")
    serve(create_app(ws, allow_origins=allow_origin or (), block_time=block_time, mining=not no_mining), sock)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000, host: HostOpt = "127.0.0.1",
    project: ProjectOpt = None, state: StateOpt = None, backend: BackendOpt = None,
) -> None:
    """Open the web gallery: every NFT, a mint form, give-aways, balances, live updates."""
    from sandbox.node.server import bind, check_port, serve
    from sandbox.web import create_app

    check_port(port)
    ws = _workshop(project, state, backend)
    with ws.session():
        pass  # a bad state file or project stops here, before the server starts
    sock = bind(host, port)
    say(f"[green]✓[/] gallery on [bold]http://{host}:{port}[/] (state in {ws.store.path}); Ctrl-C stops")
    serve(create_app(ws), sock)


@app.command()
def room(
    port: Annotated[int, typer.Option(help="Gallery port.")] = 8000,
    node_port: Annotated[int, typer.Option("--node-port", help="JSON-RPC node port.")] = 8545,
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps the room on this machine.")] = "0.0.0.0",
    project: ProjectOpt = None, state: StateOpt = None, backend: BackendOpt = None,
) -> None:
    """Run a workshop room: gallery and node on the network, a join page with a QR code, the organiser's page."""
    from sandbox.node.server import BackgroundServer, bind, check_port, serve
    from sandbox.node.server import create_app as node_app
    from sandbox.web import create_app
    from sandbox.web.room import lan_address, terminal_qr

    check_port(port)
    check_port(node_port)
    ws = _workshop(project, state, backend)
    with ws.session():
        pass  # a bad state file or project stops here, before the servers start
    sock = bind(host, port)
    ip = lan_address() if host in ("0.0.0.0", "::") else host
    port = sock.getsockname()[1]  # the real one when --port 0
    join = f"http://{ip}:{port}/join"
    with BackgroundServer(node_app(ws), host, node_port) as node:
        node_port = node.sock.getsockname()[1]
        if host not in ("127.0.0.1", "localhost", "::1"):
            say(f"[yellow]![/] listening on {host}: anyone on this network can use the dev accounts, mint and send their "
                "(worthless) ether. Run rooms on a workshop network only; the keys are public.")
        say(f"[green]✓[/] room open: attendees join at [bold]{join}[/] (QR code below); organiser: http://{ip}:{port}/room")
        say(f"  JSON-RPC node: http://{ip}:{node_port} (chain id 31337); state in {ws.store.path}; Ctrl-C stops")
        console.print(terminal_qr(join), highlight=False, markup=False)
        serve(create_app(ws, room=True, join_url=join, hosts=[ip]), sock)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    script: Annotated[Path, typer.Argument(help="A Python file; Sandbox() inside it works on the workshop chain.")],
    project: ProjectOpt = None, state: StateOpt = None,
) -> None:
    """Run a Python script on the workshop chain (extra arguments go to the script)."""
    from sandbox.node.server import run_script

    run_script(_workshop(project, state), script, list(ctx.args))


models_cmds.register(app)  # sandbox sweep, sandbox check (the business-model scripts)
project_cmds.register(app)  # sandbox init, sandbox toolchain install|list|path
did_cmds.register(app)  # sandbox did resolve DID
state_cmds.register(app)  # sandbox state info|snapshot|restore|list|export|import
console_out.register(app)  # console.log lines after a command's output, and in sandbox node's log
coverage_cmds.register(app)  # sandbox coverage: the last Solidity coverage report
server_cmds.register(app)  # sandbox server start|status|stop (and sandbox status, sandbox stop)


_COMMAND: Any = None


def command_line() -> Any:
    """The app as one click command, built once (typer builds it from every function's signature, ~0.1 s;
    the warm command server builds it before it forks)."""
    global _COMMAND
    if _COMMAND is None:
        _COMMAND = typer.main.get_command(app)
    return _COMMAND


def main(*, prog_name: str | None = None) -> None:
    """Entry point: run the app, turning sandbox errors into one line."""
    try:
        # Without standalone mode typer returns an exit status instead of leaving: typer.Exit(n) and
        # Ctrl-C (130) come back here as a number (it used to be dropped: an interrupted command said 0).
        status = command_line()(standalone_mode=False, prog_name=prog_name)
        if status == 130:
            raise KeyboardInterrupt
        if isinstance(status, int) and not isinstance(status, bool) and status != 0:
            sys.exit(status)
    except SandboxError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors from typer's click (vendored as typer._click in new typer).
        exit_code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(exit_code, int):
            exc.show()
            sys.exit(exit_code)
        raise


if __name__ == "__main__":
    main()
