"""Descriptor + config -> resolved service, remembering where every value came from.

Layers, later wins: built-in defaults, `jenkinsctl.yaml`, the descriptor's `deploy`, the
descriptor's `environments.<env>`. Maps (env, secrets) merge key by key.
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel

from jenkinsctl.config.loader import LoadedConfig
from jenkinsctl.config.model import role_account
from jenkinsctl.descriptor.model import STRATEGY_PARAMS, HealthCheck, RollingSpec, ServiceSpec
from jenkinsctl.descriptor.resolved import ResolvedService
from jenkinsctl.yamlfile import YamlDocument

Origins = dict[tuple, str]
BUILTIN = "built-in default"
_STRATEGY_PARAMS = STRATEGY_PARAMS


class _Layers:
    def __init__(self) -> None:
        self.data: dict = {}
        self.origins: Origins = {}

    def put(self, path: tuple, value: Any, origin: str) -> None:
        node = self.data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, BaseModel):
            value = value.model_dump(by_alias=True)
        elif isinstance(value, list):
            value = [v.model_dump(by_alias=True) if isinstance(v, BaseModel) else v for v in value]
        self._forget(path, node.get(path[-1]))
        node[path[-1]] = value
        self._mark(path, value, origin)

    def _forget(self, path: tuple, old: Any) -> None:
        self.origins.pop(path, None)
        if isinstance(old, dict):
            for k, v in old.items():
                self._forget(path + (k,), v)

    def _mark(self, path: tuple, value: Any, origin: str) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                self._mark(path + (k,), v, origin)
        else:
            self.origins[path] = origin

    def get(self, path: tuple, default: Any = None) -> Any:
        node = self.data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def overlay(self, path: tuple, model: BaseModel, origin: Callable[[tuple], str], merge_maps: tuple = ()) -> None:
        """Put only the fields the user set in `model` (recursively), each with its origin."""
        for name in model.model_fields_set:
            info = type(model).model_fields[name]
            key = info.alias or name
            value = getattr(model, name)
            if value is None:
                continue
            if isinstance(value, BaseModel):
                if self.get(path + (key,)) is None:
                    self.put(path + (key,), value, BUILTIN)  # unset fields keep their defaults
                self.overlay(path + (key,), value, lambda p, k=key: origin((k,) + p), merge_maps)
            elif key in merge_maps and isinstance(value, dict):
                for k, v in value.items():
                    self.put(path + (key, k), v, origin((key, k)))
            else:
                self.put(path + (key,), value, origin((key,)))


def _where(doc: YamlDocument, prefix: tuple) -> Callable[[tuple], str]:
    def origin(path: tuple) -> str:
        line, col = doc.where(prefix + path)
        return f"{doc.file}:{line}:{col}"

    return origin


def resolve(spec: ServiceSpec, doc: YamlDocument, loaded: LoadedConfig) -> tuple[ResolvedService, Origins]:
    cfg = loaded.config
    d = cfg.defaults
    L = _Layers()
    put_cfg = lambda path, value, cpath: L.put(path, value, loaded.origin(cpath))  # noqa: E731
    L.put(("name",), spec.name, _where(doc, ())(("name",)))
    L.put(("team",), spec.team, _where(doc, ())(("team",)))
    L.put(("repo",), spec.repo, _where(doc, ())(("repo",)))
    put_cfg(("mainBranch",), d.main_branch, ("defaults", "mainBranch"))
    L.put(("source",), doc.file, "file")
    L.put(("build",), spec.build.__class__(), BUILTIN)
    L.overlay(("build",), spec.build, _where(doc, ("build",)), merge_maps=("args",))
    L.put(("image", "repository"), spec.repository,
          _where(doc, ())(("image", "repository")) if spec.image.repository else "default: <team>/<name>")
    L.put(("image", "registry"), cfg.registry_host, loaded.origin(("registry", "host")) if cfg.registry.host
          else "derived from aws.accountId and aws.region")
    L.put(("image", "keep"), spec.image.keep, BUILTIN)
    L.put(("image", "untaggedDays"), spec.image.untagged_days, BUILTIN)
    L.overlay(("image",), spec.image.model_copy(update={"repository": None}), _where(doc, ("image",)))
    L.put(("versioning",), spec.versioning.__class__(), BUILTIN)
    put_cfg(("versioning", "initial"), d.initial_version, ("defaults", "initialVersion"))
    L.overlay(("versioning",), spec.versioning, _where(doc, ("versioning",)))
    put_cfg(("agent", "label"), d.agent_label, ("defaults", "agentLabel"))
    put_cfg(("agent", "cpu"), d.agent_cpu, ("defaults", "agentCpu"))
    put_cfg(("agent", "memory"), d.agent_memory, ("defaults", "agentMemory"))
    L.overlay(("agent",), spec.agent, _where(doc, ("agent",)))
    if spec.previews is not None:
        L.put(("previews",), spec.previews, _where(doc, ())(("previews",)))
    for key in ("mainBranch", "description", "owners"):
        name = {"mainBranch": "main_branch"}.get(key, key)
        if name in spec.model_fields_set:
            L.put((key,), getattr(spec, name), _where(doc, ())((key,)))

    previous: str | None = None
    L.data["environments"] = {}
    for env_name, env_cfg in cfg.environments.items():
        override = spec.environments.get(env_name)
        if override is not None and not override.enabled:
            continue
        base = ("environments", env_name)
        cpath = ("environments", env_name)
        L.put(base + ("name",), env_name, loaded.origin(cpath))
        for key, value in env_cfg.model_dump(by_alias=True).items():
            put_cfg(base + (key,), value, cpath + (key,))
        if env_cfg.account_id is None and env_cfg.role_arn:  # an environment lives where its role is
            put_cfg(base + ("accountId",), role_account(env_cfg.role_arn), cpath + ("roleArn",))
        elif env_cfg.account_id is None:
            put_cfg(base + ("accountId",), cfg.aws.account_id, ("aws", "accountId"))
        if env_cfg.region is None:
            put_cfg(base + ("region",), cfg.aws.region, ("aws", "region"))
        if env_cfg.registry is None:
            put_cfg(base + ("registry",), cfg.registry_host, ("registry", "host"))
        L.put(base + ("promoteFrom",), previous, BUILTIN + " (previous environment)")
        for key in ("cpu", "memory", "desiredCount", "strategy", "timeoutSeconds"):
            put_cfg(base + (key,), getattr(d, {"desiredCount": "desired_count",
                                                "timeoutSeconds": "timeout_seconds"}.get(key, key)),
                    ("defaults", key))
        L.put(base + ("healthCheck",), HealthCheck(), BUILTIN)
        L.put(base + ("port",), None, BUILTIN)
        L.overlay(base, spec.deploy, _where(doc, ("deploy",)), merge_maps=("env", "secrets"))
        if override is not None:
            L.overlay(base, override, _where(doc, ("environments", env_name)), merge_maps=("env", "secrets"))
            L.get(base).pop("enabled", None)
        strategy = L.get(base + ("strategy",))
        key, default_cls = _STRATEGY_PARAMS[strategy]
        keep = {key, "rolling"} if strategy == "dns-blue-green" else {key}  # it rolls inside each environment
        for other_key, _ in _STRATEGY_PARAMS.values():
            if other_key not in keep:
                L.get(base).pop(other_key, None)
        if strategy == "dns-blue-green" and L.get(base + ("rolling",)) is None:
            L.put(base + ("rolling",), RollingSpec(), BUILTIN)
        if L.get(base + (key,)) is None and strategy != "dns-blue-green":
            L.put(base + (key,), default_cls(), BUILTIN)
        previous = env_name

    resolved = ResolvedService.model_validate(L.data)
    return resolved, {p: o for p, o in L.origins.items()}
