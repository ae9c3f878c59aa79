"""One `Strategy` interface, three strategies. A strategy starts the change, then answers
`poll(now)` with one `Status` (a progress line, and whether it is done and how it ended) using
a bounded number of API calls, and can `abort(why)` to restore the previous state.

Health: a target group is healthy when at least `desired` targets are `healthy` and none is
`unhealthy` on two consecutive polls. On the sandbox, moto never registers ECS tasks in target
groups, so `health="ecs"` judges by the service's running count instead (the plan says so)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from jenkinsctl.aws.elbv2 import forward
from jenkinsctl.deploy.resources import Resources
from jenkinsctl.descriptor.model import RollingSpec

SUCCEEDED, ROLLED_BACK, ABORTED, TIMED_OUT, FAILED = "succeeded", "rolled-back", "aborted", "timed-out", "failed"
UNHEALTHY_POLLS = 2


@dataclass
class Status:
    line: str
    done: bool = False
    outcome: str | None = None
    reason: str = ""


@dataclass
class Target:
    """Everything a strategy acts on, built by the deployer after `plan.apply`."""
    clients: object
    res: Resources
    env: object  # ResolvedEnvironment
    taskdef_arn: str
    services: dict[str, dict]
    previous_arn: str | None = None
    target_groups: dict = field(default_factory=dict)
    rule_arn: str | None = None
    test_rule_arn: str | None = None
    live_slot: str | None = None
    health: str = "targets"

    def __post_init__(self):
        self.ecs, self.elb, self.cw = self.clients.ecs, self.clients.elbv2, self.clients.cloudwatch

    @property
    def load_balanced(self) -> bool:
        return bool(self.env.port and self.env.load_balancer and self.target_groups)

    def service_params(self, slot: str | None, desired: int | None) -> dict:
        """create_service/update_service parameters common to every strategy."""
        env, res = self.env, self.res
        p = {"cluster": res.cluster, "taskDefinition": self.taskdef_arn}
        if desired is not None:
            p["desiredCount"] = desired
        # every ECS service (the rolling one and each blue/green slot) runs with the circuit breaker on
        rolling = env.rolling or RollingSpec()
        p["deploymentConfiguration"] = {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "minimumHealthyPercent": rolling.min_healthy_percent, "maximumPercent": rolling.max_percent}
        if self.load_balanced:
            p["healthCheckGracePeriodSeconds"] = env.health_check.grace_seconds
        return p

    def ensure_service(self, slot: str | None, desired: int) -> dict:
        name = self.res.ecs_service(slot)
        if name in self.services:
            return self.ecs.update_service(service=name, **self.service_params(slot, desired))
        env = self.env
        if not env.network.subnets:
            from jenkinsctl.errors import UsageError

            raise UsageError(f"environment {env.name} has no network.subnets; cannot create ECS service {name}",
                             f"set environments.{env.name}.network (vpcId, subnets, securityGroups) in "
                             "jenkinsctl.yaml; for the sandbox see jenkinsctl.devkit.sandbox_infra")
        params = self.service_params(slot, desired)
        params.update(serviceName=name, launchType="FARGATE", propagateTags="SERVICE",
                      tags=[{"key": k, "value": v} for k, v in self.res.tags.items()],
                      networkConfiguration={"awsvpcConfiguration": {
                          "subnets": list(env.network.subnets), "securityGroups": list(env.network.security_groups),
                          "assignPublicIp": "ENABLED" if env.network.assign_public_ip else "DISABLED"}})
        if self.load_balanced:
            params["loadBalancers"] = [{"targetGroupArn": self.target_groups[slot], "containerName": self.res.service,
                                        "containerPort": env.port}]
        svc = self.ecs.create_service(**params)
        self.services[name] = svc
        return svc

    def health_of(self, slot: str | None, svc: dict) -> tuple[int, int, int]:
        """(healthy, unhealthy, registered) for the slot's tasks; at most one API call."""
        if not self.load_balanced or self.health == "ecs":
            running = svc.get("runningCount", 0)
            return running, 0, running
        states = [t["TargetHealth"]["State"] for t in self.elb.target_health(self.target_groups[slot])]
        return states.count("healthy"), states.count("unhealthy"), len(states)

    def set_weights(self, weights: dict[str | None, int], rule_arn: str | None = None) -> None:
        arn = rule_arn or self.rule_arn
        if arn:  # every slot's target group stays in the rule, at weight 0 when not named
            full = {slot: weights.get(slot, 0) for slot in self.target_groups}
            self.elb.set_actions(arn, forward({self.target_groups[s]: w for s, w in full.items()}))


