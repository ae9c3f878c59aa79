"""The local sandbox, jenkinsctl's embedded default: a Docker engine, an OCI registry standing
in for ECR's data plane (its htpasswd credentials are the ones moto's ECR hands out), and moto
server as the AWS API. `up` is planned as data first, then executed; `down` stops only what
`up` started, by PID."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, Mapping

from jenkinsctl.errors import SandboxError
from jenkinsctl.sandbox.components import ComponentStatus, Engine, MotoServer, RegistryServer, SandboxSettings

__all__ = ["Sandbox", "SandboxSettings", "ComponentStatus", "Engine", "RegistryServer", "MotoServer"]

# binary -> Debian package that provides it
MOTO_REQUIREMENT = "moto[server]>=5.0"
REQUIRED = {"dockerd": "docker.io", "docker-registry": "docker-registry", "htpasswd": "apache2-utils",
            "busybox": "busybox-static", "debootstrap": "debootstrap"}


@dataclass(frozen=True)
class Action:
    verb: str  # install | start | reuse | seed
    target: str
    detail: str = ""

    def render(self) -> str:
        return f"{self.verb:<7} {self.target}" + (f": {self.detail}" if self.detail else "")


@dataclass
class Sandbox:
    settings: SandboxSettings
    environ: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Sandbox":
        return cls(SandboxSettings.from_environ(environ), environ)

    @property
    def engine(self) -> Engine:
        return Engine(self.settings)

    @property
    def registry(self) -> RegistryServer:
        return RegistryServer(self.settings)

    @property
    def moto(self) -> MotoServer:
        return MotoServer(self.settings, self.environ)

    def components(self):
        return [self.engine, self.registry, self.moto]

    def status(self) -> list[ComponentStatus]:
        return [c.status() for c in self.components()]

    def plan_up(self) -> list[Action]:
        """What `up` would do, as data."""
        actions = []
        missing = sorted({pkg for binary, pkg in REQUIRED.items() if shutil.which(binary) is None
                          and not (binary == "busybox" and os.path.exists("/bin/busybox"))})
        if missing:
            actions.append(Action("install", "Debian packages", " ".join(missing)))
        if importlib.util.find_spec("moto") is None:
            actions.append(Action("install", "PyPI packages", MOTO_REQUIREMENT))
        for comp in self.components():
            if comp.answers():
                actions.append(Action("reuse", comp.name, f"already answering at {comp.address}"))
            else:
                actions.append(Action("start", comp.name, comp.address))
        actions.append(Action("seed", "base image", f"{self.settings.registry_endpoint}/base/busybox "
                                                     "(FROM scratch + /bin/busybox), unless present"))
        return actions

    def up(self, report: Callable[[str], None] = lambda _: None) -> list[Action]:
        plan = self.plan_up()
        for action in plan:
            report(action.render())
            if action.verb == "install" and action.target == "PyPI packages":
                _run([sys.executable, "-m", "pip", "install", "-q", action.detail], "pip install", self.environ)
            elif action.verb == "install":
                install_packages(action.detail.split())
            elif action.verb == "start":
                {"docker": self.engine, "registry": self.registry, "moto": self.moto}[action.target].start()
            elif action.verb == "seed":
                base = self.seed_base_image()
                report(f"        {base.reference(self.settings.registry_endpoint)} = {base.digest}")
        return plan

    def seed_base_image(self):
        from jenkinsctl.registry.client import Registry
        from jenkinsctl.sandbox import baseimage

        s = self.settings
        return baseimage.seed(Registry(s.registry_endpoint, s.registry_user, s.registry_password))

    def seed_agent_base(self, report: Callable[[str], None] = lambda _: None):
        """The Debian stand-in for jenkins/inbound-agent (see agentbase.py), in the registry."""
        from jenkinsctl.packaging import cache_dir
        from jenkinsctl.registry.client import Registry
        from jenkinsctl.sandbox import agentbase

        s = self.settings
        return agentbase.ensure(Registry(s.registry_endpoint, s.registry_user, s.registry_password, timeout=120),
                                cache_dir(dict(self.environ)) / "agent-base",
                                self.environ.get("JENKINSCTL_DEBIAN_MIRROR") or agentbase.DEFAULT_MIRROR,
                                report=report)

    def reset(self, report: Callable[[str], None] = lambda _: None) -> None:
        """Forget every pushed image and AWS resource: stop the registry and moto the sandbox
        started and empty the registry's storage (the engine and its build cache stay)."""
        foreign = [c.name for c in (self.registry, self.moto) if c.status().owner == "external"]
        if foreign:
            raise SandboxError(f"cannot reset {' and '.join(foreign)}: not started by the sandbox",
                               "stop it yourself, or point the sandbox elsewhere with "
                               "JENKINSCTL_SANDBOX_REGISTRY_PORT / JENKINSCTL_SANDBOX_MOTO_PORT")
        for comp in (self.moto, self.registry):
            if comp.stop():
                report(f"stop    {comp.name}")
        data = self.settings.root / "registry-data"
        if data.exists():
            shutil.rmtree(data)
            report(f"empty   registry storage {data}")

    def down(self) -> list[str]:
        """Stop what `up` started (by PID file), moto and registry before the engine."""
        return [c.name for c in reversed(self.components()) if c.stop()]

    def env(self) -> dict[str, str]:
        """Variables that point jenkinsctl, boto3 and docker at the sandbox."""
        s = self.settings
        out = {
            "JENKINSCTL_SANDBOX_DIR": str(s.root),
            "JENKINSCTL_REGISTRY_ENDPOINT": s.registry_endpoint,
            "JENKINSCTL_AWS_ENDPOINT_URL": s.moto_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": s.region,
        }
        if s.registry_port != 5000:
            out["JENKINSCTL_SANDBOX_REGISTRY_PORT"] = str(s.registry_port)
        if s.moto_port != 5005:
            out["JENKINSCTL_SANDBOX_MOTO_PORT"] = str(s.moto_port)
        if s.docker_host:
            out["DOCKER_HOST"] = s.docker_host
        return out


def install_packages(packages: list[str]) -> None:
    apt = shutil.which("apt-get")
    if apt is None:
        raise SandboxError(f"missing packages {' '.join(packages)} and no apt-get to install them",
                           "install them with your system's package manager")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    for argv in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", *packages]):
        _run(argv, "apt-get", env)


def _run(argv: list[str], what: str, env: Mapping[str, str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, env=dict(env), stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise SandboxError(f"`{' '.join(argv)}` failed:\n{result.stderr[-2000:]}",
                           f"run it yourself ({what} may need root), or run scripts/setup")
