"""The simulator: boot components, warm pool, spot markets, closed-loop fan-out, the baselines'
defining behaviour, and invariants (nothing lost under the policy, costs add up)."""

from __future__ import annotations

import json

import pytest

from fixtures.agents.agents_support import HERE, fleet_spec
from jenkinsctl.agents import baselines, simtrace, simulator as sim
from jenkinsctl.agents.simpolicy import Tuning, simulate_policy
from jenkinsctl.agents.simtrace import TraceBuild

CALM = dict(interruption_rate=0.0, shortages=False, spikes=False)
EXACT = sim.Boot(jitter=0.0)


def spec(**kw):
    return fleet_spec(**{"maxSize": 40, "onDemandBase": 0, "headroom": 0, "headroomPercent": 0, **kw})


def one(arrival=0.0, duration=600.0, cpu=1024, memory=2048, id_=0, parent=None, job=""):
    return TraceBuild(id_, arrival, "docker", cpu, memory, duration, job, parent)


@pytest.fixture(scope="module")
def trace():
    return simtrace.read_trace((HERE / "trace-small.csv").read_text())


@pytest.fixture(scope="module")
def results(trace):
    return sim.compare(spec(), trace, sim.Conditions(seed=3, interruption_rate=0.5), with_static_peak=True)


def test_every_build_completes_under_the_policy_even_with_interruptions(results, trace):
    policy = results[0]
    assert policy.policy == "policy"
    assert policy.completed == len(trace) and policy.lost == 0
    assert policy.interrupted >= 1 and policy.resubmitted + policy.kept >= policy.interrupted


def test_costs_add_up_and_waits_are_ordered(results):
    assert [r.policy for r in results] == ["policy", "ec2-fleet", "per-build", "static-schedule", "static-peak"]
    for r in results:
        assert r.cost == pytest.approx(sum(r.instance_costs))
        assert all(c > 0 for c in r.instance_costs)
        assert 0 <= r.p50_wait <= r.p95_wait <= r.max_wait
        assert r.completed + r.lost == r.builds


def test_a_cold_boot_is_launch_plus_registration_plus_image_pull_then_the_agent_connects():
    boot = sim.Boot(ec2_launch=40, ecs_register=15, image_pull=25, agent_connect=15, jitter=0)
    r = simulate_policy(spec(), [one(0)], sim.Conditions(boot=boot, **CALM), Tuning(warm_pool=0))
    # the controller sees the build at t=0, the instance is ready at 80 s, the agent runs it at 95 s
    assert r.max_wait == pytest.approx(40 + 15 + 25 + 15, abs=sim.TICK)
    slower = sim.Boot(ec2_launch=40, ecs_register=15, image_pull=85, agent_connect=15, jitter=0)
    assert simulate_policy(spec(), [one(0)], sim.Conditions(boot=slower, **CALM),
                           Tuning(warm_pool=0)).max_wait == pytest.approx(155, abs=sim.TICK)


def test_a_warm_pool_starts_stopped_instances_instead_of_launching_and_pays_ebs_while_stopped():
    burst = [one(0, id_=k) for k in range(8)]  # 8 builds at once: 4 instances' worth
    cond = sim.Conditions(boot=EXACT, **CALM)
    cold = simulate_policy(spec(), burst, cond, Tuning(warm_pool=0))
    warm = simulate_policy(spec(), burst, cond, Tuning(warm_pool=6, min_burst=1))
    assert warm.warm_starts >= 4 and cold.warm_starts == 0
    assert warm.max_wait == pytest.approx(EXACT.warm + EXACT.agent_connect, abs=sim.TICK)
    assert cold.max_wait == pytest.approx(EXACT.cold + EXACT.agent_connect, abs=sim.TICK)
    assert warm.on_demand_cost > 0  # burst instances are on-demand: no warm pool on a spot group
    idle = simulate_policy(spec(), [one(10 * 3600, duration=60)], cond, Tuning(warm_pool=6))
    stopped_hours = 6 * 10
    assert idle.cost >= stopped_hours * sim.EBS_PER_HOUR  # ten hours of six stopped volumes
    assert idle.cost < stopped_hours * sim.EBS_PER_HOUR + 6 * sim.on_demand_price("m5.large")


def test_a_trickle_waits_for_spot_rather_than_starting_warm_instances():
    r = simulate_policy(spec(), [one(0)], sim.Conditions(boot=EXACT, **CALM), Tuning(warm_pool=6, min_burst=3))
    assert r.warm_starts == 0 and r.max_wait == pytest.approx(EXACT.cold + EXACT.agent_connect, abs=sim.TICK)
    assert r.on_demand_cost < 6 * sim.EBS_PER_HOUR * 2  # the stopped pool's volumes only (the run is < 2 h)


