"""Preview environments: one per branch, made on demand from a base environment, found again by
their SSM index record, removed with everything they created.

    up    deploy the branch's image to its preview (the normal deployer: plan, rolling, health)
    list  the previews of a service (index records under /jenkinsctl/<service>/pv-*/preview)
    down  plan, then remove: ECS service, listener rule, target group, task definition revisions,
          log group, roles, SSM records; only resources tagged as this preview's
    gc    down for previews whose branch is gone from the service's repository or whose TTL
          (hours since the last deploy) passed; a repository that cannot be read removes nothing
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from typing import Callable

from jenkinsctl.errors import GitError, UsageError
from jenkinsctl.plan import ApiCall, Change, Plan, run_call
from jenkinsctl.previews.naming import PREFIX, preview_environment, preview_service

INDEX = "preview"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Preview:
    service: str
    branch: str
    env: str
    base: str
    host: str | None
    created: str
    updated: str
    ttl_hours: int
    version: str = ""

    @property
    def expires(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.updated.replace("Z", "+00:00")) + dt.timedelta(hours=self.ttl_hours)

    def render(self, now: dt.datetime | None = None) -> str:
        left = self.expires - (now or _now())
        when = f"expires in {left.total_seconds() / 3600:.0f}h" if left.total_seconds() > 0 else "expired"
        return f"{self.branch:<24} {self.env:<24} from {self.base:<8} {self.version:<24} " \
               f"{self.host or '(no host rule)'}  {when}"


def _require(resolved):
    if resolved.previews is None:
        raise UsageError(f"service {resolved.name} has no previews",
                         f"add `previews: {{from: <env>, ttlHours: 72, host: \"{{branch}}.{resolved.name}.example.com\"}}` "
                         f"to {resolved.source}")
    return resolved.previews


def _clients(aws, resolved):
    return aws.for_environment(resolved.environment(resolved.previews.from_env), resolved.name)


def _index_name(resolved, env: str) -> str:
    return f"/jenkinsctl/{resolved.name}/{env}/{INDEX}"


def list_previews(aws, resolved) -> list[Preview]:
    _require(resolved)
    ssm = _clients(aws, resolved).ssm
    out = []
    for name in ssm.names_under(f"/jenkinsctl/{resolved.name}/"):
        parts = name.split("/")
        if len(parts) == 5 and parts[3].startswith(PREFIX) and parts[4] == INDEX:
            data = ssm.get_json(name) or {}
            out.append(Preview(resolved.name, data.get("branch", "?"), parts[3], data.get("base", "?"),
                               data.get("host"), data.get("created", ""), data.get("updated", ""),
                               int(data.get("ttlHours", 0)), data.get("version", "")))
    return sorted(out, key=lambda p: p.branch)


def up(aws, resolved, branch: str, image_uri: str, version: str, git_sha: str, report: Callable[[str], None],
       dry_run: bool = False, interval: float = 10.0, timeout: float | None = None, health: str = "targets",
       now: dt.datetime | None = None):
    """Deploy to the branch's preview (created on first use), then record it in its index."""
    from jenkinsctl.deploy.deployer import DeployRequest, deploy

    spec = _require(resolved)
    svc, env = preview_service(resolved, branch)
    clients = _clients(aws, resolved)
    report(f"preview of {resolved.name} for branch {branch}: environment {env.name} from {spec.from_env}"
           + (f", host {env.host}" if env.host else ""))
    req = DeployRequest(env.name, image_uri, version, git_sha, None, timeout, interval, health)
    outcome = deploy(clients, svc, req, report, {}, dry_run, require_approval=False)
    if dry_run:
        return outcome
    ssm = clients.ssm
    name = _index_name(resolved, env.name)
    old = ssm.get_json(name) or {}
    stamp = _iso(now or _now())
    ssm.put_json(name, {"branch": branch, "base": spec.from_env, "host": env.host, "ttlHours": spec.ttl_hours,
                        "created": old.get("created", stamp), "updated": stamp, "version": version},
                 f"jenkinsctl: preview of {resolved.name} for branch {branch}")
    report(f"preview {env.name} of {resolved.name} is up" + (f": http://{env.host}/" if env.host else "")
           + f"; removed after {spec.ttl_hours}h without a deploy, or when {branch} is deleted")
    return outcome


