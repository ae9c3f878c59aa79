"""Simulator invariants: no build lost under this policy, costs add up, baselines behave."""

from __future__ import annotations

import pytest

from fixtures.agents.agents_support import HERE, fleet_spec
from jenkinsctl.agents import simulator as sim


@pytest.fixture(scope="module")
def trace():
    return sim.read_trace((HERE / "trace-small.csv").read_text())


@pytest.fixture(scope="module")
def results(trace):
    return sim.compare(fleet_spec(maxSize=40), trace, sim.Conditions(seed=3, interruption_rate=0.5))


def test_every_build_completes_under_the_policy_even_with_interruptions(results, trace):
    policy = results[0]
    assert policy.policy == "policy"
    assert policy.completed == len(trace) and policy.lost == 0
    assert policy.interrupted >= 1 and policy.resubmitted == policy.interrupted


def test_costs_add_up_and_waits_are_ordered(results):
    for r in results:
        assert r.cost == pytest.approx(sum(r.instance_costs))
        assert all(c > 0 for c in r.instance_costs)
        assert 0 <= r.p50_wait <= r.p95_wait
        assert 0 < r.utilisation <= 1
    policy, static, reactive = results
    assert static.p95_wait == 0 and static.interrupted == 0 and static.lost == 0
    assert reactive.instances_launched == reactive.builds and reactive.p50_wait >= 60
    assert policy.cost < static.cost


def test_reactive_on_spot_loses_interrupted_builds(trace):
    lost = sim.simulate_reactive(fleet_spec(), trace, sim.Conditions(seed=3, interruption_rate=2.0), "spot")
    assert lost.interrupted > 0 and lost.lost == lost.interrupted
    assert lost.completed + lost.lost == len(trace)


def test_deterministic_with_a_seed(trace):
    a = sim.simulate_policy(fleet_spec(maxSize=40), trace, sim.Conditions(seed=5))
    b = sim.simulate_policy(fleet_spec(maxSize=40), trace, sim.Conditions(seed=5))
    assert a.row() == b.row()


def test_spot_drought_falls_back_to_on_demand_and_loses_nothing(trace):
    dry = sim.Conditions(seed=3, interruption_rate=0.0, spot_dry=((0, 10 * 3600),))
    r = sim.simulate_policy(fleet_spec(maxSize=40, spotWaitSeconds=120), trace, dry)
    assert r.completed == len(trace) and r.lost == 0
    assert r.p95_wait < 600  # waited for the fallback, not for the drought to end


def test_trace_and_price_files_are_checked():
    with pytest.raises(ValueError, match="line 2: expected arrival,label,cpu,memory,duration"):
        sim.read_trace("arrival,label,cpu,memory,duration\n10,docker,lots,2048,60\n")
    prices = sim.read_prices("hour,type,price\n0,m5.large,0.03\n2,m5.large,0.05\n")
    assert prices == {"m5.large": [0.03, 0.03, 0.05]}
    synthetic = sim.synthetic_trace(200, seed=1)
    assert len(synthetic) == 200 and sim.read_trace(sim.write_trace(synthetic))[0].label == synthetic[0].label
