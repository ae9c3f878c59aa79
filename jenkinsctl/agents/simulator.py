"""Replay a build trace against this fleet policy and the baselines a user would pick instead.
Pure and seeded: the same inputs give the same figures.

The engine (`Sim`) models, in 5-second ticks: instances that boot in components (EC2 launch,
ECS registration, agent image pull; a warm-pool start instead of a launch), per-second billing
with a 60-second minimum plus EBS for every instance that exists (stopped ones pay only EBS),
spot prices per pool (a real series or the default 35-52% band with spikes), windows when a
pool has no spot capacity, spot interruptions with their 2-minute warning, often preceded by a
rebalance recommendation, and builds whose children are released when they end (closed loop).
A build's wait is the time from entering the queue to its agent running it (the ECS task's
start and the inbound agent's connection count: Jenkins shows the build waiting until then).
The policy (`simpolicy.py`) is `scaler.decide`, shared with `agents scale`, driven by a
controller loop; the baselines a user would pick instead are in `baselines.py`."""

from __future__ import annotations

import functools
import heapq
import math
import random
from dataclasses import dataclass, field

from jenkinsctl.agents.binpack import Shape
from jenkinsctl.agents.simtrace import Market, TraceBuild, default_market
from jenkinsctl.agents.spotwindow import WARNING_SECONDS, RunningBuild, triage

TICK = 5
# type -> (vCPU, GiB, on-demand $/h in us-east-1, Linux)
CATALOG = {
    "c5.large": (2, 4, 0.085), "c5.xlarge": (4, 8, 0.17), "c6i.large": (2, 4, 0.085), "c6i.xlarge": (4, 8, 0.17),
    "c6a.xlarge": (4, 8, 0.153), "m5.large": (2, 8, 0.096), "m5a.large": (2, 8, 0.086), "m6i.large": (2, 8, 0.096),
    "m6a.large": (2, 8, 0.0864), "m5.xlarge": (4, 16, 0.192), "m6i.xlarge": (4, 16, 0.192),
    "m5.2xlarge": (8, 32, 0.384), "r5.large": (2, 16, 0.126),
}
# gp3 root volume of the ECS-optimized AMI (30 GiB) at $0.08/GiB-month: paid while an instance
# exists, running or stopped in a warm pool
EBS_PER_HOUR = 30 * 0.08 / 730


@functools.lru_cache(maxsize=None)
def shape(type_: str) -> Shape:
    vcpu, gib, _ = CATALOG[type_]
    return Shape(type_, vcpu * 1024, int(gib * 1024 * 0.9))


def on_demand_price(type_: str) -> float:
    return CATALOG[type_][2]


@dataclass(frozen=True)
class Boot:
    """Seconds from asking for an instance to a build running on it, by component.

    ec2_launch 40: RunInstances to a booted OS. ec2-boot-bench (daemonology.net, 2021) measured
      ~1.5 s API + ~5 s pending->running + ~23 s to sshd for Linux AMIs; martysweet.co.uk (Oct
      2023) found Amazon Linux 2023 the fastest AMI and EBS encryption slowing launches;
      depot.dev (2024) quotes 40 s for a stock launch. 40 s: AL2023 ECS-optimized, encrypted EBS.
    ecs_register 15: ecs-init starts after docker.service, the agent registers the container
      instance and it turns ACTIVE (ECS docs, "Speeding up cluster capacity provisioning",
      count it in the instance's warm-up); runner write-ups on EC2 see 45-60 s launch-to-ready
      with half of it in the agent's start (terraform-aws-github-runner issue 4637).
    image_pull 25: the inbound agent image with build tools (~500-800 MB) pulled from ECR on a
      fresh instance; ECS best practices ("Container image pull behavior") say the agent pulls
      on first use and caches; a 2.7 GB image took 55 s to start on Fargate (drorspei.com,
      2026). User data pre-pulls it while ECS registers, but a new volume pays it once.
    agent_connect 15: per build on ECS (amazon-ecs-plugin): RunTask, the container starts from
      the cached image, the inbound agent connects to Jenkins; the build waits until then.
    warm_start 20: StartInstances of a stopped warm-pool instance to a booted OS (depot.dev
      2024: warm pools took their launches from 40 s to ~10 s with a smaller root volume; 20 s
      without their volume tricks); ECS re-registration follows, the image is on the volume.
    ssh_connect 20: the ec2-fleet plugin's SSH launcher copies agent.jar and starts the JVM;
      no ECS, no image: builds run on the AMI's tools.
    jitter: each component is multiplied by lognormal(0, jitter)."""

    ec2_launch: float = 40.0
    ecs_register: float = 15.0
    image_pull: float = 25.0
    agent_connect: float = 15.0
    warm_start: float = 20.0
    ssh_connect: float = 20.0
    jitter: float = 0.15

    @property
    def cold(self) -> float:
        """An ECS container instance ready to take a build task (the connect comes per build)."""
        return self.ec2_launch + self.ecs_register + self.image_pull

    @property
    def warm(self) -> float:
        return self.warm_start + self.ecs_register

    @property
    def ssh(self) -> float:
        return self.ec2_launch + self.ssh_connect


