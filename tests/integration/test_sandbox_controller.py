"""The sandbox runs `agents controller` as a local process, started and stopped by PID (moto runs
no ECS service tasks): the demo's spot warning scene, against moto and the Jenkins fake."""

from __future__ import annotations

import importlib.util
import os

import pytest
from fixtures.agents.agents_support import moto_with_managed_policies
from support import REPO

from jenkinsctl.sandbox import Sandbox


def _scene():
    """scripts/spot_scene.py, the demo's scene (a script: it plays EC2 and the ECS agent with boto3)."""
    spec = importlib.util.spec_from_file_location("spot_scene", REPO / "scripts" / "spot_scene.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def applied(cli, project, moto_endpoint, tmp_path, monkeypatch):
    aws = moto_with_managed_policies(moto_endpoint)
    subnet = aws.ec2.raw.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = aws.ec2.raw.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().replace("subnet-0a1b2c3d4e5f60718", subnet).replace("sg-0a1b2c3d4e5f60718", sg))
    box = tmp_path / "sandbox"
    for k, v in {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "JENKINSCTL_SANDBOX_DIR": str(box),
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(k, v)
    r = cli("agents", "apply", cwd=project)
    assert r.code == 0, r.text
    return cfg, box


def test_the_demo_scene_the_controller_handles_a_spot_warning_and_stops_by_pid(applied):
    cfg, box = applied
    shown: list[str] = []
    lines = _scene().run(cfg, out=shown.append, timeout=120)
    text = "\n".join(lines)
    assert "controller: watching" in text and "spot-interruption i-" in text
    assert "abort requested" in text and "resubmitted with the same parameters" in text
    assert "controller: stopped after" in text  # SIGTERM: a clean stop
    assert any(s.startswith("   controller started, pid ") for s in shown)
    assert "1 resubmission queued with VERSION=1.4.1; agent-1 offline: True" in "\n".join(shown)
    assert shown[-1] == "   stopped: controller"
    assert not (box / "controller.pid").exists()


def test_the_controller_needs_a_jenkins(applied, monkeypatch):
    cfg, _ = applied
    monkeypatch.delenv("JENKINS_URL", raising=False)
    from jenkinsctl.errors import SandboxError

    with pytest.raises(SandboxError, match="JENKINS_URL is not set"):
        Sandbox.from_environ(dict(os.environ)).controller.start(cfg)
    assert Sandbox.from_environ(dict(os.environ)).controller.process.pid() is None
