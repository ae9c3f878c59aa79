"""One scaling pass as a pure function: queue + running builds + fleet state -> a decision.

`agents scale` gathers the inputs (Jenkins queue and nodes, the Auto Scaling group, ECS), calls
`decide`, prints the decision and why, then carries out its actions. Running it twice on the
same state decides the same thing; actions already done are not repeated. The simulator calls
the same `decide` on its own state, so what the bench measures is what the fleet runs.

Triggers, besides builds already queued:
- expected builds (`expected`): a fan-out predicted from the job's history when its parent
  starts; counted as demand once their ETA is within `boot_seconds` (a cold boot), so the
  instances are up when the parent ends;
- a warm pool (`warm`): an on-demand group whose warm pool holds stopped instances. EC2 Auto
  Scaling refuses a warm pool on a group with a mixed instances policy or spot (PutWarmPool:
  "cannot be called on an Auto Scaling group that has a mixed instances policy or a launch
  template ... that requests Spot Instances"), so the fleet has two groups: the spot group
  (mixed instances) for everything, and a small on-demand "burst" group with a warm pool for
  queued builds that no instance can take within a warm start. Burst instances go back to the
  warm pool (ReuseOnScaleIn) after `warm.idle_seconds` idle; the spot group takes over.

One owner of desired capacity: this scaler sets DesiredCapacity of both groups. ECS managed
scaling would set the same DesiredCapacity from its CapacityProviderReservation target
tracking (a CloudWatch alarm path of minutes) and undo ours, so the real fleet must create its
capacity providers with managedScaling DISABLED and managedTerminationProtection DISABLED (it
requires managed scaling); scale-in protection of busy instances is ours (`protect` actions),
and ECS managed instance draining stays on. The controller must be the only writer of
DesiredCapacity: no ASG scaling policies, no scheduled actions on these groups."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from jenkinsctl.agents.binpack import Bin, Shape, pack
from jenkinsctl.config.fleet import FleetSpec

LIVE_STATES = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")


@dataclass(frozen=True)
class Build:
    """A build waiting in the queue or running, with the reservation of its label's template."""

    id: str
    label: str
    cpu: int
    memory: int
    instance_id: str | None = None  # where it runs; None while queued
    waiting_seconds: float = 0.0


@dataclass(frozen=True)
class Instance:
    instance_id: str
    instance_type: str
    lifecycle: str  # spot | on-demand
    state: str  # Auto Scaling lifecycle state
    protected: bool
    running_tasks: int  # ECS's count: the truth about builds on it
    draining: bool = False
    idle_since: float | None = None  # epoch seconds; None while busy or unknown
    outdated: bool = False  # launched from an older launch template version
    group: str = ""  # "" the spot group; "burst" the on-demand group with the warm pool
    launched_at: float | None = None  # epoch seconds, for when a pending instance will be ready


@dataclass(frozen=True)
class Expected:
    """A build not queued yet, predicted from history (a fan-out after its parent ends)."""

    id: str
    label: str
    cpu: int
    memory: int
    eta: float  # epoch seconds it is expected in the queue
    because: str = ""  # the parent build


@dataclass(frozen=True)
class WarmPool:
    """The on-demand burst group and its warm pool of stopped instances."""

    name: str
    desired: int
    available: int  # stopped instances in the warm pool, ready to start
    max_size: int
    warm_seconds: float  # a warm start: StartInstances to an agent taking a build
    idle_seconds: float = 60.0  # a burst instance idle this long goes back to the pool
    min_burst: int = 1  # start warm instances only when at least this many would wait for a cold boot


@dataclass(frozen=True)
class Group:
    name: str
    desired: int
    min_size: int
    max_size: int
    short_since: float | None = None  # since when desired > live instances (spot not coming)
    fallback_since: float | None = None  # on-demand fallback switched on at


@dataclass(frozen=True)
class Action:
    kind: str  # set_desired | protect | unprotect | terminate | replace | drain | mark_idle | mark_busy
    #            | mark_short | clear_short | fallback_on | fallback_off
    target: str
    value: object = None
    reason: str = ""


