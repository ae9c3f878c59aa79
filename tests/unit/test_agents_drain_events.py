"""Which events the drainer understands, in which envelopes; and what it refuses."""

from __future__ import annotations

import json

import pytest
from fixtures.agents.agents_support import HERE

from jenkinsctl.agents.drainer import Ledger, parse_event
from jenkinsctl.errors import InvalidInputError


def event(name: str, instance: str = "i-0123456789abcdef0", group: str = "ci-agents-agents") -> str:
    return (HERE / "events" / name).read_text().replace("@INSTANCE@", instance).replace("@GROUP@", group)


def test_spot_interruption_warning():
    e = parse_event(event("spot-interruption.json"))
    assert (e.kind, e.instance_id, e.id) == ("spot-interruption", "i-0123456789abcdef0",
                                             "12345678-1234-1234-1234-123456789012")


def test_terminate_lifecycle_action_from_eventbridge_and_straight_from_the_hook():
    e = parse_event(event("terminate-lifecycle.json"))
    assert (e.kind, e.group, e.hook, e.token) == ("terminate-lifecycle", "ci-agents-agents", "drain-builds",
                                                  "87654321-4321-4321-4321-210987654321")
    direct = json.loads(event("terminate-lifecycle.json"))["detail"] | {"Service": "AWS Auto Scaling",
                                                                         "RequestId": "r-1"}
    d = parse_event(json.dumps(direct))
    assert (d.kind, d.instance_id, d.id, d.hook) == ("terminate-lifecycle", "i-0123456789abcdef0", "r-1",
                                                     "drain-builds")


def test_sns_envelope_and_test_notification():
    wrapped = {"Type": "Notification", "MessageId": "m-1", "Message": event("spot-interruption.json")}
    assert parse_event(wrapped).kind == "spot-interruption"
    assert parse_event({"Event": "autoscaling:TEST_NOTIFICATION", "RequestId": "t"}).kind == "test"


@pytest.mark.parametrize("raw, what", [("not json", "is not JSON"), ("[1]", "is not a JSON object"),
                                       ('{"detail-type": "EC2 Instance State-change Notification"}',
                                        "is neither a spot interruption warning")])
def test_other_input_is_refused_with_a_hint(raw, what):
    with pytest.raises(InvalidInputError) as err:
        parse_event(raw, "events.json")
    assert what in err.value.render() and "events.json" in err.value.render()


def test_ledger_survives_a_restart(tmp_path):
    book = Ledger(tmp_path / "drain.json")
    book.note_event("e-1")
    book.record_build("a/b", 3, "i-1", "agent-1", {"X": "1"})
    book.save()
    again = Ledger(tmp_path / "drain.json")
    assert again.note_event("e-1") is False  # the restarted ledger knows the event: a redelivery is a duplicate
    assert again.build("a/b", 3)["parameters"] == {"X": "1"}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InvalidInputError, match="problem"):
        Ledger(tmp_path / "bad.json")
