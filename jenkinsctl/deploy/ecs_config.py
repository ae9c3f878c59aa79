"""The ECS service configuration a deploy sends, rendered from the resolved environment: the
deployment controller, `deploymentConfiguration` (strategy, bake times, canary or linear steps,
alarms, circuit breaker, lifecycle hooks) and the load balancer wiring ECS shifts traffic with.

Pure. Shapes follow botocore's ECS model (CreateService/UpdateService, 2014-11-13); the tests
validate what this renders with botocore's own parameter validator."""

from __future__ import annotations

from dataclasses import dataclass

ECS_STRATEGY = {"rolling": "ROLLING", "blue-green": "BLUE_GREEN", "canary": "CANARY", "linear": "LINEAR"}
NATIVE = ("blue-green", "canary", "linear")  # ECS moves the traffic between two target groups


@dataclass(frozen=True)
class Wiring:
    """What the service is attached to: its target groups, the listener rules ECS changes, and the
    role ECS changes them with. `primary_tg` None: no load balancer."""
    primary_tg: str | None = None
    alternate_tg: str | None = None
    production_rule: str | None = None
    test_rule: str | None = None
    infrastructure_role: str | None = None

    @property
    def load_balanced(self) -> bool:
        return self.primary_tg is not None


def alarms_of(env) -> list[str]:
    """Every alarm that rolls a deployment of `env` back: deploy.alarms, then the strategy's own."""
    names = list(env.alarms)
    for spec in (env.canary, env.linear):
        if spec is not None:
            names += [a for a in spec.alarms if a not in names]
    return names


def deployment_configuration(env, strategy: str, hook_role: str | None) -> dict:
    cfg: dict = {"strategy": ECS_STRATEGY[strategy],
                 "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    if strategy == "rolling":
        rolling = _rolling(env)
        cfg.update(minimumHealthyPercent=rolling.min_healthy_percent, maximumPercent=rolling.max_percent)
    elif strategy == "blue-green":
        cfg["bakeTimeInMinutes"] = env.blue_green.bake_minutes
    elif strategy == "canary":
        cfg["bakeTimeInMinutes"] = env.canary.bake_minutes
        cfg["canaryConfiguration"] = {"canaryPercent": env.canary.percent,
                                      "canaryBakeTimeInMinutes": env.canary.canary_minutes}
    elif strategy == "linear":
        cfg["bakeTimeInMinutes"] = env.linear.bake_minutes
        cfg["linearConfiguration"] = {"stepPercent": env.linear.step_percent,
                                      "stepBakeTimeInMinutes": env.linear.step_minutes}
    alarms = alarms_of(env)
    if alarms:
        cfg["alarms"] = {"alarmNames": alarms, "enable": True, "rollback": True}
    if env.hooks and strategy in NATIVE:
        cfg["lifecycleHooks"] = [_hook(h, hook_role) for h in env.hooks]
    return cfg


def _rolling(env):
    """A migration runs the new service rolling whatever the descriptor's strategy: its defaults."""
    from jenkinsctl.descriptor.model import RollingSpec

    return env.rolling or RollingSpec()


def _hook(h, role: str | None) -> dict:
    out = {"targetType": "AWS_LAMBDA", "hookTargetArn": h.function, "lifecycleStages": list(h.stages)}
    if role:
        out["roleArn"] = role
    if h.timeout_minutes:
        out["timeoutConfiguration"] = {"timeoutInMinutes": h.timeout_minutes, "action": h.on_timeout.upper()}
    return out


def load_balancers(container: str, port: int | None, strategy: str, w: Wiring) -> list[dict]:
    if not w.load_balanced or port is None:
        return []
    lb: dict[str, object] = {"targetGroupArn": w.primary_tg, "containerName": container, "containerPort": port}
    if strategy in NATIVE:
        adv = {"alternateTargetGroupArn": w.alternate_tg, "productionListenerRule": w.production_rule,
               "roleArn": w.infrastructure_role}
        if w.test_rule:
            adv["testListenerRule"] = w.test_rule
        lb["advancedConfiguration"] = adv
    return [lb]


def same_wiring(current: list[dict] | None, wanted: list[dict]) -> bool:
    """Whether the service's load balancers already say what we would send. ECS may swap primary
    and alternate between deployments, so the two target groups compare as a set."""
    def key(lbs):
        if not lbs:
            return None
        lb = lbs[0]
        adv = lb.get("advancedConfiguration") or {}
        return (frozenset(filter(None, (lb.get("targetGroupArn"), adv.get("alternateTargetGroupArn")))),
                lb.get("containerName"), lb.get("containerPort"), adv.get("productionListenerRule"),
                adv.get("testListenerRule"), adv.get("roleArn"))
    return key(current) == key(wanted)


def describe(env, strategy: str) -> str:
    """One line: what ECS will do, in the descriptor's terms."""
    if strategy == "rolling":
        r = _rolling(env)
        return f"rolling update: min healthy {r.min_healthy_percent}%, max {r.max_percent}%"
    if strategy == "blue-green":
        test = "test listener to the new revision first, then " if env.blue_green.test_listener else ""
        return f"blue-green by ECS (BLUE_GREEN): {test}all production traffic at once, bake " \
               f"{env.blue_green.bake_minutes} min, then the old revision stops"
    if strategy == "canary":
        c = env.canary
        return f"canary by ECS (CANARY): {c.percent:g}% for {c.canary_minutes} min, then 100%, bake {c.bake_minutes} min"
    lin = env.linear
    return f"linear by ECS (LINEAR): +{lin.step_percent:g}% every {lin.step_minutes} min to 100%, " \
           f"bake {lin.bake_minutes} min"