@dataclass
class Decision:
    desired_before: int
    desired_after: int
    burst_before: int = 0
    burst_after: int = 0
    demand: dict = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_data(self) -> dict:
        return {"desiredBefore": self.desired_before, "desiredAfter": self.desired_after,
                "burstBefore": self.burst_before, "burstAfter": self.burst_after, "demand": self.demand,
                "actions": [asdict(a) for a in self.actions], "reasons": self.reasons}

    def render(self) -> str:
        head = (f"desired capacity {self.desired_before} -> {self.desired_after}"
                if self.desired_after != self.desired_before else f"desired capacity stays {self.desired_after}")
        d = self.demand
        lines = [head, f"  demand: {d.get('queued', 0)} queued, {d.get('running', 0)} running builds; "
                       f"{d.get('live', 0)} live instances, {d.get('newInstances', 0)} more needed, "
                       f"headroom {d.get('headroom', 0)}"]
        if self.burst_after != self.burst_before:
            lines.append(f"  burst (warm pool) capacity {self.burst_before} -> {self.burst_after}")
        lines += [f"  why: {r}" for r in self.reasons]
        lines += [f"  do: {a.kind} {a.target}" + (f" = {a.value}" if a.value is not None else "")
                  + (f" ({a.reason})" if a.reason else "") for a in self.actions]
        return "\n".join(lines)


def template_of(label: str) -> str:
    """`docker@feature-x` runs on the `docker` template's reservation."""
    return label.split("@", 1)[0]


