"""The sandbox's three servers: the Docker engine, an htpasswd-protected OCI registry (Debian
`docker-registry`) and moto server (the AWS API). Each can say whether it answers, start
itself in the background with a PID file, and stop only what it started."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from jenkinsctl.errors import SandboxError
from jenkinsctl.sandbox.processes import ManagedProcess

DEFAULT_DIR = "~/.jenkinsctl/sandbox"
DOCKERD_ARGS = ["--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=overlay2"]


@dataclass(frozen=True)
class SandboxSettings:
    root: Path
    registry_port: int = 5000
    moto_port: int = 5005
    host: str = "127.0.0.1"
    account_id: str = "123456789012"  # moto's default account: its ECR token names it
    region: str = "us-east-1"
    docker_host: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "SandboxSettings":
        def port(var: str, default: int) -> int:
            value = environ.get(var) or str(default)
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise SandboxError(f"${var}={value!r} is not a TCP port", f"unset it or give a port, e.g. {default}")
            return int(value)

        root = Path(os.path.expanduser(environ.get("JENKINSCTL_SANDBOX_DIR") or DEFAULT_DIR))
        return cls(root=root, registry_port=port("JENKINSCTL_SANDBOX_REGISTRY_PORT", 5000),
                   moto_port=port("JENKINSCTL_SANDBOX_MOTO_PORT", 5005),
                   region=environ.get("AWS_DEFAULT_REGION") or environ.get("AWS_REGION") or "us-east-1",
                   docker_host=environ.get("DOCKER_HOST"))

    @property
    def registry_endpoint(self) -> str:
        return f"{self.host}:{self.registry_port}"

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def registry_user(self) -> str:
        return "AWS"

    @property
    def registry_password(self) -> str:
        """What moto's ECR get_authorization_token hands out, so the real ECR login flow works."""
        return f"{self.account_id}-auth-token"


@dataclass
class ComponentStatus:
    name: str
    address: str
    state: str  # "running" | "stopped"
    owner: str  # "sandbox" (pid N) | "external" | ""
    pid: int | None = None

    def render(self) -> str:
        owner = f"started by the sandbox, pid {self.pid}" if self.owner == "sandbox" else \
            ("not started by the sandbox" if self.owner == "external" else "")
        return f"{self.name:<9} {self.state:<8} {self.address}" + (f"  ({owner})" if owner else "")


def _http_ok(url: str, timeout: float = 1.0, ok: tuple[int, ...] = (200,)) -> bool:
    import requests

    try:
        return requests.get(url, timeout=timeout).status_code in ok
    except requests.RequestException:
        return False


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


class _Component:
    """What the three servers share: a name, an address, a PID-file process, a health check."""

    name = ""
    address = ""
    pidname = ""  # <state dir>/<pidname>.pid and .log
    marker = ""  # what the process's command line must contain

    def __init__(self, settings: SandboxSettings):
        self.settings = settings
        self.process = ManagedProcess(self.pidname, settings.root, self.marker)

    def answers(self) -> bool:  # pragma: no cover - every component overrides it
        raise NotImplementedError

    def status(self) -> ComponentStatus:
        pid = self.process.pid()
        up = self.answers()
        return ComponentStatus(self.name, self.address, "running" if up else "stopped",
                               "sandbox" if pid and up else ("external" if up else ""), pid)

    def stop(self) -> bool:
        """Stop the process the sandbox started (by PID); True if one was running."""
        return self.process.stop()


class Engine(_Component):
    """The Docker engine: reused when one answers, else `dockerd` started in the background."""

    name, pidname, marker = "docker", "dockerd", "dockerd"

    @property
    def address(self) -> str:
        return self.settings.docker_host or "unix:///var/run/docker.sock"

    def answers(self) -> bool:
        host = self.address
        try:
            if host.startswith("unix://"):
                s = socket.socket(socket.AF_UNIX)
                s.settimeout(2)
                s.connect(host[len("unix://"):])
            elif host.startswith("tcp://"):
                h, _, p = host[len("tcp://"):].partition(":")
                s = socket.create_connection((h, int(p or 2375)), timeout=2)
            else:
                return False
            with s:
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                return b"200 OK" in s.recv(256)
        except OSError:
            return False


    def start(self, timeout: float = 60.0) -> bool:
        """Start dockerd unless an engine answers; True if this call started it."""
        if self.answers():
            return False
        if self.settings.docker_host and not self.settings.docker_host.startswith("unix:///var/run/docker.sock"):
            raise SandboxError(f"no Docker engine answers at DOCKER_HOST={self.settings.docker_host}",
                               "start that engine, or unset DOCKER_HOST to let the sandbox start a local one")
        dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
        if not Path(dockerd).exists():
            raise SandboxError("dockerd is not installed", "run scripts/setup (Debian package docker.io)")
        if os.geteuid() != 0:
            raise SandboxError("starting the Docker engine needs root",
                               "run `jenkinsctl sandbox up` as root, or start dockerd yourself")
        if self.process.pid() is None:
            self.process.start([dockerd, *DOCKERD_ARGS])
        self.process.wait_until(self.answers, timeout, "the engine answered on /var/run/docker.sock")
        return True

    def stop(self) -> bool:
        return self.process.stop(timeout=30)  # dockerd takes a while to stop its containers


