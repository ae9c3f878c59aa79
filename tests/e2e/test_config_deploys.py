"""Config deploys on the sandbox: deploy.env of orders-api changes, no new image. The seed's sync
plans a redeploy of the running digest per environment (with the field that changed) and starts each
environment's deploy job (VERSION = the running one, CONFIG_ONLY); what that job runs (`step deploy
--config-only`) redeploys the digest with the new configuration; prod waits for its approval."""

from __future__ import annotations

import json

from deploy_support import edit, sandbox  # noqa: F401  (fixture)

from jenkinsctl.devkit.jenkins_fake import FakeJenkins


def _running(aws, env):
    ecs = aws.ecs.raw if hasattr(aws.ecs, "raw") else aws.ecs
    svc = next(s for s in ecs.describe_services(cluster=env, services=["orders-api"])["services"]
               if s["status"] == "ACTIVE")
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    c = td["containerDefinitions"][0]
    return {e["name"]: e["value"] for e in c["environment"]}, c["image"], svc["taskDefinition"]


def test_seed_sync_redeploys_the_running_digest_where_the_runtime_config_changed(cli, sandbox, moto_endpoint):  # noqa: F811
    for env in ("dev", "staging", "prod"):
        sandbox.deploy("orders-api", env, 1, "1.0.0")
    edit(sandbox.project, "orders-api", "WORKERS: 4", "WORKERS: 8")
    with FakeJenkins(users={"seed": "t"}) as fake:
        env = {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "JENKINS_URL": fake.url, "JENKINS_USER": "seed",
               "JENKINS_API_TOKEN": "t"}
        diff = cli("jobs", "diff", "--no-xml", "--config-deploys", cwd=sandbox.project, env=env)
        assert diff.code == 0, diff.err
        for e in ("dev", "staging", "prod"):
            assert f"redeploy services/payments/orders-api/deploy-{e}  (runtime config changed since 1.0.0" in diff.out
        assert "    deploy.env.WORKERS: '4' -> '8'" in diff.out
        assert diff.out.count("waits for approval (input step)") == 1  # prod
        assert "redeploy services/billing" not in diff.out  # never deployed here: nothing to redeploy
        synced = cli("jobs", "sync", "--config-deploys", cwd=sandbox.project, env=env)
        assert synced.code == 0, synced.err
        queued = {q.job.rsplit("/", 1)[-1]: q.parameters for q in fake.state.queue.values()}
        for e in ("dev", "staging", "prod"):
            assert queued[f"deploy-{e}"]["CONFIG_ONLY"] == "true" and queued[f"deploy-{e}"]["VERSION"] == "1.0.0"
        assert "queued services/payments/orders-api/deploy-prod" in synced.err and "waits for approval" in synced.err
    # what each deploy job then runs (jobs/pipelines/deploy.groovy with CONFIG_ONLY=true)
    run = {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "JENKINSCTL_SERVICE": "orders-api"}
    before = _running(sandbox.clients, "dev")
    out = cli("step", "deploy", "--env", "dev", "--config-only", "--poll-interval", "0", cwd=sandbox.project, env=run)
    assert out.code == 0, out.err
    assert "config deploy of orders-api to dev: 1.0.0" in out.err and "deploy.env.WORKERS: '4' -> '8'" in out.err
    after = _running(sandbox.clients, "dev")
    assert after[0]["WORKERS"] == "8" and after[1] == before[1] and after[2] != before[2]  # same digest, new revision
    results = json.loads((sandbox.project / ".jenkinsctl" / "deploy.json").read_text())
    assert results["IMAGE_DIGEST"] == before[1].split("@")[1] and results["VERSION"] == "1.0.0"
    again = cli("step", "deploy", "--env", "dev", "--config-only", cwd=sandbox.project, env=run)
    assert again.code == 0 and "nothing to deploy" in again.err
    prod = cli("step", "deploy", "--env", "prod", "--config-only", cwd=sandbox.project, env=run)
    assert prod.code == 3 and "requires approval" in prod.err  # the job's input step sets the approver
    approved = cli("step", "deploy", "--env", "prod", "--config-only", "--poll-interval", "0", cwd=sandbox.project,
                   env={**run, "JENKINSCTL_APPROVED_BY": "alice"})
    assert approved.code == 0, approved.err
    assert _running(sandbox.clients, "prod")[0]["WORKERS"] == "8"
