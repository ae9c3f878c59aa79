"""Replay a build-queue trace against this fleet policy and two baselines. Pure and seeded.

Policies:
  policy    spot-first fleet driven by `scaler.decide` every minute (pre-warm, idle scale-in,
            on-demand fallback), interrupted builds drained and resubmitted;
  static    on-demand instances sized for the trace's peak, all day;
  reactive  one on-demand instance started per build when it is queued, stopped when it ends
            (what the plugins do); with `reactive_market="spot"` interrupted builds are lost.

Model: 5-second ticks; an instance is ready `boot` seconds after launch; spot prices per hour
from a series; each spot instance is interrupted at `interruption_rate` per hour with a
2-minute warning; per-second billing with a 60-second minimum."""

from __future__ import annotations

import csv
import functools
import io
import math
import random
from dataclasses import dataclass, field

from jenkinsctl.agents.binpack import Shape
from jenkinsctl.agents.scaler import Build, Group, Instance, decide
from jenkinsctl.config.fleet import FleetSpec

TICK = 5
WARNING = 120
SCALER_PERIOD = 60
# type -> (vCPU, GiB, on-demand $/h in us-east-1)
CATALOG = {
    "c5.large": (2, 4, 0.085), "c5.xlarge": (4, 8, 0.17), "c6i.large": (2, 4, 0.085), "c6i.xlarge": (4, 8, 0.17),
    "c6a.xlarge": (4, 8, 0.153), "m5.large": (2, 8, 0.096), "m5a.large": (2, 8, 0.086), "m6i.large": (2, 8, 0.096),
    "m6a.large": (2, 8, 0.0864), "m5.xlarge": (4, 16, 0.192), "m6i.xlarge": (4, 16, 0.192),
    "m5.2xlarge": (8, 32, 0.384), "r5.large": (2, 16, 0.126),
}


@functools.lru_cache(maxsize=None)
def shape(type_: str) -> Shape:
    vcpu, gib, _ = CATALOG[type_]
    return Shape(type_, vcpu * 1024, int(gib * 1024 * 0.9))


def on_demand_price(type_: str) -> float:
    return CATALOG[type_][2]


@dataclass(frozen=True)
class TraceBuild:
    id: int
    arrival: float  # seconds from the start
    label: str
    cpu: int
    memory: int
    duration: float


