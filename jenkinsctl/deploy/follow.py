"""Judge what ECS reports about a deployment. `judge` reads one service deployment
(DescribeServiceDeployments' shape); `service_rollout` reads a service's `deployments` (the
rolling view, and all the sandbox has). Both return a `Status`. Pure."""

from __future__ import annotations

from jenkinsctl.deploy.outcomes import FAILED, ROLLED_BACK, SUCCEEDED, Status

HOOK_NEWS = ("AWAITING_ACTION", "IN_PROGRESS", "FAILED", "TIMED_OUT")


def _pct(value) -> str:
    return "-" if value is None else f"{value:g}%"


def judge(name: str, d: dict) -> Status:
    status = d.get("status", "PENDING")
    target = d.get("targetServiceRevision") or {}
    breaker = d.get("deploymentCircuitBreaker") or {}
    alarms = d.get("alarms") or {}
    parts = [f"{name}: {status}, stage {d.get('lifecycleStage', '-')}",
             f"new revision {target.get('runningTaskCount', 0)}/{target.get('requestedTaskCount', 0)} running, "
             f"{target.get('pendingTaskCount', 0)} pending",
             f"traffic {_pct(target.get('requestedProductionTrafficWeight'))} production, "
             f"{_pct(target.get('requestedTestTrafficWeight'))} test"]
    if breaker.get("status"):
        parts.append(f"circuit breaker {breaker['status']} "
                     f"({breaker.get('failureCount', 0)}/{breaker.get('threshold', '?')} failed)")
    if alarms.get("status"):
        parts.append(f"alarms {alarms['status']}" + (f" ({', '.join(alarms['triggeredAlarmNames'])})"
                                                     if alarms.get("triggeredAlarmNames") else ""))
    for hook in d.get("lifecycleHookDetails") or []:
        if hook.get("status") in HOOK_NEWS:
            parts.append(f"hook {(hook.get('targetArn') or hook.get('hookId', '?')).rsplit(':', 1)[-1]} "
                         f"{hook['status']}")
    line = "; ".join(parts)
    if status == "SUCCESSFUL":
        return Status(line, True, SUCCEEDED)
    if status == "ROLLBACK_SUCCESSFUL":
        return Status(line, True, ROLLED_BACK, f"ECS rolled the deployment back: {cause(d)}")
    if status == "ROLLBACK_FAILED":
        return Status(line, True, FAILED, f"ECS could not roll the deployment back: {cause(d)}")
    if status == "STOPPED":
        return Status(line, True, FAILED, f"ECS stopped the deployment: {cause(d)}")
    if status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"):
        return Status(line + f"; rolling back: {cause(d)}")
    return Status(line)


def cause(d: dict) -> str:
    """ECS's own reason for a rollback or stop, with what triggered it."""
    out = []
    reason = (d.get("rollback") or {}).get("reason") or d.get("statusReason")
    if reason:
        out.append(reason)
    alarms = d.get("alarms") or {}
    if alarms.get("triggeredAlarmNames"):
        out.append("alarm " + ", ".join(alarms["triggeredAlarmNames"]) + " in ALARM")
    breaker = d.get("deploymentCircuitBreaker") or {}
    if breaker.get("status") == "TRIGGERED":
        out.append(f"circuit breaker: {breaker.get('failureCount', '?')} failed task(s) "
                   f"(threshold {breaker.get('threshold', '?')})")
    for hook in d.get("lifecycleHookDetails") or []:
        if hook.get("status") in ("FAILED", "TIMED_OUT"):
            out.append(f"lifecycle hook {hook.get('targetArn') or hook.get('hookId')} {hook['status']}")
    return "; ".join(out) or "ECS gave no reason"


def short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"


def service_rollout(label: str, svc: dict | None, name: str, taskdef_arn: str, seen_events: set[str]) -> Status:
    """The service's own view (describe_services): its deployments' rolloutState, the task
    definition it runs, its events. ECS's circuit breaker rolls back by putting the previous
    task definition back on the service."""
    if svc is None:
        return Status(f"service {name} is gone", True, FAILED, f"ECS service {name} no longer exists")
    events = [e for e in reversed(svc.get("events", [])) if e.get("id") not in seen_events]
    seen_events |= {e["id"] for e in events if "id" in e}
    note = "".join(f"\n    event: {e.get('message', '')}" for e in events[-3:])
    deployments = svc.get("deployments", [])
    ours = next((d for d in deployments if d.get("taskDefinition") == taskdef_arn), None)
    running, desired, pending = svc.get("runningCount", 0), svc.get("desiredCount", 0), svc.get("pendingCount", 0)
    if svc.get("taskDefinition") != taskdef_arn:
        why = (ours or {}).get("rolloutStateReason") or next(
            (d.get("rolloutStateReason") for d in deployments if d.get("rolloutState") == "FAILED"), "")
        return Status(f"{label}: ECS rolled back to {short(svc.get('taskDefinition'))}{note}", True, ROLLED_BACK,
                      f"ECS rolled the service back to {short(svc.get('taskDefinition'))}" + (f": {why}" if why else ""))
    state = (ours or {}).get("rolloutState")
    if ours:  # the deployment's own counts, not the service's (which mixes old and new tasks)
        running, desired = ours.get("runningCount", running), ours.get("desiredCount", desired)
        pending = ours.get("pendingCount", pending)
    line = f"{label}: {running}/{desired} running, {max(pending, 0)} pending, " \
           f"{len(deployments)} deployment(s), rollout {state or 'n/a'}{note}"
    if state == "FAILED":
        return Status(line, True, FAILED, ours.get("rolloutStateReason") or "the deployment failed")
    if state == "COMPLETED" and running >= desired:
        return Status(line, True, SUCCEEDED)
    if state is None and running >= desired and len(deployments) <= 1:
        return Status(line, True, SUCCEEDED)  # no rollout state reported: steady state by counts
    return Status(line)
