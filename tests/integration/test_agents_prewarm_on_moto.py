"""The controller pre-warms from fan-out history, against moto (Auto Scaling, ECS, DynamoDB, SQS)
and the Jenkins REST fake: a build job whose end released 5 test builds (queued with an
`UpstreamCause`) is learnt; when the job builds again, a new controller (history from the state
table) raises DesiredCapacity before any test build is queued."""

from __future__ import annotations

import pytest
from fixtures.agents.agents_support import JOB_XML, make_fleet

from jenkinsctl.agents.controller import Controller
from jenkinsctl.agents.resources import Names
from jenkinsctl.agents.sharedstate import DynamoLedger

pytestmark = pytest.mark.integration

CLUSTER = "ctl-prewarm"


def _group(aws) -> dict:
    return aws.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{CLUSTER}-agents"])[
        "AutoScalingGroups"][0]


def _desired(aws) -> int:
    return _group(aws)["DesiredCapacity"]


def _controller(aws, agents, spec, lines: list[str]) -> Controller:
    url = aws.sqs.raw.get_queue_url(QueueName=Names(CLUSTER).queue)["QueueUrl"]
    ledger = DynamoLedger(aws.dynamodb, Names(CLUSTER).state_table)
    return Controller(aws, agents, spec, ledger, url, period=0, progress=lines.append)


def test_a_build_job_with_a_known_fan_out_pre_warms_the_fleet_before_its_children_queue(moto_fleet, jenkins):
    fake, agents = jenkins
    spec, _, _ = make_fleet(moto_fleet, CLUSTER, headroom=0, headroomPercent=0)
    fake.create("apps/build", JOB_XML)
    fake.create("apps/test", JOB_XML)
    fake.add_node("builder", labels="linux", executors=1)  # the build job runs off the fleet
    lines: list[str] = []
    ctl = _controller(moto_fleet, agents, spec, lines)

    # day one: apps/build #1 runs, ends, and its end queues 5 test builds on the fleet's label
    first = fake.start_build(fake.enqueue("apps/build", {"VERSION": "1"}, label="linux").id, node="builder")
    ctl.run_pass(wait=0)
    fake.finish_build("apps/build", first.number)
    kids = [fake.enqueue("apps/test", {"SHARD": str(k)}, label="docker", upstream=("apps/build", first.number))
            for k in range(5)]
    ctl.run_pass(wait=0)
    learnt = [x for x in lines if x.startswith("pre-warm: learnt apps/build")]
    assert learnt and "fan-out 5 build(s)" in learnt[-1], lines
    stored = moto_fleet.dynamodb.get(Names(CLUSTER).state_table, {"pk": "history#apps/build"})
    assert stored is not None and stored["fanout"] == [["docker", 1024, 2048, 5]]
    assert len(stored["durations"]) == 1 and stored["durations"][0] < 60
    for q in kids:  # they ran elsewhere; the fleet is back at zero
        fake.state.cancel(q.id)
    for iid in [i["InstanceId"] for i in _group(moto_fleet)["Instances"]]:
        moto_fleet.autoscaling.raw.terminate_instance_in_auto_scaling_group(InstanceId=iid,
                                                                            ShouldDecrementDesiredCapacity=True)
    assert _desired(moto_fleet) == 0 and not _group(moto_fleet)["Instances"]

    # a restarted controller: a new object, its history from DynamoDB only
    lines2: list[str] = []
    ctl2 = _controller(moto_fleet, agents, spec, lines2)
    idle = ctl2.run_pass(wait=0)
    assert any("history of 1 job(s) loaded" in x for x in lines2), lines2
    assert _desired(moto_fleet) == 0 and "stays 0" in (idle.scaled or "")  # nothing running: nothing expected

    fake.start_build(fake.enqueue("apps/build", {"VERSION": "2"}, label="linux").id, node="builder")
    report = ctl2.run_pass(wait=0)
    assert not fake.state.queue  # none of apps/build's children is queued yet
    assert _desired(moto_fleet) == 3, (report.scaled, lines2)  # 5 builds of 1 vCPU on m5.large (2 vCPU) instances
    assert report.scaled == "desired capacity 0 -> 3"
    assert any(x.strip().startswith("pre-warm: 5 build(s) expected within") and "apps/build#2" in x
               for x in lines2), lines2


def test_the_stored_history_is_size_capped_and_a_key_too_long_is_refused(moto_fleet):
    from jenkinsctl.agents.history import History
    from jenkinsctl.agents.sharedstate import HISTORY_ITEM_BYTES, HistoryStore

    make_fleet(moto_fleet, "ctl-hist")
    store = HistoryStore(moto_fleet.dynamodb, Names("ctl-hist").state_table)
    h = History()
    h.learn("wide", 60.0, [(f"label-{k:03d}-" + "x" * 200, 1024, 2048) for k in range(400)])  # 400 shapes, ~90 KB
    assert store.save(h.entry("wide"))
    (item,) = store.load()
    assert 0 < len(item["fanout"]) < 400 and len(repr(item).encode()) <= HISTORY_ITEM_BYTES
    assert item["fanout"][0][0].startswith("label-000-")  # the first shapes seen are kept
    back = History()
    back.load(item)
    assert back.knows("wide") and back.durations["wide"] == [60.0]

    h.learn("j" * 3000, 1.0, [("docker", 1, 1)])
    assert store.save(h.entry("j" * 3000)) is False
    assert [i["job"] for i in store.load()] == ["wide"]  # nothing else written
