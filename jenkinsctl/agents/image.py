"""The agent image (`images/agent/Dockerfile`): built and pushed through the same path as a
service's image (Dockerfile policy, OCI labels, image check, immutable tags, ECR repository,
digest verified), with jenkinsctl installed from its own wheel.

`agents image push` records what it pushed in `.jenkinsctl/agent-image.json` beside
jenkinsctl.yaml; an agent template saying `image: jenkinsctl-agent` means that image by digest."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from jenkinsctl.config.fleet import AGENT_IMAGE_ALIAS
from jenkinsctl.errors import JenkinsctlError, PolicyError, UsageError

REPOSITORY = "jenkinsctl/agent"
ALIAS = AGENT_IMAGE_ALIAS  # what an agent template writes to mean the pushed agent image
BUILT = "agent-image-build"  # .jenkinsctl/<name>.json and .properties beside jenkinsctl.yaml
PUSHED = "agent-image"
SOURCE = "https://github.com/jenkinsctl/jenkinsctl"


def _noop(_line: str) -> None:
    pass


@dataclass(frozen=True)
class Inputs:
    """What the image is made of: the Dockerfile, jenkinsctl's wheel and its dependencies."""

    wheel: Path
    wheelhouse: Path
    base: str | None  # --base (BASE build arg); None: the Dockerfile's default

    @property
    def version(self) -> str:
        from jenkinsctl.packaging import wheel_version

        return wheel_version(self.wheel)

    def tag(self, dockerfile: bytes) -> str:
        """`<jenkinsctl version>-<12 hex>`: one tag per set of inputs, never reused for others."""
        h = hashlib.sha256(dockerfile)
        h.update(hashlib.sha256(self.wheel.read_bytes()).digest())
        for dep in sorted(self.wheelhouse.glob("*.whl")):
            h.update(dep.name.encode())
        h.update((self.base or "").encode())
        return f"{self.version}-{h.hexdigest()[:12]}"


def assemble_context(dest: Path, inputs: Inputs) -> Path:
    """The build context: the shipped Dockerfile and .dockerignore, and wheels/ (jenkinsctl's
    wheel beside its dependencies')."""
    from jenkinsctl.shipped import shipped

    source = shipped("images", "agent")
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Dockerfile", ".dockerignore"):
        shutil.copy(source / name, dest / name)
    wheels = dest / "wheels"
    wheels.mkdir()
    for wheel in [*inputs.wheelhouse.glob("*.whl"), inputs.wheel]:
        shutil.copy(wheel, wheels / wheel.name)
    return dest


def labels(version: str, created: str, wheel: Path) -> dict[str, str]:
    return {
        "org.opencontainers.image.title": "jenkinsctl-agent",
        "org.opencontainers.image.description": "Jenkins inbound agent with jenkinsctl, python3, git and the docker CLI",
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.revision": "sha256:" + hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "org.opencontainers.image.source": SOURCE,
        "org.opencontainers.image.created": created,
        "io.jenkinsctl.component": "agent",
    }


