"""`agents controller` as an ECS service: what `agents apply` creates for it, as plan data.

The controller runs on Fargate (`launchType: FARGATE`), so never on the spot instances it drains
nor in the group it scales; one task (desiredCount 1; a second one during a deployment is safe:
every drain step is a conditional write in the state table). Its resources, all named after the
cluster (`Names`):

- task role `<cluster>-controller`: one inline policy naming the fleet's own resources (the event
  queue, the state table, the Auto Scaling group, the cluster, its container instances and tasks,
  the instances tagged as the fleet's), Describe calls on `*` (they take no resource), and
  `iam:PassRole` of the instance role to EC2 (the on-demand fallback updates the group's launch
  template overrides);
- execution role `<cluster>-controller-execution`: AWS's task execution policy (image pull, log
  streams) and `secretsmanager:GetSecretValue` on the one Jenkins credentials secret (plus
  `kms:Decrypt` on its key when it is a customer key);
- log group `/jenkinsctl/agents/<cluster>/controller`;
- task definition `<cluster>-controller`: the image by digest, the Jenkins user and API token as
  ECS `secrets` (references to the secret's JSON keys `user` and `token`: never plain text in
  the task definition), the controller's config (the loaded jenkinsctl.yaml with the fleet
  resolved) in `JENKINSCTL_CONFIG_TEXT`, written to a file by the container's shell and read with
  `--config` (nothing baked into the image);
- service `<cluster>-controller` in the fleet's cluster.

`agents destroy` deletes the service first (a cluster with an active service is not deleted)."""

from __future__ import annotations

import hashlib

import yaml

from jenkinsctl.agents.resources import TASK_EXECUTION_POLICY, Names, Resource
from jenkinsctl.config.fleet import FleetSpec
from jenkinsctl.plan import ApiCall

CONTAINER = "controller"
CONFIG_ENV = "JENKINSCTL_CONFIG_TEXT"
PERIOD_ENV = "JENKINSCTL_CONTROLLER_PERIOD"
CONFIG_FILE = "/tmp/jenkinsctl.yaml"
# the container's command: the config from the environment to a file, then the controller (exec:
# it gets ECS's SIGTERM and stops cleanly within stopTimeout)
SCRIPT = (f'printf "%s" "${CONFIG_ENV}" > {CONFIG_FILE} && '
          f'exec jenkinsctl --config {CONFIG_FILE} agents controller --period "${PERIOD_ENV}"')
STOP_TIMEOUT = 30  # > the 20 s long poll: SIGTERM lets the pass in flight finish


def controller_config(config, spec: FleetSpec) -> str:
    """The YAML the controller loads: the config as loaded (environment overrides applied), the
    fleet resolved (`jenkinsctl-agent` images by digest), the sandbox endpoint dropped."""
    data = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["agents"] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.get("aws", {}).pop("endpointUrl", None)
    return yaml.safe_dump(data, sort_keys=True)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _arns(n: Names, account: str, region: str) -> dict[str, str]:
    return {"queue": f"arn:aws:sqs:{region}:{account}:{n.queue}",
            "table": f"arn:aws:dynamodb:{region}:{account}:table/{n.state_table}",
            "asg": f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/{n.asg}",
            "cluster": f"arn:aws:ecs:{region}:{account}:cluster/{n.cluster}",
            "instances": f"arn:aws:ecs:{region}:{account}:container-instance/{n.cluster}/*",
            "tasks": f"arn:aws:ecs:{region}:{account}:task/{n.cluster}/*",
            "ec2": f"arn:aws:ec2:{region}:{account}:instance/*",
            "instanceRole": f"arn:aws:iam::{account}:role{n.role_path}{n.instance_role}",
            "launchTemplates": f"arn:aws:ec2:{region}:{account}:launch-template/*"}


