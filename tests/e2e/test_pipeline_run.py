"""`jenkinsctl pipeline run orders-api --through prod` on the real Docker engine, registry and
moto (sandbox infrastructure from jenkinsctl.devkit.sandbox_infra): one image, built once,
deployed to dev and promoted by digest to staging and prod."""

from __future__ import annotations

import json

import pytest

from image_support import point_at, remove_images, source_repo
from jenkinsctl.devkit import sandbox_infra


@pytest.fixture
def env(project, registry, base_image, moto_endpoint, docker_engine, aws, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "4")
    environ = point_at(project, registry, base_image, moto_endpoint)
    settings = sandbox_infra.create(aws, {"dev": "dev", "staging": "staging", "prod": "prod"})
    sandbox_infra.write_settings(project / "jenkinsctl.yaml", settings)
    yield environ
    remove_images(docker_engine, registry.endpoint)


def test_pipeline_runs_the_jenkinsfile_stages_and_promotes_one_digest_through_prod(cli, env, tmp_path, aws):
    src = source_repo(tmp_path / "orders-api")
    refused = cli("pipeline", "run", "orders-api", "--through", "prod", "--workdir", str(src), cwd=src, env=env)
    assert refused.code == 3 and "goes through prod, which requires approval" in refused.err
    assert not (src / ".jenkinsctl").exists()  # refused before the first stage

    r = cli("pipeline", "run", "orders-api", "--through", "prod", "--workdir", str(src), "--poll-interval", "0",
            "--approved-by", "alice", cwd=src, env=env)
    assert r.code == 0, r.err[-3000:]
    order = [line.split(":")[0] for line in r.err.splitlines() if line.startswith("== Stage ")]
    assert order == ["== Stage Version", "== Stage Build", "== Stage Test", "== Stage Push", "== Stage Deploy dev",
                     "== Stage Promote staging", "== Stage Promote prod"]
    assert "RESULT=passed" in r.out and "STAGE_PROMOTE_PROD=passed" in r.out
    push = json.loads((src / ".jenkinsctl" / "push.json").read_text())
    for cluster in ("dev", "staging", "prod"):
        svc = aws.ecs.raw.describe_services(cluster=cluster, services=["orders-api"])["services"][0]
        image = aws.ecs.raw.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"][
            "containerDefinitions"][0]["image"]
        assert image == push["IMAGE_URI"]  # built once, the same digest everywhere
    promote = json.loads((src / ".jenkinsctl" / "promote.json").read_text())
    assert promote["TO_ENVIRONMENT"] == "prod" and promote["IMAGE_DIGEST"] == push["IMAGE_DIGEST"]

    status = cli("pipeline", "status", "orders-api", cwd=src, env=env)
    assert status.code == 0, status.err
    rows = {line.split()[0]: line for line in status.out.splitlines()[1:] if not line.startswith("note:")}
    assert "note: sandbox (moto): ECS runs no blue-green" in status.out
    assert list(rows) == ["dev", "staging", "prod"]
    for row in rows.values():
        assert push["IMAGE_DIGEST"][:19] in row and push["VERSION"] in row and "blue=100%" in row
    assert "orders-api-prod:1" in rows["prod"] and "4/4" in rows["prod"]
    assert all("n/a (sandbox)" in row for row in rows.values())
    assert any(line.startswith("  ok      image sha256:") for line in r.err.splitlines())  # checked before the call
