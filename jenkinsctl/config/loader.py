"""Find, load and validate `jenkinsctl.yaml`; environment variables override it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from jenkinsctl.config.locate import ENV_OVERRIDES, config_path, display_path
from jenkinsctl.config.model import Config
from jenkinsctl.errors import ConfigError, Problem
from jenkinsctl.validation import validate_document
from jenkinsctl.yamlfile import YamlDocument, YamlLoadError, dotted, load_yaml_file


@dataclass
class LoadedConfig:
    config: Config
    path: Path
    doc: YamlDocument
    overrides: dict[tuple, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def services_dir(self) -> Path:
        return self.root / self.config.services_dir

    def origin(self, path: tuple) -> str:
        """Where a config value came from: `$VAR`, `jenkinsctl.yaml:L:C`, or a built-in default."""
        for p, var in self.overrides.items():
            if path[: len(p)] == p:
                return f"${var}"
        if path in self.doc.values:
            line, col = self.doc.values[path]
            return f"{self.doc.file}:{line}:{col}"
        return "built-in default"


def load_config(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None,
                cwd: Path | None = None) -> LoadedConfig:
    environ = {} if environ is None else environ  # the factory passes the process environment
    cwd = cwd or Path.cwd()
    path = config_path(explicit, environ, cwd)
    name = display_path(path, cwd)
    try:
        doc = load_yaml_file(path, name)
    except YamlLoadError as exc:
        raise ConfigError([exc.problem], "config") from exc
    in_file = _credentials_in_file(doc)  # before the environment's values: JENKINS_URL may carry them (masked)
    overrides = _apply_environment(doc, environ)
    config, problems = validate_document(doc, Config)
    if config is not None:
        problems = cross_checks(config, doc)
    problems = sorted(in_file + problems, key=lambda p: (p.line, p.col))
    problems = [_blame_override(p, overrides) for p in problems]
    if problems:
        raise ConfigError(problems, "config")
    return LoadedConfig(config, path, doc, overrides)


URL_KEYS = (("jenkins", "url"), ("aws", "endpointUrl"))


def _credentials_in_file(doc: YamlDocument) -> list[Problem]:
    """URLs written in jenkinsctl.yaml (a file in a repository) must not carry credentials."""
    from jenkinsctl.config.model import URL_CREDENTIALS_HINT
    from jenkinsctl.secrets import url_credentials

    out = []
    for path in URL_KEYS:
        node: object = doc.data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str) and url_credentials(node):
            out.append(doc.problem(path, "must not contain credentials", URL_CREDENTIALS_HINT))
    return out


def _apply_environment(doc: YamlDocument, environ: Mapping[str, str]) -> dict[tuple, str]:
    overrides: dict[tuple, str] = {}
    if not isinstance(doc.data, dict):
        return overrides
    for var, path in ENV_OVERRIDES:
        value = environ.get(var)
        if not value:
            continue
        node = doc.data
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = value
        overrides[path] = var
    return overrides


def _blame_override(problem: Problem, overrides: dict[tuple, str]) -> Problem:
    for path, var in overrides.items():
        if problem.path == dotted(path):
            return Problem(f"${var}", 0, 0, problem.path, problem.message,
                           f"environment variable {var} overrides {problem.path}")
    return problem


def cross_checks(config: Config, doc: YamlDocument) -> list[Problem]:
    """What each value allows alone but the whole config cannot work with."""
    problems = []
    regions = _known_regions()
    if regions and config.aws.region not in regions:
        problems.append(doc.problem(("aws", "region"), f"'{config.aws.region}' is not an AWS region",
                                    "e.g. us-east-1 or eu-west-1"))
    for name, env in config.environments.items():
        if env.region and regions and env.region not in regions:
            problems.append(doc.problem(("environments", name, "region"), f"'{env.region}' is not an AWS region",
                                        "e.g. us-east-1 or eu-west-1"))
    first = next(iter(config.environments))
    if config.environments[first].approval and len(config.environments) > 1:
        problems.append(doc.problem(
            ("environments", first, "approval"), f"the first environment in promotion order ({first}) is deployed "
            "by every main build and cannot wait for approval",
            "require approval on a later environment (e.g. prod), or put an environment without approval first"))
    problems += [doc.problem(("environments", env, "cluster"), message, hint)
                 for env, _, message, hint in cluster_overlaps(config, {e: s.cluster for e, s in config.environments.items()})]
    return problems


OVERLAP_HINT = ("one ECS service per environment: the service is named after the descriptor in its cluster, so "
                "two environments in one cluster would deploy over each other; give each its own cluster")


def cluster_overlaps(config: Config, clusters: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(environment, earlier environment, message, hint) for every environment whose account,
    region and cluster an earlier environment already uses. `clusters`: environment -> cluster name or ARN."""
    seen: dict[tuple[str, str, str], str] = {}
    out = []
    for env, cluster in clusters.items():
        settings = config.environments[env]
        where = (settings.account_id or config.aws.account_id, settings.region or config.aws.region,
                 cluster.rsplit("/", 1)[-1])
        if where in seen:
            out.append((env, seen[where], f"cluster '{where[2]}' is also environment {seen[where]}'s", OVERLAP_HINT))
        else:
            seen[where] = env
    return out


def _known_regions() -> set[str]:
    """Every region botocore's endpoint data knows, in every partition (empty if unreadable)."""
    import json
    from importlib.resources import files

    try:
        data = json.loads(files("botocore").joinpath("data", "endpoints.json").read_text())
        return {region for partition in data["partitions"] for region in partition.get("regions", {})}
    except (OSError, ValueError, KeyError, ModuleNotFoundError):  # no endpoint data: the syntax check alone
        return set()
