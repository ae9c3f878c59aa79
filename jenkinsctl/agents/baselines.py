"""The fleets a user would run instead of this one, in the same simulated world.

ec2_fleet        the ec2-fleet plugin (jenkinsci/ec2-fleet-plugin) on a spot Auto Scaling group,
                 as its source behaves: every 10 s Jenkins' NodeProvisioner runs the plugin's
                 NoDelayProvisionStrategy, which asks EC2FleetCloud.provision for
                 ceil(excess workload / numExecutors) instances, excess = queue length - available
                 executors - planned capacity; provision only adds to `toAdd`, and CloudNanny's
                 update() (cloudStatusIntervalSec, default 10) sets the group's target capacity
                 from it, and turns running instances into Jenkins nodes, which then connect over
                 SSH (no ECS, no image pull: builds run on the AMI's tools). Executors per
                 instance from its size (the plugin's NodeHardwareScaler, 1 vCPU and 2 GiB per
                 executor: 2 on a large, 4 on a c6i.xlarge); a build takes one executor whatever
                 its cpu, so builds share cores (the simulator slows them: Sim._contend).
                 EC2RetentionStrategy.check runs each minute and terminates an instance idle
                 longer than idleMinutes (the plugin's default 0 never scales down; we give it
                 the fleet's own scaleInIdleMinutes, the same knob at the same value);
                 minSpareSize 0 (its default). The plugin does not act on the 2-minute warning:
                 when the instance goes, EC2FleetAutoResubmitComputerLauncher.afterDisconnect
                 aborts and resubmits its builds (work lost, build not). A dry spot group waits.
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
from jenkinsctl.agents.simulator import CATALOG, Conditions, Result, Sim, shape
from jenkinsctl.config.fleet import FleetSpec

NUM_EXECUTORS = 2  # numExecutors: what provision() divides the excess workload by
VCPU_PER_EXECUTOR, GIB_PER_EXECUTOR = 1, 2  # NodeHardwareScaler's vCpuPerExecutor, memoryGiBPerExecutor
PROVISION_PERIOD = 10  # NodeProvisioner's period and cloudStatusIntervalSec's default
WORKDAY = (8 * 3600, 19 * 3600)


def hardware_executors(type_: str) -> int:
    """NodeHardwareScaler: executors per instance from its vCPUs and memory."""
    vcpu, gib, _ = CATALOG[type_]
    return max(1, min(vcpu // VCPU_PER_EXECUTOR, int(gib // GIB_PER_EXECUTOR)))


def ec2_fleet(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions, executors: int = NUM_EXECUTORS,
              idle_minutes: int | None = None, by_hardware: bool = True) -> Result:
    """`executors`: numExecutors; `by_hardware`: executors per instance from its size (else
    `executors` on every instance); `idle_minutes`: default the fleet's scaleInIdleMinutes."""
    sim = Sim("ec2-fleet", trace, cond, list(spec.instance_types), start_overhead=1.0)
    idle_after = (spec.scale_in_idle_minutes if idle_minutes is None else idle_minutes) * 60
    state = {"target": 0, "to_add": 0}
    half = PROVISION_PERIOD // 2

    def tick(t: float) -> None:
        live = sim.live()
        if t % PROVISION_PERIOD == 0:  # NodeProvisioner -> NoDelayProvisionStrategy -> provision()
            free = sum(i.executors - len(i.running) for i in live if i.doomed_at is None)
            planned = executors * (max(0, state["target"] - len(live)) + state["to_add"])
            excess = len(sim.queue) - free - planned
            if excess > 0:
                room = spec.max_size - state["target"] - state["to_add"]
                state["to_add"] += max(0, min(room, math.ceil(excess / executors)))
        if t % PROVISION_PERIOD == half:  # CloudNanny -> update(): toAdd becomes the target capacity
            state["target"] += state["to_add"]
            state["to_add"] = 0
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
            inst = sim.launch(t, "spot", type_, "fleet", cond.boot.ec2_launch)
            # a Jenkins node at the first update() after it runs, then the SSH launcher connects
            inst.ready_at = math.ceil((inst.ready_at - half) / PROVISION_PERIOD) * PROVISION_PERIOD + half \
                + sim.jitter(cond.boot.ssh_connect)
            inst.executors = hardware_executors(type_) if by_hardware else executors
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
