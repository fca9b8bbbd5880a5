"""The titanoboa row of bench/peers.py, run by the peers' own Python (a venv outside the project).

Reads one JSON request from argv[1] (the artifact's ABI and bytecode, the
token URI, the workload sizes) and prints one JSON line with the timings.
Imports nothing of the sandbox: titanoboa 0.1 pins its own py-evm and
eth-abi, so it lives in a venv of its own (bench/peers.py installs it).
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    request = json.loads(open(sys.argv[1]).read())
    import boa
    from boa_solidity import SolDeployer

    deployer = SolDeployer(request["abi"], bytes.fromhex(request["bytecode"]))
    owner = boa.env.eoa
    bob = boa.env.generate_address()
    start = time.perf_counter()
    nft = deployer.deploy("Bench", "B", owner)
    deploy = time.perf_counter() - start
    uri = request["uri"]
    logs = 0
    start = time.perf_counter()
    for _ in range(request["mints"]):
        nft.mint(bob, uri)
        logs += len(nft._computation.get_log_entries())  # the mint's logs (boa 0.1 decodes none for ABI contracts)
    mint = time.perf_counter() - start
    minted = request["mints"]
    start = time.perf_counter()
    for i in range(request["reads"]):
        nft.ownerOf(i % minted)
    read = time.perf_counter() - start
    print(json.dumps({"deploy": deploy, "mint": mint, "read": read, "logs": logs,
                      "versions": {"titanoboa": _version("titanoboa"), "boa-solidity": _version("boa-solidity")}}))


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