class Strategy(Protocol):
    name: str

    def start(self) -> str: ...

    def poll(self, now: float) -> Status: ...

    def abort(self, why: str) -> str: ...


def short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"


class Rolling:
    """Update one ECS service; ECS replaces tasks with the circuit breaker and rollback on.
    The truth comes from the deployment's rolloutState and the service's task definition."""

    name = "rolling"

    def __init__(self, t: Target):
        self.t = t
        self.seen_events: set[str] = set()

    def start(self) -> str:
        t = self.t
        name = t.res.ecs_service(None)
        existing = t.services.get(name)
        self.seen_events = {e["id"] for e in (existing or {}).get("events", []) if "id" in e}
        desired = _desired(t.env, existing)
        svc = t.ensure_service(None, desired)
        return f"{'updated' if existing else 'created'} ECS service {name}: {short(t.taskdef_arn)}, " \
               f"{svc.get('desiredCount', desired)} desired"

    def poll(self, now: float) -> Status:
        t = self.t
        name = t.res.ecs_service(None)
        svc = t.ecs.services(t.res.cluster, [name]).get(name)
        if svc is None:
            return Status(f"service {name} is gone", True, FAILED, f"ECS service {name} no longer exists")
        events = [e for e in reversed(svc.get("events", [])) if e.get("id") not in self.seen_events]
        self.seen_events |= {e["id"] for e in events if "id" in e}
        note = "".join(f"\n    event: {e.get('message', '')}" for e in events[-3:])
        deployments = svc.get("deployments", [])
        ours = next((d for d in deployments if d.get("taskDefinition") == t.taskdef_arn), None)
        running, desired, pending = svc.get("runningCount", 0), svc.get("desiredCount", 0), svc.get("pendingCount", 0)
        if svc.get("taskDefinition") != t.taskdef_arn:
            why = (ours or {}).get("rolloutStateReason") or next(
                (d.get("rolloutStateReason") for d in deployments if d.get("rolloutState") == "FAILED"), "")
            return Status(f"rolling: ECS rolled back to {short(svc.get('taskDefinition'))}{note}", True, ROLLED_BACK,
                          f"ECS rolled the service back to {short(svc.get('taskDefinition'))}"
                          + (f": {why}" if why else ""))
        state = (ours or {}).get("rolloutState")
        if ours:  # the deployment's own counts, not the service's (which mixes old and new tasks)
            running, desired = ours.get("runningCount", running), ours.get("desiredCount", desired)
            pending = ours.get("pendingCount", pending)
        line = f"rolling: {running}/{desired} running, {max(pending, 0)} pending, " \
               f"{len(deployments)} deployment(s), rollout {state or 'n/a'}{note}"
        if state == "FAILED":
            return Status(line, True, FAILED, ours.get("rolloutStateReason") or "the deployment failed")
        if state == "COMPLETED" and running >= desired:
            return Status(line, True, SUCCEEDED)
        if state is None and running >= desired and len(deployments) <= 1:
            return Status(line, True, SUCCEEDED)  # no rollout state reported: steady state by counts
        return Status(line)

    def abort(self, why: str) -> str:
        t = self.t
        if not t.previous_arn or t.previous_arn == t.taskdef_arn:
            return "no previous revision to restore; the service keeps what ECS is running"
        t.ecs.update_service(service=t.res.ecs_service(None), cluster=t.res.cluster, taskDefinition=t.previous_arn)
        return f"restored {short(t.previous_arn)} on {t.res.ecs_service(None)}"


