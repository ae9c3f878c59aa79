"""Fixtures the agents integration tests share."""

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
