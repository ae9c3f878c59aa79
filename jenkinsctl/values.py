"""Value types shared by the config (`jenkinsctl.yaml`), the fleet spec and the service
descriptors: task sizes, versions, strategies, environment variables. The lowest room of the
models: it imports only `modelbase`, so config, agents and descriptor all import it downward."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator

from jenkinsctl.modelbase import invalid

# a new strategy: here and descriptor.model
Strategy = Literal["rolling", "blue-green", "canary", "linear", "dns-blue-green"]
STRATEGIES = ("rolling", "blue-green", "canary", "linear", "dns-blue-green")
TASK_CPU = (256, 512, 1024, 2048, 4096, 8192, 16384)
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _cpu(value: int) -> int:
    if value not in TASK_CPU:
        raise invalid(f"{value} is not an ECS task cpu size", "one of " + ", ".join(map(str, TASK_CPU))
                      + " (1024 = one vCPU)")
    return value


def _memory(value: int) -> int:
    if not 128 <= value <= 122880:
        raise invalid(f"{value} MiB is out of range", "memory is in MiB, between 128 and 122880")
    return value


def _env_values(value: object) -> object:
    """YAML turns `WORKERS: 4` into an int; environment values are strings, so accept scalars."""
    if isinstance(value, dict):
        return {k: (str(v).lower() if isinstance(v, bool) else str(v))
                if isinstance(v, (int, float, bool)) else v for k, v in value.items()}
    return value


def _semver(value: str) -> str:
    if not SEMVER.match(value):
        raise invalid(f"'{value}' is not a semantic version", "write MAJOR.MINOR.PATCH, e.g. 0.1.0")
    return value


def _env_key(value: str) -> str:
    if not ENV_NAME.match(value):
        raise invalid(f"'{value}' is not a valid environment variable name",
                      "letters, digits and underscores, not starting with a digit")
    return value


_REF_BAD = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|/\.|\.lock(/|$)")


def _git_branch(value: str) -> str:
    """git check-ref-format --branch: what `git checkout` and Jenkins' SCM would accept."""
    if (not value or value == "@" or _REF_BAD.search(value) or value.startswith(("-", "/", "."))
            or value.endswith(("/", "."))):
        raise invalid(f"'{value}' is not a valid git branch name",
                      "git refuses spaces, '..', '~^:?*[\\', '@{', a leading '-' or '.', a trailing '/', '.' "
                      "or '.lock' (git check-ref-format)")
    return value


GitBranch = Annotated[str, AfterValidator(_git_branch)]
EnvKey = Annotated[str, AfterValidator(_env_key)]
Cpu = Annotated[int, AfterValidator(_cpu)]
Memory = Annotated[int, AfterValidator(_memory)]
EnvVars = Annotated[dict[EnvKey, str], BeforeValidator(_env_values)]
SemVer = Annotated[str, AfterValidator(_semver)]
