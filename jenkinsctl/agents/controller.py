"""`agents controller`: the fleet's one long-running process.

Each pass long-polls the fleet's event queue (spot interruption warnings, rebalance
recommendations, terminate lifecycle actions) for at most the time left until the next scale
decision, handles every message on its own, then runs the scale decision (`scaler.decide`
through `operate.scale_pass`) when its period is up or an event came in, and carries on with
drains left open (aborts still stopping, claims of a controller that died).

Per-message isolation: a message that cannot be parsed or handled is reported and given back
to the queue with a growing delay (ChangeMessageVisibility); it never stops the messages
behind it, and after the queue's `maxReceiveCount` receives SQS's redrive policy moves it to
the dead-letter queue (`agents status` shows it). A handled message is deleted.

State is in the fleet's DynamoDB table (`sharedstate.DynamoLedger`): a controller restarted
mid-drain, or two controllers on the same events, never resubmit a build twice nor lose one.

Pre-warm (`prewarm.Prewarm`): each scale pass learns the jobs' fan-outs and durations from the
Jenkins queue and nodes (kept in the same table, `sharedstate.HistoryStore`) and passes the
builds a running parent is expected to release to `decide`, with the fleet's cold boot estimate
(`simulator.Boot().cold`, the components the simulator justifies, plus one scale period: the
simulator's policy uses the same), so instances boot before the fan-out is queued."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from jenkinsctl.agents.drainer import Drainer, parse_event
from jenkinsctl.agents.prewarm import Prewarm
from jenkinsctl.agents.sharedstate import HistoryStore
from jenkinsctl.agents.simulator import Boot
from jenkinsctl.errors import JenkinsctlError

RETRY_BASE_SECONDS = 2  # a failed message is retried after 2 s, 4 s, 6 s... until the redrive policy takes it


@dataclass
class PassReport:
    handled: list[str] = field(default_factory=list)  # one line per message handled
    failed: list[str] = field(default_factory=list)  # one line per message left to the redrive policy
    scaled: str | None = None  # the decision's first line, when the scaler ran
    resumed: list[str] = field(default_factory=list)


class Controller:
    def __init__(self, clients, jenkins, spec, ledger, queue_url: str, period: float = 10.0,
                 progress: Callable[[str], None] | None = None, clock=time.monotonic, scale: bool = True,
                 retry_base: float = RETRY_BASE_SECONDS, each_pass: Callable[[int, PassReport], None] | None = None,
                 boot_seconds: float | None = None, wall_clock=time.time):
        self.clients = clients
        self.jenkins = jenkins
        self.spec = spec
        self.queue_url = queue_url
        self.period = period
        self.progress = progress or (lambda line: None)
        self.clock = clock
        self.scale = scale
        self.retry_base = retry_base
        self.each_pass = each_pass or (lambda n, report: None)  # `-v`: one line per pass
        self.drainer = Drainer(clients, jenkins, spec.cluster, ledger)
        self.stopping = threading.Event()
        self._next_scale = 0.0
        self.wall_clock = wall_clock  # epoch seconds: what Jenkins' start times and `decide` count in
        self.boot_seconds = Boot().cold + period if boot_seconds is None else boot_seconds
        db, table = getattr(ledger, "db", None), getattr(ledger, "table", None)  # a DynamoLedger's table
        self.prewarm = Prewarm(jenkins, spec, HistoryStore(db, table) if db is not None and table else None,
                               self.progress)

    def run(self) -> int:
        """Passes until `stop()` (SIGTERM); returns the passes run."""
        passes = 0
        self.progress(f"controller: watching {self.queue_url}, scale period {self.period:g} s")
        while not self.stopping.is_set():
            report = self.run_pass()
            passes += 1
            self.each_pass(passes, report)
        self.progress(f"controller: stopped after {passes} pass(es)")
        return passes

    def stop(self, *_args) -> None:
        self.stopping.set()

    def run_pass(self, wait: float | None = None) -> PassReport:
        report = PassReport()
        if wait is None:
            wait = max(0.0, self._next_scale - self.clock())
        for msg in self._receive(wait, report):
            self._handle(msg, report)
            if self.stopping.is_set():
                break
        self._resume(report)
        if self.scale and (report.handled or self.clock() >= self._next_scale):
            self._scale(report)
            self._next_scale = self.clock() + self.period
        return report

    def _receive(self, wait: float, report: PassReport) -> list[dict]:
        try:
            # whole seconds, at least 1 unless asked for 0: never a busy loop between scale passes
            first = wait <= 0 and not self.stopping.is_set() and self._next_scale == 0
            secs = 0 if first else max(1, math.ceil(min(20, wait)))
            return self.clients.sqs.receive(self.queue_url, wait_seconds=secs)
        except JenkinsctlError as exc:
            report.failed.append(f"receive: {exc.message}")
            self.progress(f"receive failed: {exc.message}; retrying")
            self.stopping.wait(min(5.0, max(1.0, wait)))
            return []

    def _handle(self, msg: dict, report: PassReport) -> None:
        source = f"SQS message {msg['id']}"
        try:
            event = parse_event(msg["body"], source)
            # said before acting: a controller killed mid-drain has already logged what it was doing
            self.progress(f"{source}: {event.kind} {event.instance_id or '-'}: handling (receive {msg['receives']})")
            result = self.drainer.handle(event)
        except Exception as exc:  # noqa: BLE001 - isolate the message, whatever it broke
            why = _why(exc)
            delay = int(self.retry_base * msg["receives"])
            line = f"{source}: not handled (receive {msg['receives']}): {why}; retried in {delay} s, then the DLQ"
            report.failed.append(line)
            self.progress(line)
            try:
                self.clients.sqs.retry_later(self.queue_url, msg["receipt"], delay)
            except JenkinsctlError:
                pass  # it comes back after the queue's visibility timeout anyway
            return
        self.clients.sqs.delete(self.queue_url, msg["receipt"])
        e = result.event
        line = (f"{e['kind']} {e['instance_id'] or '-'}" + (" (duplicate)" if result.duplicate else "")
                + f": {len(result.aborted)} aborted, {len(result.resubmitted)} resubmitted, "
                  f"{len(result.waiting)} stopping")
        report.handled.append(line)
        self.progress(line)
        for step in result.steps:
            self.progress(f"  {step}")

    def _resume(self, report: PassReport) -> None:
        try:
            result = self.drainer.resume()
        except JenkinsctlError as exc:
            self.progress(f"pending drains: {exc.message}; next pass")
            return
        report.resumed = result.resubmitted
        for step in result.steps:
            self.progress(f"pending: {step}")

    def _scale(self, report: PassReport) -> None:
        from jenkinsctl.agents.operate import carry_out, scale_pass

        try:
            decision, view = scale_pass(self.clients, self.jenkins, self.spec, self.wall_clock(),
                                        self.prewarm, self.boot_seconds)
            done = carry_out(self.clients, self.spec, decision, view)
        except JenkinsctlError as exc:
            report.scaled = f"scale: {exc.message}"
            self.progress(f"scale failed: {exc.message}; next period")
            return
        report.scaled = decision.render().splitlines()[0]
        if done or decision.desired_after != decision.desired_before:
            self.progress(f"scale: {report.scaled}" + (f" ({'; '.join(done)})" if done else ""))
            for reason in decision.reasons:
                if reason.startswith("pre-warm"):
                    self.progress(f"  {reason}")


def _why(exc: Exception) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(p.message for p in problems)
    return exc.message if isinstance(exc, JenkinsctlError) else f"{type(exc).__name__}: {exc}"