@dataclass(frozen=True)
class Conditions:
    seed: int = 7
    interruption_rate: float = 0.05  # per spot instance per hour (pessimistic: the stress case)
    boot: Boot = Boot()
    prices: dict | None = None  # type -> $/h per simtrace.PRICE_STEP (from --spot-prices)
    shortages: bool = True  # pools without spot capacity for 20-90 min, ~twice a day each
    spikes: bool = True
    spot_dry: tuple[tuple[float, float], ...] = ()  # (start, end) when no pool has spot capacity
    rebalance_share: float = 0.6  # interruptions preceded by a rebalance recommendation
    shortage_interrupts: float = 0.3  # share of a pool's instances interrupted when it runs dry


@dataclass
class SimInstance:
    id: str
    type: str
    market: str  # spot | on-demand
    group: str  # "" spot group, "burst" warm-pool group, or the baseline's own
    launched: float
    ready_at: float
    ended: float | None = None
    stopped: bool = False  # in a warm pool: pays EBS only
    draining: bool = False
    warned_at: float | None = None
    doomed_at: float | None = None
    idle_since: float | None = None
    cost: float = 0.0
    owner: int | None = None  # one-instance-per-build: the build it was launched for
    executors: int = 0  # ec2-fleet: executors, not cpu/memory
    running: dict = field(default_factory=dict)  # build id -> (TraceBuild, started, end)

    def free(self) -> tuple[int, int]:
        s = shape(self.type)
        return (s.cpu - sum(b.cpu for b, _, _ in self.running.values()),
                s.memory - sum(b.memory for b, _, _ in self.running.values()))

    def ready(self, t: float) -> bool:
        return self.ended is None and not self.stopped and self.ready_at <= t

    def takes_builds(self, t: float) -> bool:
        return self.ready(t) and not self.draining and self.doomed_at is None


@dataclass
class Result:
    policy: str
    builds: int
    completed: int
    cost: float
    p50_wait: float
    p95_wait: float
    max_wait: float
    waited: int  # builds that waited more than a tick
    utilisation: float
    interrupted: int  # builds on an instance that got a warning
    resubmitted: int
    kept: int  # finished inside the 2-minute window instead of being resubmitted
    cut: int  # kept, then cut off by the instance going: resubmitted late
    lost: int
    instances_launched: int
    warm_starts: int
    peak_instances: int
    on_demand_cost: float
    instance_costs: list[float] = field(default_factory=list, repr=False)
    timeline: list = field(default_factory=list, repr=False)  # (t, queued, spot, on-demand, stopped)
    starts: list = field(default_factory=list, repr=False)  # (t, wait)

    def row(self) -> dict:
        return {"policy": self.policy, "cost": round(self.cost, 2), "p50Wait": round(self.p50_wait, 1),
                "p95Wait": round(self.p95_wait, 1), "maxWait": round(self.max_wait, 1), "waited": self.waited,
                "utilisation": round(self.utilisation, 3), "interrupted": self.interrupted,
                "resubmitted": self.resubmitted, "keptInWindow": self.kept, "cutAfterKeeping": self.cut,
                "lost": self.lost, "completed": self.completed, "builds": self.builds,
                "instancesLaunched": self.instances_launched, "warmStarts": self.warm_starts,
                "peakInstances": self.peak_instances, "onDemandCost": round(self.on_demand_cost, 2)}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


