"""The pre-warm history the simulator and the controller share (`agents/history.py`)."""

from __future__ import annotations

import pytest

from jenkinsctl.agents.history import MAX_DURATIONS, MAX_FANOUT, History
from jenkinsctl.agents.simpolicy import history_of
from jenkinsctl.agents.simtrace import TraceBuild

pytestmark = pytest.mark.unit


def test_a_job_that_fanned_out_predicts_its_children_at_its_shortest_recent_duration():
    h = History()
    h.learn("build", 600.0, [("docker", 1024, 2048)] * 3 + [("small", 512, 1024)])
    h.learn("build", 420.0)  # an end that released nothing keeps the fan-out known
    got = h.predict("build", "build#7", started=1000.0)
    assert [(e.label, e.cpu, e.memory) for e in got] == [("docker", 1024, 2048)] * 3 + [("small", 512, 1024)]
    assert {e.eta for e in got} == {1420.0}
    assert len({e.id for e in got}) == 4 and all(e.because == "build build#7 (build)" for e in got)


def test_nothing_is_predicted_without_both_a_duration_and_a_fan_out():
    h = History()
    h.learn("lint", 30.0)  # ends, releases nothing
    h.learn("deploy", None, [("docker", 1024, 2048)])  # a fan-out seen, its parent's duration not yet
    assert not h.knows("lint") and h.predict("lint", "lint#1", 0.0) == []
    assert h.knows("deploy") and h.predict("deploy", "deploy#1", 0.0) == []
    assert h.predict("unknown", "x#1", 0.0) == []


def test_what_is_kept_is_capped_the_last_durations_and_the_last_fan_out():
    h = History()
    for k in range(12):
        h.learn("build", 100.0 + k)
    assert h.durations["build"] == [107.0, 108.0, 109.0, 110.0, 111.0] and len(h.durations["build"]) == MAX_DURATIONS
    assert h.predict("build", "b", 0.0) == []
    h.learn("build", None, [("docker", 1, 1)] * (MAX_FANOUT + 50))
    assert len(h.fanout["build"]) == MAX_FANOUT
    h.learn("build", None, [("small", 2, 2)] * 2)  # the last fan-out replaces the one before
    assert h.fanout["build"] == [("small", 2, 2)] * 2
    assert min(e.eta for e in h.predict("build", "b", 0.0)) == 107.0  # the shortest of the last 5, not of all


def test_the_stored_entry_groups_children_by_shape_and_loads_back_the_same_history():
    h = History()
    h.learn("apps/build", 300.0, [("docker", 1024, 2048)] * 70 + [("small", 512, 1024)] * 2)
    entry = h.entry("apps/build")
    assert entry == {"job": "apps/build", "durations": [300.0],
                     "fanout": [["docker", 1024, 2048, 70], ["small", 512, 1024, 2]]}
    back = History()
    back.load(entry)
    assert back.durations == h.durations and back.fanout == h.fanout
    assert back.predict("apps/build", "x", 0.0) == h.predict("apps/build", "x", 0.0)


def test_a_malformed_stored_entry_is_ignored_not_fatal():
    h = History()
    h.load({"job": "", "durations": [1.0]})
    h.load({"durations": [1.0]})
    h.load({"job": "a", "durations": ["soon", 5], "fanout": [["docker", 1, 1], "x", ["docker", 1, 1, 2]]})
    assert h.durations == {"a": [5.0]} and h.fanout == {"a": [("docker", 1, 1)] * 2}


def test_the_simulator_learns_yesterday_through_the_same_history():
    past = [TraceBuild(1, 0.0, "docker", 1024, 2048, 900.0, "merge"),
            *[TraceBuild(10 + k, 900.0, "docker", 1024, 2048, 60.0, f"test-{k}", parent=1) for k in range(3)]]
    h = history_of(past)
    assert h.fanout == {"merge": [("docker", 1024, 2048)] * 3}
    assert h.durations["merge"] == [900.0] and not h.knows("test-0")
