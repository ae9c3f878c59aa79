"""A service's runtime configuration in one environment, as a deploy records it: what reaches the
running tasks without a new image (env, secret references, cpu, memory, desired count, health
check, autoscaling). Pure.

Every deploy records `config_hash(runtime_config(env))` (and the fields) with its deploy record, so
the seed can tell, per service and environment, that the descriptor changed since the running
revision was deployed, and say which fields did."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def runtime_config(env: Any) -> dict[str, Any]:
    """The runtime fields of a ResolvedEnvironment, in the descriptor's spelling."""
    return {
        "env": dict(sorted(env.env.items())),
        "secrets": dict(sorted(env.secrets.items())),  # references (ssm:/..., ARNs), never values
        "cpu": env.cpu,
        "memory": env.memory,
        "desiredCount": env.desired_count,
        "healthCheck": _camel(env.health_check.model_dump()),
        "autoscaling": _camel(env.autoscaling.model_dump()) if env.autoscaling else None,
    }


def _camel(fields: dict[str, Any]) -> dict[str, Any]:
    """Field names in the descriptor's spelling (grace_seconds -> graceSeconds), the same from a
    pydantic model and from a step cache record (whose model_dump has no by_alias)."""
    return {k.split("_")[0] + "".join(w.title() for w in k.split("_")[1:]): v for k, v in fields.items()}


def config_hash(config: dict[str, Any]) -> str:
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def field_diff(old: dict[str, Any] | None, new: dict[str, Any], prefix: str = "deploy") -> list[str]:
    """`deploy.env.LOG_LEVEL: 'info' -> 'debug'`, one line per changed leaf, sorted."""
    out: list[str] = []
    _walk(old or {}, new, prefix, out)
    return out


def _walk(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            sub = f"{path}.{key}"
            if key not in old:
                out.append(f"{sub}: added {_show(new[key])}")
            elif key not in new:
                out.append(f"{sub}: removed (was {_show(old[key])})")
            else:
                _walk(old[key], new[key], sub, out)
        return
    if old != new:
        out.append(f"{path}: {_show(old)} -> {_show(new)}")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return repr(value) if isinstance(value, str) else json.dumps(value)
