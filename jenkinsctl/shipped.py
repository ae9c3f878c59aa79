"""Files jenkinsctl ships besides its code: the job templates (`jobs/`), the standard
`Jenkinsfile` they include, the seed (`seed/`) and the agent image (`images/agent/`).

There is one copy of each, at the top of the repository. `jenkinsctl/_data/` holds symlinks to
them, so a source checkout reads them in place, and building the wheel copies the files in
(see `[tool.setuptools.package-data]`), so an installed jenkinsctl finds them at the same path."""

from __future__ import annotations

from pathlib import Path

from jenkinsctl.errors import UsageError

ROOT = Path(__file__).resolve().parent / "_data"


def shipped(*parts: str) -> Path:
    """The shipped file or folder `parts` (e.g. `shipped("seed", "Jenkinsfile")`); a clear error
    when this installation lacks it (a wheel built without its package data)."""
    path = ROOT.joinpath(*parts)
    if not path.exists():
        raise UsageError(f"this jenkinsctl installation has no {'/'.join(parts)} (looked in {ROOT})",
                         "reinstall jenkinsctl from its wheel (`pip install jenkinsctl-<version>-py3-none-any.whl`)"
                         " or run it from a source checkout")
    return path
