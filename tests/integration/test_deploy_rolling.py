"""Deploys on moto: first deploy creates everything, an unchanged redeploy registers nothing, a
rolling deploy ECS rolls back exits non-zero (ECS rollout states driven by a scoped Stubber)."""

from __future__ import annotations

import json

import pytest

from awsstub import scoped
from deploy_support import digest, sandbox  # noqa: F401  (fixture)
from jenkinsctl.errors import DeployError, PolicyError

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/{}:{}"


def test_first_deploy_creates_everything_and_records_last_known_good(sandbox):  # noqa: F811
    aws = sandbox.clients
    out = sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    assert (out.outcome, out.registered, out.taskdef_arn) == ("succeeded", True, ARN.format("orders-api-dev", 1))
    group = aws.logs.raw.describe_log_groups(logGroupNamePrefix="/ecs/orders-api/dev")["logGroups"][0]
    assert group["retentionInDays"] == 30
    for role in ("orders-api-dev-task", "orders-api-dev-execution"):
        assert "ecs-tasks.amazonaws.com" in json.dumps(aws.iam.raw.get_role(RoleName=role)["Role"], default=str)
    policy = aws.iam.raw.get_role_policy(RoleName="orders-api-dev-execution", PolicyName="jenkinsctl-execution")
    doc = policy["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    named = {r for st in doc["Statement"] for r in st["Resource"]}
    assert "arn:aws:ssm:us-east-1:123456789012:parameter/orders-api/database-password" in named
    assert named - {"*"} and all(r == "*" or ":orders-api" in r or "/orders-api" in r for r in named)
    tgs = aws.elbv2.raw.describe_target_groups(Names=["orders-api-dev-b", "orders-api-dev-g"])["TargetGroups"]
    assert {t["HealthCheckPath"] for t in tgs} == {"/healthz"}
    svc = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"][0]  # one ECS service
    assert svc["taskDefinition"] == out.taskdef_arn and svc["desiredCount"] == 2
    by_name = {t["TargetGroupName"]: t["TargetGroupArn"] for t in tgs}
    lb = svc["loadBalancers"][0]
    assert lb["targetGroupArn"] == by_name["orders-api-dev-b"]
    adv = lb["advancedConfiguration"]  # what ECS shifts traffic with
    assert adv["alternateTargetGroupArn"] == by_name["orders-api-dev-g"]
    assert adv["roleArn"] == "arn:aws:iam::123456789012:role/orders-api-dev-ecs-infra"
    rule = aws.elbv2.raw.describe_rules(RuleArns=[adv["productionListenerRule"]])["Rules"][0]
    assert {g["TargetGroupArn"]: g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]} == {
        by_name["orders-api-dev-b"]: 100, by_name["orders-api-dev-g"]: 0}
    infra = aws.iam.raw.get_role(RoleName="orders-api-dev-ecs-infra")["Role"]
    assert "ecs.amazonaws.com" in json.dumps(infra["AssumeRolePolicyDocument"])
    doc = aws.iam.raw.get_role_policy(RoleName="orders-api-dev-ecs-infra", PolicyName="jenkinsctl-load-balancing")[
        "PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    scoped = {r for st in doc["Statement"] if st["Sid"] != "ReadLoadBalancing" for r in st["Resource"]}
    assert scoped and all("orders-api-dev-" in r or ":listener-rule/app/sandbox-dev/" in r for r in scoped)
    tags = aws.ecs.raw.describe_task_definition(taskDefinition=out.taskdef_arn, include=["TAGS"])["tags"]
    assert {t["key"]: t["value"] for t in tags}["version"] == "1.0.0"
    record = json.loads(aws.ssm.raw.get_parameter(Name="/jenkinsctl/orders-api/dev/last-known-good")["Parameter"]["Value"])
    assert (record["digest"], record["taskDefinition"], record["version"]) == (digest(1), out.taskdef_arn, "1.0.0")
    assert any(line.startswith("plan: orders-api -> dev (blue-green)") for line in sandbox.lines)


def test_an_unchanged_redeploy_registers_nothing(sandbox):  # noqa: F811
    sandbox.deploy("invoice-worker", "dev", 1, "1.0.0")
    before = len(sandbox.clients.ecs.calls)
    out = sandbox.deploy("invoice-worker", "dev", 1, "1.0.0")
    calls = sandbox.clients.ecs.calls[before:]
    assert out.outcome == "succeeded" and not out.registered
    assert "register_task_definition" not in calls and "update_service" not in calls
    assert "task definition: unchanged (invoice-worker-dev:1); nothing to register" in sandbox.lines


def test_approval_environments_refuse_unapproved_deploys(sandbox):  # noqa: F811
    from jenkinsctl.deploy.deployer import DeployRequest, deploy

    svc = sandbox.service("invoice-worker")
    before = sandbox.clients.call_count
    with pytest.raises(PolicyError, match="prod requires approval") as err:
        deploy(sandbox.clients, svc, DeployRequest("prod", f"{svc.image.reference}@{digest(1)}", "1.0.0"),
               sandbox.lines.append, environ={})
    assert err.value.exit_code == 3
    assert sandbox.clients.call_count == before  # refused before any AWS call


def _service(aws, name: str, cluster: str = "dev") -> dict:
    svc = aws.ecs.raw.describe_services(cluster=cluster, services=[name])
    svc.pop("ResponseMetadata")
    return svc


def test_a_rolling_deploy_that_ecs_rolls_back_exits_non_zero_and_says_so(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("invoice-worker", "dev", 1, "1.0.0")
    v1, v2 = ARN.format("invoice-worker-dev", 1), ARN.format("invoice-worker-dev", 2)
    now = _service(aws, "invoice-worker")  # what the planner reads: moto's real answer
    base = now["services"][0]

    def state(task_def, deployments, events):
        svc = dict(base, taskDefinition=task_def, deployments=deployments, events=events)
        return {"services": [svc], "failures": []}

    dep = lambda td, status, rollout, reason, running: {  # noqa: E731
        "id": f"ecs-svc/{td[-1]}{status}", "status": status, "taskDefinition": td, "desiredCount": 2,
        "runningCount": running, "pendingCount": 2 - running, "failedTasks": 0 if running else 3,
        "rolloutState": rollout, "rolloutStateReason": reason}
    stub = scoped(aws, "ecs", {"DescribeServices"})
    stub.add_response("describe_services", now)
    stub.add_response("describe_services", state(v2, [
        dep(v2, "PRIMARY", "IN_PROGRESS", "ECS deployment in progress.", 0), dep(v1, "ACTIVE", "COMPLETED", "", 2)],
        [{"id": "e1", "message": "(service invoice-worker) has started 2 tasks."}]))
    stub.add_response("describe_services", state(v1, [
        dep(v1, "PRIMARY", "IN_PROGRESS", "ECS deployment circuit breaker: rolling back to deployment ecs-svc/1.", 2),
        dep(v2, "ACTIVE", "FAILED", "ECS deployment circuit breaker: tasks failed to start.", 0)],
        [{"id": "e2", "message": "(service invoice-worker) deployment failed: tasks failed to start."}]))
    with pytest.raises(DeployError) as err:
        sandbox.deploy("invoice-worker", "dev", 2, "1.1.0")
    stub.deactivate()
    assert err.value.outcome == "rolled-back" and err.value.exit_code == 1
    assert "rolled-back" in err.value.message and "circuit breaker" in err.value.message
    assert any("event: (service invoice-worker) deployment failed" in line for line in sandbox.lines)
    params = json.loads(aws.ssm.raw.get_parameter(Name="/jenkinsctl/invoice-worker/dev/last-known-good")["Parameter"]["Value"])
    assert params["version"] == "1.0.0"  # the failed deploy is not recorded
    update = aws.ecs.calls.count("update_service")
    assert update == 1


def test_a_rolling_deploy_that_never_settles_times_out_and_restores_the_previous_revision(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("invoice-worker", "dev", 1, "1.0.0")
    now = _service(aws, "invoice-worker")
    stuck = json.loads(json.dumps(now, default=str))
    svc = stuck["services"][0]
    for key in ("createdAt",):
        svc.pop(key, None)
    svc["taskDefinition"] = ARN.format("invoice-worker-dev", 2)
    svc["deployments"] = [{"id": "d2", "status": "PRIMARY", "taskDefinition": svc["taskDefinition"],
                           "desiredCount": 2, "runningCount": 0, "pendingCount": 2, "rolloutState": "IN_PROGRESS"}]
    stub = scoped(aws, "ecs", {"DescribeServices"})
    stub.add_response("describe_services", now)
    for _ in range(3):
        stub.add_response("describe_services", {"services": [svc], "failures": []})
    with pytest.raises(DeployError) as err:
        sandbox.deploy("invoice-worker", "dev", 2, "1.1.0", timeout=0.02, interval=0.02)
    stub.deactivate()
    assert err.value.outcome == "timed-out"
    assert "restored invoice-worker-dev:1" in err.value.message
    live = aws.ecs.raw.describe_services(cluster="dev", services=["invoice-worker"])["services"][0]
    assert live["taskDefinition"] == ARN.format("invoice-worker-dev", 1)


def test_autoscaling_follows_the_descriptor(sandbox):  # noqa: F811
    out = sandbox.deploy("search-api", "dev", 1, "1.0.0")
    assert out.outcome == "succeeded"
    aas = sandbox.clients.appautoscaling.raw
    target = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in target] == [("service/dev/search-api", 1, 2)]
    policy = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"][0]
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 60.0


def test_the_plan_warns_about_secrets_missing_in_the_environment(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    assert "warning: secrets missing in dev: DATABASE_PASSWORD (ssm:/orders-api/database-password), STRIPE_API_KEY " \
           "(secretsmanager:orders-api/stripe:api_key); tasks cannot start until they exist" in sandbox.lines
    aws.ssm.raw.put_parameter(Name="/orders-api/database-password", Type="SecureString", Value="s3cr3t-value")
    aws.secretsmanager.raw.create_secret(Name="orders-api/stripe", SecretString='{"api_key": "sk_test_x"}')
    sandbox.lines.clear()
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    assert not [line for line in sandbox.lines if line.startswith("warning:")]
    assert "s3cr3t" not in "\n".join(sandbox.lines)
    calls = aws.ssm.calls + aws.secretsmanager.calls
    assert "get_secret_value" not in calls and "describe_secret" in calls  # values are never read


def test_a_missing_cluster_is_refused_before_anything_changes(sandbox):  # noqa: F811
    from jenkinsctl.errors import UsageError

    sandbox.clients.ecs.raw.delete_cluster(cluster="staging")
    before = list(sandbox.clients.iam.calls)
    with pytest.raises(UsageError, match="ECS cluster staging .environment staging. does not exist in us-east-1"):
        sandbox.deploy("orders-api", "staging", 1, "1.0.0")
    assert not [c for c in sandbox.clients.iam.calls[len(before):] if c.startswith(("create", "put"))]


def test_a_rolling_deploy_succeeds_when_its_deployment_completes(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("invoice-worker", "dev", 1, "1.0.0")
    v1, v2 = ARN.format("invoice-worker-dev", 1), ARN.format("invoice-worker-dev", 2)
    now = _service(aws, "invoice-worker")
    base = now["services"][0]

    def state(rollout: str, running: int, old_running: int) -> dict:
        deployments = [{"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": v2, "desiredCount": 2,
                        "runningCount": running, "pendingCount": 2 - running, "rolloutState": rollout}]
        if old_running:
            deployments.append({"id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": v1, "desiredCount": 0,
                                "runningCount": old_running, "rolloutState": "COMPLETED"})
        return {"services": [dict(base, taskDefinition=v2, deployments=deployments, events=[])], "failures": []}

    stub = scoped(aws, "ecs", {"DescribeServices"})
    stub.add_response("describe_services", now)
    stub.add_response("describe_services", state("IN_PROGRESS", 1, 2))
    stub.add_response("describe_services", state("IN_PROGRESS", 2, 1))
    stub.add_response("describe_services", state("COMPLETED", 2, 0))
    out = sandbox.deploy("invoice-worker", "dev", 2, "1.1.0")
    stub.deactivate()
    assert out.outcome == "succeeded" and out.wait.polls == 3
    assert [line.split("] ", 1)[1] for line in out.wait.log] == [
        "rolling: 1/2 running, 1 pending, 2 deployment(s), rollout IN_PROGRESS",
        "rolling: 2/2 running, 0 pending, 2 deployment(s), rollout IN_PROGRESS",
        "rolling: 2/2 running, 0 pending, 1 deployment(s), rollout COMPLETED"]
