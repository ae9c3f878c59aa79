"""Last-known-good deploys per service and environment, in SSM Parameter Store:

    /jenkinsctl/<service>/<env>/last-known-good        the newest successful deploy (JSON), with `seq`
    /jenkinsctl/<service>/<env>/deploys/<seq:010d>     one parameter per successful deploy

One record per parameter (~500 bytes), so no Standard parameter's 4 KB is ever reached; the newest
KEEP are kept, older ones deleted as new ones come. Reads are bounded: the names follow from the
head's `seq`, read 10 per call (`history(limit)`). The history of jenkinsctl before this layout
(`/history`, ten records in one parameter) moves to it on first read or write.

A record: version, digest, image (by digest), repository, taskDefinition, gitSha, strategy, at, and
config: the hash of the runtime configuration deployed with it (deploy/runtime_config.py); the
newest record also keeps that configuration's fields (`runtime`), for a field-level diff."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, replace

from jenkinsctl.aws.ssm import STANDARD_VALUE_BYTES
from jenkinsctl.deploy.resources import Resources

KEEP = 100  # records kept per service and environment: 100 Standard parameters (10,000 per account)
READ = 50  # records `history()` reads by default: 5 calls


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
        self._known: dict | None = None  # the head as this process last read or wrote it

    @property
    def _current(self) -> str:
        return f"{self.res.ssm_prefix}/last-known-good"

    @property
    def _legacy(self) -> str:
        return f"{self.res.ssm_prefix}/history"

    def _name(self, seq: int) -> str:
        return f"{self.res.ssm_prefix}/deploys/{seq:010d}"

    @property
    def _what(self) -> str:
        return f"jenkinsctl: last known good deploy of {self.res.service} to {self.res.env}"

    def _head(self) -> dict | None:
        """The last-known-good JSON, with `seq`; migrates the single-parameter history first."""
        if self._known is not None:
            return self._known
        head = self.ssm.get_json(self._current)
        if head is not None and "seq" in head:
            self._known = head
            return head
        legacy = self.ssm.get_json(self._legacy) or []
        if not legacy and head is None:
            return None
        records = list(reversed(legacy)) or [head]  # oldest first
        for seq, data in enumerate(records, 1):
            self.ssm.put_json(self._name(seq), asdict(Record.of(data)), self._what + f" (#{seq})")
        head = {**(head or records[-1]), "seq": len(records)}
        self.ssm.put_json(self._current, head, self._what)
        self.ssm.delete(self._legacy)
        self._known = head
        return head

    def get(self) -> Record | None:
        data = self.ssm.get_json(self._current)
        return Record.of(data) if data else None

    def history(self, limit: int = READ) -> list[Record]:
        """The newest `limit` successful deploys, newest first, each (digest, task definition) once."""
        head = self._head()
        if head is None:
            return []
        seqs = range(head["seq"], max(0, head["seq"] - min(limit, KEEP)), -1)
        found = self.ssm.get_json_many([self._name(s) for s in seqs])
        out, seen = [], set()
        for s in seqs:
            data = found.get(self._name(s))
            if data is None:
                continue
            rec = Record.of(data)
            if (rec.digest, rec.taskDefinition) not in seen:
                seen.add((rec.digest, rec.taskDefinition))
                out.append(rec)
        return out

    def find(self, version: str | None = None, digest: str | None = None) -> Record | None:
        for record in self.history(KEEP):
            if (version is None or record.version == version) and (digest is None or record.digest == digest):
                return record
        return None

    def record(self, version: str, image: str, taskdef_arn: str, git_sha: str, strategy: str,
               config: str = "", runtime: dict | None = None) -> Record:
        repository, _, digest = image.partition("@")
        rec = Record(version, digest, image, repository, taskdef_arn, git_sha, strategy,
                     dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), config, runtime)
        head = self._head()
        last = Record.of(head) if head else None
        seq = (head or {}).get("seq", 0)
        if last is None or (last.digest, last.taskDefinition) != (rec.digest, rec.taskDefinition):
            seq += 1  # the same deploy again replaces the newest record
        # the runtime fields only in the head (for the field-level diff), while they fit its 4 KB:
        # the config hash in every record says whether the config changed either way
        self.ssm.put_json(self._name(seq), asdict(replace(rec, runtime=None)), self._what + f" (#{seq})")
        known = {**asdict(rec), "seq": seq}
        if len(json.dumps(known, sort_keys=True, separators=(",", ":")).encode()) > STANDARD_VALUE_BYTES:
            known["runtime"] = None
        self._known = known
        self.ssm.put_json(self._current, self._known, self._what)
        if seq > KEEP:
            self.ssm.delete_many([self._name(seq - KEEP)])
        return rec
