"""Handle instance-going-away events: drain the ECS container instance, take its Jenkins agents
offline, record the builds they ran, abort them and resubmit each once (same parameters).

Events: EventBridge "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance
Recommendation", "EC2 Instance-terminate Lifecycle Action"; an Auto Scaling lifecycle
notification delivered straight to SQS; any of these wrapped in an SNS notification.

Idempotent under duplicated, late and out-of-order events: every step checks what is already
true (DRAINING, node offline, build aborted, build resubmitted) and a ledger (a JSON file) keeps
what was recorded and resubmitted, keyed by instance and by build."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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

    def seen(self, event_id: str) -> bool:
        return bool(event_id) and event_id in self.data["events"]

    def note_event(self, event_id: str) -> None:
        if event_id and event_id not in self.data["events"]:
            self.data["events"] = (self.data["events"] + [event_id])[-1000:]

    def instance(self, instance_id: str) -> dict:
        return self.data["instances"].setdefault(instance_id, {"nodes": [], "lifecycle": None, "completed": False})

    def build(self, job: str, number: int) -> dict | None:
        return self.data["builds"].get(f"{job}#{number}")

    def record_build(self, job: str, number: int, instance_id: str, node: str, parameters: dict) -> dict:
        key = f"{job}#{number}"
        if key not in self.data["builds"]:
            self.data["builds"][key] = {"job": job, "number": number, "instance": instance_id, "node": node,
                                        "parameters": parameters, "state": "recorded", "queueId": None}
        return self.data["builds"][key]

    def pending(self) -> list[dict]:
        return [b for b in self.data["builds"].values() if b["state"] in ("recorded", "aborting")]

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
    """Carries out a drain with the ECS client, the Jenkins agents wrapper and the Auto Scaling client."""

    def __init__(self, clients, jenkins, cluster: str, ledger: Ledger):
        self.clients = clients
        self.jenkins = jenkins  # jenkinsctl.jenkins.agents.JenkinsAgents
        self.cluster = cluster
        self.ledger = ledger

    def handle(self, event: DrainEvent) -> DrainReport:
        report = DrainReport(asdict(event), duplicate=self.ledger.seen(event.id))
        self.ledger.note_event(event.id)
        if event.kind == "test" or not event.instance_id:
            report.steps.append("test notification: nothing to do")
            return report
        entry = self.ledger.instance(event.instance_id)
        if event.hook and event.token:
            entry["lifecycle"] = {"group": event.group, "hook": event.hook, "token": event.token}
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
            entry["nodes"] = sorted(set(entry["nodes"]) | set(names))
        why = event.kind.replace("-", " ")
        for name in entry["nodes"]:
            node = self.jenkins.node(name)
            if node is None:
                continue
            if self.jenkins.mark_offline(name, DRAIN_MESSAGE.format(instance=event.instance_id, why=why)):
                report.nodes_offlined.append(name)
                report.steps.append(f"agent {name} marked offline")
            for run in node.running:
                if self.ledger.build(run.job, run.number) is None:
                    state = self.jenkins.build_state(run.job, run.number)
                    self.ledger.record_build(run.job, run.number, event.instance_id, name,
                                             state.parameters if state else {})
                    report.steps.append(f"recorded {run.job} #{run.number} (was running on {name})")
        self._progress(report, instance_id=event.instance_id)
        self._complete_lifecycle(report, event.instance_id)
        return report

    def resume(self) -> DrainReport:
        """Carry on with builds recorded earlier (aborts that had not finished yet)."""
        report = DrainReport({"kind": "pending", "instance_id": None, "id": ""})
        self._progress(report)
        for instance_id, entry in self.ledger.data["instances"].items():
            if entry.get("lifecycle") and not entry.get("completed"):
                self._complete_lifecycle(report, instance_id)
        return report

    def _progress(self, report: DrainReport, instance_id: str | None = None) -> None:
        for rec in self.ledger.pending():
            if instance_id and rec["instance"] != instance_id:
                continue
            ref = f"{rec['job']} #{rec['number']}"
            state = self.jenkins.build_state(rec["job"], rec["number"])
            if state is None:
                rec["state"] = "gone"
                report.steps.append(f"{ref}: no longer in Jenkins; not resubmitted")
                continue
            if state.building:
                if rec["state"] == "recorded":
                    self.jenkins.abort(rec["job"], rec["number"])
                    rec["state"] = "aborting"
                    report.aborted.append(ref)
                    report.steps.append(f"{ref}: abort requested")
                state = self.jenkins.build_state(rec["job"], rec["number"]) or state
            if state.building:
                report.waiting.append(ref)
                continue
            if state.result == "SUCCESS":
                rec["state"] = "finished"
                report.steps.append(f"{ref}: finished successfully before the abort; not resubmitted")
                continue
            queue_id = self.jenkins.resubmit(rec["job"], rec["parameters"])
            rec["state"] = "resubmitted"
            rec["queueId"] = queue_id
            report.resubmitted.append(ref)
            report.steps.append(f"{ref}: {state.result or 'stopped'}; resubmitted with the same parameters "
                                f"(queue item {queue_id})")

    def _complete_lifecycle(self, report: DrainReport, instance_id: str) -> None:
        entry = self.ledger.instance(instance_id)
        hook = entry.get("lifecycle")
        if not hook or entry.get("completed"):
            return
        open_builds = [b for b in self.ledger.data["builds"].values()
                       if b["instance"] == instance_id and b["state"] in ("recorded", "aborting")]
        if open_builds:
            report.steps.append("lifecycle action left pending: builds still stopping")
            return
        from jenkinsctl.errors import AwsError

        try:
            self.clients.autoscaling.complete_lifecycle_action(hook["group"], hook["hook"], hook["token"], instance_id)
            report.steps.append("lifecycle action completed: the instance may terminate")
        except AwsError as exc:
            if "No active Lifecycle Action" not in exc.message and "NotFound" not in exc.message:
                raise
            report.steps.append("lifecycle action already over (instance gone)")
        entry["completed"] = True
        report.lifecycle_completed = True
