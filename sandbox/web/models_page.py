"""The models page: every business model's latest report and every sweep's charts.

``/models`` lists each model script's latest run (``out/models/NAME/``, else
the full-size run in ``docs/models/NAME/``): its tables, its chart, its
figures beside the published ones, and the published rules it kept or
broke (with the breaking transaction). Below, every sweep found
(``out/sweeps/SCRIPT/*/``, ``docs/models/NAME/sweep/``) with its charts and
its mean and 95% interval per grid point. ``/models/files/...`` serves the
charts, read-only, from those folders only.

The page reads the JSON the scripts and ``sandbox sweep`` write; it does
not import the models frame (the web and the models are sibling surfaces).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from sandbox.web.pages import Pages, plain_error

SERVED = {".png": "image/png", ".csv": "text/csv", ".json": "application/json", ".html": "text/html"}


def default_folders(root: Path) -> list[Path]:
    """Where runs and sweeps are looked for: ``out/`` first (latest), then ``docs/models/`` (full size)."""
    return [root / "out", root / "docs" / "models"]


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def collect(folders: Sequence[Path]) -> dict[str, Any]:
    """The latest report of every model, and every sweep, from ``folders``."""
    models: dict[str, dict[str, Any]] = {}
    sweeps: list[dict[str, Any]] = []
    for index, folder in enumerate(folders):
        candidates = [*folder.glob("models/*/figures.json"), *folder.glob("*/figures.json")]
        for path in sorted(candidates, key=lambda p: p.stat().st_mtime, reverse=True):
            figures = _load(path)
            if not figures or "model" not in figures or figures["model"] in models:
                continue
            chart = path.parent / "chart.png"
            models[figures["model"]] = {"name": figures["model"], "figures": figures, "folder": str(path.parent),
                                        "chart": _file_url(index, folder, chart) if chart.is_file() else None}
        for path in sorted([*folder.glob("sweeps/*/*/sweep.json"), *folder.glob("*/sweep/sweep.json")]):
            summary = _load(path)
            if not summary or "points" not in summary:
                continue
            base = path.parent
            sweeps.append({
                "summary": summary, "folder": str(base),
                "overview": _file_url(index, folder, base / "sweep.png") if (base / "sweep.png").is_file() else None,
                "charts": [_file_url(index, folder, base / c) for c in summary.get("charts", []) if (base / c).is_file()],
                "csv": _file_url(index, folder, base / "results.csv") if (base / "results.csv").is_file() else None,
            })
    return {"models": [models[k] for k in sorted(models)], "sweeps": sweeps}


def _file_url(index: int, folder: Path, path: Path) -> str:
    return f"/models/files/{index}/{path.resolve().relative_to(folder.resolve()).as_posix()}"


def routes(pages: Pages, *, folders: Sequence[Path] | None = None) -> list[Route]:
    """``/models`` and its files; adds "Models" to the header's links."""
    roots = list(folders) if folders is not None else default_folders(pages.ws.project.root)
    pages.nav.append({"href": "/models", "title": "Models"})

    def context() -> dict[str, Any]:
        with pages.ws.session() as sb:
            base = pages.base(sb)
        return {**base, **collect(roots)}

    async def index(request: Request) -> Response:
        return pages.render(request, "models.html", await run_in_threadpool(context))

    async def files(request: Request) -> Response:
        which, rest = request.path_params["which"], request.path_params["path"]
        if not which.isdigit() or int(which) >= len(roots):
            return plain_error("no such folder", 404)
        root = roots[int(which)].resolve()
        target = (root / rest).resolve()
        if not target.is_relative_to(root) or target.suffix not in SERVED or not target.is_file():
            return plain_error(f"no file {rest!r} here", 404)
        return FileResponse(target, media_type=SERVED[target.suffix], headers={"cache-control": "no-store"})

    return [Route("/models", index), Route("/models/files/{which}/{path:path}", files)]
