"""What to do with the builds on an instance that is going away. Pure: the drainer and the
simulator both decide with `triage`.

A spot interruption warning gives two minutes. A build expected to finish inside the window,
with a margin for the agent to report and the instance to stop, keeps running: aborting it
would throw away work that was about to be done. Every other build is aborted and resubmitted
at once, so it queues two minutes earlier than if we waited for the instance to die. A build
with no estimate (no history) is resubmitted. A rebalance recommendation is an early warning:
the instance takes no new builds (drain) and nothing is aborted."""

from __future__ import annotations

from dataclasses import dataclass

WARNING_SECONDS = 120
MARGIN_SECONDS = 20  # the agent reports the result, ECS stops the task, before the instance goes


@dataclass(frozen=True)
class RunningBuild:
    id: str
    started: float  # epoch seconds
    estimated_duration: float | None  # Jenkins' estimate (the job's recent successful builds)


@dataclass(frozen=True)
class Triage:
    keep: tuple[str, ...]  # will finish inside the window: let them
    resubmit: tuple[str, ...]  # abort now, queue again with the same parameters
    reasons: dict  # build id -> why


def triage(builds: list[RunningBuild], now: float, deadline: float | None = None,
           margin: float = MARGIN_SECONDS) -> Triage:
    """`deadline`: when the instance goes (the warning's time + 2 min). None: a rebalance
    recommendation, where nothing is aborted."""
    keep, resubmit, why = [], [], {}
    for b in builds:
        if deadline is None:
            keep.append(b.id)
            why[b.id] = "rebalance recommendation: drain, let it finish"
            continue
        if b.estimated_duration is None:
            resubmit.append(b.id)
            why[b.id] = "no duration estimate: resubmit"
            continue
        expected_end = b.started + b.estimated_duration
        if expected_end <= deadline - margin:
            keep.append(b.id)
            why[b.id] = f"expected to finish {int(deadline - expected_end)} s before the instance goes"
        else:
            resubmit.append(b.id)
            why[b.id] = f"needs ~{int(max(0, expected_end - now))} s more, the instance has {int(deadline - now)} s"
    return Triage(tuple(keep), tuple(resubmit), why)
