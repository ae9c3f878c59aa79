"""Deploy history in SSM (issue 14 item 4): one parameter per record, so 1,000 deploys never reach
a Standard parameter's 4 KB (ten records in one parameter did, around the eighth deploy); reads
stay bounded; the old single-parameter history moves over on first read."""

from __future__ import annotations

import json

import pytest

from jenkinsctl.aws.ssm import STANDARD_VALUE_BYTES
from jenkinsctl.deploy.lastgood import KEEP, READ, LastKnownGood, Record
from jenkinsctl.deploy.resources import Resources

RES = Resources("orders-api", "prod", "prod", "us-east-1", "123456789012", "payments/orders-api")
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/orders-api"
PREFIX = "/jenkinsctl/orders-api/prod"


@pytest.fixture
def aws(aws_in_process):
    """moto in-process (1,000 deploys are ~4,000 calls): the shared fixture in conftest."""
    return aws_in_process


def _image(n: int) -> str:
    return f"{REPO}@sha256:{n:064x}"


def _taskdef(n: int) -> str:
    return f"arn:aws:ecs:us-east-1:123456789012:task-definition/orders-api-prod:{n}"


def _values(aws) -> dict[str, str]:
    pages = aws.ssm.raw.get_paginator("get_parameters_by_path").paginate(Path=PREFIX, Recursive=True)
    return {p["Name"]: p["Value"] for page in pages for p in page["Parameters"]}


def test_a_thousand_deploys_fit_and_reads_stay_bounded(aws):
    lkg = LastKnownGood(aws, RES)
    for n in range(1, 1001):
        lkg.record(f"1.{n // 100}.{n % 100}", _image(n), _taskdef(n), f"{n:040x}", "blue-green")

    values = _values(aws)
    assert max(len(v.encode()) for v in values.values()) < STANDARD_VALUE_BYTES
    assert len([k for k in values if "/deploys/" in k]) == KEEP  # older records deleted as new ones came
    assert json.loads(values[f"{PREFIX}/last-known-good"])["version"] == "1.10.0"

    before = len(aws.ssm.calls)
    history = LastKnownGood(aws, RES).history()  # a new process: reads the head, then 10 names per call
    assert len(aws.ssm.calls) - before == 1 + READ // 10
    assert [r.version for r in history[:3]] == ["1.10.0", "1.9.99", "1.9.98"] and len(history) == READ
    assert lkg.find(version="1.9.1").taskDefinition == _taskdef(901)  # the oldest kept
    assert lkg.find(version="1.8.99") is None  # beyond KEEP


def test_the_same_deploy_again_is_one_record(aws):
    lkg = LastKnownGood(aws, RES)
    for n in (1, 2, 2, 2):
        lkg.record(f"1.0.{n}", _image(n), _taskdef(n), "sha", "rolling")
    assert [r.version for r in lkg.history()] == ["1.0.2", "1.0.1"]


def test_the_single_parameter_history_moves_over_on_first_read(aws):
    old = [dict(Record(f"0.9.{n}", f"sha256:{n:064x}", _image(n), REPO, _taskdef(n), "sha", "rolling",
                       "2026-01-01T00:00:00Z").__dict__) for n in range(9, -1, -1)]  # newest first
    aws.ssm.raw.put_parameter(Name=f"{PREFIX}/history", Value=json.dumps(old), Type="String")
    aws.ssm.raw.put_parameter(Name=f"{PREFIX}/last-known-good", Value=json.dumps(old[0]), Type="String")

    lkg = LastKnownGood(aws, RES)
    assert [r.version for r in lkg.history()] == [f"0.9.{n}" for n in range(9, -1, -1)]
    assert f"{PREFIX}/history" not in _values(aws)
    lkg.record("1.0.0", _image(100), _taskdef(100), "sha", "rolling")
    assert [r.version for r in lkg.history()][:2] == ["1.0.0", "0.9.9"]
    assert json.loads(_values(aws)[f"{PREFIX}/last-known-good"])["seq"] == 11
