"""Fixtures every tier shares. Tiers are folders: tests/unit, tests/integration, tests/e2e
(each test gets the marker of its folder)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import REPO, CliResult, free_port  # support also captures REAL_JENKINS at import

_LEAKY_ENV = ("JENKINS_URL", "JENKINS_USER", "JENKINS_API_TOKEN", "AWS_ENDPOINT_URL", "AWS_PROFILE",
              "AWS_REGION", "AWS_DEFAULT_REGION", "BRANCH_NAME", "GIT_BRANCH", "GIT_COMMIT", "BUILD_URL")


def pytest_collection_modifyitems(items):
    for item in items:
        try:
            tier = Path(str(item.fspath)).relative_to(REPO / "tests").parts[0]
        except ValueError:
            continue
        if tier in ("unit", "integration", "e2e"):
            item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch):
    """Tests never see the developer's Jenkins, AWS or CI variables unless they set them."""
    for key in list(os.environ):
        if key in _LEAKY_ENV or key.startswith("JENKINSCTL_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def project(tmp_path) -> Path:
    """A scratch descriptors repository: this repo's jenkinsctl.yaml and example services."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(REPO / "jenkinsctl.yaml", root / "jenkinsctl.yaml")
    shutil.copytree(REPO / "services", root / "services")
    return root


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run `jenkinsctl ARGS...` in-process in `cwd`; returns exit code, stdout and stderr."""
    from jenkinsctl.cli import run

    def invoke(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server (the AWS API) for the whole session, stopped at the end."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint):
    """AWS clients on a freshly reset moto server."""
    import requests

    from jenkinsctl.factory import Factory

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    return Factory({"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint}).aws(region="us-east-1", max_attempts=1)


# ---- Docker engine, registry and base image (the same code as `jenkinsctl sandbox up`) ----

@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory):
    """A docker SDK client (API 1.41) on the machine's engine: reused when one answers, else
    dockerd is started through the sandbox code and stopped (by PID) at the end of the session."""
    import docker

    from jenkinsctl.sandbox import Engine, SandboxSettings

    engine = Engine(SandboxSettings(root=tmp_path_factory.mktemp("engine"), docker_host=os.environ.get("DOCKER_HOST")))
    started = engine.start()
    client = docker.DockerClient(base_url=engine.address, version="1.41", timeout=300)
    yield client
    client.close()
    if started:
        engine.stop()


@dataclass(frozen=True)
class SandboxRegistry:
    endpoint: str  # host:port
    user: str
    password: str  # what moto's ECR get_authorization_token hands out (account 123456789012)

    def client(self, user: str | None = None, password: str | None = None):
        from jenkinsctl.registry.client import Registry

        return Registry(self.endpoint, user or self.user, password or self.password)


def _registry(root: Path):
    from jenkinsctl.sandbox import RegistryServer, SandboxSettings

    settings = SandboxSettings(root=root, registry_port=free_port())
    server = RegistryServer(settings)
    server.start()
    return server, SandboxRegistry(settings.registry_endpoint, settings.registry_user, settings.registry_password)


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> SandboxRegistry:
    """A registry (Debian docker-registry) with htpasswd auth on a free port, storage in a tmp dir.
    Shared by the session: tests that push the same repository and tag use `fresh_registry`."""
    server, reg = _registry(tmp_path_factory.mktemp("registry"))
    yield reg
    server.stop()


@pytest.fixture
def fresh_registry(tmp_path_factory) -> SandboxRegistry:
    """A registry of this test's own: pushed tags are immutable, so tests that push the same
    service and version must not see each other's images."""
    server, reg = _registry(tmp_path_factory.mktemp("fresh-registry"))
    yield reg
    server.stop()


@dataclass(frozen=True)
class PushedBaseImage:
    ref: str  # e.g. 127.0.0.1:PORT/base/busybox:1.35
    repository: str
    tag: str
    digest: str


def _seed_base(reg: SandboxRegistry) -> PushedBaseImage:
    from jenkinsctl.sandbox import baseimage

    image = baseimage.seed(reg.client())
    return PushedBaseImage(image.reference(reg.endpoint), image.repository, image.tag, image.digest)


@pytest.fixture(scope="session")
def base_image(registry) -> PushedBaseImage:
    """The sandbox's busybox base image (FROM scratch), pushed to the `registry` fixture."""
    return _seed_base(registry)


@pytest.fixture
def fresh_base_image(fresh_registry) -> PushedBaseImage:
    """The base image, pushed to `fresh_registry`."""
    return _seed_base(fresh_registry)


# ---- jenkinsctl's own wheel (the same code as `jenkinsctl agents image build`) ----

@dataclass(frozen=True)
class BuiltWheel:
    path: Path  # dist/jenkinsctl-<version>-py3-none-any.whl
    version: str
    wheelhouse: Path  # wheels of its dependencies (cached across sessions by their requirements)


@pytest.fixture(scope="session")
def jenkinsctl_wheel(tmp_path_factory) -> BuiltWheel:
    """The wheel `pip wheel` builds from this checkout, and its dependencies' wheelhouse."""
    from jenkinsctl import packaging

    wheel = packaging.build_wheel(tmp_path_factory.mktemp("dist"), REPO)
    house = packaging.wheelhouse(wheel, packaging.cache_dir({}))
    return BuiltWheel(wheel, packaging.wheel_version(wheel), house)
