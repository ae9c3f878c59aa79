"""What exists: every resource this fleet owns (by tag / IAM path), normalized like `desired`."""

from __future__ import annotations

from jenkinsctl.agents.resources import BRANCH_TAG, ECS_SERVICE_LINKED_ROLE, HOOK, MANAGED_TAG, OWNER_TAG, Names, Resource
from jenkinsctl.aws.autoscaling import normalize_group


def owned_by(props: dict, cluster: str) -> bool:
    return (props.get("tags") or {}).get(OWNER_TAG) == cluster


def discover(clients, cluster: str, instances: bool = False) -> dict[tuple[str, str], Resource]:
    """All resources tagged as owned by the fleet `cluster`, in every scope (main and branches);
    ECS's service-linked role when the account has it; with `instances` (destroy), the container
    instances registered in the owned cluster and the tasks on them."""
    n = Names(cluster)
    found: list[Resource] = []

    def add(kind: str, items: dict[str, dict | None]) -> None:
        for name, props in items.items():
            if props is not None and owned_by(props, cluster):
                found.append(Resource(kind, name, props, props["tags"].get(BRANCH_TAG, "")))

    add("iam_role", clients.iam.roles(n.role_path))
    add("instance_profile", clients.iam.instance_profiles(n.role_path))
    add("log_group", clients.logs.groups(n.log_group))
    add("queue", {n.queue: clients.sqs.queue(n.queue)})
    add("event_rule", clients.events.rules(f"{cluster}-"))
    add("launch_template", clients.ec2.launch_templates(OWNER_TAG, cluster))
    group = clients.autoscaling.group(n.asg)
    add("asg", {n.asg: normalize_group(group) if group else None})
    if group is not None:  # hooks carry no tags: they are the owned group's
        owner = {k: v for k, v in normalize_group(group)["tags"].items() if k in (OWNER_TAG, MANAGED_TAG)}
        hooks = clients.autoscaling.lifecycle_hooks(n.asg)
        add("lifecycle_hook", {f"{n.asg}/{name}": {**props, "tags": owner}
                               for name, props in hooks.items() if name == HOOK})
    add("capacity_provider", {n.capacity_provider: clients.ecs.capacity_provider(n.capacity_provider)})
    owned_cluster = clients.ecs.cluster(cluster)
    add("cluster", {cluster: owned_cluster})
    if clients.iam.service_linked_role("ecs.amazonaws.com"):
        found.append(Resource("service_linked_role", ECS_SERVICE_LINKED_ROLE, {"service": "ecs.amazonaws.com"}))
    if instances and owned_cluster is not None and owned_by(owned_cluster, cluster):
        for ci in clients.ecs.container_instances(cluster):
            found.append(Resource("container_instance", ci.ec2_instance_id or ci.arn, {
                "arn": ci.arn, "status": ci.status, "tasks": clients.ecs.tasks_on(cluster, ci.arn),
                "tags": owned_cluster["tags"]}))
    add("task_definition", clients.ecs.task_definitions(n.family_prefix))
    return {r.key: r for r in found}
