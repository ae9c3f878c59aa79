"""The step commands' arguments, checked where click parses them and before anything reaches a
registry, AWS or Jenkins: versions, images by digest, environment names and the direction of a
promotion. Every refusal names the argument (`--version: '1.2' is not a version`) and exits 2."""

from __future__ import annotations

import re

import click

from jenkinsctl.errors import UsageError

VERSION_HINT = ("a version `jenkinsctl step version` computed: MAJOR.MINOR.PATCH with an optional pre-release, "
                "e.g. 1.2.3 or 1.5.0-feature-login.3 (no leading 'v', no '+build'; never latest: tags are immutable "
                "versions, a moving tag would deploy whatever it points at today)")
DIGEST_IMAGE = re.compile(r"^(?P<repo>[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+)"
                          r"(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?P<digest>@sha256:[0-9a-f]{64})$")
IMAGE_HINT = ("name the image by digest: <registry>/<repository>@sha256:<64 hex digits> (what `jenkinsctl step "
              "push` wrote as IMAGE_URI), or <registry>/<repository>:<version>@sha256:<digest> to record its "
              "version too; a tag can move, a digest cannot")


def version_problem(value: str) -> str | None:
    """Why `value` is not a version an image can be looked up by (None when it is)."""
    from jenkinsctl.versioning import Version

    if value != value.strip() or "+" in value or Version.parse(value) is None:
        return f"'{value}' is not a version"
    return None


class VersionType(click.ParamType):
    """A release or pre-release version, the way `step version` writes it (the image's tag)."""

    name = "version"

    def convert(self, value, param, ctx):
        problem = version_problem(str(value))
        if problem:
            raise UsageError(f"{_flag(param)}: {problem}", VERSION_HINT)
        return str(value)


class DigestImageType(click.ParamType):
    """An image URI pinned by digest: `<registry>/<repository>@sha256:<64 hex>`."""

    name = "image"

    def convert(self, value, param, ctx):
        text = str(value)
        m = DIGEST_IMAGE.match(text)
        if not m:
            why = ("its digest is not sha256 and 64 hex digits" if "@" in text else "it is not pinned by digest")
            raise UsageError(f"{_flag(param)}: '{text}' is not an image by digest: {why}", IMAGE_HINT)
        if m["tag"] is not None and version_problem(m["tag"]):
            raise UsageError(f"{_flag(param)}: its tag '{m['tag']}' is not a version", VERSION_HINT)
        return text


def split_image(reference: str) -> tuple[str, str | None]:
    """`<repo>:<version>@sha256:<d>` -> (`<repo>@sha256:<d>`, version); without a tag the version is None.
    ECS and the deploy records get the image by digest alone; the tag only says which version it is."""
    m = DIGEST_IMAGE.match(reference)
    if m is None:
        raise UsageError(f"--image: '{reference}' is not an image by digest", IMAGE_HINT)
    return m["repo"] + m["digest"], m["tag"]


class EnvironmentType(click.ParamType):
    """The name of an environment of jenkinsctl.yaml (loaded on first use, no network)."""

    name = "env"

    def convert(self, value, param, ctx):
        names = environment_names(ctx)
        text = str(value)
        if text not in names:
            import difflib

            close = difflib.get_close_matches(text, names, n=1)
            raise UsageError(f"{_flag(param)}: '{text}' is not an environment of jenkinsctl.yaml",
                             (f"did you mean '{close[0]}'? " if close else "")
                             + "environments, in promotion order: " + ", ".join(names))
        return text


VERSION = VersionType()
DIGEST_IMAGE_TYPE = DigestImageType()
ENVIRONMENT = EnvironmentType()


def environment_names(ctx: click.Context | None) -> list[str]:
    from jenkinsctl.cli.context import AppContext

    app = ctx.find_object(AppContext) if ctx is not None else None
    if app is None:  # not under the jenkinsctl group (a test calling the command alone)
        app = AppContext()
    # the step's own workspace (the step cache when warm): a step's arguments cost no model import
    return list(app.factory.step_workspace().config.environment_names)


def check_exclusive(given: dict[str, object], hint: str) -> None:
    """At most one of these options: `check_exclusive({"--image": image, "--version": version}, hint)`."""
    named = [name for name, value in given.items() if value is not None]
    if len(named) > 1:
        raise UsageError(f"{named[0]}: cannot be combined with {', '.join(named[1:])}", hint)


def check_promotion(order: list[str], source: str | None, target: str) -> None:
    """A promotion goes forward in the promotion order: from an earlier environment to a later one."""
    if source is None:
        return
    shown = ", ".join(order)
    if source == target:
        raise UsageError(f"--from: {source} is the target itself (--to {target}); nothing to promote",
                         f"promote from an earlier environment; the promotion order is {shown}")
    if order.index(source) > order.index(target):
        raise UsageError(f"--from: {source} comes after {target} in the promotion order; a promotion goes "
                         "forward only", f"the promotion order is {shown}; to return {target} to an earlier "
                         f"image use `jenkinsctl step rollback --env {target}`")


def _flag(param: click.Parameter | None) -> str:
    if param is None:
        return "value"
    opts = getattr(param, "opts", None) or [param.name or "value"]
    return max(opts, key=len)


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange, refusing `nan` and `inf` too (every comparison with nan is false, so a
    plain range lets it through into rates, timeouts and intervals)."""

    def convert(self, value, param, ctx):
        import math

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            bounds = f"between {self.min} and {self.max}" if self.max is not None else f"at least {self.min}"
            raise UsageError(f"{_flag(param)}: '{value}' is not a number", f"a finite number {bounds}")
        return number
