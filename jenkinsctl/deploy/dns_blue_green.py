"""`dns-blue-green`: blue/green between two environments (e.g. prod-blue / prod-green), each with
its own cluster and load balancer, behind one Route 53 weighted record set.

A deploy goes to the idle environment of the pair (the one the record sends no traffic to):
a rolling update there (ECS's own, circuit breaker with rollback: `EcsDeployment` with strategy
rolling), then the health gate on its target group, then the
weights move (new side 100, old side 0), then the record's TTL is waited out (resolvers may hold
the old answer that long) while the new side stays healthy. Unhealthy before the shift: nothing
moved, aborted. Unhealthy after: the previous weights come back, rolled back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jenkinsctl.deploy.outcomes import ABORTED, ROLLED_BACK, SUCCEEDED, Status
from jenkinsctl.deploy.strategy import EcsDeployment, Target, register
from jenkinsctl.errors import UsageError

WEIGHT = 100
UNHEALTHY_POLLS = 2  # consecutive polls with an unhealthy target before the gate fails


def live_side(weights: dict, pair: list[str]) -> str | None:
    """The environment of the pair that takes the traffic: the only one with weight > 0."""
    up = [e for e in pair if e in weights and weights[e].weight > 0]
    return up[0] if len(up) == 1 else None


def preflight(clients, env) -> None:
    """Refuse a deploy to the side that takes the traffic, before anything changes."""
    spec = env.dns_blue_green
    live = live_side(clients.route53.weights(spec.zone_id, spec.record), spec.pair)
    if live == env.name:
        idle = next(e for e in spec.pair if e != env.name)
        raise UsageError(f"{env.name} takes the traffic of {spec.record} (weighted record set); dns-blue-green "
                         "deploys to the idle side", f"deploy to {idle}: jenkinsctl step deploy --env {idle}")


def plan_lines(env) -> list[str]:
    """What the deploy plan says happens after ECS's rolling update."""
    spec = env.dns_blue_green
    other = next(e for e in spec.pair if e != env.name)
    return [f"then Route 53: {spec.record} weight {env.name} {WEIGHT}, {other} 0 once {env.name}'s targets are "
            f"healthy; the TTL ({spec.ttl}s) waited out healthy, else the weights go back"]


@register("dns-blue-green")
class DnsBlueGreen:
    name = "dns-blue-green"
    ecs_strategy = "rolling"  # what ECS runs inside the idle environment

    preflight = staticmethod(preflight)
    plan_lines = staticmethod(plan_lines)

    def __init__(self, t: Target):
        self.t = t
        self.env: Any = t.env  # ResolvedEnvironment
        self.clients: Any = t.clients
        self.spec = self.env.dns_blue_green
        self.other = next(e for e in self.spec.pair if e != self.env.name)
        self.rolling = EcsDeployment(replace(t, strategy=self.ecs_strategy))
        self.r53 = self.clients.route53
        self.phase = "rolling"
        self.since = 0.0
        self.unhealthy_polls = 0
        self.before: dict = {}
        self.targets: dict[str, str] = {}

    def start(self) -> str:
        spec = self.spec
        self.before = self.r53.weights(spec.zone_id, spec.record)
        self.targets = {self.env.name: self.clients.elbv2.load_balancer_dns(self.env.load_balancer.listener_arn)}
        other = self.before.get(self.other)
        if other is not None:
            self.targets[self.other] = other.value
        line = self.rolling.start()
        shown = ", ".join(f"{k} {v.weight}" for k, v in sorted(self.before.items())) or "no records yet"
        return f"{line}; {spec.record} weights now: {shown}"

    def _weights(self, new: int) -> dict[str, tuple[str, int]]:
        return {env: (value, new if env == self.env.name else WEIGHT - new) for env, value in self.targets.items()}

    def _restore(self) -> str:
        """The weights as they were before the shift (a record created by the shift goes to 0)."""
        back = {env: (value, 0) for env, value in self.targets.items()}
        back.update({k: (v.value, v.weight) for k, v in self.before.items()})
        self.r53.set_weights(self.spec.zone_id, self.spec.record, self.spec.ttl, back)
        return "weights restored: " + ", ".join(f"{k} {w}" for k, (_, w) in sorted(back.items()))

    def _targets(self, svc: dict) -> tuple[int, int]:
        """(healthy, unhealthy) targets of the environment's target group; one call. With sandbox
        health (moto registers no targets) the running tasks count as healthy."""
        t = self.t
        if t.health == "ecs" or not t.wiring.primary_tg:
            return svc.get("runningCount", 0), 0
        states = [d["TargetHealth"]["State"] for d in self.clients.elbv2.target_health(t.wiring.primary_tg)]
        return states.count("healthy"), states.count("unhealthy")

    def _health(self) -> tuple[str | None, str]:
        t = self.t
        name = t.res.ecs_service_name
        svc = t.ecs.services(t.res.cluster, [name]).get(name) or {}
        healthy, unhealthy = self._targets(svc)
        self.unhealthy_polls = self.unhealthy_polls + 1 if unhealthy else 0
        line = f"{svc.get('runningCount', 0)}/{svc.get('desiredCount', 0)} running, {healthy} healthy, " \
               f"{unhealthy} unhealthy"
        if self.unhealthy_polls >= UNHEALTHY_POLLS:
            return f"{unhealthy} unhealthy target(s) in {t.res.target_group(None)}", line
        if healthy < svc.get("desiredCount", 0) or svc.get("runningCount", 0) < svc.get("desiredCount", 0):
            return "", line  # not ready yet
        return None, line

    def poll(self, now: float) -> Status:
        spec = self.spec
        if self.phase == "rolling":
            s = self.rolling.poll(now)
            if not s.done or s.outcome != SUCCEEDED:
                return Status(f"dns-blue-green: {self.env.name}: {s.line}", s.done, s.outcome, s.reason)
            self.phase = "gate"
        problem, line = self._health()
        if self.phase == "gate":
            if problem:
                return Status(f"dns-blue-green: health gate failed on {self.env.name}: {line}", True, ABORTED,
                              f"{problem}; {spec.record} unchanged, {self.other} keeps the traffic")
            if problem == "":
                return Status(f"dns-blue-green: waiting for the health gate on {self.env.name}: {line}")
            self.r53.set_weights(spec.zone_id, spec.record, spec.ttl, self._weights(WEIGHT))
            self.phase, self.since = "ttl", now
            return Status(f"dns-blue-green: {spec.record} -> {self.env.name} (weight {WEIGHT}, {self.other} 0); "
                          f"waiting out the TTL ({spec.ttl}s): {line}")
        if problem:
            restored = self._restore()
            return Status(f"dns-blue-green: {self.env.name} unhealthy after the shift; {restored}", True, ROLLED_BACK,
                          f"{problem}; {restored}")
        left = spec.ttl - (now - self.since)
        if left > 0:
            return Status(f"dns-blue-green: TTL {left:.0f}s left, {self.env.name}: {line}")
        return Status(f"dns-blue-green: {spec.record} serves {self.env.name}; TTL passed, healthy: {line}", True,
                      SUCCEEDED)

    def abort(self, why: str) -> str:
        if self.phase == "ttl":
            return self._restore()
        return self.rolling.abort(why) + f"; {self.spec.record} unchanged"
