"""Sweep bench: the same small sweep serial, on two local slots, and on a 2-worker Dask LocalCluster.

Reports, as ratios from one run on this machine:

1. the speed-up of a sweep on 2 cores over serial (``--workers 1`` vs ``--workers 2``);
2. Dask's overhead per run: (Dask sweep time - cluster start-up - pool sweep time) / runs,
   and the cluster start-up on its own; and the round trip of an empty task on the cluster
   (what Dask adds to a task when the task itself costs nothing).

    .venv/bin/python bench/sweep_bench.py [--seeds 3] [--script digital_collectibles]

Each run is a fresh ``python scripts/NAME.py --quick`` process with its own embedded chain,
so the speed-up is bounded by the cores the machine really has free.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.models.sweep import Sweep, find_script


def timed_sweep(script: str, folder: Path, seeds: int, **where: object) -> tuple[float, dict[str, object]]:
    plan = Sweep(find_script(script), {"supply": [3, 5]}, seeds, {"buyers": 6}, quick=True, out=folder)
    start = time.perf_counter()
    summary = plan.run(**where)  # type: ignore[arg-type]
    return time.perf_counter() - start, summary


def empty_task_round_trip(tasks: int = 50) -> tuple[float, float]:
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        startup = time.perf_counter() - start
        client.submit(int, 0).result()  # warm
        samples = []
        for i in range(tasks):
            t = time.perf_counter()
            client.submit(int, i, pure=False).result()
            samples.append(time.perf_counter() - t)
    return startup, statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--script", default="digital_collectibles")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        serial, summary = timed_sweep(args.script, root / "serial", args.seeds, workers=1)
        runs = int(summary["executed"])  # type: ignore[call-overload]
        two, _ = timed_sweep(args.script, root / "two", args.seeds, workers=2)
        startup, empty = empty_task_round_trip()
        dask, _ = timed_sweep(args.script, root / "dask", args.seeds, cluster="local:2")
    per_run_serial = serial / runs
    overhead = (dask - startup - two) / runs
    result = {
        "runs": runs, "cores": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
        "serial_s": round(serial, 2), "two_slots_s": round(two, 2), "speedup_2_cores": round(serial / two, 2),
        "dask_local2_s": round(dask, 2), "dask_cluster_startup_s": round(startup, 2),
        "dask_overhead_per_run_s": round(overhead, 3), "dask_overhead_share_of_a_run": round(overhead / per_run_serial, 3),
        "dask_empty_task_round_trip_ms": round(empty * 1000, 2), "run_s_serial_mean": round(per_run_serial, 2),
    }
    print(f"{runs} runs of {args.script} --quick (each its own process and chain), {os.cpu_count()} cores, load {result['load_average_1min']:.1f}")
    print(f"  serial {serial:.1f} s; 2 slots {two:.1f} s: speed-up x{serial / two:.2f}")
    print(f"  Dask LocalCluster(2) {dask:.1f} s, of which cluster start {startup:.1f} s: overhead per run {overhead:+.2f} s "
          f"({overhead / per_run_serial:+.1%} of a run); an empty task's round trip {empty * 1000:.1f} ms")
    out = REPO / "artifacts" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
