"""Handle instance-going-away events: drain the ECS container instance, take its Jenkins agents
offline, record the builds they ran, abort them and resubmit each once (same parameters).

Events: EventBridge "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance
Recommendation", "EC2 Instance-terminate Lifecycle Action"; an Auto Scaling lifecycle
notification delivered straight to SQS; any of these wrapped in an SNS notification.

Idempotent under duplicated, late and out-of-order events: every step checks what is already
true (DRAINING, node offline, build aborted, build resubmitted) and a ledger keeps what was
recorded and resubmitted, keyed by instance and by build: a JSON file for `agents drain`, the
fleet's DynamoDB table (`sharedstate.DynamoLedger`) for `agents controller`."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jenkinsctl.agents.spotwindow import WARNING_SECONDS, RunningBuild, triage
from jenkinsctl.errors import InvalidInputError, Problem

DRAIN_MESSAGE = "jenkinsctl: instance {instance} is going away ({why}); builds are resubmitted elsewhere"


@dataclass(frozen=True)
class DrainEvent:
    kind: str  # spot-interruption | rebalance | terminate-lifecycle | test
    instance_id: str | None
    id: str
    time: str = ""
    group: str | None = None
    hook: str | None = None
    token: str | None = None


def parse_event(raw: Any, source: str = "event", prefix: str = "") -> DrainEvent:
    """One event (a dict, or JSON text) -> DrainEvent; unknown shapes and every field of the wrong
    type are invalid input, named (`agents.events`). `prefix`: where this event sits (SNS `Message.`)."""
    from jenkinsctl.agents import events as ev

    data = raw
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad(source, "is not UTF-8") from None
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except RecursionError:
            raise _bad(source, "is nested too deeply") from None  # the cause is a thousand-frame traceback
        except ValueError as exc:
            raise _bad(source, "is not JSON") from exc
    if not isinstance(data, dict):
        raise _bad(source, "is not a JSON object")
    if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):  # SNS envelope
        inner = parse_event(data["Message"], source, f"{prefix}Message.")
        return inner if inner.id else DrainEvent(**{**asdict(inner), "id": ev.text(data, "MessageId", source,
                                                                                     f"{prefix}MessageId")})
    detail_type = data.get("detail-type")
    if detail_type in ("EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation"):
        detail = ev.detail_of(data, source, prefix)
        kind = "spot-interruption" if "Interruption" in detail_type else "rebalance"
        return DrainEvent(kind, ev.instance_id(detail, "instance-id", source, f"{prefix}detail.instance-id"),
                          ev.text(data, "id", source, f"{prefix}id"), ev.text(data, "time", source, f"{prefix}time"))
    if detail_type == "EC2 Instance-terminate Lifecycle Action":
        detail = ev.detail_of(data, source, prefix)
        return DrainEvent("terminate-lifecycle",
                          ev.instance_id(detail, "EC2InstanceId", source, f"{prefix}detail.EC2InstanceId"),
                          ev.text(data, "id", source, f"{prefix}id"), ev.text(data, "time", source, f"{prefix}time"),
                          *(ev.text(detail, k, source, f"{prefix}detail.{k}") or None
                            for k in ("AutoScalingGroupName", "LifecycleHookName", "LifecycleActionToken")))
    if data.get("LifecycleTransition") == "autoscaling:EC2_INSTANCE_TERMINATING":
        group, hook, token = (ev.text(data, k, source, f"{prefix}{k}") or None
                              for k in ("AutoScalingGroupName", "LifecycleHookName", "LifecycleActionToken"))
        return DrainEvent("terminate-lifecycle", ev.instance_id(data, "EC2InstanceId", source, f"{prefix}EC2InstanceId"),
                          ev.text(data, "RequestId", source, f"{prefix}RequestId") or token or "",
                          ev.text(data, "Time", source, f"{prefix}Time"), group, hook, token)
    if data.get("Event") == "autoscaling:TEST_NOTIFICATION":
        return DrainEvent("test", None, ev.text(data, "RequestId", source, f"{prefix}RequestId"))
    raise _bad(source, "is neither a spot interruption warning, a rebalance recommendation nor an Auto "
               "Scaling terminate lifecycle event")


def _bad(source: str, what: str) -> InvalidInputError:
    from jenkinsctl.agents.events import event_error, event_problem

    return event_error(source, [event_problem(source, "", f"the event {what}")])


class Ledger:
    """What the drainer recorded and did, per instance and per build; a JSON file written atomically."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.data: dict = {"instances": {}, "builds": {}, "events": []}
        if self.path.exists():
            from jenkinsctl.agents.events import checked_ledger

            try:
                self.data = checked_ledger(json.loads(self.path.read_text()), str(self.path))
            except (ValueError, RecursionError) as exc:
                raise InvalidInputError([Problem(str(self.path), 0, 0, "", "the drain ledger is not JSON",
                                                 "restore it, or move it away to start a fresh ledger")], "ledger",
                                        "nothing was drained: restore the ledger, or move it away to start a fresh "
                                        "one (the builds it recorded for --pending are then forgotten)") from exc

    def note_event(self, event_id: str) -> bool:
        """Record the event; False when it was recorded before (a duplicate delivery)."""
        if not event_id:
            return True
        if event_id in self.data["events"]:
            return False
        self.data["events"] = (self.data["events"] + [event_id])[-1000:]
        return True

    def instance(self, instance_id: str) -> dict:
        return self.data["instances"].setdefault(instance_id, {"nodes": [], "lifecycle": None, "completed": False})

    def save_instance(self, instance_id: str, entry: dict) -> None:
        self.data["instances"][instance_id] = entry

    def instances(self) -> dict[str, dict]:
        return self.data["instances"]

    def complete_instance(self, instance_id: str) -> bool:
        entry = self.instance(instance_id)
        done, entry["completed"] = entry.get("completed"), True
        return not done

    def transition(self, rec: dict, to: str, **fields) -> bool:
        rec.update({"state": to, **fields})
        return True

    def abandoned(self, rec: dict) -> bool:
        return rec["state"] == "resubmitting"  # one process owns a JSON ledger: a claim left is a crash

    def build(self, job: str, number: int) -> dict | None:
        return self.data["builds"].get(f"{job}#{number}")

    def record_build(self, job: str, number: int, instance_id: str, node: str, parameters: dict) -> dict:
        key = f"{job}#{number}"
        if key not in self.data["builds"]:
            self.data["builds"][key] = {"job": job, "number": number, "instance": instance_id, "node": node,
                                        "parameters": parameters, "state": "recorded", "queueId": None}
        return self.data["builds"][key]

    def pending(self) -> list[dict]:
        from jenkinsctl.agents.sharedstate import OPEN_STATES

        return [b for b in self.data["builds"].values() if b["state"] in OPEN_STATES]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".drain-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(self.data, f, indent=2, sort_keys=True)
        os.replace(tmp, self.path)


