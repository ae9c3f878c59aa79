"""The one wrapper over the docker SDK: build (streamed log, `rm=True`), tag, login, push (every
`{"error": ...}` item of the stream is read: the SDK raises nothing for them), run.

Errors become `DockerError` (engine unreachable, login refused, push failed) or `BuildError`
(the failing step and the tail of its log)."""

from __future__ import annotations

import io
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from jenkinsctl.errors import BuildError, DockerError
from jenkinsctl.secrets import mask

API_VERSION = "1.41"  # the Debian engine (20.10); newer engines accept it too
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]{12,64})$")


@dataclass
class BuildResult:
    image_id: str
    log: list[str]
    steps: int
    cached_steps: int


@dataclass
class PushResult:
    digest: str
    size: int
    layers_pushed: int
    layers_existing: int
    bytes_uploaded: int
    log: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    exit_code: int
    log: str


def _noop(_line: str) -> None:
    pass


class DockerEngine:
    def __init__(self, base_url: str | None = None, timeout: int = 600):
        """`base_url`: the engine's address (the factory passes $DOCKER_HOST); default the local socket."""
        import docker

        self.base_url = base_url or "unix:///var/run/docker.sock"
        try:
            self.client = docker.DockerClient(base_url=self.base_url, version=API_VERSION, timeout=timeout)
        except docker.errors.DockerException as exc:
            raise DockerError(f"cannot use the Docker engine at {self.base_url}: {exc}",
                              "is it running? `jenkinsctl sandbox up` starts one") from exc
        self.api = self.client.api
        self._secrets: list[str] = []

    def close(self) -> None:
        self.client.close()

    def _call(self, what: str, fn, *args, **kwargs):
        import docker
        import requests

        try:
            return fn(*args, **kwargs)
        except docker.errors.ImageNotFound as exc:
            raise DockerError(f"docker {what}: image not found ({exc.explanation})") from exc
        except docker.errors.APIError as exc:
            # not chained: the engine's answer may carry the secrets this message masks (login passwords,
            # build args), and a chained cause is printed unmasked in the -vv traceback
            raise DockerError(f"docker {what} failed: {mask(str(exc.explanation or exc), self._secrets)}") from None
        except (requests.ConnectionError, docker.errors.DockerException) as exc:
            raise DockerError(f"docker {what}: no Docker engine answers at {self.base_url} ({type(exc).__name__})",
                              "start one: `jenkinsctl sandbox up` (or set DOCKER_HOST)") from exc

    def ping(self) -> None:
        self._call("ping", self.client.ping)

    # ---- build ------------------------------------------------------------------------------
    def build(self, context: Path, dockerfile: str, tag: str, buildargs: Mapping[str, str] | None = None,
              target: str | None = None, labels: Mapping[str, str] | None = None,
              cache_from: Iterable[str] = (), on_line: Callable[[str], None] = _noop,
              pull: bool = False, no_cache: bool = False) -> BuildResult:
        """Build with the engine's builder; `on_line` gets every log line as it arrives."""
        stream = self._call("build", self.api.build, path=str(context), dockerfile=dockerfile, tag=tag,
                            buildargs=dict(buildargs or {}), target=target, labels=dict(labels or {}),
                            cache_from=list(cache_from) or None, rm=True, forcerm=True, decode=True, pull=pull,
                            nocache=no_cache)
        log: list[str] = []
        step, steps, cached, image_id = "", 0, 0, ""
        try:
            for item in stream:
                if "error" in item or "errorDetail" in item:
                    message = item.get("error") or item["errorDetail"].get("message", "unknown error")
                    log.append(message.rstrip())
                    where = f" at {step}" if step else ""
                    raise BuildError(f"docker build of {tag} failed{where}: {message.strip()}", log[-30:],
                                     "the tail of the build log is above; fix the Dockerfile step or the source")
                if "aux" in item and isinstance(item["aux"], dict) and item["aux"].get("ID"):
                    image_id = item["aux"]["ID"]
                text = item.get("stream") or ""
                if item.get("status"):  # pulling a base image
                    text = f"{item['status']} {item.get('progress', '')}".rstrip() + "\n"
                for line in text.splitlines():
                    line = line.rstrip()
                    if not line:
                        continue
                    m = _STEP.match(line)
                    if m:
                        step, steps = f"step {m.group(1)}/{m.group(2)} ({m.group(3)})", int(m.group(2))
                    if line.strip() == "---> Using cache":
                        cached += 1
                    built = _BUILT.match(line)
                    if built and not image_id:
                        image_id = built.group(1)
                    log.append(line)
                    on_line(line)
        except BuildError:
            raise
        except Exception as exc:
            import docker

            if isinstance(exc, docker.errors.APIError):  # the engine refused the build outright
                message = mask(str(exc.explanation or exc), self._secrets)
                # not chained: the engine's answer may carry the build args this message masks
                raise BuildError(f"docker build of {tag} failed{' at ' + step if step else ''}: {message}", log[-30:],
                                 "fix the Dockerfile or the build settings (target, args) in the descriptor") from None
            # the stream broke mid-build (engine died, connection reset)
            raise BuildError(f"docker build of {tag} was cut off{' at ' + step if step else ''}: {exc}", log[-30:],
                             "check the engine (`jenkinsctl sandbox status`) and build again") from exc
        if not image_id:
            image_id = self.inspect(tag)["Id"]
        if not image_id.startswith("sha256:"):
            image_id = self.inspect(image_id)["Id"]
        return BuildResult(image_id, log, steps, cached)

    # ---- images -----------------------------------------------------------------------------
    def inspect(self, ref: str) -> dict:
        return self._call(f"inspect {ref}", self.api.inspect_image, ref)

    def exists(self, ref: str) -> bool:
        try:
            self.inspect(ref)
            return True
        except DockerError:
            return False

    def has_images(self, repository: str) -> bool:
        """Whether the engine holds any image of `repository` (any tag)."""
        return bool(self._call(f"images {repository}", self.api.images, name=repository, quiet=True))

    def history(self, ref: str) -> list[dict]:
        return self._call(f"history {ref}", self.api.history, ref)

    def tag(self, image: str, repository: str, tag: str) -> None:
        if not self._call(f"tag {image}", self.api.tag, image, repository, tag, force=True):
            raise DockerError(f"docker tag {image} {repository}:{tag} failed")

    def remove_image(self, ref: str) -> None:
        try:
            self._call(f"rmi {ref}", self.api.remove_image, ref, force=True, noprune=False)
        except DockerError:
            pass

    def pull(self, repository: str, tag: str, auth: Mapping[str, str] | None = None) -> bool:
        """Pull if possible (used for build cache); False when the image is not there."""
        try:
            for item in self._call(f"pull {repository}:{tag}", self.api.pull, repository, tag=tag, stream=True,
                                   decode=True, auth_config=dict(auth) if auth else None):
                if "error" in item:
                    return False
        except DockerError:
            return False
        return True

    # ---- registry ---------------------------------------------------------------------------
    def login(self, registry: str, username: str, password: str) -> None:
        """Log the engine in (its answer is checked: wrong credentials fail here, not at push)."""
        import docker

        self._secrets.append(password)
        try:
            self.client.login(username=username, password=password, registry=registry, reauth=True)
        except docker.errors.APIError as exc:
            raise DockerError(f"docker login to {registry} as '{username}' was refused: "
                              f"{mask(str(exc.explanation or exc), [password])}",
                              "check the credentials; for ECR the token comes from get_authorization_token "
                              "and expires after 12 hours") from None  # not chained: the cause holds the password
        except Exception as exc:
            # not chained, and only the type named: login's arguments include the password, and an
            # arbitrary exception's text (printed unmasked in the -vv traceback) may carry them
            raise DockerError(f"docker login to {registry}: {type(exc).__name__}",
                              "is the engine running? `jenkinsctl sandbox status`") from None

    def push(self, repository: str, tag: str, auth: Mapping[str, str] | None = None,
             on_line: Callable[[str], None] = _noop) -> PushResult:
        """Push and read the whole stream: every `{"error": ...}` item fails the push."""
        stream = self._call(f"push {repository}:{tag}", self.api.push, repository, tag=tag, stream=True,
                            decode=True, auth_config=dict(auth) if auth else None)
        errors: list[str] = []
        log: list[str] = []
        digest, size, pushed, existing = "", 0, 0, 0
        uploaded: dict[str, int] = {}
        try:
            for item in stream:
                if "error" in item or "errorDetail" in item:
                    errors.append((item.get("error") or item["errorDetail"].get("message", "")).strip())
                    continue
                status = item.get("status", "")
                layer = item.get("id", "")
                if status == "Pushing" and layer:
                    uploaded[layer] = max(uploaded.get(layer, 0), int((item.get("progressDetail") or {}).get("current", 0)))
                    continue
                if status == "Pushed":
                    pushed += 1
                elif status == "Layer already exists" or status.startswith("Mounted from"):
                    existing += 1
                aux = item.get("aux")
                if isinstance(aux, dict) and aux.get("Digest"):
                    digest, size = aux["Digest"], int(aux.get("Size", 0))
                line = f"{layer}: {status}" if layer else status
                if line:
                    log.append(line)
                    on_line(line)
        except Exception as exc:
            errors.append(f"the push stream broke: {exc}")
        if errors:
            text = "; ".join(mask(e, self._secrets) for e in errors)
            hint = ("the registry refused the credentials: log in again (ECR tokens expire after 12 hours)"
                    if re.search(r"unauthori[sz]ed|authentication required|no basic auth|denied", text, re.I)
                    else "check the registry (`jenkinsctl sandbox status` for the sandbox) and push again")
            raise DockerError(f"docker push {repository}:{tag} failed: {text}", hint)
        if not digest:
            raise DockerError(f"docker push {repository}:{tag} ended without reporting a digest",
                              "the engine's push stream was incomplete; push again")
        return PushResult(digest, size, pushed, existing, sum(uploaded.values()), log)

    # ---- run --------------------------------------------------------------------------------
    def run(self, image: str, command: list[str] | str, network: bool = False, environment: Mapping[str, str] | None = None,
            workdir: str | None = None, on_line: Callable[[str], None] = _noop,
            collect: str | None = None, collect_into: Path | None = None) -> RunResult:
        """Run a command in a fresh container (network none unless asked), stream its output,
        optionally copy `collect` (a path in the container) to `collect_into`, remove it."""
        container = self._call("create", self.api.create_container, image, command=command,
                               environment=dict(environment or {}), working_dir=workdir,
                               host_config=self.api.create_host_config(network_mode="host" if network else "none"))
        cid = container["Id"]
        try:
            self._call("start", self.api.start, cid)
            lines: list[str] = []
            for chunk in self._call("logs", self.api.logs, cid, stream=True, follow=True):
                for line in chunk.decode(errors="replace").splitlines():
                    lines.append(line)
                    on_line(line)
            code = int(self._call("wait", self.api.wait, cid).get("StatusCode", 1))
            if collect and collect_into is not None:
                self._copy_out(cid, collect, collect_into)
            return RunResult(code, "\n".join(lines))
        finally:
            try:
                self.api.remove_container(cid, force=True)
            except Exception:
                pass

    def _copy_out(self, cid: str, path: str, dest: Path) -> bool:
        import docker

        try:
            stream, _ = self.api.get_archive(cid, path)
        except docker.errors.NotFound:
            return False
        data = io.BytesIO(b"".join(stream))
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=data) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    target = dest / Path(member.name).name
                    target.write_bytes(tar.extractfile(member).read())
        return True
