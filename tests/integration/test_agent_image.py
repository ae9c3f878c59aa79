"""The agent image: built by `jenkinsctl agents image build` through the build path (policy,
labels, immutable tag) on the sandbox's Debian base, it runs jenkinsctl, git and the docker CLI
(against the host engine's socket), finds jenkinsctl.yaml through JENKINSCTL_CONFIG or the
checkout, and `agents image push` pushes it by digest."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from image_support import remove_images
from support import REPO


@pytest.fixture(scope="module")
def agent_base(registry):
    """The sandbox's Debian stand-in for jenkins/inbound-agent, in the session registry."""
    from jenkinsctl.packaging import cache_dir
    from jenkinsctl.sandbox import agentbase

    started = time.monotonic()
    base = agentbase.ensure(registry.client(), cache_dir({}) / "agent-base")
    print(f"agent base {base.tag}: {time.monotonic() - started:.1f} s")
    return f"{base.reference(registry.endpoint)}@{base.digest}"


@pytest.fixture
def descriptors(tmp_path, registry, moto_endpoint):
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    root = tmp_path / "descriptors"
    root.mkdir()
    shutil.copy(REPO / "jenkinsctl.yaml", root / "jenkinsctl.yaml")
    shutil.copytree(REPO / "services", root / "services")
    env = {"JENKINSCTL_REGISTRY_ENDPOINT": registry.endpoint, "JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint}
    return root, env


@pytest.fixture(scope="module")
def cleanup_images(docker_engine, registry):
    yield
    remove_images(docker_engine, f"{registry.endpoint}/jenkinsctl/agent")


def _values(out: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def _run(client, image, command, **kwargs) -> str:
    return client.containers.run(image, command, remove=True, stderr=True, **kwargs).decode().strip()


def test_default_base_is_refused_by_policy_unless_trusted(cli, descriptors, jenkinsctl_wheel):
    root, env = descriptors
    r = cli("agents", "image", "build", "--wheel", str(jenkinsctl_wheel.path), cwd=root, env=env)
    assert r.code == 3, r.text
    assert "images/agent/Dockerfile:" in r.err and "jenkins/inbound-agent" in r.err and "trusted" in r.err
    assert not (root / ".jenkinsctl" / "agent-image-build.json").exists()


def test_build_run_and_push_the_agent_image(cli, descriptors, agent_base, jenkinsctl_wheel, docker_engine,
                                            registry, cleanup_images):
    root, env = descriptors
    started = time.monotonic()
    built = cli("agents", "image", "build", "--base", agent_base, "--wheel", str(jenkinsctl_wheel.path),
                cwd=root, env=env)
    seconds = time.monotonic() - started
    assert built.code == 0, built.text
    values = _values(built.out)
    image = values["IMAGE"]
    assert image.startswith(f"{registry.endpoint}/jenkinsctl/agent:{jenkinsctl_wheel.version}-"), values
    print(f"agents image build: {seconds:.1f} s")

    attrs = docker_engine.images.get(image).attrs
    assert attrs["Id"] == values["IMAGE_ID"]
    labels = attrs["Config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == jenkinsctl_wheel.version
    assert labels["org.opencontainers.image.title"] == "jenkinsctl-agent"
    assert attrs["Config"]["User"] == "jenkins"

    assert _run(docker_engine, image, ["jenkinsctl", "--version"]) == f"jenkinsctl, version {jenkinsctl_wheel.version}"
    assert _run(docker_engine, image, ["git", "--version"]).startswith("git version 2.")
    sock = "/var/run/docker.sock"
    server = _run(docker_engine, image, ["docker", "version", "--format", "{{.Server.Version}}"],
                  volumes={sock: {"bind": sock, "mode": "rw"}}, group_add=[str(os.stat(sock).st_gid)],
                  network_mode="host")
    assert server == docker_engine.version()["Version"]

    # jenkinsctl.yaml from a mounted config volume, named by JENKINSCTL_CONFIG
    mounted = _run(docker_engine, image, ["jenkinsctl", "service", "list"], working_dir="/tmp",
                   volumes={str(root): {"bind": "/config", "mode": "ro"}},
                   environment={"JENKINSCTL_CONFIG": "/config/jenkinsctl.yaml"})
    assert "orders-api" in mounted and "invoice-worker" in mounted
    # ...or the checkout's, found by walking up from the workspace (what the seed and CI jobs do)
    workspace = "/home/jenkins/agent/workspace/seed"
    checkout = _run(docker_engine, image, ["sh", "-c", "cd services && jenkinsctl service list"],
                    working_dir=workspace, volumes={str(root): {"bind": workspace, "mode": "ro"}})
    assert "orders-api" in checkout
    # and nothing is baked in: without either, it says where it looked
    with pytest.raises(Exception) as missing:
        _run(docker_engine, image, ["jenkinsctl", "service", "list"], working_dir="/tmp")
    assert "no jenkinsctl.yaml in /tmp" in str(getattr(missing.value, "stderr", b"")) or \
           "no jenkinsctl.yaml" in str(missing.value)

    config = root / "jenkinsctl.yaml"
    config.write_text(config.read_text().replace("image: 127.0.0.1:5000/jenkins/inbound-agent:3283.v92c105e0f819-1",
                                                 "image: jenkinsctl-agent", 1))
    before = cli("agents", "casc", cwd=root, env=env)
    assert before.code == 2 and "jenkinsctl.yaml:" in before.err and "agents image push" in before.err, before.text

    pushed = cli("agents", "image", "push", cwd=root, env=env)
    assert pushed.code == 0, pushed.text
    out = _values(pushed.out)
    assert out["IMAGE_URI"] == f"{registry.endpoint}/jenkinsctl/agent@{out['IMAGE_DIGEST']}"
    tag = image.rsplit(":", 1)[1]
    assert registry.client().manifest_head("jenkinsctl/agent", tag) == out["IMAGE_DIGEST"]
    again = cli("agents", "image", "push", cwd=root, env=env)
    assert again.code == 0 and _values(again.out)["IMAGE_DIGEST"] == out["IMAGE_DIGEST"], again.text
    assert "already there: verifying" in again.err
    casc = cli("agents", "casc", cwd=root, env=env)
    assert casc.code == 0, casc.text
    assert f"image: \"{out['IMAGE_URI']}\"" in casc.out or f"image: {out['IMAGE_URI']}" in casc.out, casc.out
