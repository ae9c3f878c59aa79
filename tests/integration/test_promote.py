"""Promotion by digest through the real registry (no pull, no rebuild), source records on moto."""

from __future__ import annotations

import json

import pytest
import yaml

from deploy_support import sandbox, tagged  # noqa: F401  (fixture)

REPO_NAME = "payments/orders-api"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture
def promo(sandbox, registry, base_image, moto_endpoint):  # noqa: F811
    """orders-api 1.0.0 in the registry (the base image, copied registry-side), prod pulling from
    the `release/` namespace of the same registry, and the CLI environment."""
    reg = registry.client()
    digest = reg.copy_image(reg, base_image.repository, base_image.tag, REPO_NAME, tags=["1.0.0"])
    path = sandbox.project / "jenkinsctl.yaml"
    data = yaml.safe_load(path.read_text())
    data["environments"]["prod"]["registry"] = f"{ECR}/release"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    env = {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "JENKINSCTL_REGISTRY_ENDPOINT": registry.endpoint,
           "JENKINSCTL_SERVICE": "orders-api"}
    return env, digest, reg


def test_promote_refuses_a_digest_never_deployed_to_the_source(cli, sandbox, promo):  # noqa: F811
    env, digest, _ = promo
    r = cli("step", "promote", "--from", "dev", "--to", "staging", cwd=sandbox.project, env=env)
    assert r.code == 3
    assert "any version of orders-api was never deployed successfully to dev; refusing to promote it" in r.err
    r = cli("step", "promote", "--to", "staging", "--version", "1.0.0", cwd=sandbox.project, env=env)
    assert r.code == 3 and "version 1.0.0 of orders-api was never deployed successfully to dev" in r.err


def test_promote_by_digest_mounts_into_the_target_repository_and_deploys(cli, sandbox, promo, registry):  # noqa: F811
    env, digest, reg = promo
    source = f"{registry.endpoint}/{REPO_NAME}@{digest}"
    r = cli("step", "deploy", "--env", "dev", "--image", tagged(source, "1.0.0"), "--poll-interval", "0", "--timeout", "20",
            cwd=sandbox.project, env=env)
    assert r.code == 0, r.err

    same = cli("step", "promote", "--to", "staging", "--json", cwd=sandbox.project, env=env)
    assert same.code == 0, same.err
    values = json.loads(same.out)
    assert (values["METHOD"], values["IMAGE_URI"], values["BYTES_UPLOADED"]) == ("same repository", source, "0")

    uploads_before = reg.bytes_uploaded
    prod = cli("step", "promote", "--from", "dev", "--to", "prod", "--deploy", "--json", "--poll-interval", "0", "--timeout", "20",
               cwd=sandbox.project, env={**env, "JENKINSCTL_APPROVED_BY": "alice"})
    assert prod.code == 0, prod.err
    values = json.loads(prod.out)
    target = f"{registry.endpoint}/release/{REPO_NAME}"
    assert values["METHOD"] == "mount" and values["BYTES_UPLOADED"] == "0"
    assert values["IMAGE_URI"] == f"{target}@{digest}" and values["IMAGE_DIGEST"] == digest
    assert values["OUTCOME"] == "succeeded" and values["ENVIRONMENT"] == "prod"
    assert reg.manifest_head(f"release/{REPO_NAME}", digest) == digest
    assert reg.manifest_get(f"release/{REPO_NAME}", digest).body == reg.manifest_get(REPO_NAME, digest).body
    assert reg.manifest_head(f"release/{REPO_NAME}", "1.0.0") == digest
    assert reg.bytes_uploaded == uploads_before
    assert "blob(s) mounted, 0 present, 0 copied, 0 bytes uploaded" in prod.err
    aws = sandbox.clients
    svc = aws.ecs.raw.describe_services(cluster="prod", services=["orders-api"])["services"][0]
    td = aws.ecs.raw.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == f"{target}@{digest}"


def test_promote_with_deploy_to_an_approval_environment_is_refused_before_copying(cli, sandbox, promo, registry):  # noqa: F811
    env, digest, reg = promo
    source = f"{registry.endpoint}/{REPO_NAME}@{digest}"
    assert cli("step", "deploy", "--env", "dev", "--image", tagged(source, "1.0.0"), "--poll-interval", "0", "--timeout", "20",
               cwd=sandbox.project, env=env).code == 0
    r = cli("step", "promote", "--from", "dev", "--to", "prod", "--deploy", cwd=sandbox.project, env=env)
    assert r.code == 3 and "environment prod requires approval" in r.err
    assert "promoted" not in r.err  # refused before touching the registry
    assert sandbox.clients.ecs.raw.describe_services(cluster="prod", services=["orders-api"])["services"] == []


def test_deploy_by_version_finds_the_digest_in_the_registry(cli, sandbox, promo, registry):  # noqa: F811
    env, digest, _ = promo
    r = cli("step", "deploy", "--env", "dev", "--version", "1.0.0", "--poll-interval", "0", "--timeout", "20",
            "--json", cwd=sandbox.project, env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out)["IMAGE_URI"] == f"{registry.endpoint}/{REPO_NAME}@{digest}"
    missing = cli("step", "deploy", "--env", "dev", "--version", "7.7.7", cwd=sandbox.project, env=env)
    assert missing.code == 2 and "version 7.7.7 of orders-api was never pushed here nor deployed anywhere" in missing.err