def test_children_are_released_when_their_parent_ends_so_a_waiting_parent_delays_them():
    parent = TraceBuild(0, 0, "large", 2048, 4096, 600, "app-build")
    kids = [TraceBuild(k, 600 + 2, "docker", 1024, 2048, 300, f"t{k}", 0) for k in range(1, 5)]
    w = sim.Sim("w", [parent, *kids], sim.Conditions(**CALM), ["m5.large"], start_overhead=0)
    starts = {}
    inst = w.launch(0, "on-demand", "m5.large", "", 0)
    late = w.launch(0, "on-demand", "m5.large", "", 0)

    def tick(t):
        if t < 300:
            return  # the parent waits 300 s for its first instance
        before = set(w.queue)
        w.place(t, [inst, late])
        for bid in before - set(w.queue):
            starts[bid] = t

    w.run(tick)
    assert starts[0] == 300
    assert all(starts[k] >= 300 + 600 + 2 for k in range(1, 5))  # not at their nominal 602 s


def test_parent_column_is_read_and_checked():
    text = "arrival,label,cpu,memory,duration,id,job,parent\n0,large,2048,4096,600,b1,app-build,\n" \
           "600,docker,1024,2048,60,t1,app-test,b1\n"
    t = simtrace.read_trace(text)
    assert t[1].parent == 0 and t[1].job_name == "app-test" and t[0].parent is None
    with pytest.raises(simtrace.TraceError, match="line 3: parent 'nope' is not the id of a build"):
        simtrace.read_trace(text.replace(",b1\n", ",nope\n"))
    with pytest.raises(simtrace.TraceError, match="line 2: expected arrival"):
        simtrace.read_trace("arrival,label,cpu,memory,duration\n10,docker,lots,2048,60\n")
    bursty = simtrace.bursty_trace(4, seed=2)
    assert simtrace.read_trace(simtrace.write_trace(bursty)) == [
        TraceBuild(b.id, round(b.arrival), b.label, b.cpu, b.memory, round(b.duration), b.job, b.parent, str(b.id))
        for b in bursty]


def test_the_bursty_trace_fans_out_30_to_70_from_each_merge_and_nights_are_idle():
    t = simtrace.bursty_trace(10, seed=5)
    parents = [b for b in t if b.parent is None]
    assert len(parents) == 10
    for p in parents:
        assert 30 <= sum(1 for b in t if b.parent == p.id) <= 70
        assert 8.5 * 3600 <= p.arrival <= 19 * 3600
    assert any(b.duration >= 3600 for b in t) and min(b.duration for b in t if b.parent is not None) >= 120


def test_spot_prices_from_describe_spot_price_history():
    doc = {"SpotPriceHistory": [
        {"AvailabilityZone": "us-east-1a", "InstanceType": "m5.large", "ProductDescription": "Linux/UNIX",
         "SpotPrice": "0.040000", "Timestamp": "2026-11-30T10:00:00+00:00"},
        {"AvailabilityZone": "us-east-1b", "InstanceType": "m5.large", "ProductDescription": "Linux/UNIX",
         "SpotPrice": "0.044000", "Timestamp": "2026-11-30T10:00:00+00:00"},
        {"AvailabilityZone": "us-east-1a", "InstanceType": "m5.large", "ProductDescription": "Linux/UNIX",
         "SpotPrice": "0.090000", "Timestamp": "2026-11-30T10:10:00.000Z"}]}
    series = simtrace.read_spot_prices(json.dumps(doc))["m5.large"]
    assert series[:2] == [0.042, 0.042] and series[2] == pytest.approx((0.09 + 0.044) / 2)
    csv = "Timestamp,InstanceType,SpotPrice\n2026-11-30T10:00:00Z,m5.large,0.04\n"
    assert simtrace.read_spot_prices(csv) == {"m5.large": [0.04]}
    with pytest.raises(simtrace.TraceError, match="record 1: expected Timestamp"):
        simtrace.read_spot_prices('[{"InstanceType": "m5.large"}]')
    with pytest.raises(simtrace.TraceError, match="line 1: expected a header Timestamp,InstanceType,SpotPrice"):
        simtrace.read_spot_prices("when,what\n1,2\n")
    # a real series replaces the default band: a spike in the file costs the policy more
    cheap = {t: [0.03] for t in sim.CATALOG}
    dear = {t: [0.09] for t in sim.CATALOG}
    trace = [one(0, duration=3600)]
    a = simulate_policy(spec(), trace, sim.Conditions(prices=cheap, **CALM), Tuning(warm_pool=0))
    b = simulate_policy(spec(), trace, sim.Conditions(prices=dear, **CALM), Tuning(warm_pool=0))
    assert b.cost > 2.5 * a.cost


def test_default_prices_stay_in_the_observed_band_outside_spikes():
    m = simtrace.default_market({"m5.large": 0.096}, 86400, seed=1, spikes=False)
    ratios = [p / 0.096 for p in m.prices["m5.large"]]
    assert 0.35 <= min(ratios) and max(ratios) <= 0.52 + 1e-9
    spiky = simtrace.default_market({t: 0.1 for t in "abcdefgh"}, 4 * 86400, seed=1)
    assert max(max(s) for s in spiky.prices.values()) >= 0.075  # a spike reaches 75%+ of on-demand


