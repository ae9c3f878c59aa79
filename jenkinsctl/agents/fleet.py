"""The fleet operations the CLI calls: plan, apply, destroy (one scope: main or a branch)."""

from __future__ import annotations

from jenkinsctl.agents import resources, state
from jenkinsctl.agents.plan import FleetPlan, make_plan
from jenkinsctl.config.fleet import FleetSpec, branch_slug


def plan_fleet(clients, spec: FleetSpec, account_id: str, branch: str | None = None,
               live_branches: list[str] | None = None, destroy: bool = False,
               controller_config: str = "") -> FleetPlan:
    """What `apply` (or `destroy`) would change. Reads only. `live_branches`: prune the branch
    templates of every branch not listed (their config is gone). `controller_config`: the YAML
    the controller's ECS task loads (`controller_service.controller_config`), when
    `spec.controller` is set."""
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
        wanted += _controller(clients, spec, account_id, controller_config)
    _check_names(spec, scope)
    delete_scopes: set[str] = set()
    if live_branches is not None and not scope:
        keep = {branch_slug(b) for b in live_branches}
        delete_scopes = {r.scope for r in existing.values() if r.scope and r.scope not in keep}
    if destroy and not scope:
        delete_scopes = {r.scope for r in existing.values() if r.scope}
    notes = tuple(f"branch {s}: its config is gone; its agent templates are removed" for s in sorted(delete_scopes))
    if not destroy and not scope and spec.controller is None:
        notes += ("agents.controller is not set: nothing runs `jenkinsctl agents controller` in AWS (set it to run "
                  "it as an ECS service on Fargate, or run the process yourself)",)
    return make_plan(spec.cluster, scope, wanted, existing, account_id, clients.region, delete_scopes, notes)


def _controller(clients, spec: FleetSpec, account_id: str, config_text: str) -> list[resources.Resource]:
    """The controller's ECS service and what it needs; its Jenkins credentials secret must exist."""
    from jenkinsctl.agents import controller_service
    from jenkinsctl.errors import UsageError

    if spec.controller is None:
        return []
    if not config_text:
        raise ValueError("plan_fleet: spec.controller is set and no controller_config was given")
    name = spec.controller.jenkins_credentials
    secret = clients.secretsmanager.describe(name)
    if secret is None:
        raise UsageError(f"agents.controller.jenkinsCredentials: the secret {name} does not exist in "
                         f"{clients.region}; nothing was changed",
                         f"create it: aws secretsmanager create-secret --name {name} --secret-string "
                         "'{\"user\": \"USER\", \"token\": \"API_TOKEN\"}'")
    return controller_service.resources(spec, secret, config_text, account_id, clients.region,
                                        resources.tags(spec.cluster))


def _next_version(spec: FleetSpec, image_id: str, lt) -> int:
    """The launch template version the group should run after this apply."""
    if lt is None:
        return 1
    probe = resources.desired(spec, image_id, 0)
    want = next(r for r in probe if r.kind == "launch_template").props
    have = {k: v for k, v in lt.props.items() if not k.startswith("_") and k != "tags"}
    changed = any(want.get(k) != v for k, v in have.items())
    return lt.props["_latestVersion"] + (1 if changed else 0)


def _check_names(spec: FleetSpec, scope: str) -> None:
    """The names of a branch's templates (its slug comes from the command line) held to AWS's limits
    before any call; the cluster's and the labels' own were checked when the config was validated."""
    from jenkinsctl.errors import UsageError

    found = resources.Names(spec.cluster).problems(tuple(spec.templates), scope)
    if found:
        raise UsageError("; ".join(m for m, _ in found), found[0][1] + "; shorten agents.cluster or the template "
                         "labels" + (" or the branch name" if scope else ""))
