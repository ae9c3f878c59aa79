"""What the fleet remembers per job to pre-warm: its recent durations and what its last end
released (the fan-out: label, cpu, memory of each downstream build). Pure, on plain values:
the simulator (`simpolicy`) and the controller (`prewarm`, stored in DynamoDB) share it.

When a build of a job with a known fan-out starts, `predict` announces its children, expected
in the queue at `start + min(recent durations)`; `scaler.decide` counts them as demand once
they are a cold boot away."""

from __future__ import annotations

from collections.abc import Iterable

from jenkinsctl.agents.scaler import Expected

MAX_DURATIONS = 5  # per job: the last 5 durations (the prediction takes their minimum)
MAX_FANOUT = 500  # children remembered per fan-out; more are cut (a DynamoDB item holds 400 KB)

Child = tuple[str, int, int]  # label, cpu units, memory MiB


class History:
    def __init__(self) -> None:
        self.durations: dict[str, list[float]] = {}
        self.fanout: dict[str, list[Child]] = {}

    def learn(self, job: str, took: float | None, children: Iterable[Child] = ()) -> None:
        """A build of `job` ended after `took` seconds (None: unknown) releasing `children`
        (none: the last fan-out known stays)."""
        if took is not None:
            self.durations[job] = (self.durations.get(job, []) + [float(took)])[-MAX_DURATIONS:]
        kids = [(str(lb), int(c), int(m)) for lb, c, m in children][:MAX_FANOUT]
        if kids:
            self.fanout[job] = kids

    def knows(self, job: str) -> bool:
        return bool(self.fanout.get(job))

    def predict(self, job: str, build: str, started: float) -> list[Expected]:
        """The builds a build of `job` (named `build`, started at `started`) is expected to
        release, or none without both a duration and a fan-out."""
        past, kids = self.durations.get(job), self.fanout.get(job)
        if not past or not kids:
            return []
        eta = started + min(past)
        return [Expected(f"exp-{build}-{k}", label, cpu, mem, eta, f"build {build} ({job})")
                for k, (label, cpu, mem) in enumerate(kids)]

    # the stored form (one item per job): children grouped by shape, so 70 alike take one entry
    def entry(self, job: str) -> dict:
        groups: dict[Child, int] = {}
        for kid in self.fanout.get(job, []):
            groups[kid] = groups.get(kid, 0) + 1
        return {"job": job, "durations": list(self.durations.get(job, [])),
                "fanout": [[lb, c, m, n] for (lb, c, m), n in groups.items()]}

    def load(self, entry: dict) -> None:
        """Take a stored `entry` (what `entry` wrote; anything malformed in it is ignored)."""
        job = entry.get("job")
        if not isinstance(job, str) or not job:
            return
        durations = [float(d) for d in entry.get("durations") or [] if isinstance(d, (int, float))]
        if durations:
            self.durations[job] = durations[-MAX_DURATIONS:]
        kids: list[Child] = []
        for g in entry.get("fanout") or []:
            if isinstance(g, list) and len(g) == 4 and isinstance(g[0], str):
                kids += [(g[0], int(g[1]), int(g[2]))] * max(0, int(g[3]))
        if kids:
            self.fanout[job] = kids[:MAX_FANOUT]
