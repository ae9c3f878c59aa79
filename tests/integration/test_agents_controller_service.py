"""`agents apply` runs the controller as an ECS service on Fargate (issue 15 item 1), on moto:
the plan shows it all before any call; the task role names the fleet's own resources; the Jenkins
credentials are secret references; a second apply has nothing to do; destroy removes it first."""

from __future__ import annotations

import json

import pytest
import yaml
from awsrules import AwsRules
from fixtures.agents.agents_support import fleet_data, moto_with_managed_policies

from jenkinsctl.agents.controller_service import CONFIG_ENV, controller_config, task_role_policy
from jenkinsctl.agents.executor import execute
from jenkinsctl.agents.fleet import plan_fleet
from jenkinsctl.agents.resources import Names
from jenkinsctl.config.fleet import FleetSpec
from jenkinsctl.config.model import Config
from jenkinsctl.errors import UsageError

ACCOUNT = "123456789012"
DIGEST = "127.0.0.1:5000/jenkinsctl/agent@sha256:" + "ab" * 32
SECRET = "jenkins/agents-controller"
TOKEN = "11a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7"


@pytest.fixture
def aws(moto_endpoint):
    clients = moto_with_managed_policies(moto_endpoint)
    return clients


def _setup(aws, cluster: str, secret: bool = True):
    if secret:
        aws.secretsmanager.raw.create_secret(Name=SECRET, SecretString=json.dumps({"user": "ctl", "token": TOKEN}))
    spec = FleetSpec.model_validate({**fleet_data(aws, cluster=cluster),
                                     "controller": {"image": DIGEST, "jenkinsCredentials": SECRET}})
    config = Config.model_validate({"apiVersion": "jenkinsctl/v1", "kind": "Config", "namespace": "platform",
                                    "jenkins": {"url": "https://jenkins.example.com"},
                                    "aws": {"region": "us-east-1", "accountId": ACCOUNT},
                                    "environments": {"dev": {"cluster": "dev"}}})
    return spec, controller_config(config, spec)


