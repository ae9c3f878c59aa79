"""Fixtures integration tests share."""

from __future__ import annotations

import pytest
from fixtures.agents.agents_support import fake_jenkins, moto_with_managed_policies


@pytest.fixture(scope="module")
def moto_fleet(moto_endpoint):
    """moto reset once per module, AWS managed policies loaded."""
    return moto_with_managed_policies(moto_endpoint)


@pytest.fixture
def jenkins():
    """The Jenkins REST fake with the `apps/api` job, and the agents wrapper on it."""
    with fake_jenkins() as pair:
        yield pair


@pytest.fixture
def aws_in_process():
    """moto in-process (no HTTP: a thousand deploys are thousands of calls), through the same typed
    clients the factory builds."""
    from moto import mock_aws

    from jenkinsctl.factory import Factory

    with mock_aws():
        yield Factory({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}).aws(
            region="us-east-1", max_attempts=1)
