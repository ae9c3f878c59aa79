"""Property tests of issue 12's promise: bad input never crashes. Fuzzed drain events, drain
ledgers and service descriptors are either accepted or refused with exit 2 and a located message
(file, field, hint); never an internal error, a traceback or exit 1. Fixed example counts and
derandomized, so the suite stays fast and a failure reproduces."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import FIXTURES

from jenkinsctl.agents.drainer import Ledger, parse_event
from jenkinsctl.agents.events import INSTANCE_ID
from jenkinsctl.errors import EXIT_INVALID, InvalidInputError

HOSTILE = FIXTURES / "hostile"
FAST = settings(max_examples=300, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CLI = settings(max_examples=60, derandomize=True, database=None, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=30) | st.sampled_from(["i-0123456789abcdef0", "i-12345678", "../../etc/passwd", "{x}",
                                                     "", "${X}", "a\nb", "\x00", "%s", "-rf"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=3), max_leaves=10)

SPOT = {"version": "0", "id": "e1", "detail-type": "EC2 Spot Instance Interruption Warning", "source": "aws.ec2",
        "time": "2026-11-22T10:00:00Z", "detail": {"instance-id": "i-0123456789abcdef0", "instance-action": "terminate"}}
LIFECYCLE = {"id": "e2", "detail-type": "EC2 Instance-terminate Lifecycle Action", "time": "2026-11-22T10:00:00Z",
             "detail": {"EC2InstanceId": "i-0123456789abcdef0", "AutoScalingGroupName": "g",
                        "LifecycleHookName": "h", "LifecycleActionToken": "t"}}
SQS_LIFECYCLE = {"LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "EC2InstanceId": "i-0123456789abcdef0",
                 "AutoScalingGroupName": "g", "LifecycleHookName": "h", "LifecycleActionToken": "t", "RequestId": "r"}
TEST = {"Event": "autoscaling:TEST_NOTIFICATION", "RequestId": "t"}


@st.composite
def events(draw):
    """A real event's skeleton with one field (top level or in detail) replaced, removed or added,
    maybe wrapped in an SNS envelope; or any JSON value at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    event = json.loads(json.dumps(draw(st.sampled_from([SPOT, LIFECYCLE, SQS_LIFECYCLE, TEST]))))
    where = event["detail"] if "detail" in event and draw(st.booleans()) else event
    key = draw(st.sampled_from(sorted(where) + ["detail", "id", "Message", "Type"]))
    if draw(st.booleans()):
        where[key] = draw(json_values)
    else:
        where.pop(key, None)
    if draw(st.integers(0, 3)) == 0:
        event = {"Type": "Notification", "MessageId": draw(scalars), "Message": json.dumps(event)}
    return event


def _refused_cleanly(exc: InvalidInputError, source: str) -> None:
    assert exc.exit_code == EXIT_INVALID and exc.problems
    for problem in exc.problems:
        assert problem.file == source and problem.hint, problem
    assert "Traceback" not in exc.render()


@FAST
@given(events())
def test_any_event_is_understood_or_refused_naming_the_field(event):
    try:
        parsed = parse_event(json.dumps(event), "ev.json")
    except InvalidInputError as exc:
        _refused_cleanly(exc, "ev.json")
        return
    assert parsed.kind in ("spot-interruption", "rebalance", "terminate-lifecycle", "test")
    if parsed.kind != "test":  # what reaches ECS, Jenkins and the ledger is an instance id, nothing else
        assert isinstance(parsed.instance_id, str) and INSTANCE_ID.match(parsed.instance_id)
    for text in (parsed.id, parsed.time, parsed.group, parsed.hook, parsed.token):
        assert text is None or isinstance(text, str)


@FAST
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_are_an_event_or_refused(raw):
    try:
        parse_event(raw, "ev.json")
    except InvalidInputError as exc:
        _refused_cleanly(exc, "ev.json")


ledgers = st.fixed_dictionaries({}, optional={
    "instances": json_values | st.dictionaries(st.text(max_size=8), json_values, max_size=2),
    "builds": json_values | st.dictionaries(st.text(max_size=8), st.fixed_dictionaries(
        {}, optional={"job": json_values, "number": json_values, "state": json_values,
                      "parameters": json_values}), max_size=2),
    "events": json_values | st.lists(json_values, max_size=3)}) | json_values


@FAST
@given(ledgers)
def test_any_ledger_is_read_or_refused_and_a_read_one_works(tmp_path, data):
    path = tmp_path / "agents-drain.json"
    path.write_text(json.dumps(data))
    try:
        book = Ledger(path)
    except InvalidInputError as exc:
        _refused_cleanly(exc, str(path))
        return
    book.pending()
    book.note_event("e-1")
    book.instance("i-0123456789abcdef0")
    book.record_build("a", 1, "i-0123456789abcdef0", "agent-1", {})
    book.save()
    Ledger(path)  # what it wrote is a ledger it reads


DESCRIPTOR_KEYS = [("name",), ("team",), ("repo",), ("mainBranch",), ("description",), ("owners",),
                   ("build", "dockerfile"), ("build", "context"), ("build", "args"), ("build", "test"),
                   ("image", "repository"), ("versioning", "tagPrefix"), ("deploy", "port"), ("deploy", "env"),
                   ("deploy", "secrets"), ("deploy", "cpu"), ("deploy", "memory"), ("deploy", "strategy"),
                   ("deploy", "autoscaling"), ("deploy", "healthCheck"), ("environments",), ("environments", "prod"),
                   ("environments", "dev", "enabled"), ("agent", "label"), ("agent",), ("kind",)]
LOCATED = re.compile(r"^services/x\.yaml(:\d+:\d+)?: ")


@st.composite
def descriptors(draw):
    """The base descriptor with one key set to any value, as YAML; or its text with junk inserted."""
    base = (HOSTILE / "base" / "service.yaml").read_text()
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.text(max_size=20)) + base[at:]
    data = yaml.safe_load(base)
    path = draw(st.sampled_from(DESCRIPTOR_KEYS))
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
    node[path[-1]] = draw(st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=2) | json_values)
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()))


def _repo(tmp_path):
    root = tmp_path / "repo"
    if not root.exists():
        (root / "services").mkdir(parents=True)
        shutil.copy(HOSTILE / "base" / "jenkinsctl.yaml", root / "jenkinsctl.yaml")
    return root


@CLI
@given(descriptors())
def test_any_descriptor_validates_and_renders_or_is_refused_where_written(tmp_path, cli, text):
    root = _repo(tmp_path)
    (root / "services" / "x.yaml").write_text(text)
    result = cli("service", "validate", cwd=root)
    assert result.code in (0, 2), result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
    if result.code == 2:
        assert LOCATED.match(result.err), result.err
        assert "  hint: " in result.err
        return
    rendered = cli("jobs", "render", "--format", "job-dsl", cwd=root)
    assert rendered.code == 0, rendered.err
    assert "pipelineJob(" in rendered.out


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e999"])
def test_rates_that_are_not_numbers_are_refused_naming_the_option(cli, tmp_path, raw):
    root = _repo(tmp_path)
    result = cli("agents", "simulate", "--synthetic", "5", "--interruption-rate", raw, cwd=root)
    assert result.code == 2 and "--interruption-rate" in result.err and "internal error" not in result.err
