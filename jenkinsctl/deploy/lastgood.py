"""Last-known-good deploys per service and environment, in SSM Parameter Store:

    /jenkinsctl/<service>/<env>/last-known-good   the newest successful deploy (JSON)
    /jenkinsctl/<service>/<env>/history           the last HISTORY successful deploys, newest first

A record: version, digest, image (by digest), repository, taskDefinition, gitSha, strategy, at, and
config: the hash of the runtime configuration deployed with it (deploy/runtime_config.py); the
newest record also keeps that configuration's fields (`runtime`), for a field-level diff."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace

from jenkinsctl.deploy.resources import Resources

HISTORY = 10


@dataclass(frozen=True)
class Record:
    version: str
    digest: str
    image: str
    repository: str
    taskDefinition: str
    gitSha: str
    strategy: str
    at: str
    config: str = ""
    runtime: dict | None = field(default=None, compare=False)

    @classmethod
    def of(cls, data: dict) -> "Record":
        return cls(**{k: data.get(k, None if k == "runtime" else "") for k in cls.__dataclass_fields__})


class LastKnownGood:
    def __init__(self, clients, res: Resources):
        self.ssm = clients.ssm
        self.res = res

    @property
    def _current(self) -> str:
        return f"{self.res.ssm_prefix}/last-known-good"

    @property
    def _history(self) -> str:
        return f"{self.res.ssm_prefix}/history"

    def get(self) -> Record | None:
        data = self.ssm.get_json(self._current)
        return Record.of(data) if data else None

    def history(self) -> list[Record]:
        return [Record.of(d) for d in self.ssm.get_json(self._history) or []]

    def find(self, version: str | None = None, digest: str | None = None) -> Record | None:
        for record in self.history():
            if (version is None or record.version == version) and (digest is None or record.digest == digest):
                return record
        return None

    def record(self, version: str, image: str, taskdef_arn: str, git_sha: str, strategy: str,
               config: str = "", runtime: dict | None = None) -> Record:
        repository, _, digest = image.partition("@")
        rec = Record(version, digest, image, repository, taskdef_arn, git_sha, strategy,
                     dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), config, runtime)
        history = [r for r in self.history() if r.digest != rec.digest or r.taskDefinition != rec.taskDefinition]
        what = f"jenkinsctl: last known good deploy of {self.res.service} to {self.res.env}"
        # the fields only in the newest record: SSM Standard parameters hold 4 KB
        self.ssm.put_json(self._history, [asdict(replace(r, runtime=None)) for r in [rec, *history][:HISTORY]],
                          what + " (history)")
        self.ssm.put_json(self._current, asdict(rec), what)
        return rec
