"""Config deploys' records in the per-record deploy history: every record carries the runtime
config's hash; the fields (for the field-level diff) live only in the last-known-good head, and
only while it fits a Standard parameter's 4 KB: a bigger configuration still redeploys on a
changed hash, its diff says the fields were not recorded."""

from __future__ import annotations

import json

import pytest

from jenkinsctl.aws.ssm import STANDARD_VALUE_BYTES
from jenkinsctl.deploy.lastgood import LastKnownGood
from jenkinsctl.deploy.resources import Resources
from jenkinsctl.deploy.runtime_config import config_hash

RES = Resources("orders-api", "prod", "prod", "us-east-1", "123456789012", "payments/orders-api")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/orders-api@sha256:" + "ab" * 32
TASKDEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/orders-api-prod:1"
PREFIX = "/jenkinsctl/orders-api/prod"


@pytest.fixture
def aws(aws_in_process):
    """moto in-process (1,000 deploys are ~4,000 calls): the shared fixture in conftest."""
    return aws_in_process


def _runtime(n_vars: int) -> dict:
    return {"env": {f"VAR_{i:03d}": "x" * 40 for i in range(n_vars)}, "secrets": {}, "cpu": 512, "memory": 1024,
            "desiredCount": 2, "healthCheck": {"path": "/healthz"}, "autoscaling": None}


def _stored(aws, name: str) -> dict:
    return json.loads(aws.ssm.raw.get_parameter(Name=name)["Parameter"]["Value"])


@pytest.mark.parametrize("n_vars, fields_kept", [(3, True), (120, False)])
def test_the_hash_is_in_every_record_the_fields_only_in_a_head_that_fits(aws, n_vars, fields_kept):
    runtime = _runtime(n_vars)
    rec = LastKnownGood(aws, RES).record("1.4.0", IMAGE, TASKDEF, "abc", "blue-green", config_hash(runtime), runtime)
    head, record = _stored(aws, f"{PREFIX}/last-known-good"), _stored(aws, f"{PREFIX}/deploys/0000000001")
    assert head["config"] == record["config"] == rec.config == config_hash(runtime)
    assert record["runtime"] is None  # the history stays small whatever the configuration
    assert (head["runtime"] == runtime) is fields_kept and (head["runtime"] is None) is not fields_kept
    for value in (head, record):
        assert len(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()) <= STANDARD_VALUE_BYTES
    again = LastKnownGood(aws, RES).get()
    assert again.config == config_hash(runtime) and (again.runtime is not None) is fields_kept
