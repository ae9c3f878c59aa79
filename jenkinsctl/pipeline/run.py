"""`pipeline run`: the stages of the standard Jenkinsfile (Version, Build, Test, Push, Deploy to
the first environment) in the same order, through the same step functions, then with
`--through ENV` one promotion per later environment (promote by digest, then deploy), so a
pipeline can be reproduced on a laptop or in the sandbox.

Stages are data (`plan`): printed first, then run one by one; the first failure stops the run
and its error (and exit code) is the pipeline's."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Callable

from jenkinsctl.errors import JenkinsctlError, PolicyError, UsageError
from jenkinsctl.steps.context import StepContext, StepResult

BUILD_STAGES = ("version", "build", "test", "push")


@dataclass(frozen=True)
class Stage:
    name: str           # as the Jenkinsfile names it: Version, Build, Test, Push, Deploy dev, Promote staging
    step: str           # version, build, test, push, deploy, promote
    env: str | None = None
    source: str | None = None

    def render(self) -> str:
        return {"deploy": f"jenkinsctl step deploy --env {self.env}",
                "promote": f"jenkinsctl step promote --from {self.source} --to {self.env} --deploy"}.get(
            self.step, f"jenkinsctl step {self.step}")


@dataclass
class StageRun:
    stage: Stage
    outcome: str        # passed, failed, skipped
    seconds: float = 0.0
    summary: str = ""


@dataclass
class PipelineRun:
    service: str
    stages: list[StageRun] = field(default_factory=list)
    error: JenkinsctlError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def values(self) -> dict[str, str]:
        out = {"SERVICE": self.service, "RESULT": "passed" if self.ok else "failed"}
        for run in self.stages:
            out[f"STAGE_{run.stage.name.upper().replace(' ', '_').replace('-', '_')}"] = run.outcome
        return out


def plan(resolved, through: str | None) -> list[Stage]:
    """The stages to run: every build stage up to `through`, or up to the deploy of the first
    environment, or through the promotion into environment `through`."""
    envs = resolved.environment_order
    stages = [Stage(s.capitalize(), s) for s in BUILD_STAGES]
    stages.append(Stage(f"Deploy {envs[0]}", "deploy", envs[0]))
    for previous, env in pairwise(envs):
        source = resolved.environment(env).promote_from or previous
        stages.append(Stage(f"Promote {env}", "promote", env, source))
    through = through or envs[0]
    names = {s.step if s.step in BUILD_STAGES else s.env: i for i, s in enumerate(stages)}
    if through not in names:
        raise UsageError(f"--through {through}: no such stage of {resolved.name}'s pipeline",
                         "one of: " + ", ".join(names))
    return stages[: names[through] + 1]


def check_approvals(resolved, stages: list[Stage], approved_by: str | None, environ) -> None:
    """Refuse before the first stage, not in the middle, when an approval environment is on the way."""
    from jenkinsctl.deploy.deployer import APPROVAL_VAR

    gated = [s.env for s in stages if s.env and resolved.environment(s.env).approval]
    if gated and not (approved_by or environ.get(APPROVAL_VAR)):
        raise PolicyError(f"the run goes through {', '.join(gated)}, which requires approval",
                          "pass --approved-by USER (what the Jenkins job's input step records), or stop "
                          "earlier with --through")


def run(ctx: StepContext, through: str | None = None, approved_by: str | None = None, interval: float = 10.0,
        timeout: float | None = None, report: Callable[[str], None] | None = None,
        runners: dict | None = None) -> PipelineRun:
    report = report or ctx.report
    stages = plan(ctx.resolved, through)
    check_approvals(ctx.resolved, stages, approved_by, ctx.environ)
    report(f"pipeline {ctx.resolved.name}: " + " -> ".join(s.name for s in stages))
    for stage in stages:
        if stage.env:
            env = ctx.resolved.environment(stage.env)
            report(f"  {stage.name}: {env.access()}")
            ctx.aws().for_environment(env, ctx.resolved.name).assume()  # refused roles stop the run here
    result = PipelineRun(ctx.resolved.name)
    call = runners or _runners(interval, timeout, approved_by)
    for i, stage in enumerate(stages):
        report(f"\n== Stage {stage.name}: {stage.render()}")
        start = time.monotonic()
        try:
            step_result: StepResult = call[stage.step](ctx, stage)
        except JenkinsctlError as exc:
            result.stages.append(StageRun(stage, "failed", time.monotonic() - start, exc.message))
            result.stages += [StageRun(s, "skipped") for s in stages[i + 1:]]
            result.error = exc
            break
        result.stages.append(StageRun(stage, "passed", time.monotonic() - start, step_result.summary))
    report("\n" + "\n".join(render_summary(result)))
    return result


def _runners(interval: float, timeout: float | None, approved_by: str | None) -> dict:
    from jenkinsctl.steps import build, deploy, promote, push, test, version

    return {
        "version": lambda ctx, s: version.run(ctx),
        "build": lambda ctx, s: build.run(ctx),
        "test": lambda ctx, s: test.run(ctx),
        "push": lambda ctx, s: push.run(ctx),
        "deploy": lambda ctx, s: deploy.run(ctx, s.env, timeout=timeout, interval=interval, approved_by=approved_by),
        "promote": lambda ctx, s: promote.run(ctx, s.source, s.env, deploy=True, timeout=timeout, interval=interval,
                                              approved_by=approved_by),
    }


def render_summary(result: PipelineRun) -> list[str]:
    lines = [f"pipeline {result.service}: {'passed' if result.ok else 'FAILED'}"]
    for r in result.stages:
        took = f"{r.seconds:6.1f}s" if r.outcome != "skipped" else "      -"
        lines.append(f"  {r.stage.name:<18} {r.outcome:<8} {took}  {r.summary}")
    return lines
