"""Which `jenkinsctl.yaml` a run uses and which environment variables override it. No models
and no YAML here: the step cache (`jenkinsctl.stepcache`) finds the config through this module
without importing pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from jenkinsctl.errors import ConfigError, Problem, UsageError

CONFIG_NAME = "jenkinsctl.yaml"

# Highest priority last: a later variable overrides an earlier one for the same key.
ENV_OVERRIDES: list[tuple[str, tuple[str, ...]]] = [
    ("JENKINSCTL_NAMESPACE", ("namespace",)),
    ("JENKINS_URL", ("jenkins", "url")),
    ("JENKINSCTL_JENKINS_FOLDER", ("jenkins", "folder")),
    ("AWS_DEFAULT_REGION", ("aws", "region")),
    ("AWS_REGION", ("aws", "region")),
    ("JENKINSCTL_AWS_ACCOUNT_ID", ("aws", "accountId")),
    ("AWS_ENDPOINT_URL", ("aws", "endpointUrl")),
    ("JENKINSCTL_AWS_ENDPOINT_URL", ("aws", "endpointUrl")),
    ("JENKINSCTL_REGISTRY", ("registry", "host")),
    ("JENKINSCTL_REGISTRY_ENDPOINT", ("registry", "endpoint")),
]


def find_config(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.exists():  # a FIFO or directory here is refused by the loader, not skipped
            return candidate
    return None


def display_path(path: Path, cwd: Path | None = None) -> str:
    cwd = cwd or Path.cwd()
    try:  # the folder resolved, the name kept: a symlink is shown by its own name
        return str((path.parent.resolve() / path.name).relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def config_path(explicit: str | Path | None, environ: Mapping[str, str], cwd: Path) -> Path:
    """The config file: `explicit` (--config), else $JENKINSCTL_CONFIG, else the nearest
    jenkinsctl.yaml at or above `cwd`; a located error when there is none."""
    explicit = explicit or environ.get("JENKINSCTL_CONFIG")
    if explicit:
        path = Path(explicit)
        if path.exists() and not path.is_file():
            raise ConfigError([Problem(str(explicit), 0, 0, "", "is not a regular file",
                                       "pass the path of a jenkinsctl.yaml with --config")], "config")
        if not path.is_file():
            raise UsageError(f"config file {explicit} does not exist",
                             "pass the path of a jenkinsctl.yaml with --config")
        return path
    found = find_config(cwd)
    if found is None:
        raise UsageError(f"no {CONFIG_NAME} in {cwd} or any folder above it",
                         "run jenkinsctl from your descriptors repository, or pass --config PATH")
    return found


def descriptor_files_in(folder: Path) -> list[Path]:
    """The descriptors in a services folder: every *.yaml/*.yml not starting with '.', sorted."""
    if not folder.is_dir():
        return []
    # not only regular files: a FIFO, device or directory named *.yaml is refused by the loader
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def unknown_service(name: str, known: list[str], services_dir: Path) -> UsageError:
    """The error for a service name no descriptor has, with the closest name as a hint."""
    import difflib

    close = difflib.get_close_matches(name, known, n=1)
    return UsageError(f"no service named '{name}' in {display_path(services_dir)}/",
                      f"did you mean '{close[0]}'?" if close else
                      "`jenkinsctl service list` shows the services; `jenkinsctl service new` adds one")
