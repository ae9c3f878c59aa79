"""The Dockerfile rules, checked before anything is built."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from jenkinsctl.errors import PolicyError
from jenkinsctl.imageref import parse_image_ref
from jenkinsctl.policy.dockerfile import Instruction, parse_arg, parse_dockerfile, parse_env, substitute
from jenkinsctl.secrets import looks_like_secret_name, looks_like_secret_value


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    rule: str
    message: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} [{self.rule}]"


def check_dockerfile(dockerfile: Path, context: Path, trusted: Iterable[str],
                     build_args: Mapping[str, str] | None = None, display: str | None = None,
                     args_origin: str = "build.args") -> list[Violation]:
    """Every policy violation of a Dockerfile and its build context (nothing is built)."""
    name = display or dockerfile.name
    build_args = dict(build_args or {})
    if not dockerfile.is_file():
        return [Violation(name, 0, "dockerfile", f"no Dockerfile at {dockerfile}")]
    instructions = parse_dockerfile(dockerfile.read_text(errors="replace"))
    found: list[Violation] = []
    found += _check_from(name, instructions, list(trusted), build_args)
    found += _check_args(name, instructions, build_args, args_origin)
    found += _check_env(name, instructions)
    if not (context / ".dockerignore").is_file():
        found.append(Violation(name, 0, "dockerignore", f"no .dockerignore in the build context {context}: "
                               "everything (.git, .env, credentials) is sent to the engine and may be "
                               "COPYed into the image; add one"))
    return found


@dataclass(frozen=True)
class ImageUse:
    """An image a Dockerfile pulls: `FROM x` or `COPY --from=x`, with ARGs substituted."""

    line: int
    what: str  # "FROM" or "COPY --from"
    written: str  # as in the Dockerfile
    image: str  # after substitution
    unresolved: list[str]
    stages: frozenset[str]  # stage names defined before this line

    @property
    def external(self) -> bool:
        return self.image.lower() not in self.stages and self.image != "scratch"


def image_uses(instructions: list[Instruction], build_args: Mapping[str, str]) -> list[ImageUse]:
    variables: dict[str, str | None] = {}
    for ins in instructions:  # ARGs before the first FROM may parameterise FROM
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG":
            key, default = parse_arg(ins.args)
            variables[key] = build_args.get(key, default)
    uses: list[ImageUse] = []
    stages: set[str] = set()
    for ins in instructions:
        _, words = ins.flags()
        source = words[0] if ins.keyword == "FROM" and words else ins.flags()[0].get("from")
        if ins.keyword == "FROM" or (ins.keyword == "COPY" and source and not source.isdigit()):
            what = "FROM" if ins.keyword == "FROM" else "COPY --from"
            image, unresolved = substitute(source, variables) if source else ("", [])
            uses.append(ImageUse(ins.line, what, source or "", image, unresolved, frozenset(stages)))
        if ins.keyword == "FROM" and len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())  # later FROM/COPY --from may name this stage
    return uses


def base_images(dockerfile_text: str, build_args: Mapping[str, str]) -> list[str]:
    """The external images a build pulls (stages, scratch and unresolved ones left out)."""
    return [u.image for u in image_uses(parse_dockerfile(dockerfile_text), build_args)
            if u.external and not u.unresolved]


def _check_from(name: str, instructions: list[Instruction], trusted: list[str],
                build_args: dict[str, str]) -> list[Violation]:
    out: list[Violation] = []
    for use in image_uses(instructions, build_args):
        if not use.written:
            out.append(Violation(name, use.line, "from", "FROM names no image"))
        elif use.external:
            out += _judge_image(name, use, trusted)
    return out


def _judge_image(name: str, use: ImageUse, trusted: list[str]) -> list[Violation]:
    line, what, written, image, unresolved = use.line, use.what, use.written, use.image, use.unresolved
    if unresolved:
        return [Violation(name, line, "from-pinned", f"{what} {written}: ${'{'}{unresolved[0]}{'}'} has no default "
                          "and no build arg, so the base image cannot be verified; give the ARG a pinned default")]
    try:
        ref = parse_image_ref(image)
    except ValueError as exc:
        return [Violation(name, line, "from", f"{what} {written}: {exc}")]
    out = []
    if ref.registry not in trusted:
        where = f"registry '{ref.registry}'" if ref.registry else "Docker Hub (no registry named)"
        shown = written if written == image else f"{written} (= {image})"
        out.append(Violation(name, line, "from-trusted", f"{what} {shown}: {where} is not trusted; base images "
                             f"must come from: {', '.join(trusted) or '(none configured in trustedRegistries)'}"))
    if ref.tag == "latest" and not ref.digest:
        out.append(Violation(name, line, "from-pinned", f"{what} {written}: the tag 'latest' moves; pin a "
                             "version tag or a digest so the build is reproducible"))
    elif not ref.pinned:
        out.append(Violation(name, line, "from-pinned", f"{what} {written}: no tag or digest means 'latest'; "
                             "pin a version tag or a digest"))
    return out


_WHY_ARG = "build args are recorded in the image history; use a BuildKit secret mount or inject at runtime"


def _check_args(name: str, instructions: list[Instruction], build_args: dict[str, str],
                args_origin: str) -> list[Violation]:
    out = []
    for ins in instructions:
        if ins.keyword != "ARG":
            continue
        key, default = parse_arg(ins.args)
        if looks_like_secret_name(key):
            out.append(Violation(name, ins.line, "secret-arg", f"ARG {key}: the name looks like a secret; {_WHY_ARG}"))
        elif default and looks_like_secret_value(default):
            out.append(Violation(name, ins.line, "secret-arg", f"ARG {key}: the default looks like a secret; {_WHY_ARG}"))
    for key, value in build_args.items():
        if looks_like_secret_name(key):
            out.append(Violation(args_origin, 0, "secret-arg", f"build arg {key}: the name looks like a secret; {_WHY_ARG}"))
        elif looks_like_secret_value(str(value)):
            out.append(Violation(args_origin, 0, "secret-arg", f"build arg {key}: the value looks like a secret; {_WHY_ARG}"))
    return out


def _check_env(name: str, instructions: list[Instruction]) -> list[Violation]:
    out = []
    for ins in instructions:
        if ins.keyword not in ("ENV", "LABEL"):
            continue
        for key, value in parse_env(ins.args):
            if "$" in value:
                continue  # set from an ARG: reported on the ARG
            if (looks_like_secret_name(key) and value) or looks_like_secret_value(value):
                out.append(Violation(name, ins.line, "secret-env", f"{ins.keyword} {key}: looks like a secret baked "
                                     "into the image; reference it from SSM/Secrets Manager in deploy.secrets"))
    return out


def enforce(violations: list[Violation], mode: str, report: Callable[[str], None], what: str) -> None:
    """`error`: raise PolicyError with every violation; `warn`: report them and go on."""
    if not violations:
        return
    lines = [v.render() for v in violations]
    if mode == "warn":
        for line in lines:
            report(f"warning: {line}")
        return
    n = len(violations)
    raise PolicyError(f"{what}: {n} policy violation{'s' if n != 1 else ''}; nothing was built or pushed",
                      "fix them, or run with --policy warn to downgrade them to warnings (not for production)",
                      violations=lines)
