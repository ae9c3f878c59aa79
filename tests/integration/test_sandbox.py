"""`jenkinsctl sandbox up|status|env|down` with its own state dir and free ports; the engine
that answers is reused and left alone."""

from __future__ import annotations

import base64
import os
import shlex

import boto3

from jenkinsctl.registry.client import Registry
from support import free_port


def test_up_status_env_down(cli, tmp_path, docker_engine):
    ports = {"JENKINSCTL_SANDBOX_DIR": str(tmp_path / "box"),
             "JENKINSCTL_SANDBOX_REGISTRY_PORT": str(free_port()), "JENKINSCTL_SANDBOX_MOTO_PORT": str(free_port())}
    reg, moto = f"127.0.0.1:{ports['JENKINSCTL_SANDBOX_REGISTRY_PORT']}", \
        f"http://127.0.0.1:{ports['JENKINSCTL_SANDBOX_MOTO_PORT']}"

    plan = cli("sandbox", "up", "--dry-run", env=ports)
    assert plan.code == 0
    assert plan.out.splitlines()[1:] == [f"start   registry: {reg}", f"start   moto: {moto}",
                                         f"seed    base image: {reg}/base/busybox (FROM scratch + /bin/busybox), unless present"]
    assert plan.out.startswith("reuse   docker: already answering at ")
    try:
        up = cli("sandbox", "up", env=ports)
        assert up.code == 0, up.err
        assert f"{reg}/base/busybox:1.35 = sha256:" in up.err
        lines = cli("sandbox", "status", env=ports).out.splitlines()
        assert lines[0].startswith("docker    running") and "not started by the sandbox" in lines[0]
        assert lines[1].startswith(f"registry  running  {reg}  (started by the sandbox, pid ")
        assert lines[2].startswith(f"moto      running  {moto}  (started by the sandbox, pid ")
        pids = [int((tmp_path / "box" / f"{name}.pid").read_text()) for name in ("registry", "moto")]

        again = cli("sandbox", "up", env=ports)  # idempotent: reuses everything
        assert again.code == 0 and "start" not in again.err.split("seed")[0]

        exported = dict(shlex.split(line)[1].split("=", 1) for line in cli("sandbox", "env", env=ports).out.splitlines())
        assert exported["JENKINSCTL_REGISTRY_ENDPOINT"] == reg
        assert exported["JENKINSCTL_AWS_ENDPOINT_URL"] == moto
        # the real ECR login flow: moto's token is the registry's htpasswd credentials
        ecr = boto3.client("ecr", endpoint_url=moto, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        user, _, password = base64.b64decode(token).decode().partition(":")
        Registry(reg, user, password).ping()
    finally:
        down = cli("sandbox", "down", env=ports)
    assert down.code == 0 and down.out.strip() == "stopped: moto, registry"
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(") ")[1][0] == "Z"
    status = cli("sandbox", "status", env=ports)
    assert status.code == 4 and "not running: registry, moto" in status.err
    assert docker_engine.ping()  # the engine was not ours to stop


def test_port_taken_by_something_else_is_a_clear_error(cli, tmp_path, docker_engine):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli("sandbox", "up", env={"JENKINSCTL_SANDBOX_DIR": str(tmp_path), "JENKINSCTL_SANDBOX_REGISTRY_PORT": str(port),
                                      "JENKINSCTL_SANDBOX_MOTO_PORT": str(free_port())})
    assert r.code == 4
    assert f"port 127.0.0.1:{port} is taken by something that is not a registry" in r.err
    assert "JENKINSCTL_SANDBOX_REGISTRY_PORT" in r.err


def test_up_reset_starts_from_an_empty_registry_and_a_fresh_moto(cli, tmp_path, docker_engine):
    ports = {"JENKINSCTL_SANDBOX_DIR": str(tmp_path / "box"),
             "JENKINSCTL_SANDBOX_REGISTRY_PORT": str(free_port()), "JENKINSCTL_SANDBOX_MOTO_PORT": str(free_port())}
    reg, moto = f"127.0.0.1:{ports['JENKINSCTL_SANDBOX_REGISTRY_PORT']}", \
        f"http://127.0.0.1:{ports['JENKINSCTL_SANDBOX_MOTO_PORT']}"
    ecr = boto3.client("ecr", endpoint_url=moto, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    try:
        assert cli("sandbox", "up", env=ports).code == 0
        registry = Registry(reg, "AWS", "123456789012-auth-token")
        registry.retag("base/busybox", "1.35", "1.35-pushed-by-a-test")
        ecr.create_repository(repositoryName="payments/orders-api")
        plan = cli("sandbox", "up", "--reset", "--dry-run", env=ports)
        assert plan.out.startswith("reset   registry storage and moto state")
        assert registry.manifest_head("base/busybox", "1.35-pushed-by-a-test")  # a dry run forgets nothing

        reset = cli("sandbox", "up", "--reset", env=ports)
        assert reset.code == 0, reset.err
        assert "stop    moto\nstop    registry\nempty   registry storage" in reset.err
        assert registry.manifest_head("base/busybox", "1.35-pushed-by-a-test") is None
        assert registry.manifest_head("base/busybox", "1.35")  # the base image is seeded again
        assert ecr.describe_repositories()["repositories"] == []
    finally:
        cli("sandbox", "down", env=ports)
    assert docker_engine.ping()
