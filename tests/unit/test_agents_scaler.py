"""Scaling decisions on fixed queues and fleets: `scaler.decide` is pure."""

from __future__ import annotations

from fixtures.agents.agents_support import fleet_spec
from jenkinsctl.agents.binpack import Shape
from jenkinsctl.agents.scaler import Build, Group, Instance, decide

NOW = 1_700_000_000.0
SHAPES = {"m5.large": Shape("m5.large", 2048, 7372), "m5a.large": Shape("m5a.large", 2048, 7372),
          "c5.xlarge": Shape("c5.xlarge", 4096, 7372)}


def spec(**kw):
    return fleet_spec(**{"headroom": 0, "headroomPercent": 0, **kw})


def queued(n: int, label: str = "docker", cpu: int = 1024, memory: int = 2048) -> list[Build]:
    return [Build(f"q{i}", label, cpu, memory) for i in range(n)]


def inst(iid: str, tasks: int = 0, idle_for: float | None = None, **kw) -> Instance:
    return Instance(iid, kw.pop("type", "m5.large"), kw.pop("lifecycle", "spot"), kw.pop("state", "InService"),
                    kw.pop("protected", True), tasks, idle_since=None if idle_for is None else NOW - idle_for, **kw)


def kinds(dec) -> list[tuple[str, str]]:
    return [(a.kind, a.target) for a in dec.actions]


def test_from_zero_prewarms_for_the_queue():
    dec = decide(spec(), SHAPES, Group("g", 0, 0, 10), [], queued(5), NOW)
    # 5 docker builds (1 vCPU, 2 GiB each) fit 2 per m5.large: 3 instances
    assert dec.desired_after == 3
    assert kinds(dec)[0] == ("set_desired", "g")
    assert any("need 3 instance(s)" in r for r in dec.reasons)


def test_headroom_is_added_while_builds_are_queued_or_running():
    dec = decide(spec(headroom=1, headroomPercent=50), SHAPES, Group("g", 0, 0, 10), [], queued(4), NOW)
    assert dec.desired_after == 2 + 1 + 1  # two for the builds, one flat, half of two
    idle = decide(spec(headroom=1), SHAPES, Group("g", 0, 0, 10), [], [], NOW)
    assert idle.desired_after == 0 and not kinds(idle)


def test_burst_fills_free_space_first_and_respects_max():
    fleet = [inst("i-1", tasks=1), inst("i-2")]
    running = [Build("r1", "docker", 1024, 2048, "i-1")]
    dec = decide(spec(maxSize=4), SHAPES, Group("g", 2, 0, 4), fleet, running + queued(9), NOW)
    # free: 1 slot on i-1, 2 on i-2 -> 6 builds need 3 more instances, capped at maxSize 4
    assert dec.demand["newInstances"] == 3
    assert dec.desired_after == 4
    assert any("capped by maxSize 4" in r for r in dec.reasons)


def test_launching_instances_count_before_asking_for_more():
    dec = decide(spec(), SHAPES, Group("g", 3, 0, 10), [], queued(5), NOW)
    assert dec.demand["pendingLaunch"] == 3 and dec.desired_after == 3 and ("set_desired", "g") not in kinds(dec)


def test_idle_scale_in_removes_only_instances_idle_long_enough():
    fleet = [inst("i-busy", tasks=2, protected=False), inst("i-old", idle_for=3600), inst("i-new", idle_for=60)]
    running = [Build("r1", "docker", 1024, 2048, "i-busy"), Build("r2", "docker", 1024, 2048, "i-busy")]
    dec = decide(spec(scaleInIdleMinutes=10), SHAPES, Group("g", 3, 0, 10), fleet, running, NOW)
    assert ("terminate", "i-old") in kinds(dec) and ("unprotect", "i-old") in kinds(dec)
    assert ("terminate", "i-new") not in kinds(dec) and ("terminate", "i-busy") not in kinds(dec)
    assert ("protect", "i-busy") in kinds(dec)  # running builds: protected from scale-in
    assert dec.desired_after == 2


def test_scale_in_stops_at_min_size_and_marks_new_idle_instances():
    fleet = [inst("i-1", idle_for=3600), inst("i-2", idle_for=3600), inst("i-3")]
    dec = decide(spec(minSize=2), SHAPES, Group("g", 3, 2, 10), fleet, [], NOW)
    assert [t for k, t in kinds(dec) if k == "terminate"] == ["i-1"]
    assert ("mark_idle", "i-3") in kinds(dec)
    assert dec.desired_after == 2


def test_a_queued_build_keeps_an_idle_instance():
    fleet = [inst("i-1", idle_for=3600)]
    dec = decide(spec(), SHAPES, Group("g", 1, 0, 10), fleet, queued(1), NOW)
    assert "terminate" not in {k for k, _ in kinds(dec)} and dec.desired_after == 1


def test_spot_dry_falls_back_to_on_demand_after_the_wait():
    group = Group("g", 3, 0, 10, short_since=NOW - 400)
    dec = decide(spec(spotWaitSeconds=300), SHAPES, group, [], queued(5), NOW)
    assert ("fallback_on", "g") in kinds(dec)
    assert any("spot is not coming" in r for r in dec.reasons)
    early = decide(spec(spotWaitSeconds=300), SHAPES, Group("g", 3, 0, 10, short_since=NOW - 100), [], queued(5), NOW)
    assert ("fallback_on", "g") not in kinds(early)
    first = decide(spec(), SHAPES, Group("g", 3, 0, 10), [], queued(5), NOW)
    assert ("mark_short", "g") in kinds(first)


