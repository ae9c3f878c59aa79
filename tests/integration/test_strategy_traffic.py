"""Blue/green and canary on moto's ELBv2 (weights read back). Target health, which moto does
not model, is scripted with a scoped Stubber validated against the ELBv2 model."""

from __future__ import annotations

import pytest

from awsstub import capture, scoped
from deploy_support import edit, sandbox  # noqa: F401  (fixture)
from jenkinsctl.aws.elbv2 import forward_weights
from jenkinsctl.deploy.waiter import MAX_CALLS_PER_POLL
from jenkinsctl.errors import DeployError


def targets(*states: str) -> dict:
    return {"TargetHealthDescriptions": [
        {"Target": {"Id": f"10.42.1.{i + 10}", "Port": 8080}, "TargetHealth": {"State": s}}
        for i, s in enumerate(states)]}


def weights(aws, service: str, env: str) -> dict[str, int]:
    """{"b": w, "g": w} of the service's listener rule, read back from ELBv2."""
    groups = aws.elbv2.raw.describe_target_groups(Names=[f"{service}-{env}-b", f"{service}-{env}-g"])["TargetGroups"]
    by_arn = {g["TargetGroupArn"]: g["TargetGroupName"][-1] for g in groups}
    listener = aws.elbv2.raw.describe_listeners(LoadBalancerArn=groups[0]["LoadBalancerArns"][0])["Listeners"] \
        if groups[0].get("LoadBalancerArns") else None
    for lst in listener or _listeners(aws):
        for rule in aws.elbv2.raw.describe_rules(ListenerArn=lst["ListenerArn"])["Rules"]:
            w = forward_weights(rule)
            if set(w) & set(by_arn) and lst["Port"] == 80:
                return {by_arn[a]: v for a, v in w.items()}
    raise AssertionError("no rule")


def _listeners(aws):
    out = []
    for lb in aws.elbv2.raw.describe_load_balancers()["LoadBalancers"]:
        out += aws.elbv2.raw.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    return out


def desired(aws, env: str, name: str) -> int:
    return aws.ecs.raw.describe_services(cluster=env, services=[name])["services"][0]["desiredCount"]


def test_blue_green_swaps_after_the_health_gate_then_retires_blue(sandbox):  # noqa: F811
    edit(sandbox.project, "orders-api", "bakeSeconds: 600", "bakeSeconds: 0")
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    assert weights(aws, "orders-api", "dev") == {"b": 100, "g": 0}
    stub = scoped(aws, "elbv2", {"DescribeTargetHealth"})
    stub.add_response("describe_target_health", targets("initial", "initial"))
    for _ in range(3):
        stub.add_response("describe_target_health", targets("healthy", "healthy"))
    out = sandbox.deploy("orders-api", "dev", 2, "1.1.0", health="targets")
    stub.deactivate()
    assert out.outcome == "succeeded"
    assert weights(aws, "orders-api", "dev") == {"b": 0, "g": 100}
    assert (desired(aws, "dev", "orders-api-blue"), desired(aws, "dev", "orders-api-green")) == (0, 2)
    log = "\n".join(out.wait.log)
    assert "waiting for the health gate" in log and "traffic switched blue -> green" in log
    assert max(out.wait.calls_per_poll) <= MAX_CALLS_PER_POLL


def test_blue_green_unhealthy_while_baking_switches_back_and_exits_rolled_back(sandbox):  # noqa: F811
    edit(sandbox.project, "orders-api", "bakeSeconds: 600", "bakeSeconds: 30")
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    stub = scoped(aws, "elbv2", {"DescribeTargetHealth"})
    stub.add_response("describe_target_health", targets("healthy", "healthy"))
    stub.add_response("describe_target_health", targets("healthy", "unhealthy"))
    stub.add_response("describe_target_health", targets("unhealthy", "unhealthy"))
    with pytest.raises(DeployError) as err:
        sandbox.deploy("orders-api", "dev", 2, "1.1.0", health="targets")
    stub.deactivate()
    assert err.value.outcome == "rolled-back"
    assert "rolled back to blue during the bake: 2 unhealthy target(s) in orders-api-dev-g" in err.value.message
    assert weights(aws, "orders-api", "dev") == {"b": 100, "g": 0}
    assert (desired(aws, "dev", "orders-api-blue"), desired(aws, "dev", "orders-api-green")) == (2, 0)
    lkg = aws.ssm.raw.get_parameter(Name="/jenkinsctl/orders-api/dev/last-known-good")["Parameter"]["Value"]
    assert '"version":"1.0.0"' in lkg