def test_a_spot_shortage_falls_back_to_on_demand_and_loses_nothing(trace):
    dry = sim.Conditions(seed=3, interruption_rate=0.0, spot_dry=((0, 10 * 3600),))
    r = simulate_policy(spec(spotWaitSeconds=60), trace, dry, Tuning(warm_pool=0))
    assert r.completed == len(trace) and r.lost == 0
    assert r.on_demand_cost > 0.3 * r.cost  # on-demand while the pools were dry
    assert r.max_wait < 300  # waited for the fallback, not for the drought to end
    market = simtrace.default_market({"m5.large": 0.096, "m5a.large": 0.086}, 86400, seed=2)
    assert any(market.dry.values())
    a, b = market.dry["m5.large"][0]
    assert not market.available("m5.large", (a + b) / 2) and market.available("m5.large", b + 1)


def test_ec2_fleet_counts_executors_resubmits_at_termination_and_scales_down_when_idle():
    two_large = [TraceBuild(k, 0, "large", 2048, 4096, 600) for k in range(2)]
    r = baselines.ec2_fleet(spec(), two_large, sim.Conditions(boot=EXACT, **CALM), executors=2)
    assert r.instances_launched == 1  # two executors: both large builds on one 2-vCPU instance
    assert r.max_wait == pytest.approx(EXACT.ssh + 1, abs=2 * sim.TICK)  # SSH agent: no ECS, no image pull
    idle = baselines.ec2_fleet(spec(), [one(0, 60), one(3600, 60, id_=1)], sim.Conditions(boot=EXACT, **CALM),
                               idle_minutes=5)
    assert idle.instances_launched == 2  # the first went after 5 idle minutes
    stormy = baselines.ec2_fleet(spec(), [one(0, 1800, id_=k) for k in range(6)],
                                 sim.Conditions(seed=1, interruption_rate=1.0, shortages=False))
    assert stormy.interrupted > 0 and stormy.resubmitted > 0 and stormy.kept == 0 and stormy.lost == 0


def test_one_spot_instance_per_build_loses_interrupted_builds():
    r = baselines.per_build(spec(), [one(0, 4 * 3600, id_=k) for k in range(6)],
                            sim.Conditions(seed=1, interruption_rate=1.0, shortages=False))
    assert r.instances_launched >= 6 and r.lost > 0 and r.resubmitted == 0
    calm = baselines.per_build(spec(), [one(0, 60, id_=k) for k in range(3)], sim.Conditions(boot=EXACT, **CALM))
    assert calm.instances_launched == 3 and calm.p50_wait == pytest.approx(EXACT.cold + EXACT.agent_connect,
                                                                            abs=sim.TICK)


def test_the_scheduled_static_fleet_is_sized_per_window():
    day = [one(10 * 3600 + k, 1800, id_=k) for k in range(8)]  # 8 at 10:00
    night = [one(2 * 3600 + k, 1800, id_=100 + k) for k in range(2)]  # 2 at 02:00
    trace = sorted(night + day, key=lambda b: b.arrival)
    trace = [TraceBuild(i, b.arrival, b.label, b.cpu, b.memory, b.duration) for i, b in enumerate(trace)]
    r = baselines.static_schedule(spec(), trace, sim.Conditions(boot=EXACT, **CALM))
    hours = {int(t // 3600): spot + od for t, _, spot, od, _ in r.timeline}
    assert hours[3] == baselines.demand_peak(night, "m5.large") and hours[10] == baselines.demand_peak(day, "m5.large")
    assert r.max_wait <= 1 + sim.TICK


def test_the_two_minute_rule_in_the_simulator_keeps_builds_that_finish_inside_the_window():
    # builds finishing in 30 s are kept when their instance gets a warning, long ones resubmitted
    w = sim.Sim("w", [one(0, 300, id_=0), one(0, 3600, id_=1)], sim.Conditions(**CALM), ["m5.large"], 0)
    inst = w.launch(0, "spot", "m5.large", "", 0)
    for b in w.trace:
        w.enqueue(b, 0)
    w.place(0, [inst])
    assert set(inst.running) == {0, 1}
    w.now = 270
    w._warn(inst, 270, lambda i, t: sim.drain_on_warning(w, i, t, lambda b: b.duration))
    assert 0 in inst.running and 1 not in inst.running and 1 in w.queue
    assert w.kept == 1 and w.resubmitted == 1 and inst.draining


def test_deterministic_with_a_seed(trace):
    a = simulate_policy(spec(), trace, sim.Conditions(seed=5))
    b = simulate_policy(spec(), trace, sim.Conditions(seed=5))
    assert a.row() == b.row()
