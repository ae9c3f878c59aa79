"""Checks that need more than one field, the config, or other descriptors.

They read the raw YAML data defensively, so they run even when the model did not validate:
a user sees every problem of every file in one run."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from jenkinsctl.config.model import Config
from jenkinsctl.descriptor.model import STRATEGY_PARAMS, ServiceSpec
from jenkinsctl.errors import Problem
from jenkinsctl.names import name_problem
from jenkinsctl.secrets import looks_like_secret_name, looks_like_secret_value
from jenkinsctl.yamlfile import YamlDocument, dotted

SECRET_HINT = ("never put a secret in a descriptor: store it in SSM Parameter Store or Secrets Manager "
               "and reference it under deploy.secrets, e.g. {name}: ssm:/{service}/{lower}")
_PARAMS = tuple((key, name) for name, (key, _) in STRATEGY_PARAMS.items())


def _map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def check_service(doc: YamlDocument, config: Config, file: Path) -> list[Problem]:
    data = _map(doc.data)
    problems: list[Problem] = []
    name = data.get("name")
    if isinstance(name, str) and file.stem != name and name_problem(name) is None:
        problems.append(doc.problem(("name",), f"service '{name}' is in a file named {file.name}",
                                    f"rename the file to {name}.yaml, or the service to '{file.stem}'"))
    service = name if isinstance(name, str) else file.stem
    problems += _plain_values(doc, ("build", "args"), _map(_map(data.get("build")).get("args")), service,
                              "build args end up in the image history")
    declared = config.environment_names
    layers: list[tuple[tuple, dict]] = [(("deploy",), _map(data.get("deploy")))]
    for env_name, override in _map(data.get("environments")).items():
        if env_name not in declared:
            close = difflib.get_close_matches(env_name, declared, n=1, cutoff=0.5)
            hint = (f"did you mean '{close[0]}'? " if close else "") + \
                f"environments declared in jenkinsctl.yaml: {', '.join(declared)}"
            problems.append(doc.problem(("environments", env_name), f"environment '{env_name}' is not "
                                        "declared in jenkinsctl.yaml", hint, key=True))
            continue
        override = _map(override)
        layers.append((("environments", env_name), override))
        source = override.get("promoteFrom")
        earlier = declared[: declared.index(env_name)]
        disabled = {e for e, o in _map(data.get("environments")).items() if _map(o).get("enabled") is False}
        if source is not None and source in disabled:
            problems.append(doc.problem(("environments", env_name, "promoteFrom"),
                                        f"cannot promote to {env_name} from '{source}': it is disabled "
                                        "for this service", "promote from an environment the service deploys to"))
        elif source is not None and source not in earlier:
            problems.append(doc.problem(("environments", env_name, "promoteFrom"),
                                        f"cannot promote to {env_name} from '{source}'",
                                        "promote from an environment declared before it: "
                                        + (", ".join(earlier) or "none is")))
    for prefix, layer in layers:
        env = _map(layer.get("env"))
        problems += _plain_values(doc, prefix + ("env",), env, service,
                                  "environment variables are readable by anyone who can see the task definition")
        for key in sorted(set(env) & set(_map(layer.get("secrets")))):
            problems.append(doc.problem(prefix + ("env", key), f"{key} is both a plain variable and a secret",
                                        "keep it only under secrets", key=True))
    problems += _strategies(doc, data, config)
    problems += _fargate_sizes(doc, data, config)
    problems += _derived_names(doc, data, config, service)
    previews = _map(data.get("previews"))
    base = previews.get("from")
    disabled = {e for e, o in _map(data.get("environments")).items() if _map(o).get("enabled") is False}
    if isinstance(base, str) and (base not in declared or base in disabled):
        problems.append(doc.problem(("previews", "from"), f"previews come from '{base}', which this service "
                                    "does not deploy to", "name one of its environments: " +
                                    ", ".join(e for e in declared if e not in disabled)))
    problems += _build_paths(doc, _map(data.get("build")))
    problems += _environments_used(doc, data, config)
    return problems


def _build_paths(doc: YamlDocument, build: dict) -> list[Problem]:
    """dockerfile, context and compose are paths inside the service's checkout."""
    out = []
    for key in ("dockerfile", "context", "compose"):
        value = build.get(key)
        if isinstance(value, str) and not inside_checkout(value):
            out.append(doc.problem(("build", key), f"must stay inside the service's checkout; got '{value}'",
                                   "a relative path below the repository root, e.g. docker/Dockerfile"))
    return out


