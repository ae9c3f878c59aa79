"""The fleet operations the CLI calls: plan, apply, destroy (one scope: main or a branch)."""

from __future__ import annotations

from jenkinsctl.agents import resources, state
from jenkinsctl.agents.plan import FleetPlan, make_plan
from jenkinsctl.config.fleet import FleetSpec, branch_slug


def plan_fleet(clients, spec: FleetSpec, account_id: str, branch: str | None = None,
               live_branches: list[str] | None = None, destroy: bool = False) -> FleetPlan:
    """What `apply` (or `destroy`) would change. Reads only. `live_branches`: prune the branch
    templates of every branch not listed (their config is gone)."""
    scope = branch_slug(branch) if branch else ""
    existing = state.discover(clients, spec.cluster, instances=destroy and not branch)
    if destroy:
        wanted: list[resources.Resource] = []
    elif scope:
        wanted = resources.desired(spec, "", 0, branch)
    else:
        image_id = clients.ssm.ecs_ami(spec.ami_parameter)
        lt = existing.get(("launch_template", resources.Names(spec.cluster).launch_template))
        wanted = resources.desired(spec, image_id, _next_version(spec, image_id, lt))
    _check_names(wanted, scope)
    delete_scopes: set[str] = set()
    if live_branches is not None and not scope:
        keep = {branch_slug(b) for b in live_branches}
        delete_scopes = {r.scope for r in existing.values() if r.scope and r.scope not in keep}
    if destroy and not scope:
        delete_scopes = {r.scope for r in existing.values() if r.scope}
    notes = tuple(f"branch {s}: its config is gone; its agent templates are removed" for s in sorted(delete_scopes))
    return make_plan(spec.cluster, scope, wanted, existing, account_id, clients.region, delete_scopes, notes)


def _next_version(spec: FleetSpec, image_id: str, lt) -> int:
    """The launch template version the group should run after this apply."""
    if lt is None:
        return 1
    probe = resources.desired(spec, image_id, 0)
    want = next(r for r in probe if r.kind == "launch_template").props
    have = {k: v for k, v in lt.props.items() if not k.startswith("_") and k != "tags"}
    changed = any(want.get(k) != v for k, v in have.items())
    return lt.props["_latestVersion"] + (1 if changed else 0)


# AWS's limits on the names the fleet derives from the cluster name, the labels and the branch
NAME_LIMITS = {"iam_role": 64, "instance_profile": 128, "event_rule": 64, "queue": 80, "task_definition": 255,
               "asg": 255, "launch_template": 128, "capacity_provider": 255, "log_group": 512}


def _check_names(wanted: list[resources.Resource], scope: str) -> None:
    from jenkinsctl.errors import UsageError

    long = [f"{r.kind} {r.name} ({len(r.name)} > {NAME_LIMITS[r.kind]})" for r in wanted
            if len(r.name) > NAME_LIMITS.get(r.kind, 255)]
    if long:
        raise UsageError("names too long for AWS: " + "; ".join(long),
                         "shorten agents.cluster or the template labels" + (" or the branch name" if scope else ""))