class RegistryServer(_Component):
    """Debian `docker-registry` (distribution 2.8) with htpasswd auth and filesystem storage."""

    name, pidname, marker = "registry", "registry", "docker-registry"

    @property
    def address(self) -> str:
        return self.settings.registry_endpoint

    @property
    def config_file(self) -> Path:
        return self.settings.root / "registry.yml"

    def answers(self) -> bool:
        return _http_ok(f"http://{self.address}/v2/", ok=(200, 401))


    def write_config(self) -> None:
        root = self.settings.root
        (root / "registry-data").mkdir(parents=True, exist_ok=True)
        htpasswd = shutil.which("htpasswd")
        if htpasswd is None:
            raise SandboxError("htpasswd is not installed", "run scripts/setup (Debian package apache2-utils)")
        line = subprocess.run([htpasswd, "-Bbn", self.settings.registry_user, self.settings.registry_password],
                              capture_output=True, text=True, check=True).stdout.strip()
        (root / "htpasswd").write_text(line + "\n")
        self.config_file.write_text(
            "version: 0.1\n"
            "log: {level: info, formatter: text}\n"
            "storage:\n"
            f"  filesystem: {{rootdirectory: {root / 'registry-data'}}}\n"
            "  delete: {enabled: true}\n"
            "http:\n"
            f"  addr: {self.address}\n"
            "  secret: jenkinsctl-sandbox\n"
            "auth:\n"
            f"  htpasswd: {{realm: jenkinsctl-sandbox, path: {root / 'htpasswd'}}}\n")

    def start(self, timeout: float = 20.0) -> bool:
        if self.process.pid() is not None and self.answers():
            return False
        if _port_open(self.settings.host, self.settings.registry_port):
            if self.answers():
                return False  # someone else's registry: reused, never stopped by us
            raise SandboxError(f"port {self.address} is taken by something that is not a registry",
                               "set JENKINSCTL_SANDBOX_REGISTRY_PORT to a free port")
        binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
        if not Path(binary).exists():
            raise SandboxError("docker-registry is not installed", "run scripts/setup (Debian package docker-registry)")
        self.write_config()
        self.process.start([binary, "serve", str(self.config_file)])
        self.process.wait_until(self.answers, timeout, f"the registry answered on {self.address}")
        return True


class MotoServer(_Component):
    """moto server: the AWS API (ECR, ECS, IAM...) for the sandbox."""

    name, pidname, marker = "moto", "moto", "moto.server"

    def __init__(self, settings: SandboxSettings, environ: Mapping[str, str] | None = None):
        super().__init__(settings)
        self.environ = dict(environ or {})

    @property
    def address(self) -> str:
        return self.settings.moto_url

    def answers(self) -> bool:
        return _http_ok(f"{self.address}/moto-api/data.json")

    def start(self, timeout: float = 30.0) -> bool:
        if self.answers():
            return False
        if _port_open(self.settings.host, self.settings.moto_port):
            raise SandboxError(f"port {self.settings.host}:{self.settings.moto_port} is taken by something "
                               "that is not moto", "set JENKINSCTL_SANDBOX_MOTO_PORT to a free port")
        try:
            import moto.server  # noqa: F401
        except ImportError as exc:
            raise SandboxError("moto server is not installed",
                               "pip install 'moto[server]' (scripts/setup does)") from exc
        self.process.start([sys.executable, "-m", "moto.server", "-H", self.settings.host,
                            "-p", str(self.settings.moto_port)],
                           # AWS managed policies exist (the agent fleet's roles attach them); ECS
                           # services report running tasks (moto runs no containers), so deploys
                           # on the sandbox can become healthy
                           env={"MOTO_ECS_SERVICE_RUNNING": "4", **self.environ,
                                "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
        self.process.wait_until(self.answers, timeout, f"moto answered on {self.address}")
        return True


class FleetController:
    """`jenkinsctl agents controller` as a sandbox process: in AWS it is an ECS service on Fargate,
    and moto runs no ECS tasks, so here it runs locally against moto and a Jenkins (the fake, or
    `JENKINS_URL`), started and stopped by its PID file like the servers above."""

    name, pidname, marker = "controller", "controller", "agents controller"

    def __init__(self, settings: SandboxSettings, environ: Mapping[str, str] | None = None):
        self.settings = settings
        self.environ = dict(environ or {})
        self.process = ManagedProcess(self.pidname, settings.root, self.marker)

    def ready(self, start: int) -> bool:
        try:
            return "controller: watching" in self.process.logfile.read_text(errors="replace")[start:]
        except OSError:
            return False

    def start(self, config: Path, period: float = 2.0, timeout: float = 60.0) -> int | None:
        """Start the controller for the fleet of `config`; None when one already runs."""
        if self.process.pid() is not None:
            return None
        if not self.environ.get("JENKINS_URL"):
            raise SandboxError("the controller needs a Jenkins: JENKINS_URL is not set",
                               "start the Jenkins fake (python -m jenkinsctl.devkit.jenkins_fake) or point "
                               "JENKINS_URL (and JENKINS_USER, JENKINS_API_TOKEN) at a Jenkins")
        start = len(self.process.logfile.read_text(errors="replace")) if self.process.logfile.exists() else 0
        env = {**self.environ,
               "JENKINSCTL_AWS_ENDPOINT_URL": self.environ.get("JENKINSCTL_AWS_ENDPOINT_URL") or self.settings.moto_url,
               "AWS_ACCESS_KEY_ID": self.environ.get("AWS_ACCESS_KEY_ID", "testing"),
               "AWS_SECRET_ACCESS_KEY": self.environ.get("AWS_SECRET_ACCESS_KEY", "testing")}
        pid = self.process.start([sys.executable, "-m", "jenkinsctl", "--config", str(config), "agents", "controller",
                                  "--period", f"{period:g}"], env=env)
        self.process.wait_until(lambda: self.ready(start), timeout, "the controller watched its event queue")
        return pid

    def stop(self) -> bool:
        """SIGTERM (the controller finishes its pass and says so), by PID."""
        return self.process.stop(timeout=30.0)