@dataclass
class DrainReport:
    event: dict
    duplicate: bool = False
    container_instance: str | None = None
    steps: list[str] = field(default_factory=list)
    nodes_offlined: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    resubmitted: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    lifecycle_completed: bool = False

    def to_data(self) -> dict:
        return asdict(self)

    def render(self) -> str:
        e = self.event
        head = f"{e['kind']} {e['instance_id'] or '-'}" + (" (duplicate event)" if self.duplicate else "")
        lines = [head] + [f"  {s}" for s in self.steps]
        if self.waiting:
            lines.append(f"  waiting: {', '.join(self.waiting)} (run `jenkinsctl agents drain --pending` again)")
        return "\n".join(lines)


class Drainer:
    """Carries out a drain with the ECS client, the Jenkins agents wrapper and the Auto Scaling
    client. `ledger`: the JSON `Ledger` (one process) or `sharedstate.DynamoLedger` (shared,
    conditional writes); every step on a build is a `ledger.transition` only its winner acts on.

    The two-minute window (`spotwindow.triage`): on a spot interruption warning a build Jenkins
    expects to finish before the instance goes (its start + Jenkins' duration estimate, with a
    margin) keeps running; the rest are aborted and resubmitted at once. A rebalance
    recommendation drains (no new builds: container instance DRAINING, agents offline) and
    aborts nothing."""

    def __init__(self, clients, jenkins, cluster: str, ledger, clock=time.time):
        self.clients = clients
        self.jenkins = jenkins  # jenkinsctl.jenkins.agents.JenkinsAgents
        self.cluster = cluster
        self.ledger = ledger
        self.clock = clock

    def handle(self, event: DrainEvent) -> DrainReport:
        report = DrainReport(asdict(event), duplicate=not self.ledger.note_event(event.id))
        if event.kind == "test" or not event.instance_id:
            report.steps.append("test notification: nothing to do")
            return report
        entry = dict(self.ledger.instance(event.instance_id))
        if event.hook and event.token:
            entry["lifecycle"] = {"group": event.group, "hook": event.hook, "token": event.token}
        if event.kind == "spot-interruption":
            entry["deadline"] = min(float(entry.get("deadline") or 1e12), _deadline(event, self.clock()))
        ci = self.clients.ecs.container_instance_of(self.cluster, event.instance_id)
        if ci is None:
            report.steps.append(f"no container instance for {event.instance_id} in {self.cluster} "
                                "(already gone, or not ours): nothing to drain")
        else:
            report.container_instance = ci.arn
            if ci.status == "DRAINING":
                report.steps.append("container instance already DRAINING")
            else:
                self.clients.ecs.drain(self.cluster, ci.arn)
                report.steps.append("container instance set to DRAINING")
            names = self.clients.ecs.agent_names_on(self.cluster, ci.arn)
            entry["nodes"] = sorted(set(entry.get("nodes") or []) | set(names))
        self.ledger.save_instance(event.instance_id, entry)
        why = event.kind.replace("-", " ")
        running = []
        for name in entry.get("nodes") or []:
            node = self.jenkins.node(name)
            if node is None:
                continue
            if self.jenkins.mark_offline(name, DRAIN_MESSAGE.format(instance=event.instance_id, why=why)):
                report.nodes_offlined.append(name)
                report.steps.append(f"agent {name} marked offline")
            running += [(name, run) for run in node.running]
        if event.kind == "rebalance":
            if running:
                report.steps.append(f"rebalance recommendation: {len(running)} build(s) left to finish, none aborted")
            return report
        for name, run in running:
            if self.ledger.build(run.job, run.number) is None:
                state = self.jenkins.build_state(run.job, run.number)
                self.ledger.record_build(run.job, run.number, event.instance_id, name,
                                         state.parameters if state else {})
                report.steps.append(f"recorded {run.job} #{run.number} (was running on {name})")
        self._progress(report, instance_id=event.instance_id)
        self._complete_lifecycle(report, event.instance_id)
        return report

    def resume(self) -> DrainReport:
        """Carry on with builds recorded earlier (aborts not done yet, claims left by a dead controller)."""
        report = DrainReport({"kind": "pending", "instance_id": None, "id": ""})
        self._progress(report)
        for instance_id, entry in self.ledger.instances().items():
            if entry.get("lifecycle") and not entry.get("completed"):
                self._complete_lifecycle(report, instance_id)
        return report

    def _progress(self, report: DrainReport, instance_id: str | None = None) -> None:
        deadlines: dict[str, float | None] = {}
        for rec in self.ledger.pending():
            if instance_id and rec["instance"] != instance_id:
                continue
            if rec["instance"] not in deadlines:
                deadlines[rec["instance"]] = self.ledger.instance(rec["instance"]).get("deadline")
            self._step(rec, report, deadlines[rec["instance"]])

    def _step(self, rec: dict, report: DrainReport, deadline: float | None) -> None:
        ref = f"{rec['job']} #{rec['number']}"
        if rec["state"] == "resubmitting":
            self._recover_claim(rec, ref, report)
            return
        state = self.jenkins.build_state(rec["job"], rec["number"])
        if state is None:
            if self.ledger.transition(rec, "gone"):
                report.steps.append(f"{ref}: no longer in Jenkins; not resubmitted")
            return
        now = self.clock()
        if state.building and rec["state"] in ("recorded", "keeping"):
            # no warning's deadline (a terminate lifecycle action): the instance is going now
            verdict = triage([RunningBuild(ref, state.started or now, state.estimated_seconds)], now,
                             now if deadline is None else deadline)
            if ref in verdict.keep and rec["state"] == "recorded":
                if self.ledger.transition(rec, "keeping"):
                    report.steps.append(f"{ref}: kept running ({verdict.reasons[ref]})")
            elif ref in verdict.resubmit and self.ledger.transition(rec, "aborting"):
                self.jenkins.abort(rec["job"], rec["number"])
                report.aborted.append(ref)
                report.steps.append(f"{ref}: abort requested ({verdict.reasons[ref]})")
            state = self.jenkins.build_state(rec["job"], rec["number"]) or state
        if state.building:
            report.waiting.append(ref)
            return
        if state.result == "SUCCESS":
            when = " inside the warning" if rec["state"] == "keeping" else " before the abort"
            if self.ledger.transition(rec, "finished"):
                report.steps.append(f"{ref}: finished successfully{when}; not resubmitted")
            return
        if not self.ledger.transition(rec, "resubmitting"):
            return  # another controller claimed it
        self._resubmit(rec, ref, report, state.result)

    def _resubmit(self, rec: dict, ref: str, report: DrainReport, result: str | None) -> None:
        queue_id = self.jenkins.resubmit(rec["job"], rec["parameters"])
        self.ledger.transition(rec, "resubmitted", queueId=queue_id)
        report.resubmitted.append(ref)
        report.steps.append(f"{ref}: {result or 'stopped'}; resubmitted with the same parameters "
                            f"(queue item {queue_id})")

    def _recover_claim(self, rec: dict, ref: str, report: DrainReport) -> None:
        """A resubmission claimed and never confirmed: adopt what Jenkins has, else resubmit."""
        if not self.ledger.abandoned(rec):
            report.waiting.append(ref)
            return
        if not self.ledger.transition(rec, "resubmitting"):  # take the claim over (one winner)
            return
        found = self.jenkins.find_resubmission(rec["job"], rec["parameters"], rec["number"])
        if found is not None:
            self.ledger.transition(rec, "resubmitted", queueId=found)
            report.steps.append(f"{ref}: resubmitted before a restart (queue item {found}); not resubmitted again")
            return
        self._resubmit(rec, ref, report, "abandoned claim")

    def _complete_lifecycle(self, report: DrainReport, instance_id: str) -> None:
        entry = self.ledger.instance(instance_id)
        hook = entry.get("lifecycle")
        if not hook or entry.get("completed"):
            return
        open_builds = [b for b in self.ledger.pending() if b["instance"] == instance_id]
        if open_builds:
            report.steps.append("lifecycle action left pending: builds still stopping")
            return
        if not self.ledger.complete_instance(instance_id):
            return  # another controller completed it
        from jenkinsctl.errors import AwsError

        try:
            self.clients.autoscaling.complete_lifecycle_action(hook["group"], hook["hook"], hook["token"], instance_id)
            report.steps.append("lifecycle action completed: the instance may terminate")
        except AwsError as exc:
            if "No active Lifecycle Action" not in exc.message and "NotFound" not in exc.message:
                raise
            report.steps.append("lifecycle action already over (instance gone)")
        report.lifecycle_completed = True


def _deadline(event: DrainEvent, now: float) -> float:
    """When the instance goes: the warning's time + 2 minutes (now + 2 min if it has none)."""
    from datetime import datetime

    try:
        at = datetime.fromisoformat(event.time.replace("Z", "+00:00")).timestamp() if event.time else now
    except ValueError:
        at = now
    return at + WARNING_SECONDS
