"""What the simulator replays: build traces (read, write, generate) and spot markets (prices,
capacity shortages). Pure and seeded.

A trace is CSV with a header. Required: arrival,label,cpu,memory,duration (seconds from the
start, a label, ECS cpu units, MiB, seconds). Optional: id (default: the row number), job (whose
history predicts fan-out; default: the label), parent (the id of the build whose end releases this
one: the build is queued when its parent ends, plus how much later than the parent's nominal end
its arrival says). Parent rows are what make fan-out closed-loop: a parent that waited delays
its children."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime

REQUIRED = ("arrival", "label", "cpu", "memory", "duration")
PRICE_STEP = 300  # spot prices are sampled every 5 minutes


@dataclass(frozen=True)
class TraceBuild:
    id: int
    arrival: float  # seconds from the start (for a child: its nominal arrival)
    label: str
    cpu: int
    memory: int
    duration: float
    job: str = ""
    parent: int | None = None
    name: str = ""  # the id as written in the file

    @property
    def job_name(self) -> str:
        return self.job or self.label


class TraceError(ValueError):
    """A trace or price file that cannot be read; the message starts with `line N:`."""


def read_trace(text: str) -> list[TraceBuild]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TraceError(f"line 1: expected {','.join(REQUIRED)}[,id,job,parent] (missing {', '.join(missing)})")
    rows: list[tuple[int, TraceBuild, str]] = []
    names: dict[str, tuple[int, int]] = {}
    for n, r in enumerate(reader, start=2):
        try:
            b = TraceBuild(len(rows), float(r["arrival"]), r["label"], int(r["cpu"]), int(r["memory"]),
                           float(r["duration"]), (r.get("job") or "").strip(), None,
                           (r.get("id") or "").strip() or str(len(rows)))
        except (KeyError, TypeError, ValueError) as exc:
            raise TraceError(f"line {n}: expected arrival,label,cpu,memory,duration ({exc})") from exc
        if b.duration <= 0 or b.cpu <= 0 or b.memory <= 0 or b.arrival < 0:
            raise TraceError(f"line {n}: arrival must be >= 0; cpu, memory and duration > 0")
        if b.name in names:
            raise TraceError(f"line {n}: id '{b.name}' is used twice (first on line {names[b.name][0]})")
        names[b.name] = (n, b.id)
        rows.append((n, b, (r.get("parent") or "").strip()))
    out = []
    for n, b, parent in rows:
        pid = None
        if parent:
            if parent not in names:
                raise TraceError(f"line {n}: parent '{parent}' is not the id of a build in this trace")
            pid = names[parent][1]
            if rows[pid][1].arrival > b.arrival or pid == b.id:
                raise TraceError(f"line {n}: parent '{parent}' arrives after its child (a parent ends before "
                                 "its children start)")
        out.append(TraceBuild(b.id, b.arrival, b.label, b.cpu, b.memory, b.duration, b.job, pid, b.name))
    return out


def write_trace(builds: list[TraceBuild]) -> str:
    rich = any(b.parent is not None or b.job for b in builds)
    lines = ["arrival,label,cpu,memory,duration" + (",id,job,parent" if rich else "")]
    for b in builds:
        row = f"{b.arrival:.0f},{b.label},{b.cpu},{b.memory},{b.duration:.0f}"
        if rich:
            row += f",{b.id},{b.job},{'' if b.parent is None else b.parent}"
        lines.append(row)
    return "\n".join(lines) + "\n"


KINDS = [("docker", 1024, 2048, 0.6), ("small", 512, 1024, 0.3), ("large", 2048, 4096, 0.1)]


def _kind(rng: random.Random) -> tuple[str, int, int]:
    r, acc = rng.random(), 0.0
    for label, cpu, mem, share in KINDS:  # noqa: B007 (the kind picked is used after the break)
        acc += share
        if r <= acc:
            break
    return label, cpu, mem


def synthetic_trace(n: int = 2000, seed: int = 7, hours: int = 24) -> list[TraceBuild]:
    """A day of builds: 75% in a 09:00-18:00 workday burst (peaks late morning and mid afternoon)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.75:
            center = rng.choice([10.5, 14.5])
            hour = rng.gauss(center, 1.6)
            while not 9.0 <= hour <= 18.0:  # redraw: clipping would pile builds up at 09:00 and 18:00
                hour = rng.gauss(center, 1.6)
        else:
            hour = rng.uniform(0, hours)
        label, cpu, mem = _kind(rng)
        duration = min(3600.0, max(30.0, rng.lognormvariate(math.log(420), 0.7)))
        out.append(TraceBuild(i, hour * 3600, label, cpu, mem, duration))
    out.sort(key=lambda b: (b.arrival, b.id))
    return [TraceBuild(i, b.arrival, b.label, b.cpu, b.memory, b.duration) for i, b in enumerate(out)]