def test_apply_creates_the_controller_service_and_destroy_removes_it_first(aws):
    rules = AwsRules(aws)
    spec, text = _setup(aws, "ctlsvc")
    n = Names("ctlsvc")
    plan = plan_fleet(aws, spec, ACCOUNT, controller_config=text)
    shown = plan.render()
    for line in (f"+ iam_role {n.controller_role}", f"+ iam_role {n.controller_execution_role}",
                 f"+ log_group {n.controller_log_group}", f"+ controller_task {n.controller}",
                 f"+ controller_service {n.controller}", f"image: null -> {DIGEST}", "launchType: null -> FARGATE",
                 "desiredCount: null -> 1"):
        assert line in shown, line
    assert TOKEN not in shown and TOKEN not in plan.render(calls=True)
    order = [c.kind for c in plan.changes]
    assert order.index("controller_task") < order.index("controller_service") and order[-1] == "controller_service"

    execute(plan, aws)
    assert rules.refused == []
    svc = aws.ecs.raw.describe_services(cluster="ctlsvc", services=[n.controller])["services"][0]
    assert svc["desiredCount"] == 1 and svc["launchType"] == "FARGATE"  # never the spot group it drains
    td = aws.ecs.raw.describe_task_definition(taskDefinition=n.controller)["taskDefinition"]
    assert td["requiresCompatibilities"] == ["FARGATE"] and td["networkMode"] == "awsvpc"
    c = td["containerDefinitions"][0]
    assert c["image"] == DIGEST
    arn = aws.secretsmanager.raw.describe_secret(SecretId=SECRET)["ARN"]
    assert sorted((s["name"], s["valueFrom"]) for s in c["secrets"]) == [
        ("JENKINS_API_TOKEN", f"{arn}:token::"), ("JENKINS_USER", f"{arn}:user::")]
    assert TOKEN not in json.dumps(td)  # referenced, never in plain text
    env = {e["name"]: e["value"] for e in c["environment"]}
    loaded = yaml.safe_load(env[CONFIG_ENV])  # what the container loads: a valid config naming this fleet
    assert Config.model_validate(loaded).agents.cluster == "ctlsvc" and "endpointUrl" not in loaded["aws"]
    assert td["taskRoleArn"].endswith(f"/jenkinsctl/ctlsvc/{n.controller_role}")
    assert c["logConfiguration"]["options"]["awslogs-group"] == n.controller_log_group

    role = aws.iam.inline_policies(n.controller_role)["controller"]
    resources = {r for s in role["Statement"] for r in s["Resource"]}
    assert f"arn:aws:sqs:us-east-1:{ACCOUNT}:{n.queue}" in resources
    assert f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{n.state_table}" in resources
    assert any(r.endswith(f":autoScalingGroupName/{n.asg}") for r in resources)
    assert f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/ctlsvc" in resources
    wildcard = [s for s in role["Statement"] if "*" in s["Resource"]]
    assert all(a.split(":")[1].startswith(("Describe", "List", "RunInstances")) for s in wildcard for a in s["Action"])
    assert all("Condition" in s for s in wildcard if s["Action"] != ["autoscaling:DescribeAutoScalingGroups",
                                                                      "ec2:DescribeInstanceTypes", "ec2:DescribeInstances"])
    exec_policy = aws.iam.inline_policies(n.controller_execution_role)["jenkins-credentials"]
    assert exec_policy["Statement"][0]["Resource"] == [arn]

    again = plan_fleet(aws, spec, ACCOUNT, controller_config=text)
    assert again.empty, again.render()

    # a new image: a new revision and the service moved onto it
    moved = spec.model_copy(update={"controller": spec.controller.model_copy(update={"image": DIGEST[:-2] + "cd"})})
    update = plan_fleet(aws, moved, ACCOUNT, controller_config=text)
    calls = [(c.kind, x.method) for c in update.changes for x in c.calls]
    assert calls == [("controller_task", "register_task_definition"), ("controller_task", "update_service"),
                     ("controller_task", "deregister_task_definition")], calls
    execute(update, aws)
    assert plan_fleet(aws, moved, ACCOUNT, controller_config=text).empty

    gone = plan_fleet(aws, moved, ACCOUNT, destroy=True)
    assert gone.changes[0].kind == "controller_service" and gone.changes[0].action == "delete"
    execute(gone, aws)
    assert rules.refused == []
    assert [s for s in aws.ecs.raw.describe_services(cluster="ctlsvc", services=[n.controller])["services"]
            if s.get("status") == "ACTIVE"] == []


def test_a_missing_credentials_secret_is_refused_before_any_call(aws):
    spec, text = _setup(aws, "ctlnosecret", secret=False)
    with pytest.raises(UsageError) as err:
        plan_fleet(aws, spec, ACCOUNT, controller_config=text)
    assert "agents.controller.jenkinsCredentials" in err.value.message and SECRET in err.value.message
    assert "create-secret" in (err.value.hint or "")
    assert aws.mutating_calls() == []


def test_controller_config_is_checked_where_it_is_written(aws):
    data = fleet_data(aws, cluster="x")
    with pytest.raises(ValueError, match="not pinned by digest"):
        FleetSpec.model_validate({**data, "controller": {"image": "reg/jenkinsctl/agent:1.0", "jenkinsCredentials": "s"}})
    with pytest.raises(ValueError, match="Fargate runs no task of cpu 256 with memory 4096"):
        FleetSpec.model_validate({**data, "controller": {"image": DIGEST, "jenkinsCredentials": "s", "memory": 4096}})


def test_the_task_role_names_only_the_fleets_resources():
    doc = task_role_policy(Names("f1"), ACCOUNT, "eu-west-1")
    named = [r for s in doc["Statement"] for r in s["Resource"] if r != "*"]
    assert named and all(("f1" in r) for r in named if ":role/" not in r and "launch-template" not in r and
                         ":instance/" not in r)
    assert all(":eu-west-1:" in r or r.startswith("arn:aws:iam::") for r in named)
