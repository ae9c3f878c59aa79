"""Run a plan's calls in order, through the typed AWS classes; resolve the values only known at
run time (`Ref`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from jenkinsctl.errors import AwsError
from jenkinsctl.plan import Plan, Ref, run_call


@dataclass
class ApplyResult:
    done: list[str] = field(default_factory=list)  # rendered calls, in order

    @property
    def count(self) -> int:
        return len(self.done)


def execute(plan: Plan, clients, progress: Callable[[str], None] | None = None) -> ApplyResult:
    result = ApplyResult()

    def lookup(ref: Ref) -> str:
        if ref.what == "asg_arn":
            return clients.autoscaling.group_arn(ref.name)
        if ref.what == "capacity_provider_arn":
            return clients.ecs.capacity_provider_arn(ref.name)
        raise ValueError(f"unknown reference {ref}")

    for change in plan.changes:
        if progress:
            progress(f"{change.action} {change.kind} {change.name}")
        for call in change.calls:
            try:
                run_call(call, clients, lookup)
            except AwsError as exc:
                raise AwsError(f"{change.action} {change.kind} {change.name}: {exc.message}",
                               exc.hint or f"{result.count} call(s) succeeded before this one; fix the cause and "
                               "run `jenkinsctl agents apply` again: it continues from what exists") from exc
            result.done.append(call.render())
    return result


def mutating_calls(clients) -> list[str]:
    """Mutating AWS operations recorded on every service so far (for `apply` idempotence)."""
    return clients.mutating_calls()
