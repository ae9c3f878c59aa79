"""Benchmark: the agent fleet policy against the baselines a user would pick, and the cost of a
no-change apply.

    .venv/bin/python bench/agents.py [--seed 7] [--interruption-rate 0.05] [--skip-apply] [--plot DIR]
    .venv/bin/python bench/agents.py --levers 7,1,2,3    # each cost lever, policy beside ec2-fleet

1. Two traces, each replayed by the simulator (boot = EC2 launch 40 s + ECS registration 15 s +
   agent image pull 25 s, then 15 s per build for the ECS task and agent connect; the ec2-fleet
   plugin's SSH agents: launch 40 s + SSH 20 s; spot at 35-52% of on-demand with spikes, pool
   shortages, 5%/h interruptions; builds sharing an oversubscribed instance run slower):
   - bursty: 24 merges on a workday, each a build job whose end fans out 30-70 tests from zero
     (2-60 min, 4% 1-3 h), nights idle (`simtrace.bursty_trace`, seed 11): the second day of the
     project, with the first day as the controller's history (what its store holds in steady
     state); the first day, with no history, is printed too;
   - day: 2,000 builds over 24 h, 75% in a 09:00-18:00 burst (`simtrace.synthetic_trace`).
   Policies: this policy (controller every 10 s and on queue events, pre-warm from fan-out
   history, packing by cpu/memory, scale-in after 2 idle minutes, the 2-minute rule; no warm
   pool: measured, it costs more than it saves once pre-warm has history, see `--warm-pool`);
   ec2-fleet plugin; one spot instance per build; a static spot fleet sized by schedule; the old
   static on-demand fleet sized for the peak.
   Targets (per trace): p95 wait <= 90 s, max <= 180 s, 0 builds lost, cost below the cheapest of
   ec2-fleet / per-build / static-schedule.
2. `agents apply` twice on moto (in-process): AWS calls of the second, no-change apply.
   Target: 0 mutating calls.

Fleet: this repository's jenkinsctl.yaml `agents:` section with the settings every fleet is
measured at (the baselines get the same instance types and idle minutes): maxSize 200 (the cap
does not bind), headroom 0 (pre-warm does its job), spotWaitSeconds 60, scaleInIdleMinutes 2,
and instance types of one size (m6i.large, m5.large, m5a.large, m6a.large): a group without
instance weights launches the cheapest instance, and a c6i.xlarge among large types is packed
as a large."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

BASELINES = ("ec2-fleet", "per-build", "static-schedule")
INSTANCE_TYPES = ("m6i.large", "m5.large", "m5a.large", "m6a.large")


def fleet():
    from jenkinsctl.agents.load import load_fleet
    from jenkinsctl.config.loader import load_config

    spec = load_fleet(load_config(REPO / "jenkinsctl.yaml", environ={}))
    return spec.model_copy(update={"max_size": 200, "headroom": 0, "headroom_percent": 0, "spot_wait_seconds": 60,
                                   "scale_in_idle_minutes": 2, "instance_types": list(INSTANCE_TYPES)})


def targets(results) -> list[str]:
    policy = results[0]
    cheapest = min((r for r in results if r.policy in BASELINES), key=lambda r: r.cost)
    checks = [("p95 wait <= 90 s", policy.p95_wait <= 90, f"{policy.p95_wait:.0f} s"),
              ("max wait <= 180 s", policy.max_wait <= 180, f"{policy.max_wait:.0f} s"),
              ("0 builds lost", policy.lost == 0, f"{policy.lost} lost, {policy.resubmitted} resubmitted, "
                                                   f"{policy.kept} kept inside the 2-min window"),
              (f"cost < cheapest baseline ({cheapest.policy} ${cheapest.cost:.2f})", policy.cost < cheapest.cost,
               f"${policy.cost:.2f} = {policy.cost / cheapest.cost:.0%}")]
    return [f"  {'PASS' if ok else 'MISS'}  {name}: {value}" for name, ok, value in checks]


def simulate(seed: int, rate: float, plot_dir: str | None, warm_pool: int = 0) -> list[str]:
    from jenkinsctl.agents import simtrace
    from jenkinsctl.agents import simulator as sim
    from jenkinsctl.agents.simpolicy import Tuning, simulate_policy

    spec = fleet()
    tuning = Tuning(warm_pool=warm_pool)
    out = []
    yesterday = simtrace.bursty_trace(24, 11)
    for name, trace, past in (("bursty", simtrace.bursty_trace(24, 11, skip_days=1), yesterday),
                              ("day", simtrace.synthetic_trace(2000, seed), [])):
        t0 = time.perf_counter()
        cond = sim.Conditions(seed=seed, interruption_rate=rate)
        results = sim.compare(spec, trace, cond, tuning, with_static_peak=True, past=past)
        took = time.perf_counter() - t0
        out += [f"== {name}: {len(trace)} builds, spot interruptions {rate:.0%}/h, seed {seed} ({took:.1f} s)"
                + (f"; history: the day before ({len(past)} builds)" if past else ""),
                sim.render(results)]
        out += targets(results)
        p = results[0]
        out.append(f"  policy: ${p.spot_cost:.2f} spot, ${p.on_demand_cost:.2f} on-demand ({p.warm_starts} warm-pool "
                   f"starts), of which ${p.ebs_cost:.2f} EBS; {p.cut} kept builds cut off by the instance going")
        if past:
            first = simulate_policy(spec, yesterday, cond, tuning, name="policy, first day")
            out.append(f"  the first day, no history (each job's first fan-out a surprise): ${first.cost:.2f}, "
                       f"p95 {first.p95_wait:.0f} s, max {first.max_wait:.0f} s, {first.lost} lost")
        if plot_dir:
            from jenkinsctl.agents.simplot import plot

            path = Path(plot_dir) / f"agents-{name}.png"
            plot(results, str(path), f"{name}: {len(trace)} builds, seed {seed}")
            out.append(f"  plot: {path}")
        out.append("")
    return out


LEVERS = (  # name, spec changes, Tuning changes, with history: each against the measured settings
    ("as measured", {}, {}, True),
    ("warm pool of 25 (the old default)", {}, {"warm_pool": 25}, True),
    ("warm pool of 6", {}, {"warm_pool": 6}, True),
    ("no pre-warm", {}, {"prewarm": False}, True),
    ("no history (the same day)", {}, {}, False),
    ("scaleInIdleMinutes 3 (every fleet)", {"scale_in_idle_minutes": 3}, {}, True),
    ("scaleInIdleMinutes 1 (every fleet)", {"scale_in_idle_minutes": 1}, {}, True),
    ("types with c6i.xlarge (jenkinsctl.yaml's)", {"instance_types": ["m6i.large", "m5.large", "m5a.large",
                                                                     "c6i.xlarge"]}, {}, True),
    ("xlarge types (cheaper per vCPU)", {"instance_types": ["m6i.xlarge", "m5.xlarge", "m5a.xlarge",
                                                            "m6a.xlarge"]}, {}, True),
)


def levers(seeds: list[int], rate: float) -> list[str]:
    """Each lever against the measured settings, per trace and seed: the policy's cost, p95 and
    max wait beside the ec2-fleet baseline run with the same fleet settings."""
    from dataclasses import replace

    from jenkinsctl.agents import baselines, simtrace
    from jenkinsctl.agents import simulator as sim
    from jenkinsctl.agents.simpolicy import Tuning, simulate_policy

    base = fleet()
    traces = (("bursty", simtrace.bursty_trace(24, 11, skip_days=1), simtrace.bursty_trace(24, 11)),
              ("day", simtrace.synthetic_trace(2000, 7), []))
    out = [f"{'lever':42}{'trace':>7}{'seed':>5}{'cost $':>8}{'od $':>6}{'p95':>5}{'max':>5}{'lost':>5}"
           f"{'ec2-fleet $':>12}{'ratio':>7}"]
    for name, spec_changes, tuning_changes, with_past in LEVERS:
        spec = base.model_copy(update=spec_changes)
        for tname, trace, past in traces:
            for seed in seeds:
                cond = sim.Conditions(seed=seed, interruption_rate=rate)
                r = simulate_policy(spec, trace, cond, replace(Tuning(), **tuning_changes),
                                    past=past if with_past else ())
                e = baselines.ec2_fleet(spec, trace, cond)
                ok = r.p95_wait <= 90 and r.max_wait <= 180 and r.lost == 0 and r.cost < e.cost
                out.append(f"{name:42}{tname:>7}{seed:>5}{r.cost:>8.2f}{r.on_demand_cost:>6.2f}{r.p95_wait:>5.0f}"
                           f"{r.max_wait:>5.0f}{r.lost:>5}{e.cost:>12.2f}{r.cost / e.cost:>7.0%}"
                           f"  {'PASS' if ok else 'MISS'}")
    return out


def no_change_apply() -> list[str]:
    from fixtures.agents.agents_support import moto_with_managed_policies
    from moto.server import ThreadedMotoServer
    from support import free_port

    from jenkinsctl.agents.executor import execute, mutating_calls
    from jenkinsctl.agents.fleet import plan_fleet
    from jenkinsctl.config.fleet import FleetSpec

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        first = moto_with_managed_policies(f"http://127.0.0.1:{port}")
        subnet = first.ec2.raw.describe_subnets()["Subnets"][0]["SubnetId"]
        sg = first.ec2.raw.describe_security_groups()["SecurityGroups"][0]["GroupId"]
        data = fleet().model_dump(by_alias=True)
        data.update(subnets=[subnet], securityGroups=[sg])
        spec = FleetSpec.model_validate(data)
        from jenkinsctl.factory import Factory

        def calls(c):
            return c.call_count

        t0 = time.perf_counter()
        plan = plan_fleet(first, spec, "123456789012")
        execute(plan, first)
        t1 = time.perf_counter()
        created = mutating_calls(first)
        second = Factory({"JENKINSCTL_AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}).aws(region="us-east-1",
                                                                                      max_attempts=1)
        second._session = first.session
        again = plan_fleet(second, spec, "123456789012")
        execute(again, second)
        t2 = time.perf_counter()
        mutating = mutating_calls(second)
        ops = sorted({f"{n}.{m}" for n, c in second._services.items() for m in c.calls})
        return ["== apply on moto: first apply vs a second, no-change apply",
                f"{'':24}{'AWS calls':>10}{'mutating':>10}{'seconds':>9}",
                f"{'first apply':24}{calls(first):>10}{len(created):>10}{t1 - t0:>9.2f}",
                f"{'second apply (no change)':24}{calls(second):>10}{len(mutating):>10}{t2 - t1:>9.2f}",
                f"target 0 mutating calls on a no-change apply: {'met' if not mutating else 'MISSED'} "
                f"({len(mutating)}); read-only operations used: {', '.join(ops)}",
                f"plan said: {again.render()}"]
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--interruption-rate", type=float, default=0.05)
    ap.add_argument("--skip-apply", action="store_true", help="only the simulator")
    ap.add_argument("--plot", metavar="DIR", help="also draw agents-<trace>.png into DIR (needs matplotlib)")
    ap.add_argument("--warm-pool", type=int, default=0, help="stopped on-demand instances in the burst group's "
                    "warm pool (default 0)")
    ap.add_argument("--levers", metavar="SEEDS", help="instead: each cost lever against the measured settings, "
                    "on both traces, for these comma-separated seeds (e.g. 7,1,2,3)")
    args = ap.parse_args()
    if args.levers:
        sys.stdout.write("\n".join(levers([int(x) for x in args.levers.split(",")], args.interruption_rate)) + "\n")
        return
    sys.stdout.write("\n".join(simulate(args.seed, args.interruption_rate, args.plot, args.warm_pool)) + "\n")
    if not args.skip_apply:
        sys.stdout.write("\n".join(no_change_apply()) + "\n")


if __name__ == "__main__":
    main()
