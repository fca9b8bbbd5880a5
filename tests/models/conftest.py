"""One small sweep of digital_collectibles on a local process pool, shared by the models tests.

2 x 2 grid (supply x public_sale) x 2 seeds at --quick sizes with six
buyers, so eight short runs; public_sale=1 is the scenario that breaks the
real-name rule, public_sale=0 the one that keeps every rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.models.sweep import Sweep, find_script

GRID = {"supply": [3, 5], "public_sale": [False, True]}
FIXED = {"buyers": 6, "verified_share": 0.3}


def make_sweep(out: Path) -> Sweep:
    return Sweep(find_script("digital_collectibles"), dict(GRID), 2, dict(FIXED), quick=True, out=out)


@pytest.fixture(scope="session")
def pool_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sweep, dict[str, Any]]:
    plan = make_sweep(tmp_path_factory.mktemp("pool") / "sweep")
    return plan, plan.run(workers=2)
