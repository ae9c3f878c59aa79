"""`jenkinsctl step deploy` and `step rollback` through the CLI on moto: exit codes, the plan,
results files, and rollback to the last known good or a named version."""

from __future__ import annotations

import json

from deploy_support import image, sandbox  # noqa: F401  (fixture)

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/invoice-worker-dev:{}"


def run_env(moto_endpoint) -> dict[str, str]:
    return {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "JENKINSCTL_SERVICE": "invoice-worker"}


def deploy(cli, sandbox, env, n, version, *extra):  # noqa: F811
    svc = sandbox.service("invoice-worker")
    return cli("step", "deploy", "--env", "dev", "--image", image(svc, n, version),
               "--poll-interval", "0", *extra, cwd=sandbox.project, env=env)


def live_taskdef(aws) -> str:
    return aws.ecs.raw.describe_services(cluster="dev", services=["invoice-worker"])["services"][0]["taskDefinition"]


def test_deploy_prints_the_plan_writes_results_and_rollback_returns_to_the_last_known_good(
        cli, sandbox, moto_endpoint):  # noqa: F811
    env = run_env(moto_endpoint)
    first = deploy(cli, sandbox, env, 1, "1.0.0")
    assert first.code == 0, first.err
    assert "plan: invoice-worker -> dev (rolling), version 1.0.0" in first.err
    assert "create ECS service invoice-worker in cluster dev, 2 tasks, circuit breaker with rollback" in first.err
    assert f"TASK_DEFINITION_ARN={TD.format(1)}" in first.out and "OUTCOME=succeeded" in first.out
    results = json.loads((sandbox.project / ".jenkinsctl" / "deploy.json").read_text())
    assert results["IMAGE_DIGEST"] == image(sandbox.service("invoice-worker"), 1).split("@")[1]
    assert deploy(cli, sandbox, env, 2, "1.1.0").code == 0
    assert live_taskdef(sandbox.clients) == TD.format(2)

    back = cli("step", "rollback", "--env", "dev", "--poll-interval", "0", cwd=sandbox.project, env=env)
    assert back.code == 0, back.err
    assert "rollback invoice-worker in dev: from 1.1.0 (sha256:020202020202, invoice-worker-dev:2) " \
           "to 1.0.0 (sha256:010101010101, invoice-worker-dev:1)" in back.err
    assert "revert to invoice-worker-dev:1" in back.err
    assert live_taskdef(sandbox.clients) == TD.format(1)
    assert sandbox.clients.ecs.calls.count("register_task_definition") == 0  # the CLI made its own clients
    assert "FROM_VERSION=1.1.0" in back.out and "VERSION=1.0.0" in back.out

    forward = cli("step", "rollback", "--env", "dev", "--to", "1.1.0", "--poll-interval", "0",
                  cwd=sandbox.project, env=env)
    assert forward.code == 0, forward.err
    assert live_taskdef(sandbox.clients) == TD.format(2)

    unknown = cli("step", "rollback", "--env", "dev", "--to", "9.9.9", cwd=sandbox.project, env=env)
    assert unknown.code == 2
    assert "no earlier good deploy of invoice-worker to dev with version 9.9.9" in unknown.err
    assert "versions deployed successfully to dev: 1.1.0, 1.0.0" in unknown.err


def test_approval_gate_exit_code_3_unless_the_job_passed_its_input_step(cli, sandbox, moto_endpoint):  # noqa: F811
    env = run_env(moto_endpoint)
    svc = sandbox.service("invoice-worker")
    args = ("step", "deploy", "--env", "prod", "--image", image(svc, 1, "1.0.0"), "--poll-interval", "0")
    refused = cli(*args, cwd=sandbox.project, env=env)
    assert refused.code == 3
    assert "error: environment prod requires approval; this deploy was not approved" in refused.err
    assert "JENKINSCTL_APPROVED_BY" in refused.err
    approved = cli(*args, cwd=sandbox.project, env={**env, "JENKINSCTL_APPROVED_BY": "alice"})
    assert approved.code == 0, approved.err


def test_dry_run_prints_the_plan_and_changes_nothing(cli, sandbox, moto_endpoint):  # noqa: F811
    env = run_env(moto_endpoint)
    out = deploy(cli, sandbox, env, 1, "1.0.0", "--dry-run")
    assert out.code == 0, out.err
    assert "register task-definition invoice-worker-dev" in out.err
    assert "OUTCOME=planned" in out.out
    assert sandbox.clients.ecs.raw.describe_services(cluster="dev", services=["invoice-worker"])["services"] == []
    assert not (sandbox.project / ".jenkinsctl" / "deploy.json").exists()


def test_rollback_of_a_blue_green_service_is_a_blue_green_deploy_of_the_previous_revision(
        cli, sandbox, moto_endpoint):  # noqa: F811
    env = {**run_env(moto_endpoint), "JENKINSCTL_SERVICE": "orders-api"}
    svc = sandbox.service("orders-api")
    for n, version in ((1, "1.0.0"), (2, "1.1.0")):
        r = cli("step", "deploy", "--env", "dev", "--image", image(svc, n, version), "--poll-interval", "0",
                cwd=sandbox.project, env=env)
        assert r.code == 0, r.err
    back = cli("step", "rollback", "--env", "dev", "--poll-interval", "0", cwd=sandbox.project, env=env)
    assert back.code == 0, back.err
    assert "from 1.1.0 (sha256:020202020202, orders-api-dev:2) to 1.0.0 (sha256:010101010101, orders-api-dev:1)" \
        in back.err
    assert "update ECS service orders-api: blue-green by ECS (BLUE_GREEN)" in back.err
    assert "sandbox: moto does not run ECS's blue-green" in back.err  # honest about what did not happen
    aws = sandbox.clients
    (svc,) = aws.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"]
    assert svc["taskDefinition"].endswith("orders-api-dev:1") and svc["desiredCount"] == 2
    assert svc["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert aws.ecs.raw.describe_services(cluster="dev", services=["orders-api-blue", "orders-api-green"])["services"] == []
    status = cli("pipeline", "status", "orders-api", cwd=sandbox.project, env=env)
    dev = status.out.splitlines()[1]
    assert "1.0.0" in dev and "orders-api-dev:1" in dev and "blue=100%" in dev and "n/a (sandbox)" in dev
    assert "note: sandbox (moto): ECS runs no blue-green, canary or linear deployment here" in status.out