def test_fallback_returns_to_spot_once_capacity_is_back():
    fleet = [inst("i-1", tasks=1, lifecycle="on-demand")]
    group = Group("g", 1, 0, 10, short_since=None, fallback_since=NOW - 3 * 3600)
    dec = decide(spec(), SHAPES, group, fleet, [Build("r", "docker", 1024, 2048, "i-1")], NOW)
    assert ("fallback_off", "g") in kinds(dec)


def test_same_state_same_decision():
    fleet = [inst("i-1", tasks=1), inst("i-2", idle_for=7200)]
    builds = [Build("r", "docker", 1024, 2048, "i-1")] + queued(3)
    a = decide(spec(), SHAPES, Group("g", 2, 0, 10), fleet, builds, NOW)
    b = decide(spec(), SHAPES, Group("g", 2, 0, 10), fleet, builds, NOW)
    assert a.to_data() == b.to_data()


def test_branch_labels_use_their_templates_reservation_and_too_big_builds_are_named():
    dec = decide(spec(), SHAPES, Group("g", 0, 0, 10), [], [Build("q", "docker@feature-x", 1024, 2048),
                                                          Build("huge", "docker", 8192, 2048)], NOW)
    assert dec.desired_after == 1
    assert any("build huge asks more cpu/memory" in r for r in dec.reasons)


def test_refresh_replaces_idle_outdated_instances_and_drains_busy_ones():
    fleet = [inst("i-old-busy", tasks=1, outdated=True), inst("i-old-idle", outdated=True, idle_for=30),
             inst("i-new", tasks=1)]
    running = [Build("a", "docker", 1024, 2048, "i-old-busy"), Build("b", "docker", 1024, 2048, "i-new")]
    dec = decide(spec(), SHAPES, Group("g", 3, 0, 10), fleet, running, NOW)
    assert ("replace", "i-old-idle") in kinds(dec) and ("unprotect", "i-old-idle") in kinds(dec)
    assert ("drain", "i-old-busy") in kinds(dec)
    assert ("replace", "i-old-busy") not in kinds(dec) and ("terminate", "i-old-busy") not in kinds(dec)
    assert any("instance refresh: 1/3 on the current launch template" in r and "1 waiting for builds" in r
               for r in dec.reasons)
    # its builds are done: now it is replaced too
    fleet2 = [inst("i-old-busy", outdated=True, draining=True, idle_for=10), inst("i-new", tasks=1)]
    dec2 = decide(spec(), SHAPES, Group("g", 2, 0, 10), fleet2, running[1:], NOW)
    assert ("replace", "i-old-busy") in kinds(dec2)


# --- new triggers: expected fan-out (pre-warm) and the warm pool's burst group -----------------

def expected(n: int, eta: float) -> list:
    from jenkinsctl.agents.scaler import Expected

    return [Expected(f"e{i}", "docker", 1024, 2048, eta, "build 7 (app-build)") for i in range(n)]


def test_an_expected_fan_out_is_demand_once_it_is_a_cold_boot_away():
    far = decide(spec(), SHAPES, Group("g", 0, 0, 20), [], [], NOW, expected=expected(10, NOW + 600),
                 boot_seconds=90)
    assert far.desired_after == 0  # ten minutes away: nothing yet, nothing paid
    near = decide(spec(), SHAPES, Group("g", 0, 0, 20), [], [], NOW, expected=expected(10, NOW + 80),
                  boot_seconds=90)
    assert near.desired_after == 5  # 10 builds, 2 per m5.large, up when the parent ends
    assert any(r.startswith("pre-warm: 10 build(s) expected within 90 s (fan-out of build 7") for r in near.reasons)


def test_the_warm_pool_starts_for_a_burst_and_the_spot_group_does_not_double_it():
    from jenkinsctl.agents.scaler import WarmPool

    warm = WarmPool("burst", 0, available=10, max_size=12, warm_seconds=35, min_burst=3)
    dec = decide(spec(), SHAPES, Group("g", 0, 0, 20), [], queued(8), NOW, boot_seconds=90, warm=warm)
    assert dec.burst_after == 4 and ("set_burst_desired", "burst") in kinds(dec)
    assert dec.desired_after == 0  # the burst group took them: no spot launched for the same builds
    trickle = decide(spec(), SHAPES, Group("g", 0, 0, 20), [], queued(2), NOW, boot_seconds=90, warm=warm)
    assert trickle.burst_after == 0 and trickle.desired_after == 1  # one instance's worth waits for spot


def test_a_spot_instance_ready_within_a_warm_start_takes_the_builds_instead():
    from jenkinsctl.agents.scaler import WarmPool

    warm = WarmPool("burst", 0, available=10, max_size=12, warm_seconds=35, min_burst=1)
    soon = inst("i-soon", state="Pending", launched_at=NOW - 70)  # cold boot 90 s: ready in 20 s
    dec = decide(spec(), SHAPES, Group("g", 1, 0, 20), [soon], queued(2), NOW, boot_seconds=90, warm=warm)
    assert dec.burst_after == 0


def test_idle_burst_instances_go_back_to_the_pool_and_the_spot_group_is_left_alone():
    from jenkinsctl.agents.scaler import WarmPool

    warm = WarmPool("burst", 2, available=8, max_size=12, warm_seconds=35, idle_seconds=60)
    fleet = [inst("i-b1", idle_for=120, group="burst", lifecycle="on-demand"),
             inst("i-b2", tasks=1, group="burst", lifecycle="on-demand"),
             inst("i-s1", idle_for=120)]
    dec = decide(spec(scaleInIdleMinutes=10), SHAPES, Group("g", 1, 0, 20), fleet,
                 [Build("r", "docker", 1024, 2048, "i-b2")], NOW, warm=warm)
    assert ("return_to_pool", "i-b1") in kinds(dec) and dec.burst_after == 1
    assert ("terminate", "i-s1") not in kinds(dec)  # spot instances follow scaleInIdleMinutes
