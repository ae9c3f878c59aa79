"""Sandbox settings from the environment and the `env` it exports (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jenkinsctl.errors import SandboxError
from jenkinsctl.sandbox import Sandbox, SandboxSettings


def test_defaults_and_overrides():
    s = SandboxSettings.from_environ({})
    assert (s.root, s.registry_endpoint, s.moto_url) == (Path.home() / ".jenkinsctl" / "sandbox", "127.0.0.1:5000",
                                                         "http://127.0.0.1:5005")
    s = SandboxSettings.from_environ({"JENKINSCTL_SANDBOX_DIR": "/tmp/box", "JENKINSCTL_SANDBOX_REGISTRY_PORT": "5101",
                                      "JENKINSCTL_SANDBOX_MOTO_PORT": "5105"})
    assert (str(s.root), s.registry_endpoint, s.moto_url) == ("/tmp/box", "127.0.0.1:5101", "http://127.0.0.1:5105")


def test_registry_credentials_are_what_moto_ecr_hands_out():
    s = SandboxSettings.from_environ({})
    assert (s.registry_user, s.registry_password) == ("AWS", "123456789012-auth-token")


def test_bad_port_is_a_clear_error():
    with pytest.raises(SandboxError, match=r"\$JENKINSCTL_SANDBOX_MOTO_PORT='http' is not a TCP port"):
        SandboxSettings.from_environ({"JENKINSCTL_SANDBOX_MOTO_PORT": "http"})


def test_env_points_jenkinsctl_boto3_and_docker_at_the_sandbox():
    env = Sandbox.from_environ({"JENKINSCTL_SANDBOX_DIR": "/tmp/box", "JENKINSCTL_SANDBOX_MOTO_PORT": "5105"}).env()
    assert env == {"JENKINSCTL_SANDBOX_DIR": "/tmp/box", "JENKINSCTL_REGISTRY_ENDPOINT": "127.0.0.1:5000",
                   "JENKINSCTL_AWS_ENDPOINT_URL": "http://127.0.0.1:5105", "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                   "JENKINSCTL_SANDBOX_MOTO_PORT": "5105"}
