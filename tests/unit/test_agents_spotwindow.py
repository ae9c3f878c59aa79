"""The 2-minute rule (pure): keep what finishes inside the warning, resubmit the rest."""

from __future__ import annotations

from jenkinsctl.agents.spotwindow import MARGIN_SECONDS, WARNING_SECONDS, RunningBuild, triage

NOW = 1_700_000_000.0
DEADLINE = NOW + WARNING_SECONDS


def test_a_build_finishing_inside_the_window_keeps_running_the_rest_are_resubmitted():
    builds = [RunningBuild("almost", NOW - 570, 600),  # 30 s left
              RunningBuild("edge", NOW - 600, 600 + WARNING_SECONDS - MARGIN_SECONDS),  # ends at the margin
              RunningBuild("late", NOW - 600, 600 + WARNING_SECONDS - MARGIN_SECONDS + 1),
              RunningBuild("long", NOW - 60, 3600), RunningBuild("new", NOW, None)]
    t = triage(builds, NOW, DEADLINE)
    assert t.keep == ("almost", "edge")
    assert t.resubmit == ("late", "long", "new")
    assert t.reasons["new"] == "no duration estimate: resubmit"
    assert t.reasons["almost"] == "expected to finish 90 s before the instance goes"


def test_a_rebalance_recommendation_drains_and_aborts_nothing():
    t = triage([RunningBuild("a", NOW - 60, 3600), RunningBuild("b", NOW, None)], NOW, None)
    assert t.keep == ("a", "b") and t.resubmit == ()
