"""The controller's pre-warm learner (`agents/prewarm.py`) on Jenkins' answers as values: what it
learns from queue items' upstream causes and builds that stop running, and what it predicts."""

from __future__ import annotations

import pytest
from fixtures.agents.agents_support import fleet_spec

from jenkinsctl.agents.prewarm import Prewarm
from jenkinsctl.errors import JenkinsError
from jenkinsctl.jenkins.agents import AgentNode, BuildState, QueuedBuild, RunningBuild

pytestmark = pytest.mark.unit


class Builds:
    """What `JenkinsAgents.build_state` answers, from a dict; a build named in `failing` raises."""

    def __init__(self):
        self.states: dict[tuple[str, int], BuildState] = {}
        self.failing: set[tuple[str, int]] = set()

    def build_state(self, job: str, number: int) -> BuildState | None:
        if (job, number) in self.failing:
            raise JenkinsError(f"GET {job} #{number}: 503")
        return self.states.get((job, number))


def _node(*running: tuple[str, int]) -> AgentNode:
    return AgentNode("builder", ("linux",), False, False, tuple(RunningBuild(j, n) for j, n in running))


def _kid(qid: int, parent: tuple[str, int] | None, label: str = "docker") -> QueuedBuild:
    return QueuedBuild(qid, "test", label, 0.0, parent)


def _learnt(jenkins: Builds, lines: list[str]) -> Prewarm:
    """`build` #1 ran 300 s (started at 1000) and its end queued 3 docker and 1 small build."""
    jenkins.states[("build", 1)] = BuildState("build", 1, True, None, {}, started=1000.0)
    p = Prewarm(jenkins, fleet_spec(), progress=lines.append)
    assert p.observe([], [_node(("build", 1))], now=1010.0) == []
    jenkins.states[("build", 1)] = BuildState("build", 1, False, "SUCCESS", {}, 1000.0, None, 300.0)
    queue = [_kid(k, ("build", 1)) for k in range(3)] + [_kid(9, ("build", 1), "small"), _kid(10, None)]
    assert p.observe(queue, [_node()], now=1301.0) == []
    return p


def test_a_fan_out_learnt_from_upstream_causes_is_predicted_when_the_job_runs_again():
    jenkins, lines = Builds(), []
    p = _learnt(jenkins, lines)
    assert p.history.durations == {"build": [300.0]}  # Jenkins' duration, not the controller's view
    assert sorted(p.history.fanout["build"]) == [("docker", 1024, 2048)] * 3 + [("small", 512, 1024)]
    assert "pre-warm: learnt build: last durations 300 s; fan-out 4 build(s)" in lines

    jenkins.states[("build", 2)] = BuildState("build", 2, True, None, {}, started=2000.0)
    expected = p.observe([], [_node(("build", 2))], now=2005.0)
    assert len(expected) == 4 and {e.eta for e in expected} == {2300.0}
    assert {e.because for e in expected} == {"build build#2 (build)"}
    # once its children are queued, they are real: no prediction on top of them
    assert p.observe([_kid(20, ("build", 2))], [_node(("build", 2))], now=2300.0) == []


def test_children_of_an_older_build_and_of_labels_the_fleet_does_not_serve_teach_nothing():
    jenkins, lines = Builds(), []
    p = _learnt(jenkins, lines)
    p.observe([_kid(30, ("build", 0)), _kid(31, ("build", 1), "windows")], [_node()], now=1400.0)
    assert len(p.history.fanout["build"]) == 4


def test_a_build_jenkins_cannot_describe_now_does_not_stop_the_pass():
    jenkins, lines = Builds(), []
    p = _learnt(jenkins, lines)
    jenkins.failing.add(("build", 3))
    expected = p.observe([], [_node(("build", 3))], now=3000.0)
    assert len(expected) == 4 and {e.eta for e in expected} == {3300.0}  # started: when first seen
    assert any("build #3: GET build #3: 503" in x for x in lines), lines