def inside_checkout(path: str) -> bool:
    if not path or path.startswith(("/", "~", "\\")) or "\0" in path:
        return False
    depth = 0
    for part in path.replace("\\", "/").split("/"):
        depth += -1 if part == ".." else (0 if part in ("", ".") else 1)
        if depth < 0:
            return False
    return True


def _environments_used(doc: YamlDocument, data: dict, config: Config) -> list[Problem]:
    """At least one environment enabled, and no two enabled ones in one cluster of one account."""
    from jenkinsctl.config.loader import cluster_overlaps

    overrides = _map(data.get("environments"))
    enabled = [e for e in config.environment_names if _map(overrides.get(e)).get("enabled") is not False]
    if not enabled:
        return [doc.problem(("environments",), "every environment is disabled: this service deploys nowhere",
                            "enable one (remove enabled: false), or remove the descriptor")]
    base = _map(data.get("deploy")).get("cluster")
    clusters: dict[str, str] = {}
    where: dict[str, tuple[str | int, ...] | None] = {}
    for env in enabled:
        own = _map(overrides.get(env)).get("cluster")
        cluster = own if isinstance(own, str) else base if isinstance(base, str) else config.environments[env].cluster
        clusters[env] = cluster
        where[env] = ("environments", env, "cluster") if isinstance(own, str) else ("deploy", "cluster") \
            if isinstance(base, str) else None
    out: list[Problem] = []
    for env, earlier, message, hint in cluster_overlaps(config, clusters):
        if where[env] is None and where[earlier] is not None:  # the descriptor moved the earlier one here
            env, message = earlier, f"cluster '{clusters[env]}' is also environment {env}'s"
        if where[env] == ("deploy", "cluster"):
            message = f"every environment would deploy to cluster '{clusters[env]}'"
        at = where[env]
        if at is not None and not any(p.path == dotted(at) for p in out):
            out.append(doc.problem(at, message, hint))
    return out


def _plain_values(doc: YamlDocument, prefix: tuple, values: dict, service: str, why: str) -> list[Problem]:
    out = []
    for key, value in values.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            continue
        value = str(value)
        hint = SECRET_HINT.format(name=key, service=service, lower=str(key).lower().replace("_", "-"))
        if looks_like_secret_name(str(key)) and value.strip():
            out.append(doc.problem(prefix + (key,), f"'{key}' looks like a secret but has a plain-text value "
                                   f"({why})", hint))
        elif looks_like_secret_value(value):
            out.append(doc.problem(prefix + (key,), f"the value of '{key}' looks like a credential ({why})", hint))
    return out


def _strategies(doc: YamlDocument, data: dict, config: Config) -> list[Problem]:
    out, used = [], set()
    base = _map(data.get("deploy"))
    overrides = _map(data.get("environments"))
    portless: dict[tuple, tuple[str, list[str]]] = {}
    for env_name in config.environment_names:
        override = _map(overrides.get(env_name))
        if override.get("enabled") is False:
            continue
        strategy = override.get("strategy") or base.get("strategy") or config.defaults.strategy
        port = override.get("port") or base.get("port")
        if not isinstance(strategy, str):
            continue  # not a name: the model's validation says so, with its location
        used.add(strategy)
        if strategy == "dns-blue-green":
            out += _dns_pair(doc, env_name, override, base, config)
        if strategy != "rolling" and port is None:
            where = ("environments", env_name, "strategy") if override.get("strategy") else \
                ("deploy", "strategy") if base.get("strategy") else ("name",)
            portless.setdefault(where, (strategy, []))[1].append(env_name)
    for where, (strategy, envs) in portless.items():
        out.append(doc.problem(where, f"{strategy} (in {', '.join(envs)}) needs deploy.port",
                               f"{strategy} shifts traffic on a load balancer, so the service must "
                               "listen on a port; workers without a port deploy with strategy: rolling"))
    for key, strategy in _PARAMS:
        if base.get(key) is not None and strategy not in used:
            out.append(doc.problem(("deploy", key), f"{key} settings are given but no environment deploys "
                                   f"with strategy {strategy}",
                                   f"set deploy.strategy: {strategy}, or remove deploy.{key}", key=True))
    return out


