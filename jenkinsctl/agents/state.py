"""What exists: every resource this fleet owns (by tag / IAM path), normalized like `desired`."""

from __future__ import annotations

from jenkinsctl.agents.resources import BRANCH_TAG, HOOK, MANAGED_TAG, OWNER_TAG, Names, Resource
from jenkinsctl.aws import autoscaling as asg_api
from jenkinsctl.aws import ec2 as ec2_api
from jenkinsctl.aws import ecs as aws_ecs, events as aws_events, iam as aws_iam, logs as aws_logs, sqs


def owned_by(props: dict, cluster: str) -> bool:
    return (props.get("tags") or {}).get(OWNER_TAG) == cluster


def discover(clients, cluster: str) -> dict[tuple[str, str], Resource]:
    """All resources tagged as owned by the fleet `cluster`, in every scope (main and branches)."""
    n = Names(cluster)
    found: list[Resource] = []

    def add(kind: str, items: dict[str, dict | None]) -> None:
        for name, props in items.items():
            if props is not None and owned_by(props, cluster):
                found.append(Resource(kind, name, props, props["tags"].get(BRANCH_TAG, "")))

    add("iam_role", aws_iam.roles(clients.iam, n.role_path))
    add("instance_profile", aws_iam.instance_profiles(clients.iam, n.role_path))
    add("log_group", aws_logs.log_groups(clients.logs, n.log_group))
    add("queue", {n.queue: sqs.queue(clients.sqs, n.queue)})
    add("event_rule", aws_events.rules(clients.events, f"{cluster}-"))
    add("launch_template", ec2_api.launch_templates(clients.ec2, OWNER_TAG, cluster))
    group = asg_api.describe_group(clients.autoscaling, n.asg)
    add("asg", {n.asg: asg_api.normalize_group(group) if group else None})
    if group is not None:  # hooks carry no tags: they are the owned group's
        owner = {k: v for k, v in asg_api.normalize_group(group)["tags"].items() if k in (OWNER_TAG, MANAGED_TAG)}
        hooks = asg_api.lifecycle_hooks(clients.autoscaling, n.asg)
        add("lifecycle_hook", {f"{n.asg}/{name}": {**props, "tags": owner}
                               for name, props in hooks.items() if name == HOOK})
    add("capacity_provider", {n.capacity_provider: aws_ecs.capacity_provider(clients.ecs, n.capacity_provider)})
    add("cluster", {cluster: aws_ecs.cluster(clients.ecs, cluster)})
    add("task_definition", aws_ecs.task_definitions(clients.ecs, n.family_prefix))
    return {r.key: r for r in found}
