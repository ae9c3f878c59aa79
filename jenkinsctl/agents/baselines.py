"""The fleets a user would run instead of this one, in the same simulated world.

ec2_fleet        the ec2-fleet plugin (jenkinsci/ec2-fleet-plugin) on a spot Auto Scaling group:
                 Jenkins' NodeProvisioner with the plugin's NoDelayProvisionStrategy asks for
                 ceil(excess workload / numExecutors) instances, excess = queue length - available
                 executors - planned capacity, every 10 s (cloudStatusIntervalSec default 10);
                 numExecutors per instance (executors, not cpu/memory: a large build takes one
                 executor like a small one); agents connect over SSH (no ECS, no image pull);
                 EC2RetentionStrategy checks each minute and terminates an instance idle longer
                 than idleMinutes; the plugin does not act on the 2-minute warning: when the
                 instance goes, EC2FleetAutoResubmitComputerLauncher.afterDisconnect aborts and
                 resubmits its builds (work lost, build not). A dry spot group just waits.
per_build        one spot instance per build (the smallest type that fits, launched when the build
                 is queued, terminated when it ends); an interrupted build is lost.
static_schedule  a spot group sized by schedule, as an admin would set scheduled actions from last
                 week's graph: the workday (08:00-19:00) at the workday's peak, the night at the
                 night's peak; persistent agents (no per-build start); at 19:00 only idle
                 instances go; an interrupted instance is replaced, its builds are lost.
static_peak      the old denominator: on-demand instances for the trace's peak, all day."""

from __future__ import annotations

import math

from jenkinsctl.agents.simtrace import TraceBuild
from jenkinsctl.agents.simulator import Conditions, Result, Sim, shape
from jenkinsctl.config.fleet import FleetSpec

NUM_EXECUTORS = 2  # a 2-vCPU instance, one executor per vCPU
IDLE_MINUTES = 5  # idleMinutes: the plugin's default 0 never scales down; 5 is a common setting
PROVISION_PERIOD = 10
WORKDAY = (8 * 3600, 19 * 3600)


def ec2_fleet(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions, executors: int = NUM_EXECUTORS,
              idle_minutes: int | None = None) -> Result:
    sim = Sim("ec2-fleet", trace, cond, list(spec.instance_types), start_overhead=1.0)
    idle_after = (IDLE_MINUTES if idle_minutes is None else idle_minutes) * 60
    state = {"target": 0}

    def tick(t: float) -> None:
        live = sim.live()
        if t % PROVISION_PERIOD == 0:
            free = sum(i.executors - len(i.running) for i in live if i.doomed_at is None)
            planned = executors * max(0, state["target"] - len(live))
            excess = len(sim.queue) - free - planned
            if excess > 0:
                state["target"] = min(spec.max_size, state["target"] + math.ceil(excess / executors))
        if t % 60 == 0:  # EC2RetentionStrategy.check, once a minute
            for i in live:
                if i.ready(t) and not i.running and i.idle_since is not None and t - i.idle_since > idle_after:
                    sim.terminate(i, t)
                    state["target"] = max(0, state["target"] - 1)
        live = [i for i in sim.live() if i.doomed_at is None]
        for _ in range(len(live), state["target"]):
            type_ = sim.spot_type(t)
            if type_ is None:
                break
            inst = sim.launch(t, "spot", type_, "fleet", cond.boot.ssh)
            inst.executors = executors
        sim.place(t, by_executors=True)

    return sim.run(tick)


def per_build(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions) -> Result:
    sim = Sim("per-build", trace, cond, list(spec.instance_types), start_overhead=cond.boot.agent_connect,
              resubmit_on_loss=False)
    by_size = sorted(spec.instance_types, key=lambda x: (shape(x).cpu, shape(x).memory))
    owned: set[int] = set()

    def tick(t: float) -> None:
        for i in sim.live():
            if i.ready(t) and not i.running and i.owner is not None and i.owner not in sim.queue:
                sim.terminate(i, t)
        for bid, (b, _) in sim.queue.items():
            if bid in owned:
                continue
            fitting = [x for x in by_size if shape(x).cpu >= b.cpu and shape(x).memory >= b.memory]
            smallest = [x for x in fitting if shape(x) == shape(fitting[0])] if fitting else []
            type_ = sim.spot_type(t, smallest) or sim.spot_type(t, fitting)
            if type_ is not None:
                sim.launch(t, "spot", type_, "build", cond.boot.cold).owner = bid
                owned.add(bid)
        sim.place(t)

    return sim.run(tick)


def demand_peak(trace: list[TraceBuild], type_: str, window=None) -> int:
    """Instances of `type_` the trace needs at its busiest moment (inside `window`, seconds of the
    day) if every build starts on arrival, plus ten per cent for fragmentation."""
    s = shape(type_)
    events = sorted([(b.arrival, 1, b) for b in trace] + [(b.arrival + b.duration, -1, b) for b in trace],
                    key=lambda e: (e[0], e[1]))
    cpu = mem = peak = 0
    for at, d, b in events:
        cpu += d * b.cpu
        mem += d * b.memory
        if window is None or window(at % 86400):
            peak = max(peak, math.ceil(cpu / s.cpu), math.ceil(mem / s.memory))
    return math.ceil(peak * 1.1)


def static_schedule(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions) -> Result:
    type_ = spec.instance_types[0]
    day = max(1, demand_peak(trace, type_, lambda s: WORKDAY[0] <= s < WORKDAY[1]))
    night = demand_peak(trace, type_, lambda s: not WORKDAY[0] <= s < WORKDAY[1])
    sim = Sim("static-schedule", trace, cond, list(spec.instance_types), start_overhead=1.0,
              resubmit_on_loss=False)
    lead = cond.boot.ssh + 60  # the scheduled action fires early enough for the fleet to be up

    def size(t: float) -> int:
        s = (t + lead) % 86400
        return day if WORKDAY[0] <= s < WORKDAY[1] else night

    def tick(t: float) -> None:
        live = [i for i in sim.live() if i.doomed_at is None]
        want = size(t)
        for i in [i for i in live if i.ready(t) and not i.running][:max(0, len(live) - want)]:
            sim.terminate(i, t)
        for _ in range(len(live), want):
            type_now = sim.spot_type(t)
            if type_now is None:
                break
            sim.launch(t, "spot", type_now, "static", cond.boot.ssh)
        sim.place(t)

    return sim.run(tick)


def static_peak(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions) -> Result:
    type_ = spec.instance_types[0]
    sim = Sim("static-peak", trace, cond, [type_], start_overhead=1.0)
    for _ in range(max(1, demand_peak(trace, type_))):
        sim.launch(0, "on-demand", type_, "static", 0).ready_at = 0

    def tick(t: float) -> None:
        sim.place(t)

    return sim.run(tick)
