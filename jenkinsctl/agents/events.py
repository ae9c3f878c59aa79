"""What a drain event and a drain ledger must look like, checked field by field (pure: data in,
problems out). `drainer.parse_event` and `drainer.Ledger` call these, and so does every other
path that reads events or ledgers, so a poisoned message is refused the same way everywhere:
exit 2 naming the field (`ev.json: detail.instance-id: must be an EC2 instance id ...`), nothing
drained, nothing written."""

from __future__ import annotations

import re
from typing import Any

from jenkinsctl.errors import InvalidInputError, Problem

INSTANCE_ID = re.compile(r"^i-([0-9a-f]{8}|[0-9a-f]{17})$")
EVENT_HINT = "pass the EventBridge event (or the SQS message body) as it arrived"
EVENT_REFUSED = ("nothing was drained: pass an EventBridge spot interruption warning or rebalance "
                 "recommendation, or an Auto Scaling terminate lifecycle event, as JSON (raw, wrapped "
                 "by SNS, or an SQS message body)")
LEDGER_HINT = "restore it from a backup, or move it away to start a fresh ledger"
LEDGER_REFUSED = ("nothing was drained: restore the ledger, or move it away to start a fresh one (the builds it "
                  "recorded for --pending are then forgotten)")


def describe(value: Any) -> str:
    """A value as a refusal shows it: strings quoted (shortened), other types by kind."""
    from jenkinsctl.validation import describe as _describe

    return _describe(value)


def kind(value: Any) -> str:
    """What a value of the wrong type is: `a string`, `a list`, `a mapping`, `the number 7`."""
    return "a string" if isinstance(value, str) else describe(value)


def event_error(source: str, problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(problems, "event", EVENT_REFUSED)


def event_problem(source: str, path: str, message: str) -> Problem:
    return Problem(source, 0, 0, path, message, EVENT_HINT)


def detail_of(data: dict, source: str, prefix: str = "") -> dict:
    """The event's `detail` object ({} when absent); refused when it is anything but an object."""
    detail = data.get("detail", {})
    if not isinstance(detail, dict):
        raise event_error(source, [event_problem(source, f"{prefix}detail",
                                                 f"must be a JSON object; got {kind(detail)}")])
    return detail


def instance_id(data: dict, key: str, source: str, path: str) -> str:
    """An EC2 instance id, required: `i-` and 8 or 17 lowercase hex digits (so never a path,
    a list or a number that would reach ECS, Jenkins or the ledger)."""
    if key not in data:
        raise event_error(source, [event_problem(source, path, "required key is missing")])
    value = data[key]
    if not isinstance(value, str) or not INSTANCE_ID.match(value):
        raise event_error(source, [event_problem(
            source, path, f"must be an EC2 instance id (i- and 8 or 17 hex digits); got {describe(value)}")])
    return value


def text(data: dict, key: str, source: str, path: str, default: str = "") -> str:
    """An optional string field (ids, times, names, tokens); anything else is refused."""
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > 1600:
        raise event_error(source, [event_problem(source, path, f"must be a string (at most 1600 characters); "
                                                               f"got {kind(value)}")])
    return value


def checked_ledger(data: Any, source: str) -> dict:
    """`data` when it has a drain ledger's shape; else every problem with it, refused (exit 2)."""
    problems = ledger_problems(data, source)
    if problems:
        raise InvalidInputError(problems, "ledger", LEDGER_REFUSED)
    return data


def ledger_problems(data: Any, source: str) -> list[Problem]:
    """Everything wrong with a drain ledger's shape: `{"instances": {id: {...}}, "builds":
    {"job#n": {"job", "number", "state", ...}}, "events": [ids]}`."""
    def bad(path: str, message: str) -> Problem:
        return Problem(source, 0, 0, path, message, LEDGER_HINT)

    if not isinstance(data, dict):
        return [bad("", f"the drain ledger must be a JSON object; got {kind(data)}")]
    problems = []
    for key, want in (("instances", dict), ("builds", dict), ("events", list)):
        if key not in data:
            problems.append(bad(key, "required key is missing"))
        elif not isinstance(data[key], want):
            problems.append(bad(key, f"must be a JSON {'object' if want is dict else 'array'}; "
                                     f"got {kind(data[key])}"))
    if problems:
        return problems
    for name, entry in data["instances"].items():
        if not isinstance(entry, dict):
            problems.append(bad(f"instances.{name}", f"must be a JSON object; got {kind(entry)}"))
        elif not isinstance(entry.get("nodes", []), list):
            problems.append(bad(f"instances.{name}.nodes", f"must be a JSON array; got {kind(entry['nodes'])}"))
    for name, build in data["builds"].items():
        if not isinstance(build, dict):
            problems.append(bad(f"builds.{name}", f"must be a JSON object; got {kind(build)}"))
            continue
        for key, kinds, what in (("job", (str,), "a string"), ("number", (int,), "a whole number"),
                                 ("state", (str,), "a string")):
            if key not in build:
                problems.append(bad(f"builds.{name}.{key}", "required key is missing"))
            elif not isinstance(build[key], kinds) or isinstance(build[key], bool):
                problems.append(bad(f"builds.{name}.{key}", f"must be {what}; got {kind(build[key])}"))
        if not isinstance(build.get("parameters", {}), dict):
            problems.append(bad(f"builds.{name}.parameters", f"must be a JSON object; got "
                                                             f"{kind(build['parameters'])}"))
    bad_events = [e for e in data["events"] if not isinstance(e, str)]
    if bad_events:
        problems.append(bad("events", f"must be a list of event ids (strings); holds {kind(bad_events[0])}"))
    return problems
