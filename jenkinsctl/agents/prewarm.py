"""The controller's pre-warm: learn each job's fan-out and durations from what the scaler already
reads from Jenkins, and announce a running build's children before they are queued.

Learning, every scale pass:
- a queued build with a `Cause$UpstreamCause` (Jenkins core's `hudson.model.Cause`, exported as
  `actions[].causes[]` with `upstreamProject`, `upstreamBuild`) is a child of that build; its
  label's template gives its cpu and memory. The children seen of a job's latest build are its
  fan-out (`history.History`); a child already running counts too (its queue id is the same).
- a build seen running on an agent node and gone since has ended: its duration (Jenkins'
  `duration`, or the time the controller saw it run) goes to its job's last 5.
What changed is written to the fleet's state table (`sharedstate.HistoryStore`, one item per
job), which a restarted or second controller loads first.

Predicting: a running build of a job with history whose children are not queued yet expects its
job's last fan-out at `start + min(recent durations)` (`History.predict`); `scaler.decide`
counts them once that is within a cold boot."""

from __future__ import annotations

import time
from typing import Callable

from jenkinsctl.agents.history import MAX_FANOUT, Child, History
from jenkinsctl.agents.scaler import Expected, template_of
from jenkinsctl.config.fleet import FleetSpec
from jenkinsctl.errors import JenkinsctlError

Key = tuple[str, int]  # (job, build number)


class Prewarm:
    def __init__(self, jenkins, spec: FleetSpec, store=None, progress: Callable[[str], None] | None = None):
        self.jenkins = jenkins  # jenkinsctl.jenkins.agents.JenkinsAgents
        self.spec = spec
        self.store = store  # sharedstate.HistoryStore, or None: remember in memory only
        self.progress = progress or (lambda line: None)
        self.history = History()
        self.started: dict[Key, float] = {}  # builds seen running -> their start (epoch seconds)
        self.children: dict[Key, dict[int, Child]] = {}  # parent build -> child queue id -> shape
        self.latest: dict[str, int] = {}  # job -> the latest build number seen releasing children
        self.loaded = store is None

    def load(self) -> None:
        """The stored history (once; a failure is retried on the next pass)."""
        if self.loaded:
            return
        entries = self.store.load()
        for entry in entries:
            self.history.load(entry)
        self.loaded = True
        if entries:
            self.progress(f"pre-warm: history of {len(entries)} job(s) loaded from {self.store.table}")

    def observe(self, queue, nodes, now: float | None = None) -> list[Expected]:
        """Learn from this pass's queue and nodes; the builds expected from the running ones."""
        now = time.time() if now is None else now
        try:
            self.load()
        except JenkinsctlError as exc:
            self.progress(f"pre-warm: history not loaded: {exc.message}; next pass")
        changed: set[str] = set()
        for q in queue:
            if q.upstream is not None:
                self._child(q.upstream, q.id, q.label)
        running: dict[Key, str] = {}
        for node in nodes:
            label = next((lb for lb in node.labels if template_of(lb) in self.spec.templates), None)
            for run in node.running:
                running[(run.job, run.number)] = label or ""
        for key, label in running.items():
            if key not in self.started:
                state = self._state(key)
                self.started[key] = (state.started if state and state.started else now)
                if state is not None and state.upstream is not None and state.queue_id is not None:
                    self._child(state.upstream, state.queue_id, label)
        for key in [k for k in self.started if k not in running]:
            started = self.started.pop(key)
            state = self._state(key)
            took = state.duration_seconds if state is not None and state.duration_seconds else now - started
            self.history.learn(key[0], took)
            changed.add(key[0])
        for (job, number), kids in list(self.children.items()):
            if number < self.latest.get(job, 0):
                del self.children[(job, number)]  # an older fan-out: the latest one counts
            elif kids and [*kids.values()][:MAX_FANOUT] != self.history.fanout.get(job):
                self.latest[job] = number
                self.history.learn(job, None, kids.values())
                changed.add(job)
        self._save(changed)
        return [e for key, started in self.started.items() if key not in self.children
                for e in self.history.predict(key[0], f"{key[0]}#{key[1]}", started)]

    def _state(self, key: Key):
        """The build's state in Jenkins; None if Jenkins cannot say now (the pass scales anyway)."""
        try:
            return self.jenkins.build_state(*key)
        except JenkinsctlError as exc:
            self.progress(f"pre-warm: {key[0]} #{key[1]}: {exc.message}")
            return None

    def _child(self, parent: Key, queue_id: int, label: str | None) -> None:
        t = self.spec.templates.get(template_of(label or ""))
        if t is None or parent[1] < self.latest.get(parent[0], 0):
            return  # not this fleet's, or a child of a build older than the fan-out known
        self.children.setdefault(parent, {})[queue_id] = (label or "", t.cpu, t.memory)

    def _save(self, jobs: set[str]) -> None:
        for job in sorted(jobs):
            entry = self.history.entry(job)
            line = (f"pre-warm: learnt {job}: last durations {', '.join(f'{d:.0f}' for d in entry['durations'])} s"
                    f"; fan-out {sum(g[3] for g in entry['fanout'])} build(s)")
            if self.store is not None:
                try:
                    if not self.store.save(entry):
                        line += " (not stored: job name too long for a DynamoDB key)"
                except JenkinsctlError as exc:
                    line += f" (not stored: {exc.message}; next change)"
            self.progress(line)
