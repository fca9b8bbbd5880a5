"""``sandbox demo``: compile, deploy SandboxNFT, mint, transfer, show, save the art."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sandbox.helpers.nft import metadata_uri, read_metadata, svg_art
from sandbox.main import Sandbox

SAMPLES = (
    ("alice", "Bronze Ding #1", "A Shang-dynasty bronze vessel, digitised for the museum's first release."),
    ("bob", "Dunhuang Apsara #2", "A flying apsara from the Mogao caves, as a digital collectible."),
    ("carol", "Panda Ranger #3", "A Chengdu panda on patrol, a scenic-site souvenir."),
)


@dataclass
class DemoResult:
    rows: list[dict[str, object]]
    out_dir: Path
    contract_address: str


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def run_demo(out_dir: Path, console: Console, project: Path | None = None) -> DemoResult:
    with console.status("Compiling contracts (first run takes a few seconds)...") as status:
        sb = Sandbox(project, progress=lambda msg: status.update(msg))
        compiled = sb.compile()
    source = "cache" if compiled.from_cache else f"{compiled.solc.kind} solc {compiled.solc.version}"
    console.print(f"[green]✓[/] compiled {len(compiled.names())} contracts ({source})")
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    console.print(f"[green]✓[/] embedded chain {sb.chain.chain_id} with {len(sb.accounts)} funded accounts")
    nft = sb.deploy("SandboxNFT", "Sandbox Museum", "SBM", alice, sender=alice)
    console.print(f"[green]✓[/] deployed SandboxNFT at {nft.address}")
    for owner, name, description in SAMPLES:
        receipt = nft.mint(sb.accounts[owner], metadata_uri(name, description=description), sender=alice)
        token_id = receipt.events["Transfer"][0].args["tokenId"]
        console.print(f"[green]✓[/] minted #{token_id} {name!r} to {owner} (gas {receipt.gas_used:,})")
    nft.transferFrom(bob, carol, 1, sender=bob)
    console.print("[green]✓[/] bob gave token #1 to carol")

    out_dir.mkdir(parents=True, exist_ok=True)
    table = Table(title="Sandbox Museum (SBM)")
    for column in ("token id", "owner", "name", "royalty"):
        table.add_column(column)
    rows: list[dict[str, object]] = []
    for token_id in range(nft.totalSupply()):
        meta = read_metadata(nft.tokenURI(token_id))
        owner = nft.ownerOf(token_id)
        receiver, amount = nft.royaltyInfo(token_id, 10_000)
        royalty = f"{amount / 100:.1f}% to {sb.accounts.name_of(receiver) or receiver}"
        owner_name = sb.accounts.name_of(owner) or owner
        table.add_row(str(token_id), owner_name, meta["name"], royalty)
        rows.append({"token_id": token_id, "owner": owner_name, "name": meta["name"], "royalty_bps": amount})
        _write_atomic(out_dir / f"token-{token_id}.svg", svg_art(meta["name"]))
    console.print(table)
    console.print(f"Art written to [bold]{out_dir}/[/] (token-0.svg ... token-{len(rows) - 1}.svg): open them in a browser.")
    console.print(
        "\nNext, try (after [bold]source .venv/bin/activate[/]):\n"
        "  • Mint:    [bold]sandbox mint --to bob --name \"Panda #1\"[/]   then [bold]sandbox list[/]\n"
        "  • Gallery: [bold]sandbox ui[/]   and open http://127.0.0.1:8000\n"
        "  • Wallets: [bold]sandbox node[/]   (JSON-RPC on 127.0.0.1:8545 for MetaMask, cast, ethers)\n"
        "  • Python:  [bold]from sandbox import Sandbox[/] (README, 'A tour of the Python API')\n"
        "  • Models:  [bold]python scripts/holding_periods.py --quick[/]\n"
        "  • Tests:   [bold]make test[/]   Speed: [bold]make bench[/]"
    )
    return DemoResult(rows, out_dir, nft.address)
