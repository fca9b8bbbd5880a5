"""``sandbox sweep`` and ``sandbox check``: the business-model scripts as experiments.

Registered on the main app by :func:`register` (two lines in ``app.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sandbox.cli import consoles

console = consoles.out

ScriptArg = Annotated[str, typer.Argument(help="A model script: a name in scripts/ (holding_periods) or a path.")]
ParamOpt = Annotated[list[str] | None, typer.Option("--param", help="Fix a parameter for every run: NAME=VALUE (repeatable).")]
QuickOpt = Annotated[bool, typer.Option("--quick", help="The scripts' small sizes (seconds per run).")]


def sweep(
    script: ScriptArg,
    grid: Annotated[list[str] | None, typer.Option("--grid", help="NAME=v1,v2,... (repeatable): the values to sweep.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per grid point (1..K).")] = 3,
    param: ParamOpt = None,
    quick: QuickOpt = False,
    workers: Annotated[int | None, typer.Option(help="Runs at once on this machine (default: one per core).")] = None,
    cluster: Annotated[str | None, typer.Option(help="Run on Dask: tcp://scheduler:8786, or local:N for a LocalCluster.")] = None,
    out: Annotated[Path | None, typer.Option(help="Sweep folder (default: out/sweeps/SCRIPT/GRID-HASH); same folder resumes.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the script's parameters instead of sweeping.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list: print the parameters as JSON.")] = False,
) -> None:
    """Sweep a model's parameters: every combination x seed, each run its own process and chain."""
    from sandbox.models import params as model_params
    from sandbox.models.sweep import Sweep, declared_params, find_script, parse_grid

    path = find_script(script)
    declared = declared_params(path)
    if list_:
        if as_json:
            print(json.dumps([p.as_json() for p in declared], indent=1))
            return
        table = Table(title=f"{path.stem}: parameters")
        for column in ("name", "type", "default", "range", "unit", "source"):
            table.add_column(column, overflow="fold")
        for p in declared:
            row = p.as_json()
            table.add_row(p.name, row["type"], str(p.default), f"[{p.range[0]}, {p.range[1]}]", p.unit, p.source)
        console.print(table)
        return
    fixed = model_params.resolve(declared, param or [], quick=quick)
    given = {model_params.split_assignment(t)[0] for t in param or []}
    plan = Sweep(path, parse_grid(declared, grid or []), seeds, {k: v for k, v in fixed.items() if k in given}, quick, out)
    where = cluster or f"{workers or 'all'} local core(s)"
    console.print(f"[bold]{path.stem}[/]: {len(plan.specs)} runs ({seeds} seed(s) per point) on {where} → {plan.folder}")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console.console) as bar:
        task = bar.add_task("runs", total=len(plan.specs))

        def progress(done: int, total: int, kept: int) -> None:
            bar.update(task, completed=done, description=f"runs ({kept} kept)" if kept else "runs")

        try:
            summary = plan.run(workers=workers, cluster=cluster, on_progress=progress)
        except KeyboardInterrupt:
            done = len(plan.finished())
            console.print(f"[yellow]interrupted[/]: {done} of {len(plan.specs)} runs are kept in {plan.folder}; run the same command to resume")
            raise typer.Exit(130) from None
    _print_summary(summary)
    console.print(f"ran {summary['executed']}, kept {summary['kept']} from before; results in [bold]{plan.folder}[/] "
                  "(results.csv, sweep.json, sweep.png, index.html)")


def _print_summary(summary: dict[str, Any]) -> None:
    from sandbox.models.sweep import headline

    shown = headline({}, summary["figures"]) if not summary["charts"] else sorted({c.split("/")[1].split("__")[0] for c in summary["charts"]})
    table = Table(title=f"{summary['script']}: mean [95% interval] over {summary['seeds']} seed(s)")
    for name in summary["grid"]:
        table.add_column(name)
    names = [f for f in summary["figures"] if _slug(f) in shown][:6] or summary["figures"][:6]
    for name in names:
        table.add_column(name, overflow="fold")
    for point in summary["points"]:
        cells = [str(v) for v in point["params"].values()]
        for name in names:
            s = point["figures"].get(name)
            cells.append(f"{s['mean']:.4g} [{s['low']:.4g}, {s['high']:.4g}]" if s else "")
        table.add_row(*cells)
    console.print(table)


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def check(
    script: ScriptArg,
    param: ParamOpt = None,
    seed: Annotated[int, typer.Option(help="The run's seed.")] = 7,
    quick: QuickOpt = False,
    rules: Annotated[str, typer.Option(help="The rule set.")] = "cn-2022",
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Run a model once and report which published rules held and which a scenario broke (with the transaction)."""
    from sandbox.models import params as model_params
    from sandbox.models import rules as model_rules
    from sandbox.models.sweep import ModelRunFailed, RunSpec, declared_params, execute, find_script

    model_rules.rule_set(rules)
    path = find_script(script)
    values = model_params.resolve(declared_params(path), param or [], quick=quick)
    given = {model_params.split_assignment(t)[0] for t in param or []}
    spec = RunSpec(path.name, path.read_text(), tuple((k, v) for k, v in values.items() if k in given), seed, quick)
    with console.status(f"running {path.stem} (seed {seed})"):
        result = execute(spec)
    if not result["ok"]:
        raise ModelRunFailed(f"{path.stem} failed:\n{result['log'][-1500:]}")
    checks = result["figures"]["rule_checks"]
    if as_json:
        print(json.dumps(checks, indent=1))
        return
    verdict = "[green]within the mainland rules[/]" if checks["within_mainland_rules"] else "[red]OUTSIDE the mainland rules[/]"
    console.print(f"[bold]{path.stem}[/] ({', '.join(f'{k}={v}' for k, v in values.items())}; seed {seed}): {verdict}")
    table = Table(title=f"rule set {checks['rule_set']}")
    for column in ("rule", "status", "checked", "breaches", "scenarios", "first breaking transaction"):
        table.add_column(column, overflow="fold")
    colours = {"held": "green", "broken": "red", "not exercised": "dim"}
    for r in checks["results"]:
        first = r["examples"][0] if r["examples"] else None
        where = f"{first['tx'] or first['kind']}: {first['why']}" if first else ""
        table.add_row(f"{r['id']}\n[dim]{r['title']}[/]", f"[{colours[r['status']]}]{r['status']}[/]", str(r["checked"]), str(r["breaches"]),
                      ", ".join(r["scenarios"]), where)
    console.print(table)
    if checks.get("scenarios_within_rules"):
        console.print(f"scenarios within the rules: {', '.join(checks['scenarios_within_rules'])}")


def register(app: typer.Typer) -> None:
    """Add ``sweep`` and ``check`` to the ``sandbox`` command."""
    app.command("sweep")(sweep)
    app.command("check")(check)
