"""Names of a branch's preview environment, and the environment itself (pure).

A preview is a copy of its base environment (`previews.from`): same account, region, cluster,
network and load balancer, with its own ECS service, task definition family, target group,
listener rule (host header from `previews.host`), roles, log group and SSM records; rolling, one
task, no autoscaling, no approval. Every name fits AWS's limits (target group 32, IAM role 64,
DNS label 63) because the slug is at most 20 characters."""

from __future__ import annotations

import hashlib
import re

PREFIX = "pv-"
SLUG_MAX = 20


def slug(branch: str) -> str:
    """`feature/Login_page` -> `feature-login-page`; longer than 20: 14 chars, '-', 5 hex."""
    text = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-") or "branch"
    if len(text) <= SLUG_MAX:
        return text
    digest = hashlib.sha256(branch.encode()).hexdigest()[:5]
    return text[: SLUG_MAX - 6].rstrip("-") + "-" + digest


def env_name(branch: str) -> str:
    return PREFIX + slug(branch)


def host(template: str, branch: str, service: str) -> str:
    return template.format(branch=slug(branch), service=service)


def preview_environment(resolved, branch: str):
    """The ResolvedEnvironment of `branch`'s preview of `resolved` (which must have previews)."""
    from jenkinsctl.descriptor.model import RollingSpec

    spec = resolved.previews
    base = resolved.environment(spec.from_env)
    return base.model_copy(update={
        "name": env_name(branch), "approval": False, "promote_from": None, "strategy": "rolling",
        "rolling": RollingSpec(), "blue_green": None, "canary": None, "linear": None, "dns_blue_green": None,
        "alarms": [], "hooks": [],  # the base environment's alarms watch the base environment
        "autoscaling": None, "desired_count": 1,
        "host": host(spec.host, branch, resolved.name) if spec.host else None, "path": None,
        "preview_of": base.name, "branch": branch})


def preview_service(resolved, branch: str):
    """`resolved` with one environment, the preview: what the deployer deploys."""
    env = preview_environment(resolved, branch)
    return resolved.model_copy(update={"environments": {env.name: env}}), env
