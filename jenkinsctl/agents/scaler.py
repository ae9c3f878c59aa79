"""One scaling pass as a pure function: queue + running builds + fleet state -> a decision.

`agents scale` gathers the inputs (Jenkins queue and nodes, the Auto Scaling group, ECS), calls
`decide`, prints the decision and why, then carries out its actions. Running it twice on the
same state decides the same thing; actions already done are not repeated."""

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
    demand: dict = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_data(self) -> dict:
        return {"desiredBefore": self.desired_before, "desiredAfter": self.desired_after, "demand": self.demand,
                "actions": [asdict(a) for a in self.actions], "reasons": self.reasons}

    def render(self) -> str:
        head = (f"desired capacity {self.desired_before} -> {self.desired_after}"
                if self.desired_after != self.desired_before else f"desired capacity stays {self.desired_after}")
        d = self.demand
        lines = [head, f"  demand: {d.get('queued', 0)} queued, {d.get('running', 0)} running builds; "
                       f"{d.get('live', 0)} live instances, {d.get('newInstances', 0)} more needed, "
                       f"headroom {d.get('headroom', 0)}"]
        lines += [f"  why: {r}" for r in self.reasons]
        lines += [f"  do: {a.kind} {a.target}" + (f" = {a.value}" if a.value is not None else "")
                  + (f" ({a.reason})" if a.reason else "") for a in self.actions]
        return "\n".join(lines)


def template_of(label: str) -> str:
    """`docker@feature-x` runs on the `docker` template's reservation."""
    return label.split("@", 1)[0]


def decide(spec: FleetSpec, shapes: dict[str, Shape], group: Group, instances: list[Instance],
           builds: list[Build], now: float, refresh: bool = True) -> Decision:
    live = [i for i in instances if i.state in LIVE_STATES]
    usable = [i for i in live if not i.draining]
    queued = [b for b in builds if b.instance_id is None]
    running = [b for b in builds if b.instance_id is not None]
    dec = Decision(group.desired, group.desired)
    shape_list = [shapes[t] for t in spec.instance_types if t in shapes]

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
    pending_launch = max(0, group.desired - len(live))  # asked for, not arrived yet
    have = len(usable) + pending_launch
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
    idle = sorted((i for i in usable if i.instance_id not in holding and i.running_tasks == 0),
                  key=lambda i: (not i.outdated, i.idle_since or now))
    for i in idle:
        if i.idle_since is None:
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
    short = group.desired > len(live)
    if short and group.short_since is None:
        dec.actions.append(Action("mark_short", group.name, now, f"{group.desired - len(live)} instance(s) asked for"))
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
