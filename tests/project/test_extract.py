"""Unpacking an npm tarball into the toolchain cache, with and without Python's extraction filters.

Python 3.11.0-3.11.3 has no ``filter=`` for ``TarFile.extractall`` (3.11.4 added it); a fresh
clone on Debian's Python 3.11.2 crashed with a TypeError in ``make setup``. The same refusals
are made by hand there: the test runs the real ``_extract`` in this interpreter and, where the
machine has one, in a Python without filters.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from sandbox.errors import ToolchainError
from sandbox.project.toolchain import _extract

REPO = Path(__file__).resolve().parents[2]


def tarball(path: Path, members: dict[str, bytes], *, link: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link is not None:
            info = tarfile.TarInfo("package/evil")
            info.type, info.linkname = tarfile.SYMTYPE, link
            tar.addfile(info)
    return path


@pytest.mark.parametrize("filters", [True, False], ids=["with-filters", "without-filters"])
def test_a_package_unpacks_and_a_hostile_one_is_refused(tmp_path: Path, filters: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not filters and hasattr(tarfile, "data_filter"):
        monkeypatch.delattr(tarfile, "data_filter")  # the road Python < 3.11.4 takes
    good = tarball(tmp_path / "good.tgz", {"package/package.json": b"{}", "package/lib/a.js": b"1", "other/b.js": b"2"})
    _extract(good, "package", tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()) == [
        "package/lib/a.js", "package/package.json"]
    for name, evil in (("dotdot", tarball(tmp_path / "dotdot.tgz", {"package/../escaped": b"x"})),
                       ("symlink", tarball(tmp_path / "link.tgz", {"package/ok": b"x"}, link="/etc/passwd"))):
        with pytest.raises(ToolchainError, match="not a plain file inside the package"):
            _extract(evil, "package", tmp_path / name)
        assert not (tmp_path / "escaped").exists() and not (tmp_path / name / "package" / "evil").exists()


def test_the_toolchain_unpacks_under_a_python_without_filters(tmp_path: Path) -> None:
    """Debian's Python 3.11.2 (where the machine has it) runs the same _extract on a real npm tarball."""
    system = shutil.which("python3", path="/usr/bin")
    probe = subprocess.run([system, "-c", "import tarfile; print(hasattr(tarfile, 'data_filter'))"], capture_output=True, text=True) \
        if system else None
    if probe is None or probe.stdout.strip() != "False":
        pytest.skip("no Python without extraction filters on this machine")
    good = tarball(tmp_path / "good.tgz", {"package/package.json": b'{"name": "x"}'})
    # the module imports the sandbox's errors and platformdirs: run it with this venv's packages on the path
    site = next(p for p in sys.path if p.endswith("site-packages"))
    done = subprocess.run([system, "-c", f"import sys; sys.path[:0] = [{str(REPO)!r}, {site!r}]; "
                           f"from sandbox.project.toolchain import _extract; from pathlib import Path; "
                           f"_extract(Path({str(good)!r}), 'package', Path({str(tmp_path / 'out')!r}))"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "package" / "package.json").read_text() == '{"name": "x"}'
