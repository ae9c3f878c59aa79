"""This fleet's policy in the simulator: the controller loop around `scaler.decide`.

The controller runs `decide` every `period` seconds and, with `events`, at the next tick after
a build is queued or starts (what a Jenkins queue listener or a short poll of /queue/api gives).
Two groups: the spot group (mixed instances, desired set by `decide`) and, with a warm pool, an
on-demand burst group whose stopped instances start in a warm boot (see `scaler` for why the
warm pool cannot be on the spot group). With `prewarm`, a build job whose past runs fanned out
announces its children when it starts: `decide` counts them once they are a cold boot away
from the parent's shortest recent duration. Spot warnings go through the drainer's 2-minute
rule (`spotwindow.triage`); rebalance recommendations drain the instance (no abort) and the
group launches its replacement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jenkinsctl.agents.history import History
from jenkinsctl.agents.scaler import Build, Expected, Group, Instance, WarmPool, decide
from jenkinsctl.agents.simtrace import TraceBuild
from jenkinsctl.agents.simulator import TICK, Conditions, Result, Sim, SimInstance, drain_on_warning, on_demand_price, shape
from jenkinsctl.config.fleet import FleetSpec


@dataclass(frozen=True)
class Tuning:
    period: float = 10.0  # the controller's scale period (s)
    events: bool = True  # and decide again right after a queue change
    warm_pool: int = 0  # stopped instances in the burst group's warm pool (0: no burst group; measured: with
    #                     pre-warm from history it costs more than it saves, bench/agents.py --warm-pool)
    burst_type: str | None = None  # default: the fleet's first instance type
    burst_idle: float = 60.0  # a burst instance idle this long goes back to the pool
    min_burst: int = 3  # warm starts only when at least this many instances would wait for a cold boot
    prewarm: bool = True
    estimate_error: float = 0.15  # Jenkins' duration estimate: the true one x lognormal(0, this)


def history_of(past: list[TraceBuild]) -> History:
    """What the controller's store (DynamoDB in production) holds after `past` ran: each job's
    durations and what its end released."""
    h = History()
    kids: dict[int, list[TraceBuild]] = {}
    for b in past:
        if b.parent is not None:
            kids.setdefault(b.parent, []).append(b)
    for b in past:
        h.learn(b.job_name, b.duration, _children(kids.get(b.id, [])))
    return h


def _children(kids: list[TraceBuild]) -> list[tuple[str, int, int]]:
    return [(c.label, c.cpu, c.memory) for c in kids]


def simulate_policy(spec: FleetSpec, trace: list[TraceBuild], cond: Conditions, tuning: Tuning = Tuning(),  # noqa: B008 (frozen)
                    name: str = "policy", past: Sequence[TraceBuild] = ()) -> Result:
    """`past`: builds that ran before the trace (yesterday): the history the controller starts
    with. Without it, a job's first fan-out is a surprise."""
    boot = cond.boot
    sim = Sim(name, trace, cond, list(spec.instance_types), start_overhead=boot.agent_connect)
    shapes = {t: shape(t) for t in spec.instance_types}
    burst_type = tuning.burst_type or spec.instance_types[0]
    state: dict[str, Any] = {"desired": spec.min_size, "short": None, "fallback": None, "burst": 0, "last": -1e9}
    pool: list[SimInstance] = []
    for _ in range(tuning.warm_pool):  # the warm pool was filled before the trace starts
        inst = sim.launch(-boot.cold, "on-demand", burst_type, "burst", boot.cold)
        inst.launched = 0.0
        inst.cost += on_demand_price(burst_type) * boot.cold / 3600  # its first boot, before the trace
        sim.stop(inst)
        pool.append(inst)
    history = history_of(list(past))
    expected: dict[int, list[Expected]] = {}
    started_at: dict[int, float] = {}
    rng = sim.rng

    def estimate(b: TraceBuild) -> float:
        return b.duration * rng.lognormvariate(0, tuning.estimate_error)

    def view(t: float):
        live = [i for i in sim.live() if i.doomed_at is None]
        instances = [Instance(i.id, i.type, i.market, "InService" if i.ready_at <= t else "Pending", True,
                              len(i.running), i.draining, i.idle_since, False, i.group, i.launched)
                     for i in live]
        builds = [Build(str(b.id), b.label, b.cpu, b.memory) for b, _ in sim.queue.values()]
        builds += [Build(str(bid), b.label, b.cpu, b.memory, i.id) for i in live for bid, (b, _, _) in i.running.items()]
        return live, instances, builds

    def control(t: float) -> None:
        live, instances, builds = view(t)
        g = Group("spot", state["desired"], spec.min_size, spec.max_size, state["short"], state["fallback"])
        warm = WarmPool("burst", state["burst"], len(pool), tuning.warm_pool + 2, boot.warm,
                        tuning.burst_idle, tuning.min_burst) if tuning.warm_pool else None
        exp = [e for es in expected.values() for e in es] if tuning.prewarm else []
        dec = decide(spec, shapes, g, instances, builds, t, refresh=False, expected=exp,
                     boot_seconds=boot.cold + tuning.period, warm=warm)
        state["desired"] = dec.desired_after
        state["burst"] = dec.burst_after
        by_id = {i.id: i for i in live}
        for a in dec.actions:
            inst = by_id.get(a.target)
            if a.kind in ("terminate", "replace") and inst is not None and not inst.running:
                sim.terminate(inst, t)
            elif a.kind == "return_to_pool" and inst is not None and not inst.running:
                if len(pool) < tuning.warm_pool:
                    sim.stop(inst)
                    pool.append(inst)
                else:
                    sim.terminate(inst, t)
            elif a.kind == "mark_idle" and inst is not None and inst.idle_since is None:
                inst.idle_since = t  # what the controller records (an instance that never ran a build too)
            elif a.kind == "mark_short":
                state["short"] = t
            elif a.kind == "clear_short":
                state["short"] = None
            elif a.kind == "fallback_on":
                state["fallback"] = t
            elif a.kind == "fallback_off":
                state["fallback"] = None

    def reconcile(t: float) -> None:
        # the spot group launches toward desired; doomed instances no longer count
        main = [i for i in sim.live() if not i.group and i.doomed_at is None]
        for _ in range(len(main), state["desired"]):
            type_ = None if state["fallback"] is not None else sim.spot_type(t)
            if type_ is not None:
                sim.launch(t, "spot", type_, "", boot.cold)
            elif state["fallback"] is not None:
                sim.launch(t, "on-demand", spec.instance_types[0], "", boot.cold)
        burst = [i for i in sim.live() if i.group == "burst"]
        for _ in range(len(burst), state["burst"]):
            if pool:  # a warm start; the group launches a replacement into the pool (boots, stops)
                inst = pool.pop(0)
                inst.stopped, inst.ready_at, inst.idle_since = False, t + sim.jitter(boot.warm), None
                sim.warm_starts += 1
                refill = sim.launch(t, "on-demand", burst_type, "burst", boot.cold)
                refill.stopped = True  # billed as running until it has booted once: see _refill
                refills.append((refill, refill.ready_at))
            else:
                sim.launch(t, "on-demand", burst_type, "burst", boot.cold)

    refills: list[tuple[SimInstance, float]] = []

    def refill_pool(t: float) -> None:
        for inst, ready in list(refills):
            if t < ready:  # initialising: running, billed at on-demand
                inst.cost += on_demand_price(inst.type) * TICK / 3600
            else:
                refills.remove((inst, ready))
                pool.append(inst)

    def tick(t: float) -> None:
        refill_pool(t)
        for bid in [int(e.split()[1]) for e in sim.events if e.startswith("queued")]:
            b = sim.by_id[bid]
            if b.parent is not None and b.parent in expected:
                expected.pop(b.parent)  # the fan-out is here: its predictions are done
        triggered = tuning.events and sim.events
        if t - state["last"] >= tuning.period or triggered:
            control(t)
            state["last"] = t
        reconcile(t)
        before = set(sim.queue)
        sim.place(t)
        for bid in before - set(sim.queue):
            b = sim.by_id[bid]
            started_at.setdefault(bid, t)
            if sim.children.get(bid) is not None or history.knows(b.job_name):
                expected[bid] = history.predict(b.job_name, str(b.id), t)

    def on_done(b: TraceBuild, t: float) -> None:
        kids = sim.children.get(b.id, [])
        history.learn(b.job_name, t - started_at.get(b.id, t), _children(kids))
        expected.pop(b.id, None)
        Sim.on_done(sim, b, t)

    sim.on_done = on_done  # type: ignore[method-assign]  # the policy learns fan-out from every finished build
    return sim.run(tick, on_warning=lambda inst, t: drain_on_warning(sim, inst, t, estimate),
                   on_rebalance=lambda inst, t: setattr(inst, "draining", True))
