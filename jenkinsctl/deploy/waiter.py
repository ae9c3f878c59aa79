"""The one waiter every strategy runs under: one timeout, progress each poll, and a bounded
number of API calls per poll (counted, reported, enforced)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from jenkinsctl.deploy.strategy import TIMED_OUT, Status, Strategy

MAX_CALLS_PER_POLL = 5


@dataclass
class WaitResult:
    outcome: str
    reason: str
    polls: int
    seconds: float
    calls_per_poll: list[int] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def wait(strategy: Strategy, clients, timeout: float, interval: float, report: Callable[[str], None],
         clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> WaitResult:
    start = clock()
    calls: list[int] = []
    log: list[str] = []
    while True:
        before = clients.call_count
        now = clock()
        status: Status = strategy.poll(now)
        n = clients.call_count - before
        calls.append(n)
        if n > MAX_CALLS_PER_POLL:  # a strategy bug: polls must stay cheap at any scale
            raise RuntimeError(f"{strategy.name} made {n} API calls in one poll (limit {MAX_CALLS_PER_POLL})")
        elapsed = clock() - start
        line = f"[{elapsed:5.0f}s] {status.line}"
        log.append(line)
        report(line)
        if status.done:
            return WaitResult(status.outcome or "failed", status.reason, len(calls), elapsed, calls, log)
        if elapsed >= timeout:
            restored = strategy.abort("timeout")
            report(f"timed out after {timeout:.0f}s: {restored}")
            return WaitResult(TIMED_OUT, f"no healthy steady state within {timeout:.0f}s; {restored}",
                              len(calls), elapsed, calls, log)
        sleep(interval)
