"""Parameter sweeps of a model script: every combination x seed, each run its own process.

``sandbox sweep SCRIPT --grid NAME=v1,v2 [--grid ...] --seeds K`` builds the
runs (the grid's product times seeds 1..K), runs each as a fresh
``python SCRIPT --param ... --seed S`` child process (so every run builds
its own embedded chain; nothing is shared between runs), keeps each finished
run's figures in ``runs/<id>/`` as soon as it ends, and writes:

- ``results.csv``: one row per run (parameters, seed, every numeric figure);
- ``sweep.json``: the grid, the runs, and for every figure and every grid
  point the mean across seeds with its 95% interval (Student's t);
- ``charts/*.png``, ``sweep.png`` and ``index.html``: each figure against
  each swept parameter, with the intervals as error bars.

Runs go to a local pool (one slot per core by default) or, with
``--cluster``, to Dask distributed workers (``tcp://scheduler:8786`` or
``local:N`` for a LocalCluster of N processes); a run's figures do not
depend on where it ran. An interrupted sweep keeps its finished runs; the
same command resumes it and runs only the rest.
"""

from __future__ import annotations

import csv
import hashlib
import html
import importlib.util
import io
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, stdev
from typing import Any

from sandbox.errors import SandboxError
from sandbox.models import params as model_params
from sandbox.models.params import ModelParamError, Param
from sandbox.project.config import SANDBOX_ROOT


class ModelScriptError(SandboxError, ValueError):
    """Raised when a model script cannot be found or declares no parameters."""


class ModelRunFailed(SandboxError, RuntimeError):
    """Raised when one run of a sweep exits with an error (the message ends with its output)."""


class ClusterError(SandboxError, ValueError):
    """Raised when a --cluster address is malformed or its scheduler cannot be reached."""


# Student's t, two-sided 95%, by degrees of freedom (1..30); 1.96 beyond.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def interval95(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and the 95% interval of the mean (t distribution); the mean itself for one value."""
    m = mean(values)
    if len(values) < 2:
        return m, m, m
    t = _T95[len(values) - 2] if len(values) - 1 <= len(_T95) else 1.96
    half = t * stdev(values) / math.sqrt(len(values))
    return m, m - half, m + half


# --------------------------------------------------------------------------- scripts