def _desired(env, existing: dict | None) -> int | None:
    if env.autoscaling is None:
        return env.desired_count
    if existing is not None:
        return None  # autoscaling owns the count
    return min(max(env.desired_count, env.autoscaling.min), env.autoscaling.max)


class TwoSlot:
    """Two ECS services (`-blue`, `-green`) behind two target groups; the new revision starts in
    the idle slot and must pass the health gate before traffic moves."""

    name = "two-slot"

    def __init__(self, t: Target):
        self.t = t
        self.live = t.live_slot
        self.new = "green" if self.live == "blue" else "blue"
        self.phase = "starting"
        self.phase_since = 0.0
        self.unhealthy_polls = 0
        self.desired = 0

    def start(self) -> str:
        t = self.t
        live_svc = t.services.get(t.res.ecs_service(self.live)) if self.live else None
        self.desired = _desired(t.env, None) if live_svc is None or t.env.autoscaling is None \
            else max(live_svc.get("desiredCount", 0), t.env.autoscaling.min)
        t.ensure_service(self.new, self.desired)
        if t.test_rule_arn:
            t.set_weights({self.new: 100}, t.test_rule_arn)
        return f"started {self.desired} task(s) of {short(t.taskdef_arn)} in {t.res.ecs_service(self.new)}" + \
            (f" (test listener -> {self.new})" if t.test_rule_arn else "") + \
            (f"; {self.live} keeps the traffic" if self.live else "")

    def _observe(self) -> tuple[dict, tuple[int, int, int]]:
        t = self.t
        names = [t.res.ecs_service(s) for s in ("blue", "green")]
        svcs = t.ecs.services(t.res.cluster, names)
        svc = svcs.get(t.res.ecs_service(self.new), {})
        return svc, t.health_of(self.new, svc)

    def _gate(self, svc: dict, health: tuple[int, int, int]) -> str | None:
        """None while fine; a reason once the new revision is unhealthy."""
        if svc.get("taskDefinition") not in (None, self.t.taskdef_arn):
            return f"{self.t.res.ecs_service(self.new)} now runs {short(svc.get('taskDefinition'))}, not ours"
        healthy, unhealthy, _ = health
        self.unhealthy_polls = self.unhealthy_polls + 1 if unhealthy else 0
        if self.unhealthy_polls >= UNHEALTHY_POLLS:
            return f"{unhealthy} unhealthy target(s) in {self.t.res.target_group(self.new)}"
        return None

    def _healthy(self, svc: dict, health: tuple[int, int, int]) -> bool:
        healthy, unhealthy, _ = health
        return svc.get("runningCount", 0) >= self.desired and healthy >= self.desired and not unhealthy

    def _line(self, svc: dict, health: tuple[int, int, int], what: str) -> str:
        healthy, unhealthy, registered = health
        return f"{self.name}: {what}; {self.new}: {svc.get('runningCount', 0)}/{self.desired} running, " \
               f"{healthy} healthy, {unhealthy} unhealthy"

    def _retire_old(self) -> str:
        t = self.t
        if not self.live:
            return ""
        t.ecs.update_service(service=t.res.ecs_service(self.live), cluster=t.res.cluster, desiredCount=0)
        return f"; {t.res.ecs_service(self.live)} scaled to 0"

    def _scale_new_down(self) -> None:
        t = self.t
        t.ecs.update_service(service=t.res.ecs_service(self.new), cluster=t.res.cluster, desiredCount=0)

    def abort(self, why: str) -> str:
        t = self.t
        if self.live:
            t.set_weights({self.live: 100, self.new: 0})
        if t.test_rule_arn and self.live:
            t.set_weights({self.live: 100}, t.test_rule_arn)
        self._scale_new_down()
        return (f"traffic restored 100% to {self.live}; " if self.live else "") + \
            f"{t.res.ecs_service(self.new)} scaled to 0"


