"""The one waiter: progress each poll, one timeout that aborts the strategy, a bounded number
of API calls per poll. Driven by a scripted strategy (the Strategy protocol) and a fake clock."""

from __future__ import annotations

import pytest

from jenkinsctl.deploy.strategy import Status
from jenkinsctl.deploy.waiter import MAX_CALLS_PER_POLL, wait


class Counter:
    call_count = 0


class Scripted:
    name = "scripted"

    def __init__(self, clients: Counter, statuses: list[Status], calls: int = 1):
        self.clients, self.statuses, self.calls = clients, statuses, calls
        self.aborted: list[str] = []

    def start(self) -> str:
        return "started"

    def poll(self, now: float) -> Status:
        self.clients.call_count += self.calls
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def abort(self, why: str) -> str:
        self.aborted.append(why)
        return "traffic restored"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_progress_each_poll_until_done():
    clients, clock, lines = Counter(), Clock(), []
    s = Scripted(clients, [Status("1/2 running"), Status("2/2 running", True, "succeeded")], calls=2)
    result = wait(s, clients, timeout=60, interval=5, report=lines.append, clock=clock, sleep=clock.sleep)
    assert (result.outcome, result.polls, result.calls_per_poll) == ("succeeded", 2, [2, 2])
    assert lines == ["[    0s] 1/2 running", "[    5s] 2/2 running"]


def test_timeout_aborts_the_strategy_and_says_so():
    clients, clock, lines = Counter(), Clock(), []
    s = Scripted(clients, [Status("waiting for the health gate")])
    result = wait(s, clients, timeout=30, interval=10, report=lines.append, clock=clock, sleep=clock.sleep)
    assert result.outcome == "timed-out" and s.aborted == ["timeout"]
    assert result.reason == "no healthy steady state within 30s; traffic restored"
    assert lines[-1] == "timed out after 30s: traffic restored" and result.polls == 4


def test_a_poll_over_the_call_bound_is_a_bug_not_a_slow_deploy():
    clients, clock = Counter(), Clock()
    s = Scripted(clients, [Status("x")], calls=MAX_CALLS_PER_POLL + 1)
    with pytest.raises(RuntimeError, match=f"made {MAX_CALLS_PER_POLL + 1} API calls in one poll"):
        wait(s, clients, timeout=30, interval=1, report=lambda _: None, clock=clock, sleep=clock.sleep)