def read_trace(text: str) -> list[TraceBuild]:
    """CSV with a header: arrival,label,cpu,memory,duration (seconds, units, MiB, seconds)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out = []
    for n, r in enumerate(rows, start=2):
        try:
            out.append(TraceBuild(n - 2, float(r["arrival"]), r["label"], int(r["cpu"]), int(r["memory"]),
                                  float(r["duration"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"line {n}: expected arrival,label,cpu,memory,duration ({exc})") from exc
    return sorted(out, key=lambda b: (b.arrival, b.id))


def write_trace(builds: list[TraceBuild]) -> str:
    lines = ["arrival,label,cpu,memory,duration"]
    lines += [f"{b.arrival:.0f},{b.label},{b.cpu},{b.memory},{b.duration:.0f}" for b in builds]
    return "\n".join(lines) + "\n"


def synthetic_trace(n: int = 2000, seed: int = 7, hours: int = 24) -> list[TraceBuild]:
    """A day of builds: 75% in a 09:00-18:00 workday burst (peaks late morning and mid afternoon)."""
    rng = random.Random(seed)
    kinds = [("docker", 1024, 2048, 0.6), ("small", 512, 1024, 0.3), ("large", 2048, 4096, 0.1)]
    out = []
    for i in range(n):
        if rng.random() < 0.75:
            center = rng.choice([10.5, 14.5])
            hour = rng.gauss(center, 1.6)
            while not 9.0 <= hour <= 18.0:  # redraw: clipping would pile builds up at 09:00 and 18:00
                hour = rng.gauss(center, 1.6)
        else:
            hour = rng.uniform(0, hours)
        r, acc = rng.random(), 0.0
        for label, cpu, mem, share in kinds:  # noqa: B007 (the kind picked is used after the break)
            acc += share
            if r <= acc:
                break
        duration = min(3600.0, max(30.0, rng.lognormvariate(math.log(420), 0.7)))
        out.append(TraceBuild(i, hour * 3600, label, cpu, mem, duration))
    out.sort(key=lambda b: (b.arrival, b.id))
    return [TraceBuild(i, b.arrival, b.label, b.cpu, b.memory, b.duration) for i, b in enumerate(out)]


def read_prices(text: str) -> dict[str, list[float]]:
    """CSV with a header: hour,type,price -> type -> hourly prices (gaps carry the last price)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    by_type: dict[str, dict[int, float]] = {}
    for n, r in enumerate(rows, start=2):
        try:
            by_type.setdefault(r["type"], {})[int(r["hour"])] = float(r["price"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"line {n}: expected hour,type,price ({exc})") from exc
    out = {}
    for t, hours in by_type.items():
        series, last = [], next(iter(hours.values()))
        for h in range(max(hours) + 1):
            last = hours.get(h, last)
            series.append(last)
        out[t] = series
    return out


def spot_prices(types: list[str], hours: int, seed: int) -> dict[str, list[float]]:
    """Hourly spot price per type: 25-40% of on-demand, a slow random walk."""
    rng = random.Random(seed + 1)
    out = {}
    for t in types:
        level, series = rng.uniform(0.28, 0.34), []
        for _ in range(hours + 1):
            level = min(0.40, max(0.25, level + rng.gauss(0, 0.01)))
            series.append(round(on_demand_price(t) * level, 5))
        out[t] = series
    return out


@dataclass
class SimInstance:
    id: str
    type: str
    market: str  # spot | on-demand
    launched: float
    ready_at: float
    ended: float | None = None
    draining: bool = False
    doomed_at: float | None = None  # spot interruption: terminated at this time
    idle_since: float | None = None
    cost: float = 0.0
    busy_cpu_seconds: float = 0.0
    running: dict = field(default_factory=dict)  # build id -> (TraceBuild, end time)

    def free(self, s: Shape) -> tuple[int, int]:
        return (s.cpu - sum(b.cpu for b, _ in self.running.values()),
                s.memory - sum(b.memory for b, _ in self.running.values()))


@dataclass
class Result:
    policy: str
    builds: int
    completed: int
    cost: float
    p50_wait: float
    p95_wait: float
    max_wait: float
    waited: int  # builds that did not start at once
    utilisation: float
    interrupted: int
    resubmitted: int
    lost: int
    instances_launched: int
    peak_instances: int
    instance_costs: list[float] = field(default_factory=list, repr=False)

    def row(self) -> dict:
        return {"policy": self.policy, "cost": round(self.cost, 2), "p50Wait": round(self.p50_wait, 1),
                "p95Wait": round(self.p95_wait, 1), "maxWait": round(self.max_wait, 1), "waited": self.waited,
                "utilisation": round(self.utilisation, 3),
                "interrupted": self.interrupted, "resubmitted": self.resubmitted, "lost": self.lost,
                "completed": self.completed, "builds": self.builds, "instancesLaunched": self.instances_launched,
                "peakInstances": self.peak_instances}


@dataclass(frozen=True)
class Conditions:
    seed: int = 7
    interruption_rate: float = 0.05  # per spot instance per hour
    spot_boot: float = 75.0
    on_demand_boot: float = 60.0
    spot_dry: tuple[tuple[float, float], ...] = ()  # (start, end) seconds when no spot capacity exists
    prices: dict | None = None  # type -> hourly spot price list


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


class _Sim:
    def __init__(self, name: str, trace: list[TraceBuild], cond: Conditions, types: list[str]):
        self.name, self.trace, self.cond, self.types = name, trace, cond, types
        self.rng = random.Random(cond.seed * 31 + len(name))
        self.end = max((b.arrival for b in trace), default=0) + 1
        self.hours = int(self.end // 3600) + 2
        self.prices = cond.prices or spot_prices(types, self.hours + 48, cond.seed)
        self.instances: list[SimInstance] = []
        self._live: list[SimInstance] = []
        self.queue: list[TraceBuild] = []
        self.waits: dict[int, float] = {}  # build id -> total seconds queued
        self.queued_at: dict[int, float] = {}
        self.done: set[int] = set()
        self.lost: set[int] = set()
        self.interrupted = 0
        self.resubmitted = 0
        self.peak = 0
        self.busy_cpu_seconds = 0.0
        self.capacity_cpu_seconds = 0.0

    def spot_available(self, t: float) -> bool:
        return not any(a <= t < b for a, b in self.cond.spot_dry)

    def launch(self, t: float, market: str, type_: str | None = None) -> SimInstance:
        type_ = type_ or self.rng.choice(self.types)
        boot = self.cond.spot_boot if market == "spot" else self.cond.on_demand_boot
        inst = SimInstance(f"i-{len(self.instances):05d}", type_, market, t, t + boot)
        self.instances.append(inst)
        self._live.append(inst)
        return inst

    def price(self, inst: SimInstance, t: float) -> float:
        if inst.market == "on-demand":
            return on_demand_price(inst.type)
        series = self.prices[inst.type]
        return series[min(len(series) - 1, int(t // 3600))]

    def live(self) -> list[SimInstance]:
        self._live = [i for i in self._live if i.ended is None]
        return self._live

    def enqueue(self, b: TraceBuild, t: float) -> None:
        self.queue.append(b)
        self.queued_at[b.id] = t

    def start(self, inst: SimInstance, b: TraceBuild, t: float) -> None:
        self.queue.remove(b)
        self.waits[b.id] = self.waits.get(b.id, 0.0) + (t - self.queued_at.pop(b.id))
        inst.running[b.id] = (b, t + b.duration)
        inst.idle_since = None

    def place(self, t: float, one_per_instance: bool = False) -> None:
        ready = [i for i in self.live() if i.ready_at <= t and not i.draining and i.doomed_at is None]
        for b in list(self.queue):
            best = None
            for inst in ready:
                if one_per_instance and (inst.running or getattr(inst, "owner", None) not in (None, b.id)):
                    continue
                cpu, mem = inst.free(shape(inst.type))
                if cpu >= b.cpu and mem >= b.memory:
                    if best is None or inst.free(shape(inst.type))[1] < best.free(shape(best.type))[1]:
                        best = inst  # binpack on memory, like the capacity provider's placement
            if best is not None:
                self.start(best, b, t)

    def step_instances(self, t: float, dt: float, on_interrupt_resubmit: bool, stop_when_empty: bool = False) -> None:
        for inst in self.live():
            for bid, (_b, end) in list(inst.running.items()):
                if end <= t:
                    del inst.running[bid]
                    self.done.add(bid)
                    if not inst.running:
                        inst.idle_since = t
            if inst.doomed_at is not None and t >= inst.doomed_at:
                for bid in list(inst.running):
                    self.interrupted += 1  # still running when the instance went: lost
                    self.lost.add(bid)
                inst.running.clear()
                inst.ended = t
                continue
            if stop_when_empty and inst.ready_at <= t and not inst.running and not self._owned_queued(inst):
                inst.ended = t
                continue
            inst.cost += self.price(inst, t) * dt / 3600
            self.capacity_cpu_seconds += shape(inst.type).cpu * dt
            self.busy_cpu_seconds += sum(b.cpu for b, _ in inst.running.values()) * dt
            if inst.market == "spot" and inst.doomed_at is None and inst.ready_at <= t:
                if self.rng.random() < self.cond.interruption_rate * dt / 3600:
                    inst.doomed_at = t + WARNING
                    inst.draining = True
                    if on_interrupt_resubmit:  # the drainer: abort, resubmit at once (same parameters)
                        for bid, (b, _) in list(inst.running.items()):
                            self.interrupted += 1
                            self.resubmitted += 1
                            del inst.running[bid]
                            self.enqueue(b, t)
        self.peak = max(self.peak, len(self.live()))

    def _owned_queued(self, inst: SimInstance) -> bool:
        owner = getattr(inst, "owner", None)
        return owner is not None and owner in self.queued_at

    def finish(self) -> Result:
        for inst in self.instances:
            if inst.ended is None:
                inst.ended = self.now
            minimum = self.price(inst, inst.launched) * 60 / 3600
            inst.cost = max(inst.cost, minimum)
        waits = [self.waits.get(b.id, 0.0) for b in self.trace if b.id in self.done]
        costs = [i.cost for i in self.instances]
        return Result(self.name, len(self.trace), len(self.done), sum(costs), percentile(waits, 0.5),
                      percentile(waits, 0.95), max(waits, default=0.0), sum(1 for w in waits if w > 0),
                      self.busy_cpu_seconds / self.capacity_cpu_seconds if self.capacity_cpu_seconds else 0.0,
                      self.interrupted, self.resubmitted, len(self.lost - self.done), len(self.instances),
                      self.peak, costs)

    def run(self, on_tick) -> Result:
        t, nxt = 0.0, 0
        while True:
            while nxt < len(self.trace) and self.trace[nxt].arrival <= t:
                self.enqueue(self.trace[nxt], t)
                nxt += 1
            on_tick(t)
            self.now = t
            if nxt >= len(self.trace) and not self.queue and not any(i.running for i in self.live()) \
                    and t >= self.end:
                break
            if t > self.end + 7 * 86400:  # a policy that never runs some builds: stop, count them lost
                self.lost |= {b.id for b in self.queue}
                break
            t += TICK
        return self.finish()


def simulate_policy(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions) -> Result:
    sim = _Sim("policy", trace, cond, list(spec.instance_types))
    shapes = {t: shape(t) for t in spec.instance_types}
    group = {"desired": spec.min_size, "short_since": None, "fallback_since": None}
    for _ in range(spec.min_size):
        sim.launch(0, "on-demand" if _ < spec.on_demand_base else "spot")

    def market(live: list[SimInstance]) -> str:
        """What the group launches next: the on-demand base first, then the configured share."""
        on_demand = sum(1 for i in live if i.market == "on-demand")
        if on_demand < spec.on_demand_base or group["fallback_since"] is not None:
            return "on-demand"
        above = len(live) - spec.on_demand_base
        share = spec.on_demand_percent_above_base / 100
        return "on-demand" if share and (on_demand - spec.on_demand_base) < share * (above + 1) else "spot"

    def reconcile(t: float) -> None:
        # the Auto Scaling group: launch toward desired (spot only when pools have capacity);
        # doomed instances no longer count, so their replacements launch at the warning
        live = [i for i in sim.live() if i.doomed_at is None]
        for _ in range(len(live), group["desired"]):
            m = market(live)
            if m == "spot" and not sim.spot_available(t):
                continue
            live.append(sim.launch(t, m))

    def tick(t: float) -> None:
        sim.step_instances(t, TICK, on_interrupt_resubmit=True)
        if t % SCALER_PERIOD == 0:
            live = sim.live()
            instances = [Instance(i.id, i.type, i.market, "InService" if i.ready_at <= t else "Pending",
                                  True, len(i.running), i.draining or i.doomed_at is not None, i.idle_since)
                         for i in live if i.doomed_at is None]
            builds = [Build(str(b.id), b.label, b.cpu, b.memory, None) for b in sim.queue]
            builds += [Build(str(bid), b.label, b.cpu, b.memory, i.id) for i in live for bid, (b, _) in i.running.items()]
            g = Group("sim", group["desired"], spec.min_size, spec.max_size, group["short_since"],
                      group["fallback_since"])
            dec = decide(spec, shapes, g, instances, builds, t, refresh=False)
            group["desired"] = dec.desired_after
            for a in dec.actions:
                if a.kind == "terminate":
                    inst = next(i for i in live if i.id == a.target)
                    if not inst.running:
                        inst.ended = t
                elif a.kind == "mark_idle":
                    pass  # the sim tracks idle_since itself
                elif a.kind == "mark_short":
                    group["short_since"] = t
                elif a.kind == "clear_short":
                    group["short_since"] = None
                elif a.kind == "fallback_on":
                    group["fallback_since"] = t
                elif a.kind == "fallback_off":
                    group["fallback_since"] = None
        reconcile(t)
        sim.place(t)

    return sim.run(tick)


def peak_instances(trace: list[TraceBuild], type_: str) -> int:
    """Instances of `type_` needed at the trace's busiest moment if every build starts on arrival."""
    s = shape(type_)
    events = sorted([(b.arrival, 1, b) for b in trace] + [(b.arrival + b.duration, -1, b) for b in trace],
                    key=lambda e: (e[0], e[1]))
    cpu = mem = peak = 0
    for _, d, b in events:
        cpu += d * b.cpu
        mem += d * b.memory
        peak = max(peak, math.ceil(cpu / s.cpu), math.ceil(mem / s.memory))
    return max(1, math.ceil(peak * 1.1))  # and ten per cent for fragmentation


def simulate_static(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions) -> Result:
    type_ = spec.instance_types[0]
    sim = _Sim("static", trace, cond, [type_])
    n = peak_instances(trace, type_)
    for _ in range(n):
        inst = sim.launch(0, "on-demand", type_)
        inst.ready_at = 0

    def tick(t: float) -> None:
        sim.step_instances(t, TICK, on_interrupt_resubmit=False)
        sim.place(t)

    result = sim.run(tick)
    return result


def simulate_reactive(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions, market: str = "on-demand") -> Result:
    sim = _Sim("reactive" if market == "on-demand" else "reactive-spot", trace, cond, list(spec.instance_types))
    shapes = [shape(t) for t in spec.instance_types]

    def tick(t: float) -> None:
        sim.step_instances(t, TICK, on_interrupt_resubmit=False, stop_when_empty=True)
        owned = {getattr(i, "owner", None) for i in sim.live()}
        for b in sim.queue:
            if b.id not in owned:
                fitting = [s for s in shapes if s.cpu >= b.cpu and s.memory >= b.memory]
                inst = sim.launch(t, market, min(fitting, key=lambda s: (s.cpu, s.memory)).name if fitting else None)
                inst.owner = b.id
        ready = [i for i in sim.live() if i.ready_at <= t and not i.running and i.doomed_at is None]
        for inst in ready:
            b = next((q for q in sim.queue if q.id == getattr(inst, "owner", None)), None)
            if b is not None:
                sim.start(inst, b, t)

    return sim.run(tick)


def compare(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions, reactive_market: str = "on-demand",
            ) -> list[Result]:
    return [simulate_policy(spec, trace, cond), simulate_static(spec, trace, cond),
            simulate_reactive(spec, trace, cond, reactive_market)]


def render(results: list[Result]) -> str:
    cols = [("policy", "policy", "{}"), ("cost $", "cost", "{:.2f}"), ("p50 wait s", "p50_wait", "{:.0f}"),
            ("p95 wait s", "p95_wait", "{:.0f}"), ("max wait s", "max_wait", "{:.0f}"), ("waited", "waited", "{}"),
            ("utilisation", "utilisation", "{:.0%}"),
            ("interrupted", "interrupted", "{}"), ("resubmitted", "resubmitted", "{}"), ("lost", "lost", "{}"),
            ("completed", "completed", "{}"), ("instances", "instances_launched", "{}")]
    rows = [[h for h, _, _ in cols]] + [[f.format(getattr(r, a)) for _, a, f in cols] for r in results]
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    out = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
           for row in rows]
    base = next((r for r in results if r.policy == "static"), None)
    if base and base.cost:
        out.append("cost vs static: " + ", ".join(f"{r.policy} {r.cost / base.cost:.0%}" for r in results))
    return "\n".join(out)
