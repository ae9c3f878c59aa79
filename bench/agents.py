"""Benchmark: the agent fleet policy against the baselines a user would pick, and the cost of a
no-change apply.

    .venv/bin/python bench/agents.py [--seed 7] [--interruption-rate 0.05] [--skip-apply] [--plot DIR]

1. Two traces, each replayed by the simulator (boot = EC2 launch 40 s + ECS registration 15 s +
   agent image pull 25 s, then 15 s per build for the ECS task and agent connect; warm-pool start
   20 s + 15 s; spot at 35-52% of on-demand with spikes, pool shortages, 5%/h interruptions):
   - bursty: 24 merges on a workday, each a build job whose end fans out 30-70 tests from zero
     (2-60 min, 4% 1-3 h), nights idle (`simtrace.bursty_trace`, seed 11);
   - day: 2,000 builds over 24 h, 75% in a 09:00-18:00 burst (`simtrace.synthetic_trace`).
   Policies: this policy (controller every 10 s and on queue events, pre-warm from fan-out
   history, a warm pool of stopped on-demand instances for bursts, packing, the 2-minute rule);
   ec2-fleet plugin; one spot instance per build; a static spot fleet sized by schedule; the old
   static on-demand fleet sized for the peak.
   Targets (per trace): p95 wait <= 90 s, max <= 180 s, 0 builds lost, cost below the cheapest of
   ec2-fleet / per-build / static-schedule.
2. `agents apply` twice on moto (in-process): AWS calls of the second, no-change apply.
   Target: 0 mutating calls.

Fleet: this repository's jenkinsctl.yaml `agents:` section with the settings the policy is
measured at: maxSize 200 (the cap does not bind), headroom 0 (pre-warm and the warm pool do its
job), spotWaitSeconds 60, scaleInIdleMinutes 3."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

BASELINES = ("ec2-fleet", "per-build", "static-schedule")


def fleet():
    from jenkinsctl.agents.load import load_fleet
    from jenkinsctl.config.loader import load_config

    spec = load_fleet(load_config(REPO / "jenkinsctl.yaml", environ={}))
    return spec.model_copy(update={"max_size": 200, "headroom": 0, "headroom_percent": 0, "spot_wait_seconds": 60,
                                   "scale_in_idle_minutes": 3})


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


def simulate(seed: int, rate: float, plot_dir: str | None) -> list[str]:
    from jenkinsctl.agents import simtrace, simulator as sim

    spec = fleet()
    out = []
    for name, trace in (("bursty", simtrace.bursty_trace(24, 11)), ("day", simtrace.synthetic_trace(2000, seed))):
        t0 = time.perf_counter()
        results = sim.compare(spec, trace, sim.Conditions(seed=seed, interruption_rate=rate), with_static_peak=True)
        took = time.perf_counter() - t0
        out += [f"== {name}: {len(trace)} builds, spot interruptions {rate:.0%}/h, seed {seed} ({took:.1f} s)",
                sim.render(results)]
        out += targets(results)
        out.append(f"  policy: {results[0].warm_starts} warm-pool starts, ${results[0].on_demand_cost:.2f} of its "
                   f"cost on-demand, {results[0].cut} kept builds cut off by the instance going")
        if plot_dir:
            from jenkinsctl.agents.simplot import plot

            path = Path(plot_dir) / f"agents-{name}.png"
            plot(results, str(path), f"{name}: {len(trace)} builds, seed {seed}")
            out.append(f"  plot: {path}")
        out.append("")
    return out


def no_change_apply() -> list[str]:
    from moto.server import ThreadedMotoServer

    from fixtures.agents.agents_support import moto_with_managed_policies
    from jenkinsctl.agents.executor import execute, mutating_calls
    from jenkinsctl.agents.fleet import plan_fleet
    from jenkinsctl.config.fleet import FleetSpec
    from support import free_port

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
    args = ap.parse_args()
    print("\n".join(simulate(args.seed, args.interruption_rate, args.plot)))
    if not args.skip_apply:
        print("\n".join(no_change_apply()))


if __name__ == "__main__":
    main()
