"""The drain ledger in DynamoDB: shared by every controller, durable across restarts.

One table (`Names.state_table`, created by `agents apply`, on-demand billing, TTL on `expires`),
one item per event, instance and build (`pk` = `event#ID`, `instance#ID`, `build#JOB#NUMBER`), and
the pre-warm history, one item per job (`history#JOB`, `HistoryStore`).
Every step of a build's life is a conditional write from the state it must be in:

    recorded -> keeping (will finish inside the warning) | aborting -> resubmitting -> resubmitted
             -> finished | gone

Only the controller whose write succeeds takes the step, so two controllers (or a duplicate or
late event) never abort twice nor resubmit twice. `resubmitting` is written *before* Jenkins is
asked to queue the build: a controller killed after it and before `resubmitted` leaves a claim
that another one takes over once the claim is older than `CLAIM_SECONDS`, after looking in
Jenkins for the queue item or build the dead one may already have made (then it adopts it)."""

from __future__ import annotations

import time
import uuid

EVENT_TTL_SECONDS = 2 * 86400  # EventBridge redelivers within hours; two days is plenty
RECORD_TTL_SECONDS = 14 * 86400  # builds and instances: long enough to read back in `agents status`
CLAIM_SECONDS = 30.0  # a resubmission claimed longer ago than this, with no queue item, was abandoned
HISTORY_TTL_SECONDS = 30 * 86400
HISTORY_ITEM_BYTES = 64 * 1024  # well below DynamoDB's 400 KB item limit; grouped fan-outs are far smaller
MAX_KEY_BYTES = 2048  # DynamoDB's partition key limit
OPEN_STATES = ("recorded", "keeping", "aborting", "resubmitting")


class DynamoLedger:
    """The drainer's ledger (same methods as the JSON `drainer.Ledger`) on a DynamoDB table."""

    def __init__(self, dynamodb, table: str, owner: str | None = None, clock=time.time):
        self.db = dynamodb  # jenkinsctl.aws.dynamodb.DynamoDb
        self.table = table
        self.owner = owner or uuid.uuid4().hex[:12]
        self.clock = clock

    # events ----------------------------------------------------------------------------------
    def note_event(self, event_id: str) -> bool:
        """Record the event; False when it was recorded before (a duplicate delivery)."""
        if not event_id:
            return True
        now = self.clock()
        return self.db.put_new(self.table, {"pk": f"event#{event_id}", "kind": "event", "at": now,
                                            "expires": int(now + EVENT_TTL_SECONDS)})

    # instances -------------------------------------------------------------------------------
    def instance(self, instance_id: str) -> dict:
        got = self.db.get(self.table, {"pk": f"instance#{instance_id}"})
        return got or {"pk": f"instance#{instance_id}", "kind": "instance", "id": instance_id, "nodes": [],
                       "lifecycle": None, "completed": False}

    def save_instance(self, instance_id: str, entry: dict) -> None:
        """Merge what this controller learnt (nodes, the lifecycle hook) into the stored instance."""
        have = self.instance(instance_id)
        nodes = sorted(set(have.get("nodes") or []) | set(entry.get("nodes") or []))
        item = {**have, **entry, "nodes": nodes, "completed": bool(have.get("completed") or entry.get("completed")),
                "lifecycle": entry.get("lifecycle") or have.get("lifecycle"),
                "expires": int(self.clock() + RECORD_TTL_SECONDS)}
        self.db.update_if(self.table, {"pk": item["pk"]}, {},
                          {k: v for k, v in item.items() if k != "pk"})

    def instances(self) -> dict[str, dict]:
        return {i["id"]: i for i in self.db.query_prefix(self.table, "instance")}

    def complete_instance(self, instance_id: str) -> bool:
        """Mark the lifecycle action completed; False if another controller did it first."""
        return self.db.update_if(self.table, {"pk": f"instance#{instance_id}"}, {"completed": False},
                                 {"completed": True})

    # builds ----------------------------------------------------------------------------------
    def build(self, job: str, number: int) -> dict | None:
        return self.db.get(self.table, {"pk": _build_key(job, number)})

    def record_build(self, job: str, number: int, instance_id: str, node: str, parameters: dict) -> dict:
        item = {"pk": _build_key(job, number), "kind": "build", "job": job, "number": number,
                "instance": instance_id, "node": node, "parameters": parameters, "state": "recorded",
                "queueId": None, "at": self.clock(), "expires": int(self.clock() + RECORD_TTL_SECONDS)}
        if self.db.put_new(self.table, item):
            return item
        return self.build(job, number) or item

    def pending(self) -> list[dict]:
        return sorted((b for b in self.db.query_prefix(self.table, "build") if b["state"] in OPEN_STATES),
                      key=lambda b: (b["job"], b["number"]))

    def builds(self) -> list[dict]:
        return self.db.query_prefix(self.table, "build")

    def transition(self, rec: dict, to: str, **fields) -> bool:
        """Move `rec` from the state it holds to `to`, only if the table still has it there. On
        success `rec` is updated; on failure it is reloaded (another controller moved it)."""
        values = {"state": to, "owner": self.owner, "claimedAt": self.clock(), **fields}
        ok = self.db.update_if(self.table, {"pk": rec["pk"]}, {"state": rec["state"]}, values)
        if ok:
            rec.update(values)
        else:
            rec.update(self.build(rec["job"], rec["number"]) or {})
        return ok

    def abandoned(self, rec: dict) -> bool:
        """A resubmission claim whose controller did not finish it in time."""
        return rec["state"] == "resubmitting" and self.clock() - float(rec.get("claimedAt") or 0) >= CLAIM_SECONDS

    def save(self) -> None:
        """Every write above is already durable."""


class HistoryStore:
    """The pre-warm history (`history.History`) in the same table: one item per job
    (`pk` = `history#JOB`), a plain put (last writer wins: two controllers learn the same
    facts), at most `HISTORY_ITEM_BYTES` (the fan-out is cut to fit), TTL `HISTORY_TTL_SECONDS`
    after its last write (a job gone that long is forgotten)."""

    def __init__(self, dynamodb, table: str, clock=time.time):
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def load(self) -> list[dict]:
        return self.db.query_prefix(self.table, "history")

    def save(self, entry: dict) -> bool:
        """Store one job's entry; False (nothing written) when even its key is too long."""
        key = f"history#{entry['job']}"
        if len(key.encode()) > MAX_KEY_BYTES:
            return False
        item = {"pk": key, "kind": "history", **entry, "at": self.clock(),
                "expires": int(self.clock() + HISTORY_TTL_SECONDS)}
        while len(repr(item).encode()) > HISTORY_ITEM_BYTES and item["fanout"]:
            item["fanout"] = item["fanout"][:-1]  # the last shapes seen go first
        self.db.put(self.table, item)
        return True


def _build_key(job: str, number: int) -> str:
    return f"build#{job}#{number}"


def table_props(cluster: str, tags: dict[str, str]) -> dict:
    """What `agents apply` creates (the plan's `state_table` resource)."""
    return {"key": ["pk"], "billing": "PAY_PER_REQUEST", "ttlAttribute": "expires", "tags": tags}


def create_table_calls(name: str, props: dict) -> list[tuple[str, dict]]:
    """The DynamoDB calls that create the state table (`agents apply`, and the sandbox)."""
    return [("create_table", {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                              "Tags": [{"Key": k, "Value": v} for k, v in sorted(props["tags"].items())]}),
            ("update_time_to_live", {"TableName": name, "TimeToLiveSpecification": {
                "Enabled": True, "AttributeName": props["ttlAttribute"]}})]
