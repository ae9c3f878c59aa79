"""Deploy one image (by digest) to one environment: plan, print, apply, run the strategy under
the waiter, tell the truth, and record the last known good on success."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from jenkinsctl.deploy import plan as planning
from jenkinsctl.deploy import taskdef as td
from jenkinsctl.deploy.lastgood import LastKnownGood, Record
from jenkinsctl.deploy.resources import resources_for
from jenkinsctl.deploy.runtime_config import config_hash, runtime_config
from jenkinsctl.deploy.strategy import SUCCEEDED, Target, make_strategy, short, strategy_class
from jenkinsctl.deploy.waiter import WaitResult, wait
from jenkinsctl.errors import DeployError, PolicyError

APPROVAL_VAR = "JENKINSCTL_APPROVED_BY"


@dataclass
class DeployRequest:
    env: str
    image_uri: str               # <registry>/<repo>@sha256:...
    version: str
    git_sha: str = "unknown"
    strategy: str | None = None  # override the descriptor's
    timeout: float | None = None
    interval: float = 10.0
    health: str = "targets"      # "targets" (ALB target health) or "ecs" (sandbox: running count)
    approved_by: str | None = None
    taskdef_arn: str | None = None  # rollback: reuse this exact registered revision


@dataclass
class DeployOutcome:
    service: str
    env: str
    strategy: str
    version: str
    image_uri: str
    taskdef_arn: str
    registered: bool
    outcome: str
    reason: str = ""
    previous_taskdef_arn: str | None = None
    wait: WaitResult | None = None
    plan_lines: list[str] = field(default_factory=list)
    record: Record | None = None

    @property
    def digest(self) -> str:
        return self.image_uri.rsplit("@", 1)[-1]

    def values(self) -> dict[str, str]:
        return {"SERVICE": self.service, "ENVIRONMENT": self.env, "STRATEGY": self.strategy,
                "VERSION": self.version, "IMAGE_URI": self.image_uri, "IMAGE_DIGEST": self.digest,
                "TASK_DEFINITION_ARN": self.taskdef_arn or "", "OUTCOME": self.outcome,
                "PREVIOUS_TASK_DEFINITION_ARN": self.previous_taskdef_arn or ""}


def check_approval(env, approved_by: str | None, environ: Mapping[str, str]) -> str | None:
    """Environments with `approval: true` are deployed only by a job that passed its input gate:
    the job passes `--approved-by USER` or sets JENKINSCTL_APPROVED_BY after its `input` step."""
    who = approved_by or environ.get(APPROVAL_VAR)
    if env.approval and not who:
        raise PolicyError(f"environment {env.name} requires approval; this deploy was not approved",
                          f"run it from the Jenkins deploy job, whose `input` step sets {APPROVAL_VAR}, or pass "
                          "--approved-by USER after a human approved it")
    return who


def make_deploy_plan(clients, resolved, req: DeployRequest):
    env = resolved.environment(req.env)
    strategy = req.strategy or env.strategy
    if strategy != env.strategy:
        env = env.model_copy(update={"strategy": strategy, **_strategy_defaults(env, strategy)})
    res = resources_for(resolved, env)
    request = td.render(res, env, req.image_uri, req.version, req.git_sha)
    observed = planning.observe(clients, res, env, strategy, request)
    # a rollback to a recorded revision reuses it as it was registered
    plan = planning.make_plan(res, env, strategy, req.version, req.image_uri, request, observed, req.taskdef_arn)
    return env, res, plan


def _strategy_defaults(env, strategy: str) -> dict:
    from jenkinsctl.descriptor.model import BlueGreenSpec, CanarySpec, RollingSpec

    key, cls = {"rolling": ("rolling", RollingSpec), "blue-green": ("blue_green", BlueGreenSpec),
                "canary": ("canary", CanarySpec)}[strategy]
    return {} if getattr(env, key) is not None else {key: cls()}


def deploy(clients, resolved, req: DeployRequest, report: Callable[[str], None],
           environ: Mapping[str, str] | None = None, dry_run: bool = False,
           require_approval: bool = True) -> DeployOutcome:
    """`require_approval=False` only for rollbacks, which restore a deploy already approved."""
    env = resolved.environment(req.env)
    if require_approval:
        check_approval(env, req.approved_by, environ or {})
    env, res, plan = make_deploy_plan(clients, resolved, req)
    lines = plan.render()
    lines.insert(1, f"  in {env.access()}")
    if req.health == "ecs" and env.port and env.load_balancer:
        lines.append("health: ECS running count (sandbox: moto registers no ECS tasks in target groups)")
    for line in lines:
        report(line)
    base = dict(service=resolved.name, env=env.name, strategy=plan.strategy, version=req.version,
                image_uri=req.image_uri, previous_taskdef_arn=plan.observed.current_taskdef_arn, plan_lines=lines)
    if dry_run:
        return DeployOutcome(**base, taskdef_arn=plan.reuse_taskdef_arn or "", registered=False,
                             outcome="planned", reason="dry run: nothing changed")
    preflight = getattr(strategy_class(plan.strategy), "preflight", None)
    if preflight is not None:  # a strategy's own refusal, before anything changes
        preflight(clients, env)
    applied = planning.apply(plan, clients, res)
    arn = applied["taskdef"]
    if plan.registers:
        report(f"registered {short(arn)}")
    if plan.in_place:
        report(f"{env.name} already runs {short(arn)}: nothing to deploy")
        result = None
        outcome, reason = SUCCEEDED, "already deployed"
    else:
        observed = plan.observed
        test_rule = applied["test_rule"] if plan.strategy == "blue-green" and env.blue_green.test_listener else None
        target = Target(clients, res, env, arn, dict(observed.services), observed.current_taskdef_arn,
                        applied["target_groups"], applied["rule"], test_rule, observed.live_slot, req.health)
        strategy = make_strategy(plan.strategy, target)
        report(strategy.start())
        timeout = req.timeout if req.timeout is not None else env.timeout_seconds
        result = wait(strategy, clients, timeout, req.interval, report)
        outcome, reason = result.outcome, result.reason
        if outcome == SUCCEEDED and env.autoscaling:
            _autoscale(clients, res, env, plan.strategy, strategy)
    done = DeployOutcome(**base, taskdef_arn=arn, registered=plan.registers, outcome=outcome, reason=reason,
                         wait=result)
    if outcome != SUCCEEDED:
        raise DeployError(f"deploy of {resolved.name} {req.version} to {env.name} {outcome}: {reason}", outcome,
                          hint=_hint(outcome, resolved.name, env.name))
    runtime = runtime_config(env)
    done.record = LastKnownGood(clients, res).record(req.version, req.image_uri, arn, req.git_sha, plan.strategy,
                                                     config_hash(runtime), runtime)
    report(f"deployed {resolved.name} {req.version} to {env.name}: {short(arn)}, {done.digest[:19]}; "
           "recorded as last known good")
    return done


def _hint(outcome: str, service: str, env: str) -> str:
    return {"rolled-back": "the previous revision is serving; look at the service events and logs above, fix, "
                           "and deploy a new version",
            "timed-out": "the service did not reach a healthy steady state in time; raise timeoutSeconds or "
                         "look at the service events",
            "aborted": "traffic stayed on (or returned to) the previous revision"}.get(
        outcome, f"`jenkinsctl step rollback --service {service} --env {env}` returns to the last known good")


def _autoscale(clients, res, env, strategy_name: str, strategy) -> None:
    scaling = clients.appautoscaling
    a = env.autoscaling
    if strategy_name in planning.SINGLE_SERVICE:
        scaling.track_cpu(res.cluster, res.ecs_service(None), a.min, a.max, a.cpu_target)
        return
    scaling.track_cpu(res.cluster, res.ecs_service(strategy.new), a.min, a.max, a.cpu_target)
    if strategy.live and scaling.target(res.cluster, res.ecs_service(strategy.live)):
        scaling.remove(res.cluster, res.ecs_service(strategy.live))
