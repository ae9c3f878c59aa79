"""How a deploy ends, and one poll's answer: shared by every strategy, the waiter and the follower."""

from __future__ import annotations

from dataclasses import dataclass

SUCCEEDED, ROLLED_BACK, ABORTED, TIMED_OUT, FAILED = "succeeded", "rolled-back", "aborted", "timed-out", "failed"


@dataclass
class Status:
    line: str
    done: bool = False
    outcome: str | None = None
    reason: str = ""