def bursty_trace(merges: int = 24, seed: int = 11, days: int = 1, repos: int = 3) -> list[TraceBuild]:
    """Merges of a large project: each merge runs its repository's build job (8-15 min), whose end
    fans out 30-70 test jobs at once (2-60 min, 4% of them 1-3 h) into a fleet that scaled to zero.
    Merges fall on workdays 08:30-19:00 (clustered mid-morning and after lunch); nights are idle.
    Each repository's fan-out size is stable from merge to merge (+-15%): what makes it
    predictable from history, as it is in real projects whose test matrix changes rarely."""
    rng = random.Random(seed)
    out: list[TraceBuild] = []
    fanout = {f"repo{r}": rng.randint(30, 70) for r in range(repos)}
    build_minutes = {f"repo{r}": rng.uniform(8, 15) for r in range(repos)}
    for day in range(days):
        starts = []
        for _ in range(merges):
            hour = rng.gauss(rng.choice([10.5, 14.5]), 1.8)
            while not 8.5 <= hour <= 19.0:
                hour = rng.gauss(rng.choice([10.5, 14.5]), 1.8)
            starts.append(day * 86400 + hour * 3600)
        for start in sorted(starts):
            repo = rng.choice(sorted(fanout))
            pid = len(out)
            build = TraceBuild(pid, start, "large", 2048, 4096, build_minutes[repo] * 60 * rng.lognormvariate(0, 0.1),
                               f"{repo}-build")
            out.append(build)
            n = max(30, min(70, round(fanout[repo] * rng.uniform(0.85, 1.15))))
            released = build.arrival + build.duration
            for k in range(n):
                label, cpu, mem = ("docker", 1024, 2048) if rng.random() < 0.7 else ("small", 512, 1024)
                minutes = rng.uniform(60, 180) if rng.random() < 0.04 else \
                    min(60.0, max(2.0, rng.lognormvariate(math.log(12), 0.7)))
                out.append(TraceBuild(len(out), released + rng.uniform(0, 3), label, cpu, mem, minutes * 60,
                                      f"{repo}-test-{k}", pid))
    out.sort(key=lambda b: (b.arrival, b.id))
    index = {b.id: i for i, b in enumerate(out)}
    return [TraceBuild(index[b.id], b.arrival, b.label, b.cpu, b.memory, b.duration, b.job,
                       None if b.parent is None else index[b.parent]) for b in out]


