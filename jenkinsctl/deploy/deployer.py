"""Deploy one image (by digest) to one environment: plan, print, apply, run the strategy under
the waiter, tell the truth, and record the last known good on success."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from jenkinsctl.deploy import dns_blue_green  # noqa: F401  (registers strategy dns-blue-green)
from jenkinsctl.deploy import plan as planning
from jenkinsctl.deploy import taskdef as td
from jenkinsctl.deploy.lastgood import LastKnownGood, Record
from jenkinsctl.deploy.resources import resources_for
from jenkinsctl.deploy.runtime_config import config_hash, runtime_config
from jenkinsctl.deploy.strategy import STRATEGIES, SUCCEEDED, Target, make_strategy, short
from jenkinsctl.deploy.waiter import WaitResult, wait
from jenkinsctl.errors import DeployError, PolicyError, UsageError

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
    image_check: Callable[[str], tuple[str, str]] | None = None  # uri -> ("ok"|"missing"|"unknown", what)
    sleep: Callable[[float], None] | None = None  # waits between retries (tests inject one that does not)


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
    # what ECS runs inside the environment (dns-blue-green: a rolling update of the idle side)
    ecs_strategy = getattr(STRATEGIES[strategy], "ecs_strategy", strategy)
    observed = planning.observe(clients, res, env, ecs_strategy, request)
    image_check = req.image_check(req.image_uri) if req.image_check else None
    # a rollback to a recorded revision reuses it as it was registered
    plan = planning.make_plan(res, env, ecs_strategy, req.version, req.image_uri, request, observed, req.taskdef_arn,
                              sandbox=req.health == "ecs", image_check=image_check)
    then = getattr(STRATEGIES[strategy], "plan_lines", None)
    if then is not None:
        plan = replace(plan, strategy=strategy, service_changes=plan.service_changes + tuple(then(env)))
    return env, res, plan


def _strategy_defaults(env, strategy: str) -> dict:
    from jenkinsctl.descriptor.model import STRATEGY_PARAMS

    key, cls = STRATEGY_PARAMS[strategy]
    attr = {"blueGreen": "blue_green", "dnsBlueGreen": "dns_blue_green"}.get(key, key)
    return {} if getattr(env, attr) is not None else {attr: cls()}


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
    for line in lines:
        report(line)
    base = dict(service=resolved.name, env=env.name, strategy=plan.strategy, version=req.version,
                image_uri=req.image_uri, previous_taskdef_arn=plan.observed.current_taskdef_arn, plan_lines=lines)
    if plan.problems:
        raise UsageError(f"deploy of {resolved.name} {req.version} to {env.name} refused before any change: "
                         + "; ".join(c.what for c in plan.problems),
                         " / ".join(c.hint for c in plan.problems if c.hint) or None)
    if dry_run:
        return DeployOutcome(**base, taskdef_arn=plan.reuse_taskdef_arn or "", registered=False,
                             outcome="planned", reason="dry run: nothing changed")
    preflight = getattr(STRATEGIES[plan.strategy], "preflight", None)
    if preflight is not None:  # a strategy's own refusal, before anything changes
        preflight(clients, env)
    applied = planning.apply(plan, clients, res, env)
    arn = applied["taskdef"]
    if plan.registers:
        report(f"registered {short(arn)}")
    timeout = req.timeout if req.timeout is not None else env.timeout_seconds
    target = _target(clients, res, env, plan, applied, arn, req)
    if plan.migration:
        _migrate(target, plan, clients, timeout, req.interval, report, resolved.name, env.name)
    if plan.in_place:
        report(f"{env.name} already runs {short(arn)}: nothing to deploy")
        result = None
        outcome, reason = SUCCEEDED, "already deployed"
    else:
        strategy = make_strategy(plan.strategy, target)
        report(strategy.start())
        result = wait(strategy, clients, timeout, req.interval, report)
        outcome, reason = result.outcome, result.reason
        if outcome == SUCCEEDED and env.autoscaling:
            _autoscale(clients, res, env)
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


def _target(clients, res, env, plan, applied, arn: str, req: DeployRequest) -> Target:
    from jenkinsctl.deploy import ecs_config

    infra = None
    if planning.native(plan.strategy) and planning.load_balanced(env):
        infra = env.load_balancer.infrastructure_role_arn or res.role_arn(res.infrastructure_role)
    test_rule = applied["test_rule"] if planning._uses_test_listener(env, plan.strategy) else None
    wiring = ecs_config.Wiring(applied["primary"], applied["alternate"] if planning.native(plan.strategy) else None,
                               applied["rule"], test_rule, infra) if applied["primary"] else ecs_config.Wiring()
    fresh = any(c.kind == "role" and c.name == res.infrastructure_role for c in plan.changes)
    return Target(clients, res, env, plan.strategy, arn, plan.observed.service, plan.observed.current_taskdef_arn,
                  wiring, sandbox=req.health == "ecs" or bool(getattr(clients, "endpoint_url", None)),
                  fresh_role=fresh, sleep=req.sleep, health=req.health)


def _migrate(target: Target, plan, clients, timeout: float, interval: float, report, service: str, env: str) -> None:
    from jenkinsctl.deploy.migration import Migration

    migration = Migration(target, plan.observed)
    report(migration.start())
    if migration.needed_wait:
        result = wait(migration, clients, timeout, interval, report)
        if result.outcome != SUCCEEDED:
            undone = migration.abort(result.reason)
            raise DeployError(f"migration of {service} in {env} to one ECS service {result.outcome}: "
                              f"{result.reason}; {undone}", result.outcome,
                              hint="nothing else changed: the two-service layout still serves; look at the service "
                                   "events above, fix, and deploy again") from None
    for line in migration.finish():
        report(line)


def _hint(outcome: str, service: str, env: str) -> str:
    return {"rolled-back": "the previous revision is serving; look at the service events and logs above, fix, "
                           "and deploy a new version",
            "timed-out": "the service did not reach a healthy steady state in time; raise timeoutSeconds or "
                         "look at the service events",
            "aborted": "traffic stayed on (or returned to) the previous revision"}.get(
        outcome, f"`jenkinsctl step rollback --service {service} --env {env}` returns to the last known good")


def _autoscale(clients, res, env) -> None:
    a = env.autoscaling
    clients.appautoscaling.track_cpu(res.cluster, res.ecs_service_name, a.min, a.max, a.cpu_target)
