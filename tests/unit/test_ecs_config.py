"""What a deploy sends ECS, checked against botocore's own ECS model (the parameter validator
botocore runs before every call), and how ECS's answers about a deployment are judged."""

from __future__ import annotations

import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from jenkinsctl.deploy import ecs_config
from jenkinsctl.deploy.follow import judge
from jenkinsctl.descriptor.model import HookSpec

MODEL = get_session().get_service_model("ecs")
WIRING = ecs_config.Wiring("arn:tg/b", "arn:tg/g", "arn:rule/prod", "arn:rule/test", "arn:aws:iam::1:role/infra")


def env_for(resolved_service, strategy: str, **update):
    from jenkinsctl.descriptor.model import STRATEGY_PARAMS

    env = resolved_service.environment("dev")
    key, cls = STRATEGY_PARAMS[strategy]
    attr = {"blueGreen": "blue_green"}.get(key, key)
    return env.model_copy(update={"strategy": strategy, attr: getattr(env, attr) or cls(), **update})


@pytest.fixture
def orders():
    from support import REPO

    from jenkinsctl.workspace import Workspace

    return Workspace.load(REPO / "jenkinsctl.yaml", environ={}).service("orders-api").resolved


def validate(operation: str, params: dict) -> None:
    report = ParamValidator().validate(params, MODEL.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize("strategy", ["rolling", "blue-green", "canary", "linear"])
def test_every_strategy_renders_what_ecs_accepts(orders, strategy):
    hooks = [HookSpec(function="arn:aws:lambda:us-east-1:123456789012:function:smoke",
                      stages=["POST_TEST_TRAFFIC_SHIFT"], timeout_minutes=5)]
    env = env_for(orders, strategy, alarms=["orders-5xx"], hooks=hooks)
    cfg = ecs_config.deployment_configuration(env, strategy, WIRING.infrastructure_role)
    lbs = ecs_config.load_balancers("orders-api", 8080, strategy, WIRING)
    create = {"serviceName": "orders-api", "taskDefinition": "td:1", "deploymentController": {"type": "ECS"},
              "deploymentConfiguration": cfg, "loadBalancers": lbs}
    validate("CreateService", create)
    validate("UpdateService", {"service": "orders-api", "deploymentConfiguration": cfg, "loadBalancers": lbs})
    assert cfg["strategy"] == ecs_config.ECS_STRATEGY[strategy]
    assert cfg["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert cfg["alarms"] == {"alarmNames": ["orders-5xx"], "enable": True, "rollback": True}
    if strategy == "rolling":
        assert "advancedConfiguration" not in lbs[0] and "lifecycleHooks" not in cfg
    else:
        assert "bakeTimeInMinutes" in cfg  # required by ECS for BLUE_GREEN
        assert lbs[0]["advancedConfiguration"] == {"alternateTargetGroupArn": "arn:tg/g",
                                                   "productionListenerRule": "arn:rule/prod",
                                                   "testListenerRule": "arn:rule/test",
                                                   "roleArn": "arn:aws:iam::1:role/infra"}
        assert cfg["lifecycleHooks"][0]["timeoutConfiguration"] == {"timeoutInMinutes": 5, "action": "ROLLBACK"}


def test_a_swapped_pair_of_target_groups_is_the_same_wiring():
    wanted = ecs_config.load_balancers("orders-api", 8080, "blue-green", WIRING)
    swapped = [dict(wanted[0], targetGroupArn="arn:tg/g",
                    advancedConfiguration=dict(wanted[0]["advancedConfiguration"], alternateTargetGroupArn="arn:tg/b"))]
    assert ecs_config.same_wiring(swapped, wanted)
    assert not ecs_config.same_wiring([{"targetGroupArn": "arn:tg/b", "containerName": "orders-api",
                                        "containerPort": 8080}], wanted)


def _deployment(status, **kw):
    return {"serviceDeploymentArn": "arn:d", "status": status, "lifecycleStage": kw.pop("stage", "SCALE_UP"), **kw}


@pytest.mark.parametrize("status,done,outcome", [
    ("PENDING", False, None), ("IN_PROGRESS", False, None), ("ROLLBACK_REQUESTED", False, None),
    ("ROLLBACK_IN_PROGRESS", False, None), ("STOP_REQUESTED", False, None),
    ("SUCCESSFUL", True, "succeeded"), ("ROLLBACK_SUCCESSFUL", True, "rolled-back"),
    ("ROLLBACK_FAILED", True, "failed"), ("STOPPED", True, "failed")])
def test_every_service_deployment_status_is_judged(status, done, outcome):
    shape = MODEL.shape_for("ServiceDeploymentStatus")
    assert status in shape.enum  # the statuses are ECS's
    got = judge("blue-green", _deployment(status))
    assert (got.done, got.outcome) == (done, outcome)


def test_a_rollback_carries_ecs_reason_and_what_triggered_it():
    got = judge("canary", _deployment("ROLLBACK_SUCCESSFUL", rollback={"reason": "CloudWatch alarm triggered"},
                                      alarms={"status": "TRIGGERED", "triggeredAlarmNames": ["orders-5xx"]},
                                      deploymentCircuitBreaker={"status": "MONITORING", "failureCount": 0}))
    assert got.reason == "ECS rolled the deployment back: CloudWatch alarm triggered; alarm orders-5xx in ALARM"
    hook = judge("blue-green", _deployment("ROLLBACK_SUCCESSFUL", lifecycleHookDetails=[
        {"hookId": "h1", "targetArn": "arn:aws:lambda:us-east-1:1:function:smoke", "status": "FAILED"}]))
    assert "lifecycle hook arn:aws:lambda:us-east-1:1:function:smoke FAILED" in hook.reason
