"""What a pipeline step loads: the validated workspace, from a cache when nothing it depends on
changed, so a step does not import pydantic or the models to re-validate the same bytes.

Steps in one Jenkins build run several `jenkinsctl step ...` processes on one unchanged
checkout. The first validates everything as `Workspace.load` always does (the config, every
descriptor, the cross-file checks) and writes what steps read (the config and each resolved
service, as `jenkinsctl.records` data) to `<config folder>/.jenkinsctl/cache/workspace.json`,
atomically. A later step uses that entry only when its key matches: a hash of jenkinsctl's
version and installed files, the config's path and exact bytes, the environment variables that
override the config, the working directory (it names `source`), and the name and exact bytes of
every file in the services folder. Anything else (no entry, another key, unreadable or corrupt
data, a failed digest) is a miss: the full load runs, and refuses invalid input with its usual
located message. Only a successful load is ever written."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from jenkinsctl import records
from jenkinsctl.config.locate import ENV_OVERRIDES, config_path, descriptor_files_in, unknown_service

if TYPE_CHECKING:
    from jenkinsctl.config.model import Config
    from jenkinsctl.descriptor.resolved import ResolvedService
    from jenkinsctl.workspace import Workspace

FORMAT = 1
CACHE_FILE = Path(".jenkinsctl") / "cache" / "workspace.json"


@dataclass(frozen=True)
class StepService:
    name: str
    path: Path
    resolved: ResolvedService  # a record with the model's fields and methods


@dataclass(frozen=True)
class StepWorkspace:
    """What a step reads of the workspace: the config and every resolved service."""

    config: Config  # a record with the model's fields and properties
    root: Path
    services_dir: Path
    services: dict[str, StepService]
    from_cache: bool

    def service(self, name: str) -> StepService:
        if name in self.services:
            return self.services[name]
        raise unknown_service(name, list(self.services), self.services_dir)


def load(explicit: str | Path | None, environ: Mapping[str, str], full: Callable[[], Workspace],
         cwd: Path | None = None) -> StepWorkspace:
    """The workspace from the cache when its key matches, else from `full()` (which validates
    everything, and raises on invalid input), then cached."""
    cwd = cwd or Path.cwd()
    path = config_path(explicit, environ, cwd)  # the loader's own lookup and errors
    root = path.parent
    key = _key(path, environ, cwd)
    cached = _read(root / CACHE_FILE, key, root)
    if cached is not None:
        return cached
    ws = full()
    entry = {"format": FORMAT, "key": key, "services_dir": str(ws.loaded.services_dir),
             "services_digest": _folder_digest(ws.loaded.services_dir),
             "config": records.dump(ws.config),
             "services": {name: {"path": str(svc.path), "resolved": records.dump(svc.resolved)}
                          for name, svc in ws.services.items()}}
    if _key(path, environ, cwd) == key and _descriptors_as_loaded(ws):
        _write(root / CACHE_FILE, entry)  # not when a file changed while it was being loaded
    return _workspace(entry, root, from_cache=False)


def _workspace(entry: dict[str, Any], root: Path, from_cache: bool) -> StepWorkspace:
    services = {name: StepService(name, Path(svc["path"]), records.build(svc["resolved"]))
                for name, svc in entry["services"].items()}
    return StepWorkspace(records.build(entry["config"]), root, Path(entry["services_dir"]), services, from_cache)


def _key(path: Path, environ: Mapping[str, str], cwd: Path) -> str:
    from jenkinsctl import __version__

    h = hashlib.sha256()
    for part in (str(FORMAT), __version__, _installed_files(), str(path.resolve()), str(cwd.resolve()),
                 *(f"{var}={environ.get(var, '')}" for var, _ in ENV_OVERRIDES)):
        h.update(part.encode() + b"\0")
    h.update(path.read_bytes())
    return h.hexdigest()


def _installed_files() -> str:
    """Every file of the installed jenkinsctl with its size and modification time: an upgrade, or
    an edit of an editable install, is a new key."""
    package = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            h.update(f"{os.path.relpath(os.path.join(folder, name), package)}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def _descriptors_as_loaded(ws: Workspace) -> bool:
    """Whether the services folder, now that its digest is taken, still holds exactly the
    descriptors that were validated (the same files, each parsing to the same data), so the
    digest cannot name bytes newer than the values cached under it."""
    from jenkinsctl.yamlfile import YamlLoadError, load_yaml_file

    files = [p.resolve() for p in descriptor_files_in(ws.loaded.services_dir)]
    loaded = {svc.path.resolve(): svc.doc.data for svc in ws.services.values()}
    if sorted(files) != sorted(loaded):
        return False
    try:
        return all(load_yaml_file(p).data == data for p, data in loaded.items())
    except YamlLoadError:
        return False


def _folder_digest(folder: Path) -> str:
    """The name and exact bytes of every descriptor the loader reads (what is not a regular file
    is recorded as such, never read: the loader refuses it)."""
    h = hashlib.sha256()
    for p in descriptor_files_in(folder):
        h.update(p.name.encode() + b"\0")
        h.update(p.read_bytes() if p.is_file() else b"\0not a regular file\0")
        h.update(b"\0")
    return h.hexdigest()


def _read(file: Path, key: str, root: Path) -> StepWorkspace | None:
    """The workspace in `file` if the entry is whole, for `key`, and the services folder is unchanged."""
    try:
        wrapper = json.loads(file.read_bytes())
        body = wrapper["entry"]
        if hashlib.sha256(body.encode()).hexdigest() != wrapper["sha256"]:
            return None
        entry = json.loads(body)
        if entry["format"] != FORMAT or entry["key"] != key:
            return None
        if _folder_digest(Path(entry["services_dir"])) != entry["services_digest"]:
            return None
        return _workspace(entry, root, from_cache=True)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # corrupt or foreign: a miss
        return None


def _write(file: Path, entry: dict[str, Any]) -> None:
    """Atomically (a temporary file renamed over the old); a folder that cannot be written only
    means no cache."""
    body = json.dumps(entry)  # never sort_keys: mappings keep their order (environments are promotion order)
    data = json.dumps({"sha256": hashlib.sha256(body.encode()).hexdigest(), "entry": body})
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(data)
        os.replace(tmp, file)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
