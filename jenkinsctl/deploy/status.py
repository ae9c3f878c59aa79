"""What each environment runs now: live revision, image digest, version, tasks, traffic, and
its last known good record. Read-only: a bounded number of describe calls per environment."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.deploy import plan as planning
from jenkinsctl.deploy.lastgood import LastKnownGood
from jenkinsctl.deploy.resources import resources_for


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

    def render(self) -> str:
        return (f"  {self.env:<8} {self.version:<8} {self.digest[:19]:<19}  {self.taskdef:<22} {self.service:<22} "
                f"{self.running:<11} {self.traffic:<18} {self.last_good}")


HEADER = f"  {'env':<8} {'version':<8} {'digest':<19}  {'task definition':<22} {'ECS service':<22} " \
         f"{'running':<11} {'traffic':<18} last known good"


def environment_state(clients, resolved, env_name: str) -> EnvState:
    from jenkinsctl.aws.elbv2 import forward_weights

    env = resolved.environment(env_name)
    res = resources_for(resolved, env)
    state = EnvState(env_name, env.strategy)
    observed = planning.observe(clients, res, env, env.strategy, {"containerDefinitions": []})
    record = LastKnownGood(clients, res).get()
    if record:
        state.last_good = f"{record.version} {record.at}"
    slot = observed.live_slot
    svc = observed.services.get(res.ecs_service(slot)) if (slot or env.strategy in planning.SINGLE_SERVICE) else None
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
        names = {arn: s for s, arn in observed.target_groups.items() if arn}
        weights = forward_weights(observed.rule)
        state.traffic = " ".join(f"{names.get(a) or 'tg'}={w}%" for a, w in sorted(weights.items(),
                                                                                   key=lambda kv: -kv[1]))
    else:
        state.traffic = "no load balancer"
    return state