class Sim:
    """The world every policy runs in. A policy calls `launch`, `place`, `terminate`; the world
    moves time, bills, interrupts, finishes builds and releases their children."""

    def __init__(self, name: str, trace: list[TraceBuild], cond: Conditions, types: list[str],
                 start_overhead: float, resubmit_on_loss: bool = True):
        self.name, self.trace, self.cond, self.types = name, trace, cond, list(types)
        self.start_overhead = start_overhead  # queue -> running on a ready instance
        self.resubmit_on_loss = resubmit_on_loss
        self.rng = random.Random(cond.seed * 31 + sum(map(ord, name)))
        self.irng = random.Random(cond.seed * 17 + 5)  # interruptions: same draws for every policy
        self.end = max((b.arrival + b.duration for b in trace), default=0) + 1
        seconds = self.end + 86400
        market = default_market({t: on_demand_price(t) for t in CATALOG}, seconds, cond.seed,
                                cond.shortages, cond.spikes)
        if cond.prices:
            market = Market({**market.prices, **cond.prices}, market.dry)
        self.market = market
        self.instances: list[SimInstance] = []
        self.queue: dict[int, tuple[TraceBuild, float]] = {}  # id -> (build, queued at); insertion order
        self.waits: dict[int, float] = {}
        self.done: set[int] = set()
        self.lost: set[int] = set()
        self.children: dict[int, list[TraceBuild]] = {}
        for b in trace:
            if b.parent is not None:
                self.children.setdefault(b.parent, []).append(b)
        self.releases: list[tuple[float, int]] = []  # heap of (time, build id)
        self.by_id = {b.id: b for b in trace}
        for b in trace:
            if b.parent is None:
                heapq.heappush(self.releases, (b.arrival, b.id))
        self.events: list[str] = []  # what happened this tick (enqueued, started, warned): triggers
        self.interrupted = self.resubmitted = self.kept = self.cut = self.warm_starts = 0
        self.kept_ids: set[tuple[int, str]] = set()
        self.busy = self.capacity = 0.0
        self.peak = 0
        self.timeline: list = []
        self.starts: list = []
        self.now = 0.0
        self.dry_pools: set[str] = set()

    # --- what policies call --------------------------------------------------------------

    def jitter(self, seconds: float) -> float:
        j = self.cond.boot.jitter
        return seconds * self.rng.lognormvariate(0, j) if j else seconds

    def spot_available(self, type_: str, t: float) -> bool:
        return not any(a <= t < b for a, b in self.cond.spot_dry) and self.market.available(type_, t)

    def spot_type(self, t: float, types: list[str] | None = None) -> str | None:
        """price-capacity-optimized: the cheapest $/vCPU among pools with capacity, now and then
        another (capacity weighs in too)."""
        pools = [x for x in (types or self.types) if self.spot_available(x, t)]
        if not pools:
            return None
        pools.sort(key=lambda x: self.market.price(x, t) / CATALOG[x][0])
        return pools[0] if len(pools) == 1 or self.rng.random() < 0.7 else self.rng.choice(pools)

    def launch(self, t: float, market: str, type_: str, group: str, boot: float) -> SimInstance:
        inst = SimInstance(f"i-{len(self.instances):05d}", type_, market, group, t, t + self.jitter(boot))
        self.instances.append(inst)
        return inst

    def terminate(self, inst: SimInstance, t: float) -> None:
        for b, _, _ in list(inst.running.values()):
            self._cut(inst, b, t)
        inst.running.clear()
        inst.ended = t

    def stop(self, inst: SimInstance) -> None:
        """Back into a warm pool: stopped, pays EBS only."""
        inst.stopped, inst.idle_since, inst.draining = True, None, False

    def place(self, t: float, candidates: list[SimInstance] | None = None, by_executors: bool = False) -> None:
        """ECS placement: binpack on memory among instances that take builds (or executors)."""
        ready = [i for i in (candidates if candidates is not None else self.live()) if i.takes_builds(t)]
        if not ready:
            return
        for bid, (b, _) in list(self.queue.items()):
            best, best_mem = None, None
            for inst in ready:
                if inst.owner is not None and inst.owner != bid:
                    continue
                if by_executors:
                    if len(inst.running) < inst.executors and (best is None or len(inst.running) > len(best.running)):
                        best = inst
                    continue
                cpu, mem = inst.free()
                if cpu >= b.cpu and mem >= b.memory and (best is None or mem < best_mem):
                    best, best_mem = inst, mem
            if best is not None:
                self.start(best, b, t)

    def start(self, inst: SimInstance, b: TraceBuild, t: float) -> None:
        _, queued_at = self.queue.pop(b.id)
        began = t + self.start_overhead
        self.waits[b.id] = self.waits.get(b.id, 0.0) + began - queued_at
        self.starts.append((began, began - queued_at))
        inst.running[b.id] = (b, began, began + b.duration)
        inst.idle_since = None
        self.events.append(f"start {b.id}")

    def enqueue(self, b: TraceBuild, t: float) -> None:
        self.queue[b.id] = (b, t)
        self.events.append(f"queued {b.id}")

    def live(self) -> list[SimInstance]:
        return [i for i in self.instances if i.ended is None and not i.stopped]

    def resubmit(self, b: TraceBuild, t: float) -> None:
        self.resubmitted += 1
        self.enqueue(b, t)

    # --- the world ------------------------------------------------------------------------

    def _cut(self, inst: SimInstance, b: TraceBuild, t: float) -> None:
        if (b.id, inst.id) in self.kept_ids:
            self.cut += 1
        if self.resubmit_on_loss:
            self.resubmit(b, t)
        else:
            self.lost.add(b.id)

    def _finish_builds(self, t: float) -> None:
        for inst in self.live():
            for bid, (b, _, end) in list(inst.running.items()):
                if end <= t:
                    del inst.running[bid]
                    if bid not in self.done:
                        self.done.add(bid)
                        self.on_done(b, end)
                    if not inst.running:
                        inst.idle_since = t

    def on_done(self, b: TraceBuild, t: float) -> None:
        nominal_end = b.arrival + b.duration
        for child in self.children.get(b.id, ()):
            heapq.heappush(self.releases, (t + max(0.0, child.arrival - nominal_end), child.id))

    def _interrupt(self, t: float, on_warning, on_rebalance) -> None:
        rate = self.cond.interruption_rate * TICK / 3600
        dry_now = {x for x in CATALOG if not self.spot_available(x, t)}
        newly_dry, self.dry_pools = dry_now - self.dry_pools, dry_now
        for inst in self.live():
            if inst.market != "spot" or not inst.ready(t):
                continue
            if inst.doomed_at is not None:
                if t >= inst.doomed_at:
                    self.terminate(inst, t)
                continue
            if inst.warned_at is not None:
                if t >= inst.warned_at:
                    self._warn(inst, t, on_warning)
                continue
            r = self.irng.random()
            if r < rate or (inst.type in newly_dry and self.irng.random() < self.cond.shortage_interrupts):
                if self.irng.random() < self.cond.rebalance_share:
                    inst.warned_at = t + self.irng.uniform(180, 900)  # the recommendation comes first
                    on_rebalance(inst, t)
                else:
                    self._warn(inst, t, on_warning)
            elif r < rate * 1.3 and inst.warned_at is None:  # a recommendation not followed by one
                on_rebalance(inst, t)

    def _warn(self, inst: SimInstance, t: float, on_warning) -> None:
        inst.warned_at, inst.doomed_at = t, t + WARNING_SECONDS
        self.interrupted += len(inst.running)
        self.events.append(f"warning {inst.id}")
        on_warning(inst, t)

    def _bill(self, t: float) -> None:
        n = 0
        for inst in self.instances:
            if inst.ended is not None:
                continue
            inst.cost += EBS_PER_HOUR * TICK / 3600
            if inst.stopped:
                continue
            n += 1
            price = on_demand_price(inst.type) if inst.market == "on-demand" else self.market.price(inst.type, t)
            inst.cost += price * TICK / 3600
            self.capacity += shape(inst.type).cpu * TICK
            self.busy += sum(b.cpu for b, _, _ in inst.running.values()) * TICK
        self.peak = max(self.peak, n)
        if t % 60 == 0:
            live = self.live()
            self.timeline.append((t, len(self.queue), sum(1 for i in live if i.market == "spot"),
                                  sum(1 for i in live if i.market == "on-demand"),
                                  sum(1 for i in self.instances if i.stopped and i.ended is None)))

    def run(self, on_tick, on_warning=None, on_rebalance=None) -> Result:
        """`on_warning(inst, t)`: what the policy does with a 2-minute warning (default: nothing,
        the builds are cut at termination); `on_rebalance(inst, t)`: with a recommendation."""
        on_warning = on_warning or (lambda inst, t: None)
        on_rebalance = on_rebalance or (lambda inst, t: None)
        t = 0.0
        while True:
            self.now = t
            self.events = []
            while self.releases and self.releases[0][0] <= t:
                _, bid = heapq.heappop(self.releases)
                self.enqueue(self.by_id[bid], t)
            self._finish_builds(t)
            self._interrupt(t, on_warning, on_rebalance)
            on_tick(t)
            self._bill(t)
            if t >= self.end and not self.releases and not self.queue and not any(i.running for i in self.live()):
                break
            if t > self.end + 2 * 86400:  # a policy that never runs some builds: stop, count them lost
                self.lost |= set(self.queue)
                break
            t += TICK
        return self.finish()

    def finish(self) -> Result:
        for inst in self.instances:
            if inst.ended is None:
                inst.ended = self.now
            ran = inst.ended - inst.launched
            if ran < 60 and not inst.stopped:  # per-second billing, 60 s minimum
                price = on_demand_price(inst.type) if inst.market == "on-demand" else \
                    self.market.price(inst.type, inst.launched)
                inst.cost += price * (60 - ran) / 3600
        waits = [self.waits.get(b.id, 0.0) for b in self.trace if b.id in self.done]
        costs = [i.cost for i in self.instances]
        return Result(self.name, len(self.trace), len(self.done), sum(costs), percentile(waits, 0.5),
                      percentile(waits, 0.95), max(waits, default=0.0), sum(1 for w in waits if w > TICK),
                      self.busy / self.capacity if self.capacity else 0.0, self.interrupted, self.resubmitted,
                      self.kept, self.cut, len(self.trace) - len(self.done),
                      len(self.instances), self.warm_starts, self.peak,
                      sum(i.cost for i in self.instances if i.market == "on-demand"), costs, self.timeline,
                      self.starts)