class BlueGreen(TwoSlot):
    name = "blue-green"

    def poll(self, now: float) -> Status:
        t = self.t
        svc, health = self._observe()
        problem = self._gate(svc, health)
        if self.phase == "starting":
            if problem:
                return Status(self._line(svc, health, "health gate failed"), True, ABORTED,
                              f"the new revision failed its health checks before taking traffic: {problem}")
            if not self._healthy(svc, health):
                return Status(self._line(svc, health, "waiting for the health gate"))
            t.set_weights({self.new: 100, **({self.live: 0} if self.live else {})})
            if not self.live:
                return Status(self._line(svc, health, f"traffic switched to {self.new}"), True, SUCCEEDED)
            self.phase, self.phase_since = "baking", now
            return Status(self._line(svc, health, f"traffic switched {self.live} -> {self.new}; baking "
                                     f"{t.env.blue_green.bake_seconds}s, {self.live} kept for instant rollback"))
        if problem:  # baking: the old revision is still there, switch back at once
            t.set_weights({self.live: 100, self.new: 0})
            self._scale_new_down()
            return Status(self._line(svc, health, f"unhealthy while baking; traffic switched back to {self.live}"),
                          True, ROLLED_BACK, f"rolled back to {self.live} during the bake: {problem}")
        left = t.env.blue_green.bake_seconds - (now - self.phase_since)
        if left > 0:
            return Status(self._line(svc, health, f"baking, {left:.0f}s left"))
        return Status(self._line(svc, health, "bake passed" + self._retire_old()), True, SUCCEEDED)


class Canary(TwoSlot):
    name = "canary"

    def __init__(self, t: Target):
        super().__init__(t)
        self.steps = list(t.env.canary.steps) if self.live else [100]
        self.step = -1

    def poll(self, now: float) -> Status:
        t = self.t
        svc, health = self._observe()
        problem = self._gate(svc, health)
        firing = t.cw.alarms_firing(t.env.canary.alarms) if self.step >= 0 else []
        at = f"{self.steps[self.step]}%" if self.step >= 0 else "0%"
        if problem or firing:
            reason = problem or f"alarm {', '.join(firing)} in ALARM"
            restored = self.abort(reason)
            return Status(self._line(svc, health, f"aborted at {at}: {reason}"), True, ABORTED,
                          f"canary aborted at {at} on {self.new}: {reason}; {restored}")
        if self.step < 0 and not self._healthy(svc, health):
            return Status(self._line(svc, health, "waiting for the health gate"))
        if self.step >= 0 and now - self.phase_since < t.env.canary.interval_seconds:
            left = t.env.canary.interval_seconds - (now - self.phase_since)
            return Status(self._line(svc, health, f"{at} on {self.new}, next step in {left:.0f}s"))
        if self.step >= 0 and self.steps[self.step] == 100:
            return Status(self._line(svc, health, "100% held" + self._retire_old()), True, SUCCEEDED)
        self.step += 1
        pct = self.steps[self.step]
        t.set_weights({self.new: pct, **({self.live: 100 - pct} if self.live else {})})
        self.phase_since = now
        if pct == 100 and not self.live:
            return Status(self._line(svc, health, f"100% on {self.new} (first deploy)"), True, SUCCEEDED)
        return Status(self._line(svc, health, f"shifted {pct}% of traffic to {self.new}"))


def make_strategy(name: str, target: Target) -> Strategy:
    return strategy_class(name)(target)


def strategy_class(name: str) -> type:
    """The registry of strategies: a new one plugs in here."""
    from jenkinsctl.deploy.dns_blue_green import DnsBlueGreen

    return {"rolling": Rolling, "blue-green": BlueGreen, "canary": Canary, "dns-blue-green": DnsBlueGreen}[name]
