"""What each environment runs now: live revision, image digest, version, tasks, traffic, ECS's
last deployment and its last known good record. Read-only: a bounded number of describe calls
per environment."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.deploy import plan as planning
from jenkinsctl.deploy.lastgood import LastKnownGood
from jenkinsctl.deploy.resources import resources_for

SANDBOX_NOTE = "sandbox (moto): ECS runs no blue-green, canary or linear deployment here and records none; " \
               "traffic stays where the listener rule was created and running counts are moto's"


@dataclass
class EnvState:
    env: str
    strategy: str
    service: str = "-"
    taskdef: str = "-"
    version: str = "-"
    digest: str = "-"
    running: str = "-"
    traffic: str = "-"
    last_good: str = "-"
    deployment: str = "-"

    def render(self) -> str:
        return (f"  {self.env:<8} {self.version:<8} {self.digest[:19]:<19}  {self.taskdef:<22} {self.service:<22} "
                f"{self.running:<11} {self.traffic:<18} {self.last_good:<28} {self.deployment}")


HEADER = f"  {'env':<8} {'version':<8} {'digest':<19}  {'task definition':<22} {'ECS service':<22} " \
         f"{'running':<11} {'traffic':<18} {'last known good':<28} last ECS deployment"


def environment_state(clients, resolved, env_name: str, sandbox: bool = False) -> EnvState:
    from jenkinsctl.aws.ecs import AwsUnsupported
    from jenkinsctl.aws.elbv2 import forward_weights

    env = resolved.environment(env_name)
    res = resources_for(resolved, env)
    state = EnvState(env_name, env.strategy)
    observed = planning.observe(clients, res, env, env.strategy, {"containerDefinitions": []})
    record = LastKnownGood(clients, res).get()
    if record:
        state.last_good = f"{record.version} {record.at}"
    svc = observed.service or (observed.legacy.get(observed.live_slot) if observed.live_slot else None)
    if svc is None:
        state.traffic = "not deployed"
        return state
    current = observed.current_taskdef or {}
    image = (current.get("containerDefinitions") or [{}])[0].get("image") or "-"
    state.service = svc["serviceName"]
    state.taskdef = (svc.get("taskDefinition") or "-").rsplit("/", 1)[-1]
    state.version = (current.get("tags") or {}).get("version", "-")
    state.digest = image.rsplit("@", 1)[-1]
    state.running = f"{svc.get('runningCount', 0)}/{svc.get('desiredCount', 0)}"
    if observed.rule:
        names = {g["TargetGroupArn"]: res.slot_label(n) for n, g in observed.target_groups.items() if g}
        weights = forward_weights(observed.rule)
        state.traffic = " ".join(f"{names.get(a) or 'tg'}={w}%" for a, w in sorted(weights.items(),
                                                                                   key=lambda kv: -kv[1]))
    else:
        state.traffic = "no load balancer"
    if observed.service is None:
        state.deployment = "two-service layout: the next deploy migrates it to one service"
        return state
    try:
        newest = clients.ecs.newest_service_deployment(res.cluster, res.ecs_service_name)
    except AwsUnsupported:
        if not sandbox:
            raise
        state.deployment = "n/a (sandbox)"
        return state
    if newest:
        reason = newest.get("statusReason")
        state.deployment = newest.get("status", "-") + (f": {reason}" if reason and newest.get("status") !=
                                                       "SUCCESSFUL" else "")
    return state
