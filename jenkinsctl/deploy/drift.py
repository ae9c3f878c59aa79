"""Config drift: per service and environment, does the descriptor's runtime configuration differ
from the one the running revision was deployed with (the config hash in its deploy record)?

Read-only; `jobs diff --config-deploys` prints the result, `jobs sync --config-deploys` starts
each environment's deploy job with the running version and CONFIG_ONLY=true, so approval
environments wait on their input step like any deploy."""

from __future__ import annotations

from dataclasses import dataclass, field

from jenkinsctl.deploy.runtime_config import config_hash, field_diff, runtime_config


@dataclass(frozen=True)
class ConfigDrift:
    service: str
    env: str
    job: str              # the deploy job that redeploys it
    version: str
    digest: str
    approval: bool
    state: str            # drift | unknown
    changes: list[str] = field(default_factory=list)

    def render(self) -> list[str]:
        if self.state == "unknown":
            return [f"?        {self.job}  (deployed {self.version} before config hashes were recorded; "
                    "`jenkinsctl step deploy --config-only` records it)"]
        gate = "; waits for approval (input step)" if self.approval else ""
        head = f"redeploy {self.job}  (runtime config changed since {self.version} was deployed; same image " \
               f"{self.digest[:19]}{gate})"
        return [head, *[f"    {c}" for c in self.changes]]


def config_drift(aws, services, job_root) -> list[ConfigDrift]:
    """`services`: resolved services; `job_root(resolved)` -> their Jenkins folder."""
    from jenkinsctl.deploy.lastgood import LastKnownGood
    from jenkinsctl.deploy.resources import resources_for

    out = []
    for svc in services:
        for env in svc.environments.values():
            record = LastKnownGood(aws.for_environment(env, svc.name), resources_for(svc, env)).get()
            if record is None:
                continue  # nothing runs there: the next deploy uses the current config anyway
            wanted = runtime_config(env)
            job = f"{job_root(svc)}/deploy-{env.name}"
            if not record.config:
                out.append(ConfigDrift(svc.name, env.name, job, record.version, record.digest, env.approval, "unknown"))
            elif record.config != config_hash(wanted):
                changes = field_diff(record.runtime, wanted) if record.runtime else ["(fields not recorded)"]
                out.append(ConfigDrift(svc.name, env.name, job, record.version, record.digest, env.approval,
                                       "drift", changes))
    return out


def start_redeploys(client, drifts: list[ConfigDrift], report) -> list[tuple[ConfigDrift, int]]:
    """Queue each drifting environment's deploy job: VERSION = the running one, CONFIG_ONLY."""
    started = []
    for d in drifts:
        if d.state != "drift":
            continue
        queue_id = client.build(d.job, {"VERSION": d.version, "CONFIG_ONLY": "true"})
        started.append((d, queue_id))
        report(f"queued {d.job} (VERSION={d.version}, CONFIG_ONLY=true), queue item {queue_id}"
               + ("; it waits for approval (input step)" if d.approval else ""))
    return started