def plan_down(aws, resolved, branch: str) -> tuple[str, Plan]:
    """What removing `branch`'s preview deletes (reads only): every resource that exists and carries
    this preview's tags (`preview-of`, `environment`); one tagged otherwise is left alone, said so."""
    from jenkinsctl.aws.elbv2 import forward_weights
    from jenkinsctl.deploy.resources import resources_for

    _require(resolved)
    env = preview_environment(resolved, branch)
    res = resources_for(resolved, env)
    clients = _clients(aws, resolved)
    ecs, elb, iam, logs, ssm = clients.ecs, clients.elbv2, clients.iam, clients.logs, clients.ssm

    def ours(tags) -> bool:
        return (tags or {}).get("preview-of") == env.preview_of and (tags or {}).get("environment") == env.name

    changes: list[Change] = []
    notes: list[str] = []
    name = res.ecs_service_name
    tags = ecs.service_tags(res.cluster, name)
    if tags is not None and not ours(tags):
        notes.append(f"ECS service {name}: not tagged as this preview's; left alone")
    elif tags is not None:
        changes.append(Change("delete", "ecs-service", name, f"in cluster {res.cluster}", calls=(
            ApiCall("ecs", "update_service", {"cluster": res.cluster, "service": name, "desiredCount": 0}),
            ApiCall("ecs", "delete_service", {"cluster": res.cluster, "service": name, "force": True}))))
    group = elb.target_group(res.target_group(None)) if env.load_balancer else None
    if group and not ours(elb.tags(group["TargetGroupArn"])):
        notes.append(f"target group {res.target_group(None)}: not tagged as this preview's; left alone")
    elif group:
        arn = group["TargetGroupArn"]
        for rule in elb.rules(env.load_balancer.listener_arn):
            if not rule.get("IsDefault") and arn in forward_weights(rule):
                changes.append(Change("delete", "listener-rule", f"priority {rule['Priority']}",
                                      f"-> {res.target_group(None)} on {env.preview_of}'s listener",
                                      calls=(ApiCall("elbv2", "delete_rule", {"RuleArn": rule["RuleArn"]}),)))
        changes.append(Change("delete", "target-group", res.target_group(None),
                              calls=(ApiCall("elbv2", "delete_target_group", {"TargetGroupArn": arn}),)))
    revisions = ecs.revisions(res.family)
    if revisions:  # ECS deletes only INACTIVE revisions, at most 10 per call
        calls = [ApiCall("ecs", "deregister_task_definition", {"taskDefinition": a}) for a in revisions]
        calls += [ApiCall("ecs", "delete_task_definitions", {"taskDefinitions": revisions[i:i + 10]})
                  for i in range(0, len(revisions), 10)]
        changes.append(Change("delete", "task-definition", res.family, f"{len(revisions)} revisions",
                              calls=tuple(calls)))
    if logs.group(res.log_group) is not None:
        changes.append(Change("delete", "log-group", res.log_group,
                              calls=(ApiCall("logs", "delete_log_group", {"logGroupName": res.log_group}),)))
    for role in (res.task_role, res.execution_role):
        found = iam.role(role)
        if found is None:
            continue
        if not ours({t["Key"]: t["Value"] for t in found.get("Tags", [])}):
            notes.append(f"role {role}: not tagged as this preview's; left alone")
            continue
        calls = [ApiCall("iam", "delete_role_policy", {"RoleName": role, "PolicyName": p})
                 for p in iam.inline_policy_names(role)]  # IAM deletes only a role without policies
        changes.append(Change("delete", "role", role, calls=(*calls, ApiCall("iam", "delete_role", {"RoleName": role}))))
    names = ssm.names_under(res.ssm_prefix)
    if names:
        changes.append(Change("delete", "ssm-parameters", res.ssm_prefix + "/*", f"{len(names)} parameters", calls=tuple(
            ApiCall("ssm", "delete_parameters", {"Names": names[i:i + 10]}) for i in range(0, len(names), 10))))
    return env.name, Plan(tuple(changes), notes=tuple(notes))


def down(aws, resolved, branch: str, report: Callable[[str], None], dry_run: bool = False) -> Plan:
    """Print the plan, then delete what it names (unless `dry_run`)."""
    name, plan = plan_down(aws, resolved, branch)
    report(f"plan: remove preview {name} of {resolved.name} (branch {branch})")
    for c in plan.changes:
        report(f"  - delete {c.kind} {c.name}" + (f" ({c.note})" if c.note else ""))
    for note in plan.notes:
        report(f"  = {note}")
    if plan.empty:
        report("  nothing to remove")
    if dry_run:
        return plan
    clients = _clients(aws, resolved)
    for call in plan.calls:
        run_call(call, clients)
    report(f"removed preview {name} of {resolved.name}: {len(plan.changes)} resources")
    return plan


def remote_branches(repo: str) -> set[str]:
    """Branch names the repository has now (`git ls-remote --heads`)."""
    try:
        out = subprocess.run(["git", "ls-remote", "--heads", repo], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot list the branches of {repo}: {exc}", "check the URL and the credentials") from exc
    if out.returncode != 0:
        raise GitError(f"cannot list the branches of {repo}: {out.stderr.strip()}",
                       "nothing was removed; check the URL and the credentials, then run env gc again")
    return {line.split("refs/heads/", 1)[1] for line in out.stdout.splitlines() if "refs/heads/" in line}


def gc(aws, resolved, report: Callable[[str], None], dry_run: bool = False, now: dt.datetime | None = None,
       branches: set[str] | None = None) -> list[Preview]:
    """Remove the previews whose branch is gone or whose TTL passed; returns those removed."""
    now = now or _now()
    previews = list_previews(aws, resolved)
    if not previews:
        report(f"{resolved.name}: no previews")
        return []
    live = remote_branches(resolved.repo) if branches is None else branches
    gone = []
    for p in previews:
        why = "branch deleted" if p.branch not in live else ("expired" if p.expires <= now else None)
        report(f"{resolved.name} {p.env} ({p.branch}): " + (f"{why}: remove" if why else "keep"))
        if why:
            gone.append(p)
    for p in gone:
        down(aws, resolved, p.branch, report, dry_run)
    return gone
