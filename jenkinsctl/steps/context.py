"""What a step gets (`StepContext`) and what it returns (`StepResult`)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from jenkinsctl.errors import UsageError
from jenkinsctl.steps import results

if TYPE_CHECKING:  # types only: a step imports what it uses, when it uses it
    from jenkinsctl.aws.session import AwsClients
    from jenkinsctl.config.model import Config
    from jenkinsctl.descriptor.resolved import ResolvedService
    from jenkinsctl.factory import Factory
    from jenkinsctl.stepcache import StepService, StepWorkspace


def _stderr(line: str) -> None:
    from jenkinsctl.secrets import mask

    sys.stderr.write(mask(line) + "\n")
    sys.stderr.flush()


@dataclass
class StepContext:
    workspace: StepWorkspace
    service: StepService
    workdir: Path
    factory: Factory  # every client, built once
    dry_run: bool = False
    report: Callable[[str], None] = _stderr

    @property
    def environ(self) -> Mapping[str, str]:
        """The Jenkins environment the step runs in (GIT_COMMIT, BRANCH_NAME...), as the factory got it."""
        return self.factory.environ

    def aws(self) -> AwsClients:
        """The AWS clients of the identity jenkinsctl runs as (one per process, so every
        environment's assumed role is cached for the whole run); `aws().for_environment(env)`
        acts in one environment."""
        return self.factory.aws(self.config)

    @property
    def resolved(self) -> ResolvedService:
        return self.service.resolved

    @property
    def config(self) -> Config:
        return self.workspace.config

    @property
    def results_dir(self) -> Path:
        return self.workdir / results.RESULTS_DIR

    def read(self, step: str) -> dict[str, str]:
        """Results an earlier step wrote (e.g. push reads build's IMAGE_ID)."""
        return results.read(self.results_dir, step)

    def write(self, result: "StepResult") -> None:
        results.write(self.results_dir, result.step, result.values)


@dataclass
class StepResult:
    step: str
    values: dict[str, str]
    summary: str = ""


def make_context(app, service_name: str | None, workdir: str | None) -> StepContext:
    """Pick the service (--service, $JENKINSCTL_SERVICE, or the only one) and the source checkout."""
    ws = app.factory.step_workspace()
    if service_name:
        svc = ws.service(service_name)
    elif len(ws.services) == 1:
        svc = next(iter(ws.services.values()))
    else:
        raise UsageError("which service? pass --service NAME (or set JENKINSCTL_SERVICE)",
                         "services here: " + ", ".join(sorted(ws.services)))
    return StepContext(ws, svc, Path(workdir or os.getcwd()).resolve(), app.factory, app.dry_run)
