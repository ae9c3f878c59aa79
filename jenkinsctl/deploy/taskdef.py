"""Task definition from descriptor + environment, and its diff against the current revision.

Pure: `render` builds the RegisterTaskDefinition request; `normalize` reduces a described
revision to the same managed keys, so "unchanged" means "nothing we manage differs"."""

from __future__ import annotations

import difflib
import json

from jenkinsctl.deploy.resources import Resources

TASK_KEYS = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory")
CONTAINER_KEYS = ("name", "image", "essential", "memory", "portMappings", "healthCheck", "environment", "secrets",
                  "logConfiguration")
HEALTH_KEYS = ("command", "interval", "timeout", "retries", "startPeriod")


def render(res: Resources, env, image_uri: str, version: str, git_sha: str) -> dict:
    """The RegisterTaskDefinition request for `env` (ResolvedEnvironment) running `image_uri`
    (always `<registry>/<repo>@sha256:...`)."""
    if "@sha256:" not in image_uri:
        from jenkinsctl.errors import UsageError

        raise UsageError(f"image {image_uri} is not pinned by digest",
                         "deploy the IMAGE_URI `jenkinsctl step push` wrote (<registry>/<repo>@sha256:...)")
    container: dict = {
        "name": res.service,
        "image": image_uri,
        "essential": True,
        "memory": env.memory,
        "environment": [{"name": k, "value": v} for k, v in sorted(env.env.items())],
        "secrets": [{"name": k, "valueFrom": res.secret_value_from(v)} for k, v in sorted(env.secrets.items())],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": res.log_group, "awslogs-region": res.region, "awslogs-stream-prefix": res.service}},
    }
    if env.port:
        hc = env.health_check
        container["portMappings"] = [{"containerPort": env.port, "protocol": "tcp"}]
        container["healthCheck"] = {
            "command": ["CMD-SHELL", f"wget -q -O /dev/null http://127.0.0.1:{env.port}{hc.path} || exit 1"],
            "interval": min(hc.interval_seconds, 300), "timeout": 5, "retries": hc.unhealthy_threshold,
            "startPeriod": min(hc.grace_seconds, 300)}
    return {
        "family": res.family,
        "taskRoleArn": res.role_arn(res.task_role),
        "executionRoleArn": res.role_arn(res.execution_role),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(env.cpu),
        "memory": str(env.memory),
        "containerDefinitions": [container],
        "tags": [{"key": k, "value": v} for k, v in sorted({
            **res.tags, "version": version, "git-sha": git_sha}.items())],
    }


def normalize(taskdef: dict, tags: list[dict] | None = None) -> dict:
    """Only the keys jenkinsctl manages, in a canonical order; from a request or a described revision."""
    out = {k: taskdef.get(k) for k in TASK_KEYS}
    out["cpu"] = str(out["cpu"]) if out["cpu"] is not None else None
    out["memory"] = str(out["memory"]) if out["memory"] is not None else None
    containers = []
    for c in taskdef.get("containerDefinitions", []):
        n = {k: c.get(k) for k in CONTAINER_KEYS}
        n["portMappings"] = [{"containerPort": p["containerPort"], "protocol": p.get("protocol", "tcp")}
                             for p in c.get("portMappings") or []] or None
        n["environment"] = sorted(c.get("environment") or [], key=lambda e: e["name"]) or None
        n["secrets"] = sorted(c.get("secrets") or [], key=lambda e: e["name"]) or None
        if c.get("healthCheck"):
            n["healthCheck"] = {k: c["healthCheck"].get(k) for k in HEALTH_KEYS}
        containers.append(n)
    out["containerDefinitions"] = containers
    tag_list = tags if tags is not None else taskdef.get("tags", [])
    out["tags"] = {t["key"]: t["value"] for t in tag_list or []}
    return out


def image_of(taskdef: dict) -> str | None:
    containers = taskdef.get("containerDefinitions") or []
    return containers[0].get("image") if containers else None


def flatten(value, prefix: str = "") -> list[str]:
    """`a.b[0].c: value` lines, for a diff a human can read."""
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            lines += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return lines
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and set(v) <= {"name", "value", "valueFrom"} for v in value):
            return [f"{prefix}.{v['name']}: {v.get('value', v.get('valueFrom'))}" for v in value]
        if all(not isinstance(v, (dict, list)) for v in value):
            return [f"{prefix}: {json.dumps(value)}"]
        lines = []
        for i, v in enumerate(value):
            lines += flatten(v, f"{prefix}[{i}]")
        return lines
    if value is None:
        return []
    return [f"{prefix}: {value}"]


def diff(current: dict | None, wanted: dict) -> list[str]:
    """Unified-diff lines (`-`/`+`) between two normalized task definitions; [] when equal."""
    old = flatten(current) if current else []
    new = flatten(wanted)
    if old == new:
        return []
    return [line for line in difflib.unified_diff(old, new, lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]