# --- spot markets ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Market:
    """Spot prices ($/h, one value per PRICE_STEP seconds) and the windows when a pool has no
    spot capacity, per instance type."""

    prices: dict  # type -> list of $/h
    dry: dict  # type -> tuple of (start, end) seconds

    def price(self, type_: str, t: float) -> float:
        series = self.prices[type_]
        return series[min(len(series) - 1, max(0, int(t // PRICE_STEP)))]

    def available(self, type_: str, t: float) -> bool:
        return not any(a <= t < b for a, b in self.dry.get(type_, ()))


def default_market(on_demand: dict[str, float], seconds: float, seed: int, shortages: bool = True,
                   spikes: bool = True) -> Market:
    """Spot at 35-52% of on-demand (the band observed for m5/m6i/c6i in us-east-1 over 2025; the
    older 25-40% is cheaper than what users now pay), a slow random walk per pool; a price spike
    (to 75-100% of on-demand for 1-3 h) on a pool about once every two days, and capacity
    shortages (a pool has no spot for 20-90 min) about twice a day per pool."""
    rng = random.Random(seed * 7919 + 1)
    steps = int(seconds // PRICE_STEP) + 2
    prices: dict[str, list[float]] = {}
    dry: dict[str, tuple[tuple[float, float], ...]] = {}
    days = max(1.0, seconds / 86400)
    for t in sorted(on_demand):
        level, series = rng.uniform(0.38, 0.48), []
        for _ in range(steps):
            level = min(0.52, max(0.35, level + rng.gauss(0, 0.004)))
            series.append(level)
        if spikes:
            for _ in range(_poisson(rng, 0.5 * days)):
                a = rng.randrange(steps)
                b = a + int(rng.uniform(3600, 3 * 3600) // PRICE_STEP)
                peak = rng.uniform(0.75, 1.0)
                for k in range(a, min(b, steps)):
                    series[k] = max(series[k], peak)
        prices[t] = [round(on_demand[t] * x, 5) for x in series]
        windows: list[tuple[float, float]] = []
        if shortages:
            for _ in range(_poisson(rng, 2 * days)):
                start = rng.uniform(0, seconds)
                windows.append((start, start + rng.uniform(20 * 60, 90 * 60)))
        dry[t] = tuple(sorted(windows))
    return Market(prices, dry)


def _poisson(rng: random.Random, mean: float) -> int:
    n, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def read_spot_prices(text: str, name: str = "prices") -> dict[str, list[float]]:
    """Spot prices per type, one value per PRICE_STEP seconds from the earliest record.

    Formats: the JSON of `aws ec2 describe-spot-price-history` ({"SpotPriceHistory": [...]},
    or the bare list); CSV with the same field names (Timestamp,InstanceType,SpotPrice, and
    optional AvailabilityZone); or CSV `hour,type,price` (hours from the start). Several zones
    of one type at one time: the mean (the group spreads over zones)."""
    records = _price_records(text)
    if not records:
        raise TraceError(f"{name}: no spot price records")
    start = min(r[0] for r in records)
    by_type: dict[str, list[tuple[float, str, float]]] = {}
    for at, type_, zone, price in records:
        by_type.setdefault(type_, []).append((at - start, zone, price))
    out = {}
    for type_, rows in by_type.items():
        rows.sort()
        end = rows[-1][0]
        series, zones, k = [], {}, 0
        for step in range(int(end // PRICE_STEP) + 1):
            while k < len(rows) and rows[k][0] <= step * PRICE_STEP:
                zones[rows[k][1]] = rows[k][2]
                k += 1
            series.append(round(sum(zones.values()) / len(zones), 6) if zones else rows[0][2])
        out[type_] = series
    return out


def _price_records(text: str) -> list[tuple[float, str, str, float]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TraceError(f"line {exc.lineno}: not JSON ({exc.msg})") from exc
        items = data.get("SpotPriceHistory") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise TraceError("line 1: expected the output of `aws ec2 describe-spot-price-history` "
                             "({\"SpotPriceHistory\": [...]})")
        return [_record(item, f"record {n}") for n, item in enumerate(items, start=1)]
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if {"hour", "type", "price"} <= set(header):
        out = []
        for n, r in enumerate(reader, start=2):
            try:
                out.append((float(r["hour"]) * 3600, r["type"], "", float(r["price"])))
            except (TypeError, ValueError) as exc:
                raise TraceError(f"line {n}: expected hour,type,price ({exc})") from exc
        return out
    if not {"Timestamp", "InstanceType", "SpotPrice"} <= set(header):
        raise TraceError("line 1: expected a header Timestamp,InstanceType,SpotPrice[,AvailabilityZone] "
                         "(or hour,type,price), or the JSON of `aws ec2 describe-spot-price-history`")
    return [_record(r, f"line {n}") for n, r in enumerate(reader, start=2)]


def _record(item, where: str) -> tuple[float, str, str, float]:
    try:
        at = datetime.fromisoformat(str(item["Timestamp"]).replace("Z", "+00:00")).timestamp()
        return at, str(item["InstanceType"]), str(item.get("AvailabilityZone") or ""), float(item["SpotPrice"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise TraceError(f"{where}: expected Timestamp (ISO 8601), InstanceType, SpotPrice ({exc})") from exc