def drain_on_warning(sim: Sim, inst: SimInstance, t: float, estimate) -> None:
    """The drainer's 2-minute rule (spotwindow.triage): keep builds that will finish in time,
    abort and resubmit the rest now."""
    inst.draining = True
    running = [RunningBuild(str(bid), started, estimate(b)) for bid, (b, started, _) in inst.running.items()]
    verdict = triage(running, t, inst.doomed_at)
    for bid in verdict.keep:
        sim.kept_ids.add((int(bid), inst.id))
        sim.kept += 1
    for bid in verdict.resubmit:
        b, _, _ = inst.running.pop(int(bid))
        sim.resubmit(b, t)
    if not inst.running:
        inst.idle_since = t


def render(results: list[Result]) -> str:
    cols = [("policy", "policy", "{}"), ("cost $", "cost", "{:.2f}"), ("p50 wait s", "p50_wait", "{:.0f}"),
            ("p95 wait s", "p95_wait", "{:.0f}"), ("max wait s", "max_wait", "{:.0f}"), ("waited", "waited", "{}"),
            ("utilisation", "utilisation", "{:.0%}"), ("interrupted", "interrupted", "{}"),
            ("resubmitted", "resubmitted", "{}"), ("kept", "kept", "{}"), ("lost", "lost", "{}"),
            ("completed", "completed", "{}"), ("launches", "instances_launched", "{}")]
    rows = [[h for h, _, _ in cols]] + [[f.format(getattr(r, a)) for _, a, f in cols] for r in results]
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    out = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
           for row in rows]
    others = [r for r in results if r.policy != "policy"]
    policy = next((r for r in results if r.policy == "policy"), None)
    if policy and others:
        cheapest = min(others, key=lambda r: r.cost)
        out.append(f"policy cost vs the cheapest baseline ({cheapest.policy}): {policy.cost / cheapest.cost:.0%}")
    return "\n".join(out)


def compare(spec, trace: list[TraceBuild], cond: Conditions, tuning=None, with_static_peak: bool = False
            ) -> list[Result]:
    """This policy, then the baselines: ec2-fleet plugin, one spot instance per build, a static
    fleet sized by schedule (and, on request, the old static on-demand fleet sized for the peak)."""
    from jenkinsctl.agents import baselines
    from jenkinsctl.agents.simpolicy import Tuning, simulate_policy

    out = [simulate_policy(spec, trace, cond, tuning or Tuning()),
           baselines.ec2_fleet(spec, trace, cond), baselines.per_build(spec, trace, cond),
           baselines.static_schedule(spec, trace, cond)]
    if with_static_peak:
        out.append(baselines.static_peak(spec, trace, cond))
    return out