def find_script(name_or_path: str | Path, root: Path = SANDBOX_ROOT) -> Path:
    """A script by path, or by name in the project's ``scripts/`` (``holding_periods``)."""
    path = Path(name_or_path)
    candidates = [path, root / "scripts" / path, root / "scripts" / f"{path.name}.py"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    known = ", ".join(sorted(p.stem for p in (root / "scripts").glob("*.py")))
    raise ModelScriptError(f"no model script {str(name_or_path)!r}; give a path or one of: {known}")


def declared_params(script: Path) -> tuple[Param, ...]:
    """The script's ``PARAMS`` (importing it runs no simulation: main() is guarded)."""
    spec = importlib.util.spec_from_file_location(f"_sandbox_model_{script.stem}", script)
    if spec is None or spec.loader is None:
        raise ModelScriptError(f"{script} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the script look their module up while it loads
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    found = getattr(module, "PARAMS", None)
    if not found:
        raise ModelScriptError(f"{script.name} declares no PARAMS; list its parameters with sandbox.models.params.Param")
    return tuple(found)


def parse_grid(params: Sequence[Param], grid: Sequence[str]) -> dict[str, list[Any]]:
    """``NAME=v1,v2,...`` options as typed, range-checked values per parameter."""
    out: dict[str, list[Any]] = {}
    for text in grid:
        name, raw = model_params.split_assignment(text, option="--grid")
        param = model_params.lookup(params, name)
        if name in out:
            raise ModelParamError(f"--grid {name} is given twice; list all its values in one --grid {name}=v1,v2")
        values = [param.parse(v) for v in raw.split(",") if v.strip()]
        if not values:
            raise ModelParamError(f"--grid {text!r} lists no values; write e.g. --grid {name}={param.default}")
        out[name] = list(dict.fromkeys(values))
    return out


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class RunSpec:
    """One run: the script, its parameter values, the seed; what a worker needs, nothing more."""

    script_name: str
    script_source: str
    params: tuple[tuple[str, Any], ...]
    seed: int
    quick: bool

    @property
    def id(self) -> str:
        parts = [f"{k}={model_params.format_value(v)}" for k, v in self.params] + [f"seed={self.seed}"]
        return re.sub(r"[^A-Za-z0-9_.=,-]", "_", ",".join(parts))

    def argv(self, out: Path) -> list[str]:
        argv = ["--seed", str(self.seed), "--out", str(out), *model_params.as_argv(dict(self.params))]
        return argv + (["--quick"] if self.quick else [])


#: The runs' child processes in this process, so a stopped sweep can end them (and start no more).
_CHILDREN: set[subprocess.Popen[str]] = set()
_CHILDREN_LOCK = threading.Lock()
_STOPPING = threading.Event()


def stop_children() -> None:
    """End every run this process started (an interrupted sweep); later ``execute`` calls return at once."""
    _STOPPING.set()
    with _CHILDREN_LOCK:
        for proc in _CHILDREN:
            proc.terminate()


def execute(spec: RunSpec) -> dict[str, Any]:
    """Run one model in a fresh Python process; return its figures, chart and output.

    The worker (a local pool slot or a Dask worker) needs only the package
    installed: the script's source travels in ``spec``.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sandbox-run-") as tmp:
        script = Path(tmp) / spec.script_name
        script.write_text(spec.script_source)
        out = Path(tmp) / "out"
        env = {**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "120"}
        with _CHILDREN_LOCK:
            if _STOPPING.is_set():
                return {"id": spec.id, "ok": False, "log": "sweep stopped", "seconds": 0.0}
            proc = subprocess.Popen([sys.executable, str(script), *spec.argv(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, env=env, cwd=tmp)
            _CHILDREN.add(proc)
        try:
            log, _ = proc.communicate()
        finally:
            with _CHILDREN_LOCK:
                _CHILDREN.discard(proc)
        if proc.returncode != 0 or not (out / "figures.json").is_file():
            return {"id": spec.id, "ok": False, "log": log[-4000:], "seconds": time.perf_counter() - started}
        figures = json.loads((out / "figures.json").read_text())
        chart = (out / "chart.png").read_bytes() if (out / "chart.png").is_file() else b""
    return {"id": spec.id, "ok": True, "figures": figures, "chart": chart, "log": log, "seconds": time.perf_counter() - started}


def numeric_figures(figures: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, float]:
    """The run's numeric figures, nested dicts flattened with '/' (two levels deep)."""
    out: dict[str, float] = {}
    for key, value in figures.items():
        if key in ("seed", "params", "rule_checks", "published", "tables", "design", "quick") and not prefix:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            out[name] = float(value)
        elif isinstance(value, dict) and depth < 2:
            out.update(numeric_figures(value, f"{name}/", depth + 1))
    checks = figures.get("rule_checks")
    if checks and not prefix:
        out["rules_broken"] = float(len(checks["broken"]))
    return out


# --------------------------------------------------------------------------- executors


class LocalPool:
    """One slot per worker; each slot drives one child process at a time."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep")

    def submit(self, spec: RunSpec) -> Future[dict[str, Any]]:
        return self._pool.submit(execute, spec)

    def close(self, *, cancel: bool = False) -> None:
        if cancel:
            stop_children()
        self._pool.shutdown(wait=True, cancel_futures=cancel)
        _STOPPING.clear()


class DaskPool:
    """Runs on Dask distributed workers: a scheduler address, or ``local:N`` for a LocalCluster."""

    def __init__(self, address: str) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError as exc:  # pragma: no cover - pinned dependency
            raise ClusterError("--cluster needs dask distributed: pip install 'distributed'") from exc
        Client, LocalCluster = distributed.Client, distributed.LocalCluster
        self._cluster: Any = None
        if address.startswith("local:"):
            count = address.split(":", 1)[1]
            if not count.isdigit() or int(count) < 1:
                raise ClusterError(f"--cluster {address!r}: write local:N with N workers, e.g. local:2")
            self._cluster = LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=None)
            self.client = Client(self._cluster)
        elif re.fullmatch(r"(tcp|tls)://[^\s/:]+:\d+", address):
            try:
                self.client = Client(address, timeout=15)
            except OSError as exc:
                raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}; start one with `dask scheduler`") from None
        else:
            raise ClusterError(f"--cluster {address!r} is neither tcp://host:port nor local:N")
        self.workers = max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))

    def submit(self, spec: RunSpec) -> Any:
        # pure=False: the same spec submitted again (a resumed run) runs again.
        return self.client.submit(execute, spec, pure=False, key=f"sweep-{spec.id}-{time.monotonic_ns()}")

    def close(self, *, cancel: bool = False) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _as_completed(futures: Sequence[Any]) -> Iterator[Any]:
    if futures and type(futures[0]).__module__.startswith("distributed"):
        distributed: Any = importlib.import_module("distributed")
        yield from distributed.as_completed(futures)
        return
    pending = set(futures)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from done


# --------------------------------------------------------------------------- the sweep


@dataclass
class Sweep:
    """A sweep's plan and its folder; :meth:`run` executes what is missing."""

    script: Path
    grid: dict[str, list[Any]]
    seeds: int
    fixed: dict[str, Any] = field(default_factory=dict)
    quick: bool = False
    out: Path | None = None

    def __post_init__(self) -> None:
        if self.seeds < 1:
            raise ModelParamError(f"--seeds {self.seeds}: give at least 1")
        names = list(self.grid)
        self.specs: list[RunSpec] = []
        source = self.script.read_text()
        for combo in itertools.product(*(self.grid[n] for n in names)):
            values = {**self.fixed, **dict(zip(names, combo, strict=True))}
            for seed in range(1, self.seeds + 1):
                self.specs.append(RunSpec(self.script.name, source, tuple(values.items()), seed, self.quick))
        if self.out is None:
            key = json.dumps([self.grid, self.fixed, self.seeds, self.quick], sort_keys=True, default=str)
            tag = "_".join(names) or "defaults"
            self.out = SANDBOX_ROOT / "out" / "sweeps" / self.script.stem / f"{tag}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"

    @property
    def folder(self) -> Path:
        assert self.out is not None
        return self.out

    def finished(self) -> dict[str, dict[str, Any]]:
        """Runs already done (kept from an earlier, maybe interrupted, invocation)."""
        done = {}
        for spec in self.specs:
            path = self.folder / "runs" / spec.id / "figures.json"
            if path.is_file():
                done[spec.id] = json.loads(path.read_text())
        return done

    def _keep(self, result: dict[str, Any]) -> None:
        folder = self.folder / "runs" / result["id"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "log.txt").write_text(result["log"])
        if result.get("chart"):
            (folder / "chart.png").write_bytes(result["chart"])
        tmp = folder / ".figures.json.tmp"
        tmp.write_text(json.dumps(result["figures"], indent=1, sort_keys=True, default=str))
        os.replace(tmp, folder / "figures.json")  # written last: its presence marks the run finished

    def run(self, *, workers: int | None = None, cluster: str | None = None,
            on_progress: Callable[[int, int, int], None] | None = None) -> dict[str, Any]:
        """Run the missing runs; ``on_progress(done, total, kept)`` after each. Returns the summary."""
        self.folder.mkdir(parents=True, exist_ok=True)
        done = self.finished()
        todo = [s for s in self.specs if s.id not in done]
        kept = len(done)
        timings: list[float] = []
        started = time.perf_counter()
        if on_progress:
            on_progress(kept, len(self.specs), kept)
        if todo:
            pool: LocalPool | DaskPool = DaskPool(cluster) if cluster else LocalPool(workers or os.cpu_count() or 1)
            failures: list[dict[str, Any]] = []
            try:
                futures = [pool.submit(spec) for spec in todo]
                for future in _as_completed(futures):
                    result = future.result()
                    if not result["ok"]:
                        failures.append(result)
                        continue
                    self._keep(result)
                    timings.append(result["seconds"])
                    done[result["id"]] = result["figures"]
                    if on_progress:
                        on_progress(len(done), len(self.specs), kept)
            except BaseException:
                pool.close(cancel=True)
                self.write(done)
                raise
            pool.close()
            if failures:
                self.write(done)
                first = failures[0]
                raise ModelRunFailed(f"{len(failures)} of {len(todo)} runs failed; the first, {first['id']}, said:\n{first['log'][-1500:]}\n"
                                     "(finished runs are kept: fix the cause and run the same command to resume)")
        summary = self.write(done)
        summary["executed"] = len(todo)
        summary["kept"] = kept
        summary["wall_seconds"] = time.perf_counter() - started
        summary["run_seconds_mean"] = mean(timings) if timings else None
        return summary

    # ----------------------------------------------------------------------- outputs

    def rows(self, done: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for spec in self.specs:
            if spec.id in done:
                figures = done[spec.id]
                checks = figures.get("rule_checks") or {}
                measured = {k: v for k, v in numeric_figures(figures).items() if k not in dict(spec.params)}
                rows.append({**dict(spec.params), "seed": spec.seed, "run": spec.id,
                             "within_mainland_rules": checks.get("within_mainland_rules"), **measured})
        return rows

    def write(self, done: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        """results.csv, sweep.json, charts and index.html from the finished runs."""
        rows = self.rows(done)
        figures = sorted({k for r in rows for k in r} - {*self.grid, *self.fixed, "seed", "run", "within_mainland_rules"})
        columns = [*self.grid, *[k for k in self.fixed if k not in self.grid], "seed", "run", "within_mainland_rules", *figures]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        (self.folder / "results.csv").write_text(buffer.getvalue())
        points = []
        for combo in itertools.product(*(self.grid[n] for n in self.grid)):
            point = dict(zip(self.grid, combo, strict=True))
            chosen = [r for r in rows if all(r[k] == v for k, v in point.items())]
            stats = {}
            for name in figures:
                values = [r[name] for r in chosen if r.get(name) is not None]
                if values:
                    m, low, high = interval95(values)
                    stats[name] = {"mean": m, "low": low, "high": high, "n": len(values)}
            points.append({"params": point, "runs": len(chosen), "figures": stats})
        summary: dict[str, Any] = {
            "generated_by": "sandbox sweep (sandbox/models/sweep.py); do not edit",
            "script": self.script.stem, "grid": self.grid, "fixed": self.fixed, "seeds": self.seeds, "quick": self.quick,
            "runs_total": len(self.specs), "runs_finished": len(rows), "complete": len(rows) == len(self.specs),
            "figures": figures, "points": points, "charts": [],
            "within_mainland_rules": sorted({str(r["within_mainland_rules"]) for r in rows}),
        }
        if rows and self.grid:
            summary["charts"] = self._charts(summary, headline(done, figures))
        (self.folder / "sweep.json").write_text(json.dumps(summary, indent=1, default=str))
        (self.folder / "index.html").write_text(_html(summary))
        return summary

    def _charts(self, summary: dict[str, Any], shown: Sequence[str]) -> list[str]:
        with _pyplot() as plt:
            charts_dir = self.folder / "charts"
            charts_dir.mkdir(exist_ok=True)
            names: list[str] = []
            panels = [(f, p) for f in shown for p in self.grid]
            for figure_name, param in panels:
                fig = plt.figure(figsize=(5, 3.2), dpi=100)
                _panel(fig.add_subplot(1, 1, 1), summary, figure_name, param, self.grid)
                fig.tight_layout()
                file = f"{_slug(figure_name)}__{param}.png"
                fig.savefig(charts_dir / file)
                plt.close(fig)
                names.append(f"charts/{file}")
            cols = min(3, len(panels))
            rows = math.ceil(len(panels) / cols)
            fig = plt.figure(figsize=(4.2 * cols, 3.0 * rows), dpi=100)
            for i, (figure_name, param) in enumerate(panels):
                _panel(fig.add_subplot(rows, cols, i + 1), summary, figure_name, param, self.grid)
            seeds = f"{self.seeds} seed{'s' if self.seeds > 1 else ''}"
            fig.suptitle(f"{self.script.stem}: mean and 95% interval over {seeds}" + (" (--quick sizes)" if self.quick else ""))
            fig.tight_layout()
            fig.savefig(self.folder / "sweep.png")
            plt.close(fig)
        return names


def headline(done: Mapping[str, dict[str, Any]], figures: Sequence[str]) -> list[str]:
    """The figures a script asks to chart (``figures["headline"]``), else up to six that vary."""
    for figures_of_run in done.values():
        wanted = figures_of_run.get("headline")
        if wanted:
            return [f for f in wanted if f in figures]
    return list(figures[:6])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


@contextmanager
def _pyplot() -> Iterator[Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt


def _panel(ax: Any, summary: dict[str, Any], figure_name: str, param: str, grid: Mapping[str, list[Any]]) -> None:
    others = [n for n in grid if n != param]
    series: dict[tuple[Any, ...], list[tuple[Any, dict[str, float]]]] = {}
    for point in summary["points"]:
        stat = point["figures"].get(figure_name)
        if stat is None:
            continue
        key = tuple(point["params"][o] for o in others)
        series.setdefault(key, []).append((point["params"][param], stat))
    numeric_x = all(isinstance(v, int | float) and not isinstance(v, bool) for v in grid[param])
    for key, pts in series.items():
        xs = [x if numeric_x else str(x) for x, _ in pts]
        ys = [s["mean"] for _, s in pts]
        err = [[s["mean"] - s["low"] for _, s in pts], [s["high"] - s["mean"] for _, s in pts]]
        label = ", ".join(f"{o}={v}" for o, v in zip(others, key, strict=True)) or None
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=label)
    if numeric_x:
        ax.set_xticks(list(grid[param]))
    ax.set_xlabel(param)
    ax.set_title("\n".join(textwrap.wrap(figure_name.replace("/", " / "), 44)), fontsize=9)
    if others and len(series) > 1:
        ax.legend(fontsize=7)


def _html(summary: dict[str, Any]) -> str:
    e = html.escape
    head = [f"<th>{e(p)}</th>" for p in summary["grid"]] + ["<th>figure</th><th>mean</th><th>95% interval</th><th>runs</th>"]
    body = []
    for point in summary["points"]:
        for name, s in point["figures"].items():
            cells = "".join(f"<td>{e(str(v))}</td>" for v in point["params"].values())
            body.append(f"<tr>{cells}<td>{e(name)}</td><td>{s['mean']:.6g}</td><td>[{s['low']:.6g}, {s['high']:.6g}]</td><td>{s['n']}</td></tr>")
    charts = "".join(f'<figure><img src="{e(c)}" alt="{e(c)}"></figure>' for c in summary["charts"])
    grid = ", ".join(f"{k} = {', '.join(map(str, v))}" for k, v in summary["grid"].items())
    return (f"<!doctype html>\n<!-- generated by sandbox sweep; do not edit -->\n<html><head><meta charset='utf-8'><title>Sweep: {e(summary['script'])}</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2rem}figure{display:inline-block;margin:.5rem}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}</style></head><body>"
            f"<h1>Sweep of {e(summary['script'])}</h1><p>{e(grid)}; {summary['seeds']} seeds; {summary['runs_finished']} of {summary['runs_total']} runs"
            f" finished. <a href='results.csv'>results.csv</a> · <a href='sweep.json'>sweep.json</a></p>{charts}"
            f"<table><tr>{''.join(head)}</tr>{''.join(body)}</table></body></html>\n")
