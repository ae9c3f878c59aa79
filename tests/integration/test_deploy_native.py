"""Blue-green, canary and linear run by ECS itself, on moto where it models the calls (services,
target groups, rules, roles, alarms) and with a scoped Stubber scripting what moto does not: the
service deployments ECS records (ListServiceDeployments / DescribeServiceDeployments, validated
against botocore's ECS model), including a rollback on an alarm, a deployment whose tasks never
start (the circuit breaker), one that succeeds through its bake time, and our timeout."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from awsstub import capture, scoped
from deploy_support import edit, sandbox  # noqa: F401  (fixture)
from jenkinsctl.deploy.waiter import MAX_CALLS_PER_POLL
from jenkinsctl.errors import DeployError, UsageError

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
ARN = "arn:aws:ecs:us-east-1:123456789012:service-deployment/{cluster}/{service}/d2"
REV = "arn:aws:ecs:us-east-1:123456789012:service-revision/{cluster}/{service}/{n}"


def brief(cluster: str, service: str) -> dict:
    return {"serviceDeployments": [{"serviceDeploymentArn": ARN.format(cluster=cluster, service=service),
                                    "status": "IN_PROGRESS", "createdAt": T0,
                                    "targetServiceRevisionArn": REV.format(cluster=cluster, service=service, n=2)}]}


def deployment(cluster: str, service: str, status: str, stage: str, running: int = 2, pending: int = 0,
               production: float = 0.0, test: float = 0.0, breaker=("MONITORING", 0), alarms=None,
               triggered=(), rollback: str | None = None, reason: str | None = None) -> dict:
    d = {"serviceDeploymentArn": ARN.format(cluster=cluster, service=service), "status": status,
         "lifecycleStage": stage, "createdAt": T0, "startedAt": T0,
         "targetServiceRevision": {"arn": REV.format(cluster=cluster, service=service, n=2), "requestedTaskCount": 2,
                                   "runningTaskCount": running, "pendingTaskCount": pending,
                                   "requestedProductionTrafficWeight": production,
                                   "requestedTestTrafficWeight": test},
         "deploymentCircuitBreaker": {"status": breaker[0], "failureCount": breaker[1], "threshold": 3}}
    if alarms:
        d["alarms"] = {"status": "TRIGGERED" if triggered else "MONITORING", "alarmNames": list(alarms),
                       "triggeredAlarmNames": list(triggered)}
    if rollback:
        d["rollback"] = {"reason": rollback, "startedAt": T0,
                         "serviceRevisionArn": REV.format(cluster=cluster, service=service, n=1)}
    if reason:
        d["statusReason"] = reason
    return {"serviceDeployments": [d], "failures": []}


def script(aws, cluster: str, service: str, *states: dict):
    stub = scoped(aws, "ecs", {"ListServiceDeployments", "DescribeServiceDeployments", "StopServiceDeployment"})
    stub.add_response("list_service_deployments", brief(cluster, service))
    for state in states:
        stub.add_response("describe_service_deployments", state)
    return stub


def lkg(aws, service: str, env: str) -> str:
    return json.loads(aws.ssm.raw.get_parameter(Name=f"/jenkinsctl/{service}/{env}/last-known-good")["Parameter"][
        "Value"])["version"]


def test_blue_green_is_run_by_ecs_and_followed_through_its_bake_time(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    updates = capture(aws, "ecs", "UpdateService")
    modified = capture(aws, "elbv2", "ModifyRule")
    stub = script(aws, "dev", "orders-api",
                  deployment("dev", "orders-api", "IN_PROGRESS", "SCALE_UP", running=1, pending=1),
                  deployment("dev", "orders-api", "IN_PROGRESS", "TEST_TRAFFIC_SHIFT", test=100.0),
                  deployment("dev", "orders-api", "IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", production=100.0),
                  deployment("dev", "orders-api", "IN_PROGRESS", "BAKE_TIME", production=100.0),
                  deployment("dev", "orders-api", "SUCCESSFUL", "CLEAN_UP", production=100.0))
    out = sandbox.deploy("orders-api", "dev", 2, "1.1.0", timeout=60)
    stub.deactivate()
    assert out.outcome == "succeeded" and out.wait.polls == 5
    log = "\n".join(out.wait.log)
    for stage in ("SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "SUCCESSFUL"):
        assert stage in log
    assert "traffic 100% production" in log
    assert max(out.wait.calls_per_poll) <= 2 <= MAX_CALLS_PER_POLL  # one describe per poll (+ the first list)
    (update,) = updates
    cfg = update["deploymentConfiguration"]
    assert (cfg["strategy"], cfg["bakeTimeInMinutes"]) == ("BLUE_GREEN", 10)
    assert cfg["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert "loadBalancers" not in update  # the wiring is already what ECS needs: nothing resent
    assert modified == []  # jenkinsctl never moves a listener weight: ECS does
    assert lkg(aws, "orders-api", "dev") == "1.1.0"
    assert any("blue-green by ECS (BLUE_GREEN)" in line for line in sandbox.lines)


def _canary(sandbox, alarm: bool = True):  # noqa: F811
    aws = sandbox.clients
    if alarm:
        aws.cloudwatch.raw.put_metric_alarm(AlarmName="search-api-5xx", MetricName="HTTPCode_Target_5XX_Count",
                                        Namespace="AWS/ApplicationELB", Statistic="Sum", Period=60,
                                        EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold")
    return aws


def test_a_canary_ecs_rolls_back_on_its_alarm_exits_1_with_ecs_reason(sandbox):  # noqa: F811
    aws = _canary(sandbox)
    sandbox.deploy("search-api", "prod", 1, "1.0.0")
    updates = capture(aws, "ecs", "UpdateService")
    alarms = ("search-api-5xx",)
    stub = script(aws, "prod", "search-api",
                  deployment("prod", "search-api", "IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", production=10.0,
                             alarms=alarms),
                  deployment("prod", "search-api", "ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", production=0.0,
                             alarms=alarms, triggered=alarms, rollback="CloudWatch alarm triggered"),
                  deployment("prod", "search-api", "ROLLBACK_SUCCESSFUL", "CLEAN_UP", production=0.0, alarms=alarms,
                             triggered=alarms, rollback="CloudWatch alarm triggered",
                             reason="Service deployment rolled back because of alarm search-api-5xx."))
    with pytest.raises(DeployError) as err:
        sandbox.deploy("search-api", "prod", 2, "1.1.0", timeout=60)
    stub.deactivate()
    assert err.value.outcome == "rolled-back" and err.value.exit_code == 1
    assert "ECS rolled the deployment back: CloudWatch alarm triggered; alarm search-api-5xx in ALARM" \
        in err.value.message
    assert any("rolling back" in line for line in sandbox.lines)  # followed to the end, not stopped at the trigger
    cfg = updates[0]["deploymentConfiguration"]
    assert cfg["strategy"] == "CANARY"
    assert cfg["canaryConfiguration"] == {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2}
    assert cfg["alarms"] == {"alarmNames": ["search-api-5xx"], "enable": True, "rollback": True}
    assert lkg(aws, "search-api", "prod") == "1.0.0"  # the failed deploy is not recorded


def test_tasks_that_never_start_fail_by_ecs_circuit_breaker_before_our_timeout(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    sandbox.lines.clear()
    stub = script(aws, "dev", "orders-api",
                  deployment("dev", "orders-api", "IN_PROGRESS", "SCALE_UP", running=0, pending=2,
                             breaker=("MONITORING", 1)),
                  deployment("dev", "orders-api", "ROLLBACK_IN_PROGRESS", "SCALE_UP", running=0, pending=0,
                             breaker=("TRIGGERED", 3), rollback="Circuit breaker triggered"),
                  deployment("dev", "orders-api", "ROLLBACK_SUCCESSFUL", "CLEAN_UP", running=0,
                             breaker=("TRIGGERED", 3), rollback="Circuit breaker triggered",
                             reason="ECS deployment circuit breaker: tasks failed to start."))
    with pytest.raises(DeployError) as err:
        sandbox.deploy("orders-api", "dev", 2, "1.1.0", timeout=3600)
    stub.deactivate()
    assert err.value.outcome == "rolled-back"
    assert "circuit breaker: 3 failed task(s) (threshold 3)" in err.value.message
    polls = [line for line in sandbox.lines if line.startswith("[")]
    assert len(polls) == 3 and "(1/3 failed)" in polls[0]  # ECS's verdict, long before 3600 s
    assert lkg(aws, "orders-api", "dev") == "1.0.0"


def test_at_our_timeout_ecs_is_asked_to_roll_back(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    stub = script(aws, "dev", "orders-api",
                  deployment("dev", "orders-api", "IN_PROGRESS", "SCALE_UP", running=0, pending=2))
    stub.add_response("stop_service_deployment", {"serviceDeploymentArn": ARN.format(cluster="dev", service="orders-api")},
                      {"serviceDeploymentArn": ARN.format(cluster="dev", service="orders-api"), "stopType": "ROLLBACK"})
    with pytest.raises(DeployError) as err:
        sandbox.deploy("orders-api", "dev", 2, "1.1.0", timeout=0.0)
    stub.assert_no_pending_responses()
    stub.deactivate()
    assert err.value.outcome == "timed-out"
    assert "asked ECS to roll deployment d2 back (StopServiceDeployment ROLLBACK)" in err.value.message


def test_linear_renders_ecs_linear_configuration(sandbox):  # noqa: F811
    edit(sandbox.project, "orders-api", "  strategy: blue-green\n  blueGreen:\n    bakeMinutes: 10",
         "  strategy: linear\n  linear:\n    stepPercent: 25\n    stepMinutes: 3\n  #")
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    updates = capture(aws, "ecs", "UpdateService")
    stub = script(aws, "dev", "orders-api", deployment("dev", "orders-api", "SUCCESSFUL", "CLEAN_UP", production=100.0))
    out = sandbox.deploy("orders-api", "dev", 2, "1.1.0")
    stub.deactivate()
    assert out.outcome == "succeeded"
    cfg = updates[0]["deploymentConfiguration"]
    assert cfg["strategy"] == "LINEAR"
    assert cfg["linearConfiguration"] == {"stepPercent": 25.0, "stepBakeTimeInMinutes": 3}


def test_on_the_sandbox_it_says_moto_shifts_nothing_and_judges_by_the_service(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    sandbox.lines.clear()
    out = sandbox.deploy("orders-api", "dev", 2, "1.1.0")
    assert out.outcome == "succeeded"
    text = "\n".join(sandbox.lines)
    assert "sandbox: moto does not run ECS's blue-green, canary or linear" in text  # in the plan
    assert "sandbox: moto records no ECS service deployments and shifts no traffic" in text  # in the result
    svc = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"][0]
    assert svc["taskDefinition"].endswith("orders-api-dev:2")


def test_a_missing_alarm_or_infrastructure_role_is_refused_before_any_change(sandbox):  # noqa: F811
    aws = _canary(sandbox, alarm=False)
    before = len(aws.ecs.calls), len(aws.iam.calls)
    with pytest.raises(UsageError) as err:
        sandbox.deploy("search-api", "prod", 1, "1.0.0")
    assert "alarm(s) search-api-5xx do not exist in prod" in err.value.message
    assert err.value.exit_code == 2
    changed = [c for c in aws.ecs.calls[before[0]:] + aws.iam.calls[before[1]:]
               if c.startswith(("create", "put", "register", "update"))]
    assert changed == []
    import yaml

    path = sandbox.project / "jenkinsctl.yaml"
    data = yaml.safe_load(path.read_text())
    data["environments"]["dev"]["loadBalancer"]["infrastructureRoleArn"] = \
        "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(UsageError, match="infrastructure role .*ecsInfrastructureRoleForLoadBalancers.* does not exist"):
        sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    assert aws.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"] == []


def test_the_test_listener_rule_is_handed_to_ecs_with_both_target_groups(sandbox):  # noqa: F811
    edit(sandbox.project, "orders-api", "    bakeMinutes: 10", "    bakeMinutes: 10\n    testListener: true")
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    svc = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"][0]
    adv = svc["loadBalancers"][0]["advancedConfiguration"]
    test_rule = aws.elbv2.raw.describe_rules(RuleArns=[adv["testListenerRule"]])["Rules"][0]
    groups = {g["TargetGroupArn"]: g["TargetGroupName"] for g in aws.elbv2.raw.describe_target_groups(
        Names=["orders-api-dev-b", "orders-api-dev-g"])["TargetGroups"]}
    weights = {groups[g["TargetGroupArn"]]: g["Weight"]
               for g in test_rule["Actions"][0]["ForwardConfig"]["TargetGroups"]}
    assert weights == {"orders-api-dev-b": 100, "orders-api-dev-g": 0}
    assert ":listener-rule/app/sandbox-dev/" in adv["testListenerRule"]
    listener = aws.elbv2.raw.describe_listeners(ListenerArns=[test_rule["RuleArn"].replace(":listener-rule/", ":listener/")
                                                          .rsplit("/", 1)[0]])["Listeners"][0]
    assert listener["Port"] == 8080  # the sandbox's test listener


def test_autoscaling_tracks_the_one_service(sandbox):  # noqa: F811
    _canary(sandbox)
    out = sandbox.deploy("search-api", "prod", 1, "1.0.0")
    assert out.outcome == "succeeded"
    scaling = sandbox.clients.appautoscaling.raw.describe_scalable_targets(ServiceNamespace="ecs")
    assert [t["ResourceId"] for t in scaling["ScalableTargets"]] == ["service/prod/search-api"]


def test_a_just_created_infrastructure_role_is_waited_for_not_failed_on(sandbox):  # noqa: F811
    aws = sandbox.clients
    slept: list[float] = []
    stub = scoped(aws, "ecs", {"CreateService"})
    stub.add_client_error("create_service", "InvalidParameterException", "Unable to assume role "
                          "arn:aws:iam::123456789012:role/orders-api-dev-ecs-infra. Please verify that the role "
                          "exists and has the correct trust policy.", 400)
    out = sandbox.deploy("orders-api", "dev", 1, "1.0.0", sleep=slept.append)
    stub.deactivate()
    assert out.outcome == "succeeded" and slept == [10.0]  # then moto created it
    assert aws.ecs.calls.count("create_service") == 2
