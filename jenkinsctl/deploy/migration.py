"""From the two-service layout to one ECS service, without downtime.

Before ECS shifted traffic itself, jenkinsctl ran `<name>-blue` and `<name>-green` behind the
target groups `-b` and `-g` and moved the listener weights. The migration never touches the
listener rule: the new service `<name>` starts with the revision that serves now, in the live
slot's target group beside the live service; once ECS reports it steady (its tasks passed the
target group's health checks), the two old services are scaled to 0 and deleted. Then the deploy
proper updates `<name>` with ECS's own strategy, the other target group as the alternate.
Resumable: a rerun finds `<name>` and continues."""

from __future__ import annotations

from jenkinsctl.deploy.follow import service_rollout, short
from jenkinsctl.deploy.outcomes import SUCCEEDED, Status
from jenkinsctl.deploy.resources import SLOTS


def steps(res, env, observed, primary: str | None) -> list[str]:
    """The migration as planned steps (empty when there is nothing to migrate)."""
    legacy = observed.legacy
    if not legacy:
        return []
    live = observed.live_slot
    name = res.ecs_service_name
    out = []
    if live and observed.service is None:
        svc = legacy[live]
        where = f" in target group {primary} beside {res.legacy_service(live)}" if primary else ""
        out.append(f"create ECS service {name} running {short(svc.get('taskDefinition'))} (what "
                   f"{res.legacy_service(live)} serves now), {svc.get('desiredCount', 0)} tasks{where}")
    if live:
        out.append(f"wait until {name} is steady (ECS rollout COMPLETED: its tasks passed the health checks); "
                   f"if it is not, delete {name}: {res.legacy_service(live)} keeps serving")
    old = ", ".join(res.legacy_service(s) for s in SLOTS if s in legacy)
    out.append(f"scale {old} to 0 and delete {'them' if len(legacy) > 1 else 'it'}"
               + (f" ({name} serves)" if live else " (no traffic on them)"))
    return out


class Migration:
    """Run under the waiter like a strategy: `start` creates `<name>` with the live revision,
    `poll` follows its rollout, `finish` retires the old services, `abort` deletes `<name>`."""

    name = "migration"

    def __init__(self, target, observed):
        self.t = target
        self.o = observed
        self.live = observed.live_slot
        self.created = False
        self.seen: set[str] = set()
        live_svc = observed.legacy.get(self.live) if self.live else None
        self.revision = (observed.service or {}).get("taskDefinition") or (live_svc or {}).get("taskDefinition")
        self.desired = (live_svc or {}).get("desiredCount", 0)

    @property
    def needed_wait(self) -> bool:
        return bool(self.live)

    def start(self) -> str:
        t = self.t
        if self.o.service is not None or not self.live:
            return f"migration: {t.res.ecs_service_name} exists; continuing" if self.o.service else \
                "migration: no traffic on the old services"
        from jenkinsctl.deploy import ecs_config

        wiring = ecs_config.Wiring(primary_tg=t.wiring.primary_tg)  # no alternate yet: ECS moves nothing
        svc = t.ecs.create_service(**t.create_params(self.desired, taskdef_arn=self.revision, strategy="rolling",
                                                     wiring=wiring))
        t.service = svc
        self.created = True
        return f"migration: created ECS service {t.res.ecs_service_name} running {short(self.revision)}, " \
               f"{self.desired} tasks, beside {t.res.legacy_service(self.live)}"

    def poll(self, now: float) -> Status:
        t = self.t
        name = t.res.ecs_service_name
        svc = t.ecs.services(t.res.cluster, [name]).get(name)
        status = service_rollout("migration", svc, name, self.revision or "", self.seen)
        if svc is not None:
            t.service = svc
        return status

    def finish(self) -> list[str]:
        t = self.t
        scaling = t.clients.appautoscaling
        lines = []
        for slot in sorted(SLOTS, key=lambda s: s != self.live):  # the live one first
            svc = self.o.legacy.get(slot)
            if svc is None:
                continue
            old = t.res.legacy_service(slot)
            if scaling.target(t.res.cluster, old):
                scaling.remove(t.res.cluster, old)
            if svc.get("desiredCount", 0):
                t.ecs.update_service(cluster=t.res.cluster, service=old, desiredCount=0)
            t.ecs.delete_service(t.res.cluster, old)
            lines.append(f"migration: {old} scaled to 0 and deleted")
        return lines

    def abort(self, why: str) -> str:
        t = self.t
        if not self.created:
            return f"{t.res.legacy_service(self.live)} keeps serving" if self.live else "nothing to undo"
        t.ecs.delete_service(t.res.cluster, t.res.ecs_service_name)
        t.service = None
        return f"deleted {t.res.ecs_service_name}; {t.res.legacy_service(self.live)} keeps serving"


def outcome_ok(result) -> bool:
    return result.outcome == SUCCEEDED
