"""Services deployed with the two-service layout (`<name>-blue` / `-green` behind `-b` / `-g`,
listener weights moved by jenkinsctl) migrate to one ECS service on their next deploy, without
downtime: the listener rule is never touched, the new service starts with the revision that
serves now in the live target group, and the old services go only once it is steady. The
layout is built here with plain moto calls, as the earlier jenkinsctl left it."""

from __future__ import annotations

import pytest

from awsstub import capture, scoped
from deploy_support import digest, sandbox  # noqa: F401  (fixture)
from jenkinsctl.aws.elbv2 import forward, forward_weights
from jenkinsctl.deploy import taskdef as td
from jenkinsctl.deploy.resources import resources_for
from jenkinsctl.errors import DeployError


def legacy_layout(sandbox, live: str = "blue") -> dict:  # noqa: F811
    """orders-api in dev as the two-service layout: `live` runs 1.0.0 at weight 100."""
    aws = sandbox.clients
    svc = sandbox.service("orders-api")
    env = svc.environment("dev")
    res = resources_for(svc, env)
    arn = aws.ecs.raw.register_task_definition(**td.render(res, env, f"{svc.image.reference}@{digest(1)}", "1.0.0",
                                                       "sha1"))["taskDefinition"]["taskDefinitionArn"]
    tgs = {}
    for slot, suffix in (("blue", "b"), ("green", "g")):
        tgs[slot] = aws.elbv2.raw.create_target_group(Name=f"orders-api-dev-{suffix}", Protocol="HTTP", Port=8080,
                                                  VpcId=env.network.vpc_id, TargetType="ip",
                                                  HealthCheckPath="/healthz")["TargetGroups"][0]["TargetGroupArn"]
    weights = {tgs[s]: (100 if s == live else 0) for s in ("blue", "green")}
    rule = aws.elbv2.raw.create_rule(ListenerArn=env.load_balancer.listener_arn, Priority=1, Actions=forward(weights),
                                 Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["orders-api.*"]}}]
                                 )["Rules"][0]["RuleArn"]
    for slot in ("blue", "green"):
        aws.ecs.raw.create_service(cluster="dev", serviceName=f"orders-api-{slot}", taskDefinition=arn,
                               desiredCount=2 if slot == live else 0, launchType="FARGATE",
                               networkConfiguration={"awsvpcConfiguration": {
                                   "subnets": list(env.network.subnets),
                                   "securityGroups": list(env.network.security_groups)}},
                               loadBalancers=[{"targetGroupArn": tgs[slot], "containerName": "orders-api",
                                               "containerPort": 8080}])
    return {"taskdef": arn, "tgs": tgs, "rule": rule}


def statuses(aws, *names: str) -> dict[str, str]:
    return {s["serviceName"]: s["status"] for s in aws.ecs.raw.describe_services(cluster="dev", services=list(names))[
        "services"]}


