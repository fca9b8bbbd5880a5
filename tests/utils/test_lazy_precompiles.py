"""py-evm's elliptic-curve precompiles answer through the stand-ins (sandbox._utils.lazy_precompiles), which keep py_ecc unimported until then."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from sandbox import Sandbox
sb = Sandbox(backend=sys.argv[1])
stand_ins = ["eth.precompiles.bls12_381", "eth.precompiles.ecadd", "eth.precompiles.ecmul", "eth.precompiles.ecpairing"]
assert all(getattr(sys.modules[m], "_sandbox_stand_in", False) for m in stand_ins), [sys.modules.get(m) for m in stand_ins]
assert not [m for m in sys.modules if m.startswith("py_ecc")], [m for m in sys.modules if m.startswith("py_ecc")]

def call(to, data, price):
    # The precompile's output (eth_call), and whether a real transaction to it used exactly its intrinsic gas plus
    # ``price``, or EIP-7623's calldata floor (10 gas per token) when that is more: both engines charge it.
    tx = {"from": sb.accounts.alice.address, "to": sb.w3.to_checksum_address("0x" + to.rjust(40, "0")), "data": "0x" + data.hex(),
          "gas": 10**6}
    used = sb.w3.eth.wait_for_transaction_receipt(sb.w3.eth.send_transaction(tx))["gasUsed"]
    zeros = data.count(0)
    expected = 21_000 + 4 * zeros + 16 * (len(data) - zeros) + price
    expected = max(expected, 21_000 + 10 * (zeros + 4 * (len(data) - zeros)))
    assert used == expected, (to, used, expected)
    return bytes(sb.w3.eth.call(tx))

word = lambda n: n.to_bytes(32, "big")
from py_ecc import optimized_bn128 as bn
def p1(p): x, y = bn.normalize(p); return word(int(x)) + word(int(y))
def p2(p): x, y = bn.normalize(p); return word(int(x.coeffs[1])) + word(int(x.coeffs[0])) + word(int(y.coeffs[1])) + word(int(y.coeffs[0]))

# Istanbul's prices (EIP-1108)
assert call("06", p1(bn.G1) + p1(bn.G1), 150) == p1(bn.add(bn.G1, bn.G1))
assert call("07", p1(bn.G1) + word(7), 6_000) == p1(bn.multiply(bn.G1, 7))
assert call("08", p1(bn.G1) + p2(bn.G2) + p1(bn.neg(bn.G1)) + p2(bn.G2), 45_000 + 2 * 34_000) == word(1)
assert call("08", p1(bn.G1) + p2(bn.G2), 45_000 + 34_000) == word(0)

if sys.argv[1] == "pyevm":  # EIP-2537 (Prague): py-evm only, revm runs Cancun
    from py_ecc.optimized_bls12_381 import G1, G2, add, multiply, neg, normalize
    fp = lambda n: n.to_bytes(64, "big")
    def g1(p): x, y = normalize(p); return fp(int(x)) + fp(int(y))
    def g2(p): x, y = normalize(p); return b"".join(fp(int(c)) for c in (*x.coeffs, *y.coeffs))
    # EIP-2537's prices: G1ADD 375, PAIRING_CHECK 37,700 + 32,600 a pair
    assert call("0b", g1(G1) + g1(G1), 375) == g1(add(G1, G1)) == g1(multiply(G1, 2))
    assert call("0f", g1(G1) + g2(G2) + g1(neg(G1)) + g2(G2), 37_700 + 2 * 32_600) == word(1)
    assert call("0f", g1(G1) + g2(G2), 37_700 + 32_600) == word(0)
print("ok")
"""


def _check(backend: str) -> None:
    done = subprocess.run([sys.executable, "-c", CHECK, backend], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def test_bn128_and_bls12_381_precompiles_answer_on_pyevm() -> None:
    _check("pyevm")


def test_the_stand_ins_leave_revms_own_precompiles_alone() -> None:
    _check("revm")