def decide(spec: FleetSpec, shapes: dict[str, Shape], group: Group, instances: list[Instance],
           builds: list[Build], now: float, refresh: bool = True, expected: list[Expected] = (),
           boot_seconds: float = 0.0, warm: WarmPool | None = None) -> Decision:
    """`group`, `instances`: the spot group and every instance of the fleet (both groups);
    `expected`/`boot_seconds`: predicted builds and how long a cold instance takes to take one;
    `warm`: the burst group, None when the fleet has none."""
    live = [i for i in instances if i.state in LIVE_STATES]
    usable = [i for i in live if not i.draining]
    real_queued = [b for b in builds if b.instance_id is None]
    due = [e for e in expected if e.eta - now <= boot_seconds]
    queued = real_queued + [Build(e.id, e.label, e.cpu, e.memory) for e in due]
    running = [b for b in builds if b.instance_id is not None]
    dec = Decision(group.desired, group.desired, warm.desired if warm else 0, warm.desired if warm else 0)
    shape_list = [shapes[t] for t in spec.instance_types if t in shapes]
    if due:
        parents = sorted({e.because for e in due if e.because})
        dec.reasons.append(f"pre-warm: {len(due)} build(s) expected within {int(boot_seconds)} s"
                           + (f" (fan-out of {', '.join(parents[:3])})" if parents else ""))
    burst_new = _burst(dec, warm, usable, real_queued, running, shapes, shape_list, now, boot_seconds)

    # 1. where the queued builds go: free space on usable instances first, then new instances
    bins = {i.instance_id: Bin(shapes.get(i.instance_type) or shape_list[0], i.instance_id) for i in usable}
    for b in running:
        if b.instance_id in bins:
            bins[b.instance_id].add(b.id, b.cpu, b.memory)
    new_bins, too_big = pack([(b.id, b.cpu, b.memory) for b in queued], list(bins.values()), shape_list)
    for b in too_big:
        dec.reasons.append(f"build {b} asks more cpu/memory than any of {', '.join(spec.instance_types)} has")
    busy = {i.instance_id for i in usable if i.running_tasks > 0} | {b.instance_id for b in running}
    holding = busy | {k for k, b in bins.items() if b.items}
    main_live = [i for i in live if not i.group]
    pending_launch = max(0, group.desired - len(main_live)) + max(0, (warm.desired if warm else 0)
                                                                  - sum(1 for i in live if i.group))
    have = len(usable) + pending_launch + burst_new
    need = len(holding) + len(new_bins)
    headroom = spec.headroom + math.ceil(need * spec.headroom_percent / 100) if (queued or running) else 0
    need += headroom
    dec.demand = {"queued": len(queued), "running": len(running), "live": len(live), "usable": len(usable),
                  "pendingLaunch": pending_launch, "newInstances": len(new_bins), "headroom": headroom,
                  "need": need, "have": have}
    desired = group.desired
    to_remove: list[Instance] = []
    if new_bins:
        dec.reasons.append(f"{len(queued)} queued build(s) need {len(new_bins)} more instance(s) "
                           f"({new_bins[0].shape.name} or larger)")
    if need > have:
        desired = min(group.max_size, group.desired + need - have)
        if desired > group.desired:
            dec.reasons.append(f"need {need} instance(s) (builds + headroom {headroom}), have {have}: "
                               "pre-warm before the plugin asks")
        if group.desired + need - have > group.max_size:
            dec.reasons.append(f"demand is capped by maxSize {group.max_size}")
    # 2. scale in: only instances idle long enough and not needed; busy ones stay protected
    idle_after = spec.scale_in_idle_minutes * 60
    idle = sorted((i for i in usable if i.instance_id not in holding and i.running_tasks == 0 and not i.group),
                  key=lambda i: (not i.outdated, i.idle_since or now))
    for i in usable:
        if i.instance_id not in holding and i.running_tasks == 0 and i.idle_since is None:
            dec.actions.append(Action("mark_idle", i.instance_id, now, "no builds on it"))
    for i in usable:
        if i.instance_id in busy and i.idle_since is not None:
            dec.actions.append(Action("mark_busy", i.instance_id, None, "running builds again"))
    if need < have:
        removable = [i for i in idle if i.idle_since is not None and now - i.idle_since >= idle_after]
        room = max(0, group.desired - group.min_size)
        to_remove = removable[:min(have - need, room)]
        if to_remove:
            desired = group.desired - len(to_remove)
            dec.reasons.append(f"{len(to_remove)} instance(s) idle past {spec.scale_in_idle_minutes} min "
                               "and not needed: scale in")
        elif have - need > 0 and room:
            dec.reasons.append(f"{have - need} spare instance(s), none idle for {spec.scale_in_idle_minutes} min yet")
    for i in to_remove:
        if i.protected:
            dec.actions.append(Action("unprotect", i.instance_id, False, "idle, about to be removed"))
        dec.actions.append(Action("terminate", i.instance_id, None,
                                  f"idle {int((now - (i.idle_since or now)) // 60)} min"))
    dec.desired_after = desired
    if desired > group.desired:
        dec.actions.insert(0, Action("set_desired", group.name, desired, "pre-warm"))
    if not dec.reasons:
        dec.reasons.append("capacity matches demand" if (queued or running) else
                           "no builds queued or running; nothing idle long enough to remove")

    # 3. protection: every busy instance is protected from scale-in; idle ones may go
    for i in usable:
        if i.instance_id in busy and not i.protected:
            dec.actions.append(Action("protect", i.instance_id, True, "running builds"))

    # 4. instance refresh: replace outdated instances once idle; drain busy ones so no build lands
    if refresh:
        _refresh(dec, live, busy, {i.instance_id for i in to_remove})

    # 5. spot not coming: fall back to on-demand after spotWaitSeconds, back to spot later
    short = group.desired > len(main_live)
    if short and group.short_since is None:
        dec.actions.append(Action("mark_short", group.name, now,
                                  f"{group.desired - len(main_live)} instance(s) asked for"))
    if not short and group.short_since is not None:
        dec.actions.append(Action("clear_short", group.name, None, "the group has what it asked for"))
    waited = now - group.short_since if (short and group.short_since is not None) else 0
    if group.fallback_since is None and waited >= spec.spot_wait_seconds:
        dec.actions.append(Action("fallback_on", group.name, now,
                                  f"spot capacity missing for {int(waited)} s >= {spec.spot_wait_seconds} s"))
        dec.reasons.append("spot is not coming: launching on-demand instead until spot pools recover")
    if group.fallback_since is not None and not short and now - group.fallback_since >= 6 * spec.spot_wait_seconds:
        dec.actions.append(Action("fallback_off", group.name, spec.on_demand_percent_above_base,
                                  "back to spot after the fallback period"))
    return dec