def test_blue_green_new_revision_unhealthy_never_takes_traffic(sandbox):  # noqa: F811
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    modified = capture(aws, "elbv2", "ModifyRule")
    stub = scoped(aws, "elbv2", {"DescribeTargetHealth"})
    for _ in range(2):
        stub.add_response("describe_target_health", targets("unhealthy", "healthy"))
    with pytest.raises(DeployError) as err:
        sandbox.deploy("orders-api", "dev", 2, "1.1.0", health="targets")
    stub.deactivate()
    assert err.value.outcome == "aborted" and "before taking traffic" in err.value.message
    assert all(forward_weights({"Actions": m["Actions"]}).get(
        aws.elbv2.raw.describe_target_groups(Names=["orders-api-dev-g"])["TargetGroups"][0]["TargetGroupArn"], 0) == 0
        for m in modified)
    assert weights(aws, "orders-api", "dev") == {"b": 100, "g": 0}


def _canary_setup(sandbox, state: str):
    edit(sandbox.project, "search-api", "intervalSeconds: 120", "intervalSeconds: 0")
    aws = sandbox.clients
    aws.cloudwatch.raw.put_metric_alarm(AlarmName="search-api-5xx", MetricName="HTTPCode_Target_5XX_Count",
                                    Namespace="AWS/ApplicationELB", Statistic="Sum", Period=60, EvaluationPeriods=1,
                                    Threshold=10, ComparisonOperator="GreaterThanThreshold")
    sandbox.deploy("search-api", "prod", 1, "1.0.0")
    assert weights(aws, "search-api", "prod") == {"b": 100, "g": 0}
    if state == "ALARM":
        aws.cloudwatch.raw.set_alarm_state(AlarmName="search-api-5xx", StateValue="ALARM", StateReason="5xx spike")
    return aws


def _shifts(aws, modified) -> list[tuple[int, int]]:
    arns = {g["TargetGroupArn"]: g["TargetGroupName"][-1] for g in aws.elbv2.raw.describe_target_groups(
        Names=["search-api-prod-b", "search-api-prod-g"])["TargetGroups"]}
    out = []
    for m in modified:
        w = {arns[a]: v for a, v in forward_weights({"Actions": m["Actions"]}).items()}
        out.append((w["g"], w["b"]))
    return out


def test_canary_shifts_traffic_in_the_descriptors_steps(sandbox):  # noqa: F811
    aws = _canary_setup(sandbox, "OK")
    modified = capture(aws, "elbv2", "ModifyRule")
    out = sandbox.deploy("search-api", "prod", 2, "1.1.0")
    assert out.outcome == "succeeded"
    assert _shifts(aws, modified) == [(10, 90), (50, 50), (100, 0)]
    assert weights(aws, "search-api", "prod") == {"b": 0, "g": 100}
    assert desired(aws, "prod", "search-api-blue") == 0
    assert max(out.wait.calls_per_poll) <= MAX_CALLS_PER_POLL
    scaling = aws.appautoscaling.raw.describe_scalable_targets(ServiceNamespace="ecs")
    assert [t["ResourceId"] for t in scaling["ScalableTargets"]] == ["service/prod/search-api-green"]


def test_canary_alarm_aborts_and_restores_all_traffic_to_the_old_revision(sandbox):  # noqa: F811
    aws = _canary_setup(sandbox, "ALARM")
    modified = capture(aws, "elbv2", "ModifyRule")
    with pytest.raises(DeployError) as err:
        sandbox.deploy("search-api", "prod", 2, "1.1.0")
    assert err.value.outcome == "aborted"
    assert "canary aborted at 10% on green: alarm search-api-5xx in ALARM" in err.value.message
    assert _shifts(aws, modified) == [(10, 90), (0, 100)]
    assert weights(aws, "search-api", "prod") == {"b": 100, "g": 0}
    assert desired(aws, "prod", "search-api-green") == 0


def test_blue_green_sends_the_test_listener_to_the_new_revision_first(sandbox):  # noqa: F811
    edit(sandbox.project, "orders-api", "bakeSeconds: 600", "bakeSeconds: 0\n    testListener: true")
    aws = sandbox.clients
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    sandbox.deploy("orders-api", "dev", 2, "1.1.0")
    groups = {g["TargetGroupArn"]: g["TargetGroupName"][-1] for g in aws.elbv2.raw.describe_target_groups(
        Names=["orders-api-dev-b", "orders-api-dev-g"])["TargetGroups"]}
    test_rules = [r for lst in _listeners(aws) if lst["Port"] == 8080
                  for r in aws.elbv2.raw.describe_rules(ListenerArn=lst["ListenerArn"])["Rules"]
                  if set(forward_weights(r)) & set(groups)]
    assert len(test_rules) == 1
    assert {groups[a]: w for a, w in forward_weights(test_rules[0]).items()} == {"b": 0, "g": 100}
    assert "test listener -> green" in "\n".join(sandbox.lines)
    assert weights(aws, "orders-api", "dev") == {"b": 0, "g": 100}
