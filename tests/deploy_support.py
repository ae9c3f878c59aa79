"""Shared set-up of the deploy tests: a scratch descriptors repository wired to the sandbox
infrastructure (clusters, VPC, ALB, listeners) that `jenkinsctl.devkit.sandbox_infra` creates in moto."""

from __future__ import annotations

from pathlib import Path

import pytest

from jenkinsctl.deploy.deployer import DeployRequest, deploy
from jenkinsctl.devkit import sandbox_infra
from jenkinsctl.workspace import Workspace


def digest(n: int) -> str:
    return "sha256:" + f"{n:02x}" * 32


def image(resolved, n: int, version: str | None = None) -> str:
    """The image by digest; with `version`, `<repo>:<version>@<digest>` (how `step deploy --image` records it)."""
    return f"{resolved.image.reference}{':' + version if version else ''}@{digest(n)}"


def tagged(reference: str, version: str) -> str:
    """`<repo>@<digest>` -> `<repo>:<version>@<digest>`."""
    repo, _, dig = reference.partition("@")
    return f"{repo}:{version}@{dig}"


def edit(project: Path, service: str, old: str, new: str) -> None:
    path = project / "services" / f"{service}.yaml"
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


class Sandbox:
    def __init__(self, project: Path, clients):
        self.project, self.clients = project, clients
        self.lines: list[str] = []

    def service(self, name: str):
        return Workspace.load(self.project / "jenkinsctl.yaml", {}, self.project).service(name).resolved

    def deploy(self, name: str, env: str, n: int, version: str, health: str = "ecs", **kw):
        svc = self.service(name)
        req = DeployRequest(env, image(svc, n), version, f"sha{n}", interval=kw.pop("interval", 0.01),
                            timeout=kw.pop("timeout", 10), health=health, approved_by="tester", **kw)
        return deploy(self.clients, svc, req, self.lines.append)


@pytest.fixture
def sandbox(project, aws, monkeypatch) -> Sandbox:
    """Scratch descriptors + sandbox infrastructure on a fresh moto. moto reports services'
    running counts from MOTO_ECS_SERVICE_RUNNING (read by the in-process server)."""
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "4")
    settings = sandbox_infra.create(aws, {"dev": "dev", "staging": "staging", "prod": "prod"})
    sandbox_infra.write_settings(project / "jenkinsctl.yaml", settings)
    return Sandbox(project, aws)