def _refresh(dec: Decision, live: list[Instance], busy: set[str], removed: set[str]) -> None:
    outdated = [i for i in live if i.outdated and i.instance_id not in removed]
    if not outdated:
        return
    batch = max(1, math.ceil(len(live) / 4))  # replace at most a quarter at a time
    in_flight = sum(1 for i in live if i.state.startswith("Pending"))
    idle_outdated = [i for i in outdated if i.instance_id not in busy and i.running_tasks == 0]
    slots = max(0, batch - in_flight)
    for i in idle_outdated[:slots]:
        if i.protected:
            dec.actions.append(Action("unprotect", i.instance_id, False, "outdated and idle: replace"))
        dec.actions.append(Action("replace", i.instance_id, None, "launched from an older launch template; idle"))
    for i in outdated:
        if (i.instance_id in busy or i.running_tasks > 0) and not i.draining:
            dec.actions.append(Action("drain", i.instance_id, None, "outdated; finish its builds, take no new ones"))
    waiting = sum(1 for i in outdated if i.instance_id in busy or i.running_tasks > 0)
    dec.reasons.append(f"instance refresh: {len(live) - len(outdated)}/{len(live)} on the current launch "
                       f"template; {min(slots, len(idle_outdated))} replaced now, {waiting} waiting for builds")


def _burst(dec: Decision, warm: WarmPool | None, usable: list[Instance], queued: list[Build],
           running: list[Build], shapes: dict[str, Shape], shape_list: list[Shape], now: float,
           boot_seconds: float) -> int:
    """Start warm-pool instances for queued builds no instance can take within a warm start;
    send idle burst instances back to the pool. Returns the instances it starts."""
    if warm is None:
        return 0
    soon = [i for i in usable if i.state == "InService" or
            (i.launched_at is not None and i.launched_at + (warm.warm_seconds if i.group else boot_seconds)
             <= now + warm.warm_seconds)]
    bins = {i.instance_id: Bin(shapes.get(i.instance_type) or shape_list[0], i.instance_id) for i in soon}
    for b in running:
        if b.instance_id in bins:
            bins[b.instance_id].add(b.id, b.cpu, b.memory)
    new_bins, _ = pack([(b.id, b.cpu, b.memory) for b in queued], list(bins.values()), shape_list)
    burst_live = [i for i in usable if i.group]
    pending = max(0, warm.desired - len(burst_live))
    start = max(0, min(len(new_bins) - pending, warm.available, warm.max_size - warm.desired))
    if len(new_bins) < warm.min_burst:
        start = 0  # a trickle waits for the spot group: on-demand is for bursts
    busy = {b.instance_id for b in running}
    back = [i for i in burst_live if i.instance_id not in busy and i.running_tasks == 0 and i.idle_since is not None
            and now - i.idle_since >= warm.idle_seconds]
    if start and back:
        back = back[start:]
        start = 0
    dec.burst_after = warm.desired + start - len(back)
    if start:
        dec.actions.append(Action("set_burst_desired", warm.name, dec.burst_after,
                                  f"{len(new_bins)} instance(s) of queued builds would wait for a cold boot"))
        dec.reasons.append(f"warm pool: start {start} stopped instance(s) ({int(warm.warm_seconds)} s) "
                           "rather than wait for a cold boot")
    for i in back:
        dec.actions.append(Action("return_to_pool", i.instance_id, None,
                                  f"burst instance idle {int(now - (i.idle_since or now))} s"))
    return start
