"""One `Strategy` interface. A strategy starts the change, then answers `poll(now)` with one
`Status` (a progress line; whether it is done and how it ended) using a bounded number of API
calls, and can `abort(why)` when the waiter gives up. Strategies register by name
(`@register("name")`); `make_strategy` builds the descriptor's.

ECS runs rolling, blue-green, canary and linear deployments itself (`deploymentConfiguration.
strategy`): `EcsDeployment` renders the configuration, creates or updates the one ECS service,
and follows the service deployment ECS records to its end: success, or ECS's rollback with ECS's
reason. Where the endpoint records no service deployments (the sandbox's moto), it follows the
service's own rollout state instead, and says so: moto shifts no traffic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Protocol

from jenkinsctl.deploy import ecs_config
from jenkinsctl.deploy.follow import judge, service_rollout, short
from jenkinsctl.deploy.outcomes import ABORTED, FAILED, ROLLED_BACK, SUCCEEDED, TIMED_OUT, Status  # noqa: F401
from jenkinsctl.deploy.resources import Resources

ROLE_ATTEMPTS, ROLE_WAIT_SECONDS = 6, 10.0  # IAM propagation: up to a minute
SANDBOX_NOTE = "sandbox: moto records no ECS service deployments and shifts no traffic; judged by the " \
               "service's own rollout and running tasks, the listener rule stays as it is"


@dataclass
class Target:
    """Everything a strategy acts on, built by the deployer after the plan is applied."""
    clients: object
    res: Resources
    env: object  # ResolvedEnvironment
    strategy: str  # the descriptor's name: rolling, blue-green, canary, linear
    taskdef_arn: str
    service: dict | None  # the ECS service as observed before the change (None: create it)
    previous_arn: str | None = None
    wiring: ecs_config.Wiring = field(default_factory=ecs_config.Wiring)
    sandbox: bool = False  # the endpoint is not AWS's: follow the service itself when ECS records nothing
    fresh_role: bool = False  # the plan just created the infrastructure role: IAM may not have propagated
    health: str = "targets"  # the deploy's --health: "ecs" judges by running tasks (the sandbox)
    sleep: Callable[[float], None] | None = field(default=None, repr=False)  # injected by tests; time.sleep

    def __post_init__(self):
        self.ecs = self.clients.ecs

    def service_params(self, desired: int | None, taskdef_arn: str | None = None,
                       strategy: str | None = None, wiring: ecs_config.Wiring | None = None) -> dict:
        """create_service/update_service parameters: the task definition and ECS's deployment
        configuration for the strategy (every call sends it whole: ECS keeps the last one)."""
        env, strategy, wiring = self.env, strategy or self.strategy, wiring or self.wiring
        p = {"cluster": self.res.cluster, "taskDefinition": taskdef_arn or self.taskdef_arn,
             "deploymentConfiguration": ecs_config.deployment_configuration(env, strategy,
                                                                              wiring.infrastructure_role)}
        if desired is not None:
            p["desiredCount"] = desired
        if wiring.load_balanced:
            p["healthCheckGracePeriodSeconds"] = env.health_check.grace_seconds
        return p

    def create_params(self, desired: int, **kw) -> dict:
        env, res = self.env, self.res
        if not env.network.subnets:
            from jenkinsctl.errors import UsageError

            raise UsageError(f"environment {env.name} has no network.subnets; cannot create ECS service "
                             f"{res.ecs_service_name}", f"set environments.{env.name}.network (vpcId, subnets, "
                             "securityGroups) in jenkinsctl.yaml; for the sandbox see jenkinsctl.devkit.sandbox_infra")
        params = self.service_params(desired, **kw)
        strategy, wiring = kw.get("strategy") or self.strategy, kw.get("wiring") or self.wiring
        params.update(serviceName=res.ecs_service_name, launchType="FARGATE", propagateTags="SERVICE",
                      deploymentController={"type": "ECS"},
                      tags=[{"key": k, "value": v} for k, v in res.tags.items()],
                      networkConfiguration={"awsvpcConfiguration": {
                          "subnets": list(env.network.subnets), "securityGroups": list(env.network.security_groups),
                          "assignPublicIp": "ENABLED" if env.network.assign_public_ip else "DISABLED"}})
        lbs = ecs_config.load_balancers(res.service, env.port, strategy, wiring)
        if lbs:
            params["loadBalancers"] = lbs
        return params


class Strategy(Protocol):
    name: str

    def start(self) -> str: ...

    def poll(self, now: float) -> Status: ...

    def abort(self, why: str) -> str: ...


STRATEGIES: dict[str, Callable[[Target], Strategy]] = {}


def register(*names: str):
    """Class decorator: the strategy `make_strategy` builds for these descriptor names."""
    def add(cls):
        for name in names:
            STRATEGIES[name] = cls
        return cls
    return add


def make_strategy(name: str, target: Target) -> Strategy:
    return STRATEGIES[name](target)


def desired_count(env, existing: dict | None) -> int | None:
    if env.autoscaling is None:
        return env.desired_count
    if existing is not None:
        return None  # autoscaling owns the count
    return min(max(env.desired_count, env.autoscaling.min), env.autoscaling.max)


@register("rolling", "blue-green", "canary", "linear")
class EcsDeployment:
    """Create or update the one ECS service with ECS's deployment strategy, then follow ECS."""

    def __init__(self, t: Target):
        self.t = t
        self.name = t.strategy
        self.arn: str | None = None
        self.started: dt.datetime | None = None
        self.fallback = False  # following the service's own rollout (the endpoint records no deployments)
        self.seen_events: set[str] = set()

    def start(self) -> str:
        t = self.t
        name = t.res.ecs_service_name
        existing = t.service
        self.seen_events = {e["id"] for e in (existing or {}).get("events", []) if "id" in e}
        self.started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)  # clock skew
        desired = desired_count(t.env, existing)
        if existing is None:
            svc = self._while_role_propagates(lambda: t.ecs.create_service(**t.create_params(desired)))
        else:
            params = t.service_params(desired)
            wanted = ecs_config.load_balancers(t.res.service, t.env.port, t.strategy, t.wiring)
            if wanted and not ecs_config.same_wiring(existing.get("loadBalancers"), wanted):
                params["loadBalancers"] = wanted
            svc = self._while_role_propagates(lambda: t.ecs.update_service(service=name, **params))
        self.arn = svc.get("currentServiceDeployment")
        how = ecs_config.describe(t.env, t.strategy)
        return f"{'updated' if existing else 'created'} ECS service {name}: {short(t.taskdef_arn)}, " \
               f"{svc.get('desiredCount', desired)} desired; {how}"

    def _while_role_propagates(self, call, attempts: int = ROLE_ATTEMPTS, wait: float = ROLE_WAIT_SECONDS):
        """A role IAM created seconds ago may not be assumable by ECS yet (IAM is eventually
        consistent): ECS answers InvalidParameterException naming the role. Retry that, bounded,
        only when this deploy created the role."""
        import time

        from jenkinsctl.errors import AwsError

        for attempt in range(attempts):
            try:
                return call()
            except AwsError as exc:
                retryable = self.t.fresh_role and "InvalidParameterException" in exc.message and \
                    ("role" in exc.message.lower() or "assume" in exc.message.lower())
                if not retryable or attempt == attempts - 1:
                    raise
                (self.t.sleep or time.sleep)(wait)

    def poll(self, now: float) -> Status:
        from jenkinsctl.aws.ecs import AwsUnsupported

        t = self.t
        if not self.fallback:
            try:
                if self.arn is None:
                    newest = t.ecs.newest_service_deployment(t.res.cluster, t.res.ecs_service_name, self.started)
                    if newest is None:
                        return Status(f"{self.name}: waiting for ECS to start the deployment")
                    self.arn = newest["serviceDeploymentArn"]
                found = t.ecs.service_deployment(self.arn)
            except AwsUnsupported:
                if not t.sandbox:
                    raise
                self.fallback = True
            else:
                if found is None:
                    return Status(f"{self.name}: deployment {short(self.arn)} not visible yet")
                return judge(self.name, found)
        svc = t.ecs.services(t.res.cluster, [t.res.ecs_service_name]).get(t.res.ecs_service_name)
        status = service_rollout(self.name, svc, t.res.ecs_service_name, t.taskdef_arn, self.seen_events)
        if status.done and t.wiring.load_balanced and self.name != "rolling":
            status.line += f"\n    {SANDBOX_NOTE}"
        return status

    def abort(self, why: str) -> str:
        t = self.t
        if self.arn and not self.fallback:
            t.ecs.stop_service_deployment(self.arn, rollback=True)
            return f"asked ECS to roll deployment {short(self.arn)} back (StopServiceDeployment ROLLBACK)"
        if not t.previous_arn or t.previous_arn == t.taskdef_arn:
            return "no previous revision to restore; the service keeps what ECS is running"
        t.ecs.update_service(service=t.res.ecs_service_name, cluster=t.res.cluster, taskDefinition=t.previous_arn)
        return f"restored {short(t.previous_arn)} on {t.res.ecs_service_name}"
