"""The descriptors repository: its config and every service descriptor, validated together.

Nothing that changes Jenkins or AWS runs unless `Workspace.load` succeeded, and it succeeds
only when every descriptor and the config are valid."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from jenkinsctl.config.loader import LoadedConfig, load_config
from jenkinsctl.config.locate import descriptor_files_in, display_path, unknown_service
from jenkinsctl.descriptor.checks import check_across_files, check_service
from jenkinsctl.descriptor.model import ServiceSpec
from jenkinsctl.descriptor.resolve import Origins, resolve
from jenkinsctl.descriptor.resolved import ResolvedService
from jenkinsctl.errors import ConfigError, DescriptorError, JenkinsctlError, Problem, UsageError
from jenkinsctl.validation import validate_document
from jenkinsctl.yamlfile import YamlDocument, YamlLoadError, load_yaml_file, load_yaml_text

if TYPE_CHECKING:
    from jenkinsctl.config.model import Config


@dataclass
class Service:
    path: Path
    spec: ServiceSpec
    doc: YamlDocument
    resolved: ResolvedService
    origins: Origins

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class Workspace:
    loaded: LoadedConfig
    services: dict[str, Service]

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def root(self) -> Path:
        return self.loaded.root

    @classmethod
    def load(cls, config_path: str | Path | None = None, environ: Mapping[str, str] | None = None,
             cwd: Path | None = None, paths: Iterable[Path] | None = None) -> "Workspace":
        loaded = load_config(config_path, environ, cwd)
        services, problems = load_services(loaded, paths, cwd)
        if problems:
            raise DescriptorError(problems, "descriptors")
        return cls(loaded, services)

    def require_services(self) -> None:
        """'0 descriptors' is not 'ok': a wrong servicesDir or an empty checkout must not validate,
        diff or sync as if every service were meant to be gone."""
        if not self.services:
            raise no_descriptors(self.loaded)

    def service(self, name: str) -> Service:
        if name in self.services:
            return self.services[name]
        raise unknown_service(name, list(self.services), self.loaded.services_dir)

    def select(self, names: Iterable[str]) -> list[Service]:
        names = list(names)
        return [self.service(n) for n in names] if names else list(self.services.values())


def no_descriptors(loaded: LoadedConfig) -> JenkinsctlError:
    """The error for a services folder without a descriptor: located at `servicesDir` when the
    config sets it (the likely typo), else naming the default folder."""
    folder = display_path(loaded.services_dir)
    state = "" if loaded.services_dir.is_dir() else " (no such folder)"
    add = "add one with `jenkinsctl service new NAME --team TEAM`"
    if ("servicesDir",) in loaded.doc.values:
        return ConfigError([loaded.doc.problem(("servicesDir",), f"no descriptors in {folder}/{state}",
                                               f"servicesDir is '{loaded.config.services_dir}', relative to "
                                               f"{loaded.doc.file}: is it spelled right? Descriptors are "
                                               f"<servicesDir>/<name>.yaml; {add}")], "config")
    return UsageError(f"no descriptors in {folder}/{state}: nothing to validate, render or sync",
                      f"descriptors are {folder}/<name>.yaml; {add}, or set servicesDir in jenkinsctl.yaml")


def descriptor_files(loaded: LoadedConfig) -> list[Path]:
    return descriptor_files_in(loaded.services_dir)


def _where(path: Path) -> Path:
    """A descriptor's identity and shown name: its folder resolved, its own name kept, so a
    `services/x.yaml` that is a symlink to /dev/zero is reported as services/x.yaml."""
    return path.parent.resolve() / path.name


def load_services(loaded: LoadedConfig, paths: Iterable[Path] | None = None,
                  cwd: Path | None = None, unwritten: Mapping[Path, str] | None = None,
                  ) -> tuple[dict[str, Service], list[Problem]]:
    """Load, check and resolve descriptors; every problem of every file is returned together.
    Cross-file checks always look at the whole `services/` folder. `unwritten`: path -> text of
    descriptors not on disk (yet), checked as if they were there (`service new` writes only a
    file that validates, and nothing at all on a dry run)."""
    base = cwd or Path.cwd()
    unwritten = {_where(p): text for p, text in (unwritten or {}).items()}
    all_files = [_where(p) for p in descriptor_files(loaded)]
    all_files += sorted(p for p in unwritten if p not in all_files)
    wanted = [_where(base / p) for p in paths] if paths else all_files
    problems: list[Problem] = []
    entries: list[tuple[Path, ServiceSpec, YamlDocument]] = []
    wanted_set = set(wanted)
    for path in dict.fromkeys([*wanted, *all_files]):
        is_wanted = path in wanted_set
        name = display_path(path, cwd)
        if path not in unwritten and not path.exists():
            problems.append(Problem(name, 0, 0, "", "no such file"))
            continue
        try:
            doc = load_yaml_text(unwritten[path], name) if path in unwritten else load_yaml_file(path, name)
        except YamlLoadError as exc:
            if is_wanted:
                problems.append(exc.problem)
            continue
        spec, found = validate_document(doc, ServiceSpec)
        found += check_service(doc, loaded.config, path)
        if spec is not None:
            entries.append((path, spec, doc))
        if is_wanted:
            problems += found
    cross = check_across_files([(s, d) for _, s, d in entries])
    wanted_files = {display_path(p, cwd) for p in wanted}
    problems += [p for p in cross if p.file in wanted_files]
    services: dict[str, Service] = {}
    if not problems:
        for path, spec, doc in entries:
            if path in wanted_set:
                resolved, origins = resolve(spec, doc, loaded)
                services[spec.name] = Service(path, spec, doc, resolved, origins)
    problems.sort(key=lambda p: (p.file, p.line, p.col))
    return services, problems
