"""jenkinsctl's own wheel: build it from a source checkout, fetch it when installed from an index,
and the wheelhouse of its dependencies (so an image or a fresh venv installs it with no index).

Everything goes through pip (`pip wheel`, `pip download`), with the user's pip configuration."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Mapping

from jenkinsctl import __version__
from jenkinsctl.errors import ExternalError, UsageError

PACKAGE_ROOT = Path(__file__).resolve().parent


def _noop(_line: str) -> None:
    pass


def source_checkout() -> Path | None:
    """The source checkout this jenkinsctl runs from (an editable install), or None for a wheel."""
    root = PACKAGE_ROOT.parent
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and 'name = "jenkinsctl"' in pyproject.read_text(errors="replace"):
        return root
    return None


def _pip(args: list[str], what: str, python: str | None = None, env: dict[str, str] | None = None) -> str:
    cmd = [python or sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise ExternalError(f"{what} failed (pip exit {done.returncode}):\n{tail}",
                            "check that pip reaches your package index (pip config list), then run again")
    return done.stdout


def _source_files(root: Path) -> list[str]:
    """The checkout's files a wheel is built from: tracked and untracked-but-not-ignored (so a
    stale build/ or .venv never leaks in)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"],
                             capture_output=True, check=True).stdout
        return [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "build", "dist", ".jenkinsctl"}
        return [str(p.relative_to(root)) for p in root.rglob("*")
                if not p.is_dir() and not (set(p.relative_to(root).parts) & skip)]


def build_wheel(out_dir: Path, source: Path | None = None, report: Callable[[str], None] = _noop) -> Path:
    """`pip wheel --no-deps` of the checkout, from a clean copy of its files (symlinks kept:
    jenkinsctl/_data points at the shipped folders). Returns the wheel's path."""
    source = source or source_checkout()
    if source is None:
        raise UsageError("this jenkinsctl is installed from a wheel, not run from its source checkout: "
                         "there is nothing to build", "pass --wheel PATH (or let jenkinsctl download its "
                         "own version from your package index)")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jenkinsctl-wheel-") as tmp:
        copy = Path(tmp) / "src"
        for name in _source_files(source):
            src, dst = source / name, copy / name
            if not (src.exists() or src.is_symlink()) or src.is_dir() and not src.is_symlink():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copy2(src, dst)
        report(f"building the jenkinsctl wheel from {source}")
        from jenkinsctl.vcs import head_commit_time

        stamp = head_commit_time(source)  # the same checkout gives the same wheel, byte for byte
        env = {**os.environ, **({"SOURCE_DATE_EPOCH": str(int(stamp))} if stamp else {})}
        _pip(["wheel", "--quiet", "--no-deps", "--wheel-dir", str(out_dir), str(copy)], "building the wheel",
             env=env)
    wheels = sorted(out_dir.glob("jenkinsctl-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise ExternalError(f"pip built no jenkinsctl wheel in {out_dir}")
    return wheels[-1]


def download_wheel(out_dir: Path, version: str = __version__) -> Path:
    """This jenkinsctl's own version, from the package index pip is configured with."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _pip(["download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest", str(out_dir),
          f"jenkinsctl=={version}"], f"downloading jenkinsctl {version}")
    found = sorted(out_dir.glob(f"jenkinsctl-{version}-*.whl"))
    if not found:
        raise ExternalError(f"pip downloaded no wheel of jenkinsctl {version}")
    return found[-1]


def wheel_version(wheel: Path) -> str:
    """`0.1.0` from `jenkinsctl-0.1.0-py3-none-any.whl` (checked: it must be jenkinsctl's)."""
    parts = wheel.name.split("-")
    if len(parts) < 5 or parts[0] != "jenkinsctl" or not wheel.name.endswith(".whl"):
        raise UsageError(f"{wheel} is not a jenkinsctl wheel", "expected jenkinsctl-<version>-py3-none-any.whl")
    return parts[1]


def requirements(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist lines (its METADATA)."""
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(meta).decode()
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]


def cache_dir(environ: "Mapping[str, str]") -> Path:
    base = environ.get("JENKINSCTL_CACHE_DIR") or os.path.join(
        environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "jenkinsctl")
    return Path(base)


def wheelhouse(wheel: Path, cache: Path, python: str | None = None,
               report: Callable[[str], None] = _noop) -> Path:
    """A folder of wheels of everything `wheel` needs (not jenkinsctl itself), for `python`'s
    version and platform; cached by the requirements, so a second call costs nothing."""
    python = python or sys.executable
    tag = subprocess.run([python, "-c", "import sys, sysconfig; print(f'cp{sys.version_info[0]}"
                          "{sys.version_info[1]}-' + sysconfig.get_platform())"],
                         capture_output=True, text=True, check=True).stdout.strip()
    key = hashlib.sha256("\n".join([tag, *sorted(requirements(wheel))]).encode()).hexdigest()[:16]
    target = cache / f"wheelhouse-{tag}-{key}"
    if (target / ".complete").is_file():
        return target
    report(f"collecting the wheels jenkinsctl needs ({tag}) into {target}")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=cache))
    try:
        _pip(["wheel", "--quiet", "--wheel-dir", str(tmp), str(wheel)], "collecting jenkinsctl's dependencies",
             python)
        for own in tmp.glob("jenkinsctl-*.whl"):
            own.unlink()
        (tmp / ".complete").write_text(key + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
