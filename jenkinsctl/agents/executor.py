"""Run a plan's calls in order; resolve the values only known at run time (`Ref`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from jenkinsctl.agents.plan import ApiCall, Plan, Ref
from jenkinsctl.aws import autoscaling as asg_api
from jenkinsctl.errors import AwsError


@dataclass
class ApplyResult:
    done: list[str] = field(default_factory=list)  # rendered calls, in order

    @property
    def count(self) -> int:
        return len(self.done)


def execute(plan: Plan, clients, progress: Callable[[str], None] | None = None) -> ApplyResult:
    result = ApplyResult()
    for change in plan.changes:
        if progress:
            progress(f"{change.action} {change.kind} {change.name}")
        for call in change.calls:
            params = _resolve(call.params, clients)
            try:
                getattr(clients.client(call.service), call.method)(**params)
            except AwsError as exc:
                raise AwsError(f"{change.action} {change.kind} {change.name}: {exc.message}",
                               exc.hint or f"{result.count} call(s) succeeded before this one; fix the cause and "
                               "run `jenkinsctl agents apply` again: it continues from what exists") from exc
            result.done.append(call.render())
    return result


def _resolve(value: Any, clients) -> Any:
    if isinstance(value, Ref):
        if value.what == "asg_arn":
            return asg_api.group_arn(clients.autoscaling, value.name)
        if value.what == "capacity_provider_arn":
            found = clients.ecs.describe_capacity_providers(capacityProviders=[value.name])["capacityProviders"]
            return found[0]["capacityProviderArn"]
        raise ValueError(f"unknown reference {value}")
    if isinstance(value, dict):
        return {k: _resolve(v, clients) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, clients) for v in value]
    return value


def mutating_calls(clients) -> list[str]:
    """Mutating AWS operations recorded on every client made so far (for `apply` idempotence)."""
    out = []
    for name, client in clients._clients.items():
        out += [f"{name}.{m}" for m in client.calls if ApiCall(name, m, {}).mutating]
    return out
