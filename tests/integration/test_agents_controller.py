"""`agents controller` in-process against moto (SQS with its redrive policy, DynamoDB, ECS, Auto
Scaling) and the Jenkins REST fake: per-message isolation, the dead-letter queue, two
controllers on the same events, the two-minute window, rebalance recommendations, and a claim
left by a controller that died after Jenkins queued the build."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timezone

import pytest
from fixtures.agents.agents_support import event, make_fleet, run_agent

from jenkinsctl.agents.controller import Controller
from jenkinsctl.agents.drainer import Drainer, parse_event
from jenkinsctl.agents.operate import render_status, status
from jenkinsctl.agents.resources import Names
from jenkinsctl.agents.sharedstate import DynamoLedger

pytestmark = pytest.mark.integration


def _now_iso(offset: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _warning(instance: str, cluster: str, event_id: str = "12345678-1234-1234-1234-123456789012",
             offset: float = 0.0) -> str:
    body = json.loads(event("spot-interruption.json", instance, f"{cluster}-agents"))
    return json.dumps({**body, "id": event_id, "time": _now_iso(offset)})


def _queue(aws, cluster: str) -> str:
    return aws.sqs.raw.get_queue_url(QueueName=Names(cluster).queue)["QueueUrl"]


def _ledger(aws, cluster: str, owner: str | None = None) -> DynamoLedger:
    return DynamoLedger(aws.dynamodb, Names(cluster).state_table, owner)


def test_a_poison_message_goes_to_the_dlq_and_never_holds_up_the_warning_behind_it(moto_fleet, jenkins):
    fake, agents = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "ctl-poison", instances=1)
    number = run_agent(moto_fleet, fake, "ctl-poison", cis[ids[0]], "agent-p", "1.0.0")
    url = _queue(moto_fleet, "ctl-poison")
    moto_fleet.sqs.raw.send_message(QueueUrl=url, MessageBody="{not json")
    moto_fleet.sqs.raw.send_message(QueueUrl=url, MessageBody=json.dumps({"detail-type": "Something Else"}))
    sent = time.monotonic()
    moto_fleet.sqs.raw.send_message(QueueUrl=url, MessageBody=_warning(ids[0], "ctl-poison"))
    lines: list[str] = []
    ctl = Controller(moto_fleet, agents, spec, _ledger(moto_fleet, "ctl-poison"), url, progress=lines.append,
                     scale=False, retry_base=0)
    first = ctl.run_pass(wait=1)
    assert len(first.handled) == 1 and "1 resubmitted" in first.handled[0]
    assert time.monotonic() - sent < 30  # in the first pass, not after the poison's retries (generous: a loaded CI)
    assert len(first.failed) == 2 and any("is not JSON" in f for f in first.failed), first.failed
    assert [q.parameters["VERSION"] for q in fake.state.queue.values()] == ["1.0.0"]
    assert fake.state.build("apps/api", number).result == "ABORTED"

    for _ in range(6):  # the queue's maxReceiveCount (5): then SQS moves them to the DLQ
        ctl.run_pass(wait=0)
    dlq = moto_fleet.sqs.raw.get_queue_url(QueueName=Names("ctl-poison").dead_letter_queue)["QueueUrl"]
    depth = moto_fleet.sqs.depth(dlq)
    assert depth["messages"] == 2 and depth["oldestSeconds"] is not None
    assert moto_fleet.sqs.depth(url)["messages"] == 0
    shown = render_status(status(moto_fleet, spec))  # what `agents status` prints
    line = next(x for x in shown.splitlines() if x.startswith("dead-letter queue ctl-poison-agent-events-dlq: "))
    assert re.match(r"dead-letter queue \S+: 2 message\(s\), oldest \d+ s - events the controller could not "
                    r"handle", line), line
    assert "event queue ctl-poison-agent-events: 0 message(s)" in shown
    assert len(fake.state.queue) == 1  # handled once, deleted: never again


def test_two_controllers_on_the_same_events_resubmit_each_build_once(moto_fleet, jenkins):
    fake, agents = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "ctl-two", instances=2)
    numbers = [run_agent(moto_fleet, fake, "ctl-two", cis[iid], f"agent-{k}", f"2.0.{k}") for k, iid in enumerate(ids)]
    url = _queue(moto_fleet, "ctl-two")
    for k, iid in enumerate(ids):  # every event delivered twice, and a late duplicate of the first
        for _ in range(2):
            moto_fleet.sqs.raw.send_message(QueueUrl=url, MessageBody=_warning(iid, "ctl-two", f"ev-{k}"))
    controllers = [Controller(moto_fleet, agents, spec, _ledger(moto_fleet, "ctl-two", f"c{k}"), url, scale=False)
                   for k in range(2)]
    threads = [threading.Thread(target=c.run_pass, kwargs={"wait": 1}) for c in controllers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in controllers:
        c.run_pass(wait=0)
    moto_fleet.sqs.raw.send_message(QueueUrl=url, MessageBody=_warning(ids[0], "ctl-two", "ev-0"))
    controllers[1].run_pass(wait=1)
    builds = {b["number"]: b for b in _ledger(moto_fleet, "ctl-two").builds()}
    assert sorted(q.parameters["VERSION"] for q in fake.state.queue.values()) == ["2.0.0", "2.0.1"], builds
    assert sorted(builds) == sorted(numbers) and {b["state"] for b in builds.values()} == {"resubmitted"}
    assert moto_fleet.sqs.depth(url)["messages"] == 0


def test_the_two_minute_window_keeps_builds_that_will_finish_and_rebalance_aborts_nothing(moto_fleet, jenkins):
    fake, agents = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "ctl-window", instances=2)
    fake.add_node("history", labels="docker")
    for _ in range(2):  # the job's history: builds of ~1 s, so Jenkins estimates ~1 s
        q = fake.enqueue("apps/api", {"VERSION": "0"}, label="docker")
        fake.finish_build("apps/api", fake.start_build(q.id, node="history").number)
    short = run_agent(moto_fleet, fake, "ctl-window", cis[ids[0]], "agent-w", "3.0.0")
    ledger = _ledger(moto_fleet, "ctl-window")
    drainer = Drainer(moto_fleet, agents, "ctl-window", ledger)

    rebalance = json.loads(_warning(ids[1], "ctl-window", "rb-1"))
    rebalance["detail-type"] = "EC2 Instance Rebalance Recommendation"
    long_running = run_agent(moto_fleet, fake, "ctl-window", cis[ids[1]], "agent-r", "3.0.1")
    rb = drainer.handle(parse_event(json.dumps(rebalance)))
    assert rb.nodes_offlined == ["agent-r"] and not rb.aborted and not rb.resubmitted
    assert fake.state.build("apps/api", long_running).building

    kept = drainer.handle(parse_event(_warning(ids[0], "ctl-window", "w-1")))
    assert not kept.aborted and any("kept running" in s for s in kept.steps), kept.steps
    assert fake.state.build("apps/api", short).building
    fake.finish_build("apps/api", short)
    done = drainer.resume()
    assert any("finished successfully inside the warning" in s for s in done.steps) and not done.resubmitted
    assert ledger.build("apps/api", short)["state"] == "finished" and not fake.state.queue

    # a warning whose two minutes are already over: everything still running is resubmitted
    late = drainer.handle(parse_event(_warning(ids[1], "ctl-window", "w-2", offset=-200)))
    assert late.aborted == [f"apps/api #{long_running}"] and late.resubmitted == [f"apps/api #{long_running}"]


def test_a_claim_left_after_jenkins_queued_the_build_is_adopted_not_resubmitted(moto_fleet, jenkins):
    fake, agents = jenkins
    make_fleet(moto_fleet, "ctl-claim")
    clock = [1000.0]
    ledger = DynamoLedger(moto_fleet.dynamodb, Names("ctl-claim").state_table, "dead", clock=lambda: clock[0])
    fake.add_node("agent-x", labels="docker")
    n = fake.start_build(fake.enqueue("apps/api", {"VERSION": "4.0.0"}, label="docker").id, node="agent-x").number
    fake.finish_build("apps/api", n, "ABORTED")
    rec = ledger.record_build("apps/api", n, "i-0123456789abcdef0", "agent-x", {"VERSION": "4.0.0"})
    assert ledger.transition(rec, "aborting") and ledger.transition(rec, "resubmitting")
    agents.resubmit("apps/api", {"VERSION": "4.0.0"})  # the dead controller got this far
    other = DynamoLedger(moto_fleet.dynamodb, Names("ctl-claim").state_table, "alive", clock=lambda: clock[0])
    drainer = Drainer(moto_fleet, agents, "ctl-claim", other)
    assert drainer.resume().waiting == [f"apps/api #{n}"]  # the claim is fresh: its owner may be alive
    clock[0] += 31
    adopted = drainer.resume()
    assert any("not resubmitted again" in s for s in adopted.steps) and not adopted.resubmitted
    assert len(fake.state.queue) == 1 and other.build("apps/api", n)["state"] == "resubmitted"
