"""Task definition and IAM policies from descriptor + environment: pure, no AWS."""

from __future__ import annotations

import json

import pytest

from jenkinsctl.deploy import taskdef as td
from jenkinsctl.deploy.resources import Resources, resources_for
from jenkinsctl.errors import UsageError
from jenkinsctl.workspace import Workspace

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def orders(project):
    ws = Workspace.load(project / "jenkinsctl.yaml", {}, project)
    return ws.service("orders-api").resolved


def image(resolved, digest=DIGEST):
    return f"{resolved.image.reference}@{digest}"


def test_task_definition_pins_the_digest_and_carries_everything_the_descriptor_says(orders):
    env = orders.environment("prod")
    res = resources_for(orders, env)
    req = td.render(res, env, image(orders), "1.4.0", "0123abc")
    c = req["containerDefinitions"][0]
    assert c["image"].endswith("@" + DIGEST)
    assert (req["cpu"], req["memory"], c["memory"]) == ("512", "1024", 1024)
    assert c["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert "http://127.0.0.1:8080/healthz" in c["healthCheck"]["command"][1]
    assert {e["name"]: e["value"] for e in c["environment"]} == {"LOG_LEVEL": "warn", "WORKERS": "4"}
    assert {s["name"]: s["valueFrom"] for s in c["secrets"]} == {
        "DATABASE_PASSWORD": "arn:aws:ssm:us-east-1:123456789012:parameter/orders-api/database-password",
        "STRIPE_API_KEY": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-api/stripe:api_key::"}
    assert c["logConfiguration"]["options"]["awslogs-group"] == "/ecs/orders-api/prod"
    assert req["taskRoleArn"].endswith(":role/orders-api-prod-task")
    assert req["executionRoleArn"].endswith(":role/orders-api-prod-execution")
    assert {t["key"]: t["value"] for t in req["tags"]} == {
        "service": "orders-api", "environment": "prod", "version": "1.4.0", "git-sha": "0123abc",
        "managed-by": "jenkinsctl"}


def test_an_image_by_tag_is_refused(orders):
    env = orders.environment("dev")
    with pytest.raises(UsageError, match="not pinned by digest"):
        td.render(resources_for(orders, env), env, f"{orders.image.reference}:1.4.0", "1.4.0", "x")


def test_same_inputs_no_diff_and_a_changed_image_is_one_readable_line_pair(orders):
    env = orders.environment("dev")
    res = resources_for(orders, env)
    a = td.normalize(td.render(res, env, image(orders), "1.4.0", "x"))
    assert td.diff(a, td.normalize(td.render(res, env, image(orders), "1.4.0", "x"))) == []
    b = td.normalize(td.render(res, env, image(orders, "sha256:" + "cd" * 32), "1.4.0", "x"))
    lines = td.diff(a, b)
    assert lines == [f"-containerDefinitions[0].image: {image(orders)}",
                     f"+containerDefinitions[0].image: {image(orders, 'sha256:' + 'cd' * 32)}"]


def test_a_described_revision_with_aws_defaults_normalizes_equal_to_the_request(orders):
    env = orders.environment("dev")
    req = td.render(resources_for(orders, env), env, image(orders), "1.4.0", "x")
    described = json.loads(json.dumps(req))
    tags = described.pop("tags")
    c = described["containerDefinitions"][0]
    c.update(cpu=0, mountPoints=[], volumesFrom=[], portMappings=[{"containerPort": 8080, "hostPort": 8080,
                                                                    "protocol": "tcp"}])
    c["environment"].reverse()
    described.update(revision=3, status="ACTIVE", taskDefinitionArn="arn:...:task-definition/orders-api-dev:3")
    assert td.normalize(described, tags) == td.normalize(req)


def test_execution_policy_names_only_this_services_secrets_log_group_and_repository(orders):
    env = orders.environment("prod")
    res = resources_for(orders, env)
    policy = res.execution_policy(env.secrets)
    resources = {sid: s["Resource"] for s in policy["Statement"] for sid in [s["Sid"]]}
    assert resources == {
        "PullImage": ["arn:aws:ecr:us-east-1:123456789012:repository/payments/orders-api"],
        "RegistryLogin": ["*"],  # ecr:GetAuthorizationToken has no resource-level permission
        "WriteLogs": ["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/orders-api/prod:log-stream:*"],
        "ReadParameters": ["arn:aws:ssm:us-east-1:123456789012:parameter/orders-api/database-password"],
        "ReadSecrets": ["arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-api/stripe-??????"],
    }
    wildcard = [s for s in policy["Statement"] if "*" in s["Resource"]]
    assert [s["Action"] for s in wildcard] == [["ecr:GetAuthorizationToken"]]
    task = res.task_policy()
    assert [r for s in task["Statement"] for r in s["Resource"]] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/orders-api/prod:log-stream:*"]


def test_secret_arns_are_used_as_given_and_scoped_to_the_secret():
    res = Resources("invoice-worker", "dev", "dev", "us-east-1", "123456789012", "billing/invoice-worker")
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:billing/queue-AbCdEf"
    assert res.secret_value_from(arn) == arn
    assert res.secret_resource(arn + ":password::") == ("secretsmanager:GetSecretValue", arn)


def test_long_names_are_shortened_to_fit_target_group_names():
    res = Resources("a" * 28, "production-eu", "c", "us-east-1", "123456789012", "t/a")
    names = {res.target_group(s) for s in (None, "blue", "green")}
    assert len(names) == 3 and all(len(n) <= 32 for n in names)


def test_an_environment_registry_namespace_is_the_repository_its_policy_names(project):
    import yaml

    path = project / "jenkinsctl.yaml"
    data = yaml.safe_load(path.read_text())
    data["environments"]["prod"]["registry"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/release"
    path.write_text(yaml.safe_dump(data))
    svc = Workspace.load(path, {}, project).service("orders-api").resolved
    prod, dev = resources_for(svc, svc.environment("prod")), resources_for(svc, svc.environment("dev"))
    assert (prod.repository, dev.repository) == ("release/payments/orders-api", "payments/orders-api")
    assert prod.execution_policy({})["Statement"][0]["Resource"] == [
        "arn:aws:ecr:us-east-1:123456789012:repository/release/payments/orders-api"]