@pytest.mark.parametrize("live", ["blue", "green"])
def test_the_two_service_layout_becomes_one_ecs_service_without_touching_traffic(sandbox, live):  # noqa: F811
    aws = sandbox.clients
    old = legacy_layout(sandbox, live)
    idle = "green" if live == "blue" else "blue"
    modified = capture(aws, "elbv2", "ModifyRule")
    created = capture(aws, "ecs", "CreateService")
    before = len(aws.ecs.calls)
    out = sandbox.deploy("orders-api", "dev", 2, "1.1.0")
    assert out.outcome == "succeeded"
    plan = "\n".join(sandbox.lines)
    assert "migration from the two-service layout (no downtime; the listener rule is not touched):" in plan
    assert f"1. create ECS service orders-api running orders-api-dev:1 (what orders-api-{live} serves now), 2 tasks" \
           in plan
    # the new service started with what serves now, in the live target group, before anything was retired
    (first,) = created
    assert first["taskDefinition"] == old["taskdef"]
    assert first["loadBalancers"] == [{"targetGroupArn": old["tgs"][live], "containerName": "orders-api",
                                       "containerPort": 8080}]
    calls = [c for c in aws.ecs.calls[before:] if c in ("create_service", "update_service", "delete_service")]
    assert calls == ["create_service", "update_service", "delete_service", "delete_service", "update_service"]
    assert modified == []  # production traffic never moved by jenkinsctl
    rule = aws.elbv2.raw.describe_rules(RuleArns=[old["rule"]])["Rules"][0]
    assert forward_weights(rule) == {old["tgs"][live]: 100, old["tgs"][idle]: 0}
    assert statuses(aws, "orders-api-blue", "orders-api-green", "orders-api") == {
        "orders-api-blue": "INACTIVE", "orders-api-green": "INACTIVE", "orders-api": "ACTIVE"}
    svc = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"][0]
    assert svc["taskDefinition"].endswith("orders-api-dev:2")
    adv = svc["loadBalancers"][0]["advancedConfiguration"]
    assert svc["loadBalancers"][0]["targetGroupArn"] == old["tgs"][live]  # blue for ECS: what served
    assert (adv["alternateTargetGroupArn"], adv["productionListenerRule"]) == (old["tgs"][idle], old["rule"])
    assert svc["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    # and the next deploy is an ordinary native one
    sandbox.lines.clear()
    again = sandbox.deploy("orders-api", "dev", 3, "1.2.0")
    assert again.outcome == "succeeded" and not any("migration" in line for line in sandbox.lines)


def test_a_migration_whose_new_service_never_gets_steady_leaves_the_old_layout_serving(sandbox):  # noqa: F811
    aws = sandbox.clients
    old = legacy_layout(sandbox)
    failed = {"services": [{"serviceName": "orders-api", "status": "ACTIVE", "taskDefinition": old["taskdef"],
                            "desiredCount": 2, "runningCount": 0, "pendingCount": 0, "events": [],
                            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": old["taskdef"],
                                             "desiredCount": 2, "runningCount": 0, "pendingCount": 0,
                                             "failedTasks": 3, "rolloutState": "FAILED",
                                             "rolloutStateReason": "ECS deployment circuit breaker: tasks failed "
                                                                   "to start."}]}], "failures": []}
    real = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api", "orders-api-blue",
                                                                  "orders-api-green"])
    real.pop("ResponseMetadata")
    stub = scoped(aws, "ecs", {"DescribeServices"})
    stub.add_response("describe_services", real)   # the planner's read: moto's answer
    stub.add_response("describe_services", failed)  # the new service's rollout
    with pytest.raises(DeployError) as err:
        sandbox.deploy("orders-api", "dev", 2, "1.1.0")
    stub.deactivate()
    assert "migration of orders-api in dev to one ECS service failed" in err.value.message
    assert "tasks failed to start" in err.value.message
    assert "deleted orders-api; orders-api-blue keeps serving" in err.value.message
    assert statuses(aws, "orders-api-blue", "orders-api-green", "orders-api") == {
        "orders-api-blue": "ACTIVE", "orders-api-green": "ACTIVE", "orders-api": "INACTIVE"}
    blue = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api-blue"])["services"][0]
    assert (blue["desiredCount"], blue["taskDefinition"]) == (2, old["taskdef"])


def test_an_interrupted_migration_is_finished_by_the_next_deploy(sandbox):  # noqa: F811
    aws = sandbox.clients
    old = legacy_layout(sandbox)
    env = sandbox.service("orders-api").environment("dev")
    aws.ecs.raw.create_service(cluster="dev", serviceName="orders-api", taskDefinition=old["taskdef"], desiredCount=2,
                           launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                               "subnets": list(env.network.subnets), "securityGroups": list(env.network.security_groups)}},
                           loadBalancers=[{"targetGroupArn": old["tgs"]["blue"], "containerName": "orders-api",
                                           "containerPort": 8080}])  # step 1 was done, then the job died
    created = capture(aws, "ecs", "CreateService")
    out = sandbox.deploy("orders-api", "dev", 2, "1.1.0")
    assert out.outcome == "succeeded" and created == []
    assert any("migration: orders-api exists; continuing" in line for line in sandbox.lines)
    assert statuses(aws, "orders-api-blue", "orders-api-green") == {"orders-api-blue": "INACTIVE",
                                                                    "orders-api-green": "INACTIVE"}