def task_role_policy(n: Names, account: str, region: str) -> dict:
    """Least privilege for `agents controller`: the calls it makes (receive, handle, scale), on the
    fleet's named resources; `docs/iam.md` lists the same."""
    a = _arns(n, account, region)
    from jenkinsctl.agents.resources import OWNER_TAG

    def stmt(sid, actions, resources, condition=None):
        out = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
        return {**out, "Condition": condition} if condition else out

    return {"Version": "2012-10-17", "Statement": [
        stmt("EventQueue", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                            "sqs:GetQueueUrl", "sqs:ListQueueTags", "sqs:ReceiveMessage"], [a["queue"]]),
        stmt("StateTable", ["dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:GetItem",
                            "dynamodb:ListTagsOfResource", "dynamodb:PutItem", "dynamodb:Scan",
                            "dynamodb:UpdateItem"], [a["table"]]),
        stmt("AgentGroup", ["autoscaling:CompleteLifecycleAction", "autoscaling:CreateOrUpdateTags",
                            "autoscaling:DeleteTags", "autoscaling:SetDesiredCapacity",
                            "autoscaling:SetInstanceProtection", "autoscaling:TerminateInstanceInAutoScalingGroup",
                            "autoscaling:UpdateAutoScalingGroup"], [a["asg"]]),
        stmt("Cluster", ["ecs:ListContainerInstances"], [a["cluster"]]),
        stmt("ContainerInstances", ["ecs:DescribeContainerInstances", "ecs:UpdateContainerInstancesState"],
             [a["instances"]]),
        stmt("Tasks", ["ecs:ListTasks"], ["*"], {"ArnEquals": {"ecs:cluster": a["cluster"]}}),
        stmt("TaskDetails", ["ecs:DescribeTasks"], [a["tasks"]]),
        stmt("InstanceTags", ["ec2:CreateTags", "ec2:DeleteTags"], [a["ec2"]],
             {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG}": n.cluster}}),
        # Describe calls take no resource-level permission
        stmt("Describe", ["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstanceTypes",
                          "ec2:DescribeInstances"], ["*"]),
        # the on-demand fallback updates the group's mixed instances policy: AWS checks the caller
        # may launch from the launch template and pass its instance role
        stmt("LaunchFromTemplate", ["ec2:RunInstances"], ["*"],
             {"ArnLike": {"ec2:LaunchTemplate": a["launchTemplates"]}, "Bool": {"ec2:IsLaunchTemplateResource": "true"}}),
        stmt("PassInstanceRole", ["iam:PassRole"], [a["instanceRole"]],
             {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
    ]}


def execution_role_policy(secret: dict, region: str, account: str) -> dict:
    statements = [{"Sid": "JenkinsCredentials", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                   "Resource": [secret["arn"]]}]
    key = secret.get("kmsKeyId")
    if key and not key.startswith("alias/aws/"):  # a customer key: ECS decrypts with the execution role
        arn = key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}"
        statements.append({"Sid": "SecretKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [arn]})
    return {"Version": "2012-10-17", "Statement": statements}


def resources(spec: FleetSpec, secret: dict, config_text: str, account: str, region: str,
              tags: dict[str, str]) -> list[Resource]:
    """The controller's resources (main scope only). `secret`: the Jenkins credentials secret's
    metadata ({arn, kmsKeyId}), looked up before planning."""
    c = spec.controller
    assert c is not None
    n = Names(spec.cluster)
    return [
        Resource("iam_role", n.controller_role, {
            "path": n.role_path, "service": "ecs-tasks.amazonaws.com", "policies": [],
            "inline": {"controller": task_role_policy(n, account, region)}, "tags": tags}),
        Resource("iam_role", n.controller_execution_role, {
            "path": n.role_path, "service": "ecs-tasks.amazonaws.com", "policies": [TASK_EXECUTION_POLICY],
            "inline": {"jenkins-credentials": execution_role_policy(secret, region, account)}, "tags": tags}),
        Resource("log_group", n.controller_log_group, {"retentionDays": spec.log_retention_days, "tags": tags}),
        Resource("controller_task", n.controller, {
            "image": c.image, "cpu": str(c.cpu), "memory": str(c.memory), "taskRole": n.controller_role,
            "executionRole": n.controller_execution_role, "logGroup": n.controller_log_group,
            "secrets": [{"name": "JENKINS_API_TOKEN", "valueFrom": f"{secret['arn']}:token::"},
                        {"name": "JENKINS_USER", "valueFrom": f"{secret['arn']}:user::"}],
            "configDigest": digest(config_text), "period": str(c.period), "tags": tags, "_config": config_text}),
        Resource("controller_service", n.controller, {
            "taskDefinition": n.controller, "desiredCount": 1, "launchType": "FARGATE",
            "subnets": sorted(spec.subnets), "securityGroups": sorted(spec.security_groups),
            "assignPublicIp": "ENABLED" if c.assign_public_ip else "DISABLED", "tags": tags}),
    ]


# --- plan: create / update / delete calls -------------------------------------------------

def _ecs_tags(tags: dict[str, str]) -> list[dict]:
    return [{"key": k, "value": v} for k, v in sorted(tags.items())]


def task_definition_params(ctx, r: Resource) -> dict:
    p = r.props
    role = lambda name: ctx.role_arn(name, Names(ctx.cluster).role_path)  # noqa: E731
    container = {
        "name": CONTAINER, "image": p["image"], "essential": True, "entryPoint": ["sh", "-c"], "command": [SCRIPT],
        "environment": [{"name": CONFIG_ENV, "value": p["_config"]}, {"name": PERIOD_ENV, "value": p["period"]},
                        {"name": "AWS_REGION", "value": ctx.region}],
        "secrets": p["secrets"], "stopTimeout": STOP_TIMEOUT,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": p["logGroup"], "awslogs-region": ctx.region, "awslogs-stream-prefix": CONTAINER}}}
    return {"family": r.name, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": p["cpu"], "memory": p["memory"],
            "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
            "taskRoleArn": role(p["taskRole"]), "executionRoleArn": role(p["executionRole"]),
            "containerDefinitions": [container], "tags": _ecs_tags(p["tags"])}


def _register(ctx, r):
    return ApiCall("ecs", "register_task_definition", task_definition_params(ctx, r), hidden=("containerDefinitions",))


def task_create(ctx, r):
    return [_register(ctx, r)]


def task_update(ctx, r, have, d):
    # a new revision, the service moved onto it (ECS replaces the task), the old one deregistered
    calls = [_register(ctx, r)]
    if ctx.has("controller_service", r.name):
        calls.append(ApiCall("ecs", "update_service", {"cluster": ctx.cluster, "service": r.name,
                                                       "taskDefinition": r.name}))
    calls.append(ApiCall("ecs", "deregister_task_definition", {"taskDefinition": have.props["_arn"]}))
    return calls, "the controller restarts on the new revision (drains in flight resume from the state table)"


def task_delete(ctx, r, existing):
    return [ApiCall("ecs", "deregister_task_definition", {"taskDefinition": r.props["_arn"]})]


def _network(p: dict) -> dict:
    return {"awsvpcConfiguration": {"subnets": p["subnets"], "securityGroups": p["securityGroups"],
                                    "assignPublicIp": p["assignPublicIp"]}}


def service_create(ctx, r):
    p = r.props
    return [ApiCall("ecs", "create_service", {
        "cluster": ctx.cluster, "serviceName": r.name, "taskDefinition": p["taskDefinition"],
        "desiredCount": p["desiredCount"], "launchType": p["launchType"], "networkConfiguration": _network(p),
        "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100,
                                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        "propagateTags": "SERVICE", "tags": _ecs_tags(p["tags"])})]


def service_update(ctx, r, have, d):
    p = r.props
    calls = []
    if {f for f, _, _ in d} - {"tags"}:
        calls.append(ApiCall("ecs", "update_service", {
            "cluster": ctx.cluster, "service": r.name, "taskDefinition": p["taskDefinition"],
            "desiredCount": p["desiredCount"], "networkConfiguration": _network(p)}))
    if p["tags"] != have.props["tags"]:
        calls.append(ApiCall("ecs", "tag_resource", {"resourceArn": have.props["_arn"], "tags": _ecs_tags(p["tags"])}))
    note = ("the launch type of a service cannot change in place; destroy and apply"
            if p["launchType"] != have.props["launchType"] else None)
    return calls, note


def service_delete(ctx, r, existing):
    # first of all on destroy: a cluster with an active service is not deleted
    return [ApiCall("ecs", "update_service", {"cluster": ctx.cluster, "service": r.name, "desiredCount": 0}),
            ApiCall("ecs", "delete_service", {"cluster": ctx.cluster, "service": r.name, "force": True})]