def wheel_time(wheel: Path) -> str:
    """When the wheel's files were last changed (SOURCE_DATE_EPOCH when it was built from a
    checkout: the commit's time), so rebuilding the same inputs is fully cached."""
    import zipfile

    stamp = max(info.date_time for info in zipfile.ZipFile(wheel).infolist())
    return datetime(*stamp, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(loaded, inputs: Inputs, engine, workdir: Path, policy: str = "error", cache: bool = True,
          report: Callable[[str], None] = _noop, dry_run: bool = False, login=None) -> dict[str, str]:
    """Policy first, then the build, then the built image's check. `login(endpoint)` logs the
    engine in to the registry the base comes from (it pulls the base when it lacks it)."""
    from jenkinsctl.policy import check_dockerfile, check_image, enforce
    from jenkinsctl.policy.rules import base_images
    from jenkinsctl.registry.addressing import own_image_target, trusted_registries

    context = assemble_context(workdir / "context", inputs)
    dockerfile = context / "Dockerfile"
    args = {"JENKINSCTL_VERSION": inputs.version, **({"BASE": inputs.base} if inputs.base else {})}
    shown = "images/agent/Dockerfile"
    text = dockerfile.read_text()
    try:
        enforce(check_dockerfile(dockerfile, context, trusted_registries(loaded.config), args, display=shown,
                                 args_origin="agents image build --base"),
                policy, report, f"the agent image: {shown}")
    except PolicyError as exc:
        if not inputs.base:
            exc.hint = ("mirror the inbound agent into a trusted registry and pass --base "
                        "<mirror>/jenkins/inbound-agent@sha256:... (the sandbox: `jenkinsctl sandbox agent-base`)")
        raise
    target = own_image_target(loaded.config, REPOSITORY)
    tag = inputs.tag(dockerfile.read_bytes())
    image = target.ref(tag)
    bases = list(dict.fromkeys(base_images(text, args)))
    if dry_run:
        report(f"dry run: policy passed; would build {image} FROM {', '.join(bases)} with jenkinsctl {inputs.version}")
        return {"IMAGE": image, "IMAGE_TAG": tag, "VERSION": inputs.version}
    engine.ping()
    if login is not None and any(not engine.exists(b) for b in bases):
        for endpoint in dict.fromkeys(b.split("/", 1)[0] for b in bases if "/" in b):
            login(endpoint)
    report(f"building {image} FROM {', '.join(bases)} (jenkinsctl {inputs.version} from {inputs.wheel.name})")
    started = time.monotonic()
    created = wheel_time(inputs.wheel)
    result = engine.build(context, "Dockerfile", image, buildargs=args, labels=labels(inputs.version, created,
                                                                                        inputs.wheel),
                          on_line=lambda line: report(f"  | {line}"), no_cache=not cache)
    found = check_image(engine.inspect(result.image_id).get("Config") or {}, engine.history(result.image_id),
                        text, shown)
    try:
        enforce(found, policy, report, f"the built agent image {image}")
    except JenkinsctlError:
        engine.remove_image(image)
        raise
    values = {"IMAGE": image, "IMAGE_ID": result.image_id, "IMAGE_TAG": tag, "IMAGE_REPOSITORY": target.name,
              "VERSION": inputs.version, "BASE": bases[0] if bases else "", "WHEEL": inputs.wheel.name,
              "BUILD_SECONDS": f"{time.monotonic() - started:.2f}", "STEPS": str(result.steps),
              "CACHED_STEPS": str(result.cached_steps)}
    _write(loaded, BUILT, values)
    return values


def push(loaded, ecr, engine, registry_for, report: Callable[[str], None] = _noop,
         dry_run: bool = False) -> dict[str, str]:
    """Push what `build` recorded, as its immutable tag; record the digest for `jenkinsctl-agent`."""
    from jenkinsctl.registry.addressing import own_image_target
    from jenkinsctl.steps import results
    from jenkinsctl.steps.push import push_image

    try:
        built = results.read(_results_dir(loaded), BUILT)
    except UsageError:
        raise UsageError(f"no agent image was built here ({_results_dir(loaded) / (BUILT + '.json')} is missing)",
                         "run `jenkinsctl agents image build` first, on this machine") from None
    target = own_image_target(loaded.config, REPOSITORY)
    pushed = push_image(target, built["IMAGE_ID"], [built["IMAGE_TAG"]], ecr, 20, 7, report, dry_run, engine, registry_for,
                        taken_hint="the tag names the image's inputs, and another build of them was pushed: use "
                                   "that one, or change an input (--base, the wheel) and build again")
    if dry_run:
        return pushed
    values = {**pushed, "IMAGE_TAG": built["IMAGE_TAG"], "VERSION": built["VERSION"]}
    _write(loaded, PUSHED, values)
    return values


def _results_dir(loaded) -> Path:
    from jenkinsctl.steps.results import RESULTS_DIR

    return loaded.root / RESULTS_DIR


def _write(loaded, name: str, values: dict[str, str]) -> None:
    from jenkinsctl.steps import results

    results.write(_results_dir(loaded), name, values)


def recorded_uri(root: Path) -> str | None:
    """`<registry>/jenkinsctl/agent@sha256:...` as `agents image push` recorded it under `root`."""
    import json

    from jenkinsctl.steps.results import RESULTS_DIR

    path = root / RESULTS_DIR / f"{PUSHED}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text()).get("IMAGE_URI") or None