def _dns_pair(doc: YamlDocument, env_name: str, override: dict, base: dict, config: Config) -> list[Problem]:
    where = ("environments", env_name, "dnsBlueGreen") if "dnsBlueGreen" in override else ("deploy", "dnsBlueGreen")
    spec = _map(override.get("dnsBlueGreen") or base.get("dnsBlueGreen"))
    if not spec:
        return [doc.problem(("environments", env_name, "strategy") if override.get("strategy") else
                            ("deploy", "strategy"), f"dns-blue-green (in {env_name}) needs deploy.dnsBlueGreen",
                            "give the weighted record: dnsBlueGreen: {zoneId: Z..., record: orders.example.com, "
                            "ttl: 60, pair: [prod-blue, prod-green]}")]
    pair: list = spec["pair"] if isinstance(spec.get("pair"), list) else []
    out: list[Problem] = []
    for name in pair:
        if name not in config.environment_names:
            out.append(doc.problem(where + ("pair",), f"dns-blue-green pair names '{name}', which is not declared "
                                   "in jenkinsctl.yaml", "declared: " + ", ".join(config.environment_names)))
        elif config.environments[name].load_balancer is None:
            out.append(doc.problem(where + ("pair",), f"dns-blue-green needs a load balancer in {name}",
                                   f"set environments.{name}.loadBalancer.listenerArn in jenkinsctl.yaml"))
    if pair and env_name not in pair:
        out.append(doc.problem(where + ("pair",), f"{env_name} deploys with dns-blue-green but is not in its pair "
                               f"{pair}", f"add {env_name} to the pair, or give {env_name} another strategy"))
    return out


def check_across_files(entries: list[tuple[ServiceSpec, YamlDocument]]) -> list[Problem]:
    problems = []
    for field_path, label, key in ((("name",), "service name", lambda s: s.name),
                                   (("image", "repository"), "image repository", lambda s: s.repository)):
        owners: dict[str, list[tuple[ServiceSpec, YamlDocument]]] = {}
        for spec, doc in entries:
            owners.setdefault(key(spec), []).append((spec, doc))
        for value, group in owners.items():
            if len(group) < 2:
                continue
            for _spec, doc in group:
                others = [f"{d.file}:{':'.join(map(str, d.where(field_path)))}" for s, d in group if d is not doc]
                path = field_path if field_path in doc.values else ("name",)
                problems.append(doc.problem(path, f"{label} '{value}' is also used by " + ", ".join(others),
                                            f"each service needs its own {label}"))
    return problems


def _fargate_sizes(doc: YamlDocument, data: dict, config: Config) -> list[Problem]:
    """cpu and memory from different layers (jenkinsctl.yaml's defaults, deploy, an environment) must
    still make a Fargate task size; a pair written side by side is checked by the model, there."""
    from jenkinsctl.aws.limits import FARGATE_SIZES, fargate_problem

    base, overrides = _map(data.get("deploy")), _map(data.get("environments"))
    out, seen = [], set()
    for env_name in config.environment_names:
        override = _map(overrides.get(env_name))
        if override.get("enabled") is False:
            continue
        found_at: dict[str, tuple] = {}
        values = {"cpu": config.defaults.cpu, "memory": config.defaults.memory}
        for key in values:
            for prefix, layer in ((("environments", env_name), override), (("deploy",), base)):
                if layer.get(key) is not None:
                    found_at[key], values[key] = prefix + (key,), layer[key]
                    break
        layers = {at[:-1] for at in found_at.values()}
        if not found_at or (len(found_at) == 2 and len(layers) == 1):
            continue  # all from the config (checked there), or written together (the model checks)
        cpu, memory = values["cpu"], values["memory"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (cpu, memory)) or cpu not in FARGATE_SIZES \
                or not 128 <= memory <= 122880:
            continue  # not a task size at all: the model says so, where it is
        problem = fargate_problem(cpu, memory)
        at = found_at.get("memory") or found_at["cpu"]
        if problem and at not in seen:
            seen.add(at)
            out.append(doc.problem(at, f"{problem[0]} (in {env_name})", problem[1]))
    return out


def _derived_names(doc: YamlDocument, data: dict, config: Config, service: str) -> list[Problem]:
    """The names jenkinsctl derives from the service and environment names (task family, target
    groups, roles, log group, parameters) held to AWS's limits, blamed on the service's name."""
    from jenkinsctl.aws.limits import problem
    from jenkinsctl.deploy.resources import Resources

    if name_problem(service) is not None:
        return []  # the model says what is wrong with the name itself
    out: list[Problem] = []
    for env_name in config.environment_names:
        res = Resources(service, env_name, config.environments[env_name].cluster, "", "", service)
        for key, what, name in res.limited():
            found = problem(key, name, f"{what} '{name}' (derived from it for {env_name})")
            if found and not out:
                out.append(doc.problem(("name",), found[0], found[1] + "; choose a shorter service name"))
    return out
