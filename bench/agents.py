"""Benchmark: the agent fleet policy against two baselines, and the cost of a no-change apply.

    .venv/bin/python bench/agents.py [--builds 2000] [--seed 7] [--interruption-rate 0.05]

1. A synthetic 24-hour trace (N builds, 75% in a 09:00-18:00 workday burst) replayed by the
   simulator under this policy (spot first, queue-driven pre-warm, idle scale-in, drain and
   resubmit on interruption), a static on-demand fleet sized for the peak, and one on-demand
   instance per build started when it is queued (the plugins' reactive way).
   Targets: cost <= 30% of static, p95 queue wait <= 90 s, 0 builds lost at 5%/hour interruptions.
2. `agents apply` twice on moto (in-process): AWS calls of the second, no-change apply.
   Target: 0 mutating calls.

Fleet: this repository's jenkinsctl.yaml `agents:` section, with maxSize raised to 100 so the
cap does not bind (the trace's peak needs more than the example's 20)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def fleet():
    from jenkinsctl.agents.load import load_fleet
    from jenkinsctl.config.loader import load_config

    spec = load_fleet(load_config(REPO / "jenkinsctl.yaml", environ={}))
    return spec.model_copy(update={"max_size": 100})


def simulate(builds: int, seed: int, rate: float) -> list[str]:
    from jenkinsctl.agents import simulator as sim

    spec = fleet()
    trace = sim.synthetic_trace(builds, seed)
    t0 = time.perf_counter()
    results = sim.compare(spec, trace, sim.Conditions(seed=seed, interruption_rate=rate))
    took = time.perf_counter() - t0
    policy, static, reactive = results
    out = [f"== simulator: {builds} builds over 24 h (workday burst), spot interruptions {rate:.0%}/h, "
           f"seed {seed} ({took:.1f} s)", sim.render(results), ""]
    checks = [("cost <= 30% of static", policy.cost / static.cost <= 0.30, f"{policy.cost / static.cost:.1%}"),
              ("p95 queue wait <= 90 s", policy.p95_wait <= 90, f"{policy.p95_wait:.0f} s"),
              ("0 builds lost", policy.lost == 0, f"{policy.lost} lost, {policy.resubmitted} resubmitted")]
    out += [f"target {name}: {'met' if ok else 'MISSED'} ({value})" for name, ok, value in checks]
    out.append(f"reactive baseline: cost {reactive.cost / static.cost:.1%} of static, "
               f"p95 wait {reactive.p95_wait:.0f} s, {reactive.instances_launched} instance launches")
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
    ap.add_argument("--builds", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--interruption-rate", type=float, default=0.05)
    ap.add_argument("--skip-apply", action="store_true", help="only the simulator")
    args = ap.parse_args()
    print("\n".join(simulate(args.builds, args.seed, args.interruption_rate)))
    if not args.skip_apply:
        print()
        print("\n".join(no_change_apply()))


if __name__ == "__main__":
    main()
