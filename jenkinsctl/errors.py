"""One exception root, typed leaves per boundary, and the exit codes they map to.

Exit codes (documented in the README and `jenkinsctl --help`):

    0  success
    1  the operation ran and failed (build failed, tests failed, deploy rolled back...)
    2  usage error or invalid input (bad options, invalid descriptor or config)
    3  refused by policy (Dockerfile/image policy, immutable tag, approval gate)
    4  an external system failed or is unreachable (Jenkins, AWS, registry, Docker, git)
    130 interrupted
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2
EXIT_POLICY = 3
EXIT_EXTERNAL = 4
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, and where: `file:line:col: path: message`."""

    file: str
    line: int
    col: int
    path: str
    message: str
    hint: str | None = None

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        head = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return head + (f"\n  hint: {self.hint}" if self.hint else "")


class JenkinsctlError(Exception):
    """Root of every error jenkinsctl reports to a user."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        return f"error: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


class UsageError(JenkinsctlError):
    exit_code = EXIT_INVALID


class InvalidInputError(JenkinsctlError):
    """Input failed validation; carries every problem found in one run. The hint says what to fix
    for this kind of input (`what`): pass `hint` where the default does not fit."""

    exit_code = EXIT_INVALID
    default_hint = "fix the {what} above and try again"

    def __init__(self, problems: list[Problem], what: str = "input", hint: str | None = None):
        n = len(problems)
        files = len({p.file for p in problems})
        super().__init__(
            f"{n} problem{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}; "
            f"nothing was changed",
            hint=hint or self.default_hint.format(what=what),
        )
        self.problems = problems
        self.what = what

    def render(self) -> str:
        lines = [p.render() for p in self.problems]
        return "\n".join(lines) + "\n" + super().render()


class DescriptorError(InvalidInputError):
    default_hint = "fix the {what} above and run `jenkinsctl service validate` again"


class ConfigError(InvalidInputError):
    default_hint = "fix the {what} above and run `jenkinsctl service validate` again"  # it loads jenkinsctl.yaml


class PolicyError(JenkinsctlError):
    exit_code = EXIT_POLICY

    def __init__(self, message: str, hint: str | None = None, violations: list[str] | None = None):
        super().__init__(message, hint)
        self.violations = violations or []

    def render(self) -> str:
        lines = list(self.violations) + [super().render()]
        return "\n".join(lines)


class ExternalError(JenkinsctlError):
    """An external system failed; leaves name which one."""

    exit_code = EXIT_EXTERNAL


class JenkinsError(ExternalError):
    pass


class AwsError(ExternalError):
    pass


class RegistryError(ExternalError):
    pass


class DockerError(ExternalError):
    pass


class GitError(ExternalError):
    pass


class SandboxError(ExternalError):
    pass


class StepFailed(JenkinsctlError):
    """The step ran and its work failed (build failed, tests failed)."""

    exit_code = EXIT_FAILURE


class BuildError(StepFailed):
    def __init__(self, message: str, build_log: list[str] | None = None, hint: str | None = None):
        super().__init__(message, hint)
        self.build_log = build_log or []


class DeployError(StepFailed):
    """A deploy that did not end healthy: `outcome` is rolled-back, timed-out, aborted or failed."""

    def __init__(self, message: str, outcome: str = "failed", hint: str | None = None):
        super().__init__(message, hint)
        self.outcome = outcome
