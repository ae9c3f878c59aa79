"""A scripted day for `jenkinsctl agents controller`, run as a real process (started and
stopped by PID) against moto (SQS, DynamoDB, ECS, Auto Scaling) and the Jenkins REST fake:
a burst from the queue, a spot warning behind a poison message, the controller SIGKILLed
between "abort requested" and "resubmitted" and started again beside a second controller on the
same queue and table, SIGTERM at the end: the build resubmitted once, nothing lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from fixtures.agents.agents_support import event, fake_jenkins, make_fleet, moto_with_managed_policies, run_agent

from jenkinsctl.agents.resources import Names
from jenkinsctl.agents.sharedstate import DynamoLedger

pytestmark = pytest.mark.e2e
CLUSTER = "jenkins-agents"  # the project's jenkinsctl.yaml


def _until(what: str, check, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


class ControllerProcess:
    def __init__(self, project, env, log):
        self.log = log
        self.start = len(log.read_text()) if log.exists() else 0  # where this process's lines begin
        self.proc = subprocess.Popen([sys.executable, "-m", "jenkinsctl", "-v", "agents", "controller", "--period", "2"],
                                     cwd=project, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def kill(self, sig) -> int:
        os.kill(self.proc.pid, sig)
        return self.proc.wait(30)

    def text(self) -> str:
        return self.log.read_text()[self.start:]

    def passes(self) -> int:
        """Passes this process finished (its `-v` line per pass)."""
        return len(re.findall(r" pass \d+: ", self.text()))


def test_scripted_day_burst_poison_warning_kill_restart(moto_endpoint, project, tmp_path):
    aws = moto_with_managed_policies(moto_endpoint)
    with fake_jenkins() as (fake, agents):
        spec, ids, cis = make_fleet(aws, CLUSTER, instances=1)
        names = Names(CLUSTER)
        url = aws.sqs.raw.get_queue_url(QueueName=names.queue)["QueueUrl"]
        dlq = aws.sqs.raw.get_queue_url(QueueName=names.dead_letter_queue)["QueueUrl"]
        redrive = json.loads(aws.sqs.raw.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
                             ["Attributes"]["RedrivePolicy"])
        aws.sqs.raw.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(
            {**redrive, "maxReceiveCount": 2})})  # an admin's choice; keeps the test short
        ledger = DynamoLedger(aws.dynamodb, names.state_table)
        env = {**os.environ, "JENKINS_URL": fake.url, "JENKINSCTL_AWS_ENDPOINT_URL": aws.endpoint_url}
        log = tmp_path / "controller.log"
        fake.state.hold_aborts = True  # a pipeline takes a while to stop: the window to kill in
        victim = run_agent(aws, fake, CLUSTER, cis[ids[0]], "agent-a", "5.0.0")
        ctl, other = ControllerProcess(project, env, log), None
        try:
            # burst: builds queue up, the controller raises desired capacity within seconds
            for v in ("b1", "b2", "b3", "b4"):
                fake.enqueue("apps/api", {"VERSION": v}, label="docker")

            def desired():
                return aws.autoscaling.raw.describe_auto_scaling_groups(
                    AutoScalingGroupNames=[names.asg])["AutoScalingGroups"][0]["DesiredCapacity"] > 1
            _until("desired capacity raised for the burst", desired)

            # a poison message, then the spot warning behind it
            aws.sqs.raw.send_message(QueueUrl=url, MessageBody="{poison")
            body = json.loads(event("spot-interruption.json", ids[0], names.asg))
            body["time"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            sent = time.monotonic()
            aws.sqs.raw.send_message(QueueUrl=url, MessageBody=json.dumps(body))
            _until("the warning's build is being aborted",
                   lambda: (ledger.build("apps/api", victim) or {}).get("state") == "aborting", 60)
            # not held up by the poison message in front of it: a blocked warning would wait for the
            # poison's retries or the queue's 120 s visibility timeout; a generous bound for a loaded machine
            assert time.monotonic() - sent < 30
            assert aws.sqs.depth(dlq)["messages"] == 0, "the warning was handled before the poison even left"
            assert fake.state.node("agent-a").temporarily_offline

            # killed between "abort requested" and "resubmitted"; the build stops meanwhile
            assert ctl.kill(signal.SIGKILL) == -signal.SIGKILL
            assert fake.state.release_aborts() == [("apps/api", victim)]
            ctl = ControllerProcess(project, env, log)
            other = ControllerProcess(project, env, tmp_path / "second.log")  # two controllers on the same events
            _until("resubmitted by one of the live controllers",
                   lambda: (ledger.build("apps/api", victim) or {}).get("state") == "resubmitted", 60)
            _until("the poison message in the dead-letter queue", lambda: aws.sqs.depth(dlq)["messages"] == 1, 90)
            after = ctl.passes()
            _until("three more passes of the restarted controller", lambda: ctl.passes() >= after + 3, 60)
            _until("three passes of the second controller", lambda: other.passes() >= 3, 60)
            again = [q for q in fake.state.queue.values() if q.parameters.get("VERSION") == "5.0.0"]
            assert len(again) == 1, [q.parameters for q in fake.state.queue.values()]
            assert fake.state.build("apps/api", victim).result == "ABORTED"
            assert aws.sqs.depth(url)["messages"] == 0

            # clean shutdown
            assert ctl.kill(signal.SIGTERM) == 0
            assert other.kill(signal.SIGTERM) == 0
        finally:
            for proc in (ctl, other) if other else (ctl,):
                if proc.proc.poll() is None:
                    proc.kill(signal.SIGKILL)
        first, later = log.read_text()[:ctl.start], ctl.text() + (other.text() if other else "")
        assert re.search(r"spot-interruption i-\w+: handling", first), first  # the killed one said what it did
        everything = first + later
        assert "is not JSON" in everything and "not handled" in everything
        # one of the two live controllers finished the drain (whichever won the conditional write)
        assert re.search(r"pending: apps/api #\d+: ABORTED; resubmitted", later), later
        assert later.count("controller: stopped after") == 2
